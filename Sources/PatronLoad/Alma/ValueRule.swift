import Foundation

/// How a profile computes one value from a row, as it writes it:
///
/// - `{"column": "X"}`, `{"value": "fixed"}`;
/// - `{"template": "{KRB_NAME}@MIT.EDU"}`: columns in braces (`{{` and `}}` are literal braces);
///   when every column the template names is empty, the value is empty, not the bare text;
/// - `{"firstNonEmpty": [rule, …]}`;
/// - `{"lookup": {"table": "file.csv", "key": rule, "column": "desc", "default": "X"}}`: a CSV
///   beside the profile, read once at start;
/// - `{"rules": [{"when": condition, "then": rule}, …], "otherwise": rule}`: the first that holds.
///
/// Any of them may add `"emptyValues"` (values that mean "none", compared ignoring case and
/// surrounding space, before the transforms) and `"transform"` (applied in order).
public struct ValueRule: Sendable, Equatable, Codable {
    public indirect enum Source: Sendable, Equatable {
        case column(String)
        case value(String)
        case template(String)
        case firstNonEmpty([ValueRule])
        case lookup(Lookup)
        case rules([Case], otherwise: ValueRule?)
    }

    public struct Lookup: Sendable, Equatable {
        public var table: String
        public var key: ValueRule
        /// The table's column (by its header) that gives the value; the second column when nil.
        public var column: String?
        /// The value for a key the table does not list (or an empty key); empty when nil.
        public var fallback: String?
    }

    public struct Case: Sendable, Equatable {
        public var when: ProfileCondition
        public var then: ValueRule
    }

    public enum Transform: Sendable, Equatable {
        case trim, upper, lower, firstWord
        /// Every match of `pattern` replaced; `$1` in `with` is the first group.
        case replace(pattern: String, with: String)

        static let names = ["trim", "upper", "lower", "firstWord"]
    }

    public var source: Source
    public var transforms: [Transform]
    public var emptyValues: [String]

    public init(_ source: Source, transforms: [Transform] = [], emptyValues: [String] = []) {
        self.source = source
        self.transforms = transforms
        self.emptyValues = emptyValues
    }

    static let sources = ["column", "value", "template", "firstNonEmpty", "lookup", "rules"]
    static let modifiers = ["transform", "emptyValues", "otherwise"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProfileKey.self)
        let keys = container.allKeys.map(\.stringValue)
        let fail = ProfileKey.failure(decoder)
        if let unknown = keys.sorted().first(where: { !(Self.sources + Self.modifiers).contains($0) }) {
            throw fail("\"\(unknown)\" is not a value rule key (a value rule has one of \(Self.sources.joined(separator: ", ")); with transform or emptyValues)")
        }
        let named = keys.filter { Self.sources.contains($0) }
        guard named.count == 1, let name = named.first else {
            throw fail(named.isEmpty ? "a value rule needs one of \(Self.sources.joined(separator: ", "))"
                : "give one source per value rule (found \(named.sorted().joined(separator: " and "))); combine them with firstNonEmpty or rules")
        }
        if keys.contains("otherwise"), name != "rules" {
            throw fail("otherwise belongs with rules, not with \(name)")
        }
        let key = ProfileKey(name)
        switch name {
        case "column": source = .column(try container.decode(String.self, forKey: key))
        case "value": source = .value(try container.decode(String.self, forKey: key))
        case "template": source = .template(try container.decode(String.self, forKey: key))
        case "firstNonEmpty": source = .firstNonEmpty(try container.decode([ValueRule].self, forKey: key))
        case "lookup": source = .lookup(try container.decode(Lookup.self, forKey: key))
        default: source = .rules(try container.decode([Case].self, forKey: key), otherwise: try container.decodeIfPresent(ValueRule.self, forKey: ProfileKey("otherwise")))
        }
        transforms = try container.decodeIfPresent([Transform].self, forKey: ProfileKey("transform")) ?? []
        emptyValues = try container.decodeIfPresent([String].self, forKey: ProfileKey("emptyValues")) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProfileKey.self)
        switch source {
        case .column(let name): try container.encode(name, forKey: ProfileKey("column"))
        case .value(let value): try container.encode(value, forKey: ProfileKey("value"))
        case .template(let template): try container.encode(template, forKey: ProfileKey("template"))
        case .firstNonEmpty(let rules): try container.encode(rules, forKey: ProfileKey("firstNonEmpty"))
        case .lookup(let lookup): try container.encode(lookup, forKey: ProfileKey("lookup"))
        case .rules(let cases, let otherwise):
            try container.encode(cases, forKey: ProfileKey("rules"))
            try container.encodeIfPresent(otherwise, forKey: ProfileKey("otherwise"))
        }
        if !transforms.isEmpty { try container.encode(transforms, forKey: ProfileKey("transform")) }
        if !emptyValues.isEmpty { try container.encode(emptyValues, forKey: ProfileKey("emptyValues")) }
    }
}

extension ValueRule.Lookup: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProfileKey.self)
        try ProfileKey.refuseUnknown(in: container, known: ["table", "key", "column", "default"], what: "a lookup")
        table = try container.decode(String.self, forKey: ProfileKey("table"))
        key = try container.decode(ValueRule.self, forKey: ProfileKey("key"))
        column = try container.decodeIfPresent(String.self, forKey: ProfileKey("column"))
        fallback = try container.decodeIfPresent(String.self, forKey: ProfileKey("default"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProfileKey.self)
        try container.encode(table, forKey: ProfileKey("table"))
        try container.encode(key, forKey: ProfileKey("key"))
        try container.encodeIfPresent(column, forKey: ProfileKey("column"))
        try container.encodeIfPresent(fallback, forKey: ProfileKey("default"))
    }
}

extension ValueRule.Case: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProfileKey.self)
        try ProfileKey.refuseUnknown(in: container, known: ["when", "then"], what: "a rule")
        when = try container.decode(ProfileCondition.self, forKey: ProfileKey("when"))
        then = try container.decode(ValueRule.self, forKey: ProfileKey("then"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProfileKey.self)
        try container.encode(when, forKey: ProfileKey("when"))
        try container.encode(then, forKey: ProfileKey("then"))
    }
}

extension ValueRule.Transform: Codable {
    public init(from decoder: any Decoder) throws {
        let fail = ProfileKey.failure(decoder)
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            switch name {
            case "trim": self = .trim
            case "upper": self = .upper
            case "lower": self = .lower
            case "firstWord": self = .firstWord
            default: throw fail("\"\(name)\" is not a transform (one of \(Self.names.joined(separator: ", ")), or {\"replace\": …})")
            }
            return
        }
        let container = try decoder.container(keyedBy: ProfileKey.self)
        try ProfileKey.refuseUnknown(in: container, known: ["replace"], what: "a transform")
        let replace = try container.nestedContainer(keyedBy: ProfileKey.self, forKey: ProfileKey("replace"))
        try ProfileKey.refuseUnknown(in: replace, known: ["pattern", "with"], what: "replace")
        self = .replace(pattern: try replace.decode(String.self, forKey: ProfileKey("pattern")), with: try replace.decode(String.self, forKey: ProfileKey("with")))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .replace(let pattern, let with):
            var container = encoder.container(keyedBy: ProfileKey.self)
            var replace = container.nestedContainer(keyedBy: ProfileKey.self, forKey: ProfileKey("replace"))
            try replace.encode(pattern, forKey: ProfileKey("pattern"))
            try replace.encode(with, forKey: ProfileKey("with"))
        default:
            var container = encoder.singleValueContainer()
            try container.encode(Self.names[[.trim, .upper, .lower, .firstWord].firstIndex(of: self)!])
        }
    }
}

/// A JSON key of a construct that decodes itself (conditions, value and date rules): their
/// cases are not their keys, so `ProfileKeys` cannot check them by reflection; they refuse
/// unknown keys as they decode.
struct ProfileKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    static func failure(_ decoder: any Decoder) -> (String) -> DecodingError {
        { .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: $0)) }
    }

    static func refuseUnknown(in container: KeyedDecodingContainer<ProfileKey>, known: [String], what: String) throws {
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath,
                                                    debugDescription: "\"\(unknown)\" is not a key of \(what) (its keys: \(known.joined(separator: ", ")))"))
        }
    }
}
