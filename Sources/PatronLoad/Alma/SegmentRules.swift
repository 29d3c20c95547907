extension PatronProfile {
    /// A type's `segments`: lists of further addresses, emails, phones, identifiers, statistics,
    /// notes and roles, written after the ones the type's single-valued keys give. Each element
    /// is written when its `when` holds (always without one) and its main value is not empty.
    public struct SegmentRules: Sendable, Codable, Equatable {
        public var addresses: [AddressSegment]?
        public var emails: [EmailSegment]?
        public var phones: [PhoneSegment]?
        public var identifiers: [IdentifierSegment]?
        public var statistics: [StatisticSegment]?
        public var notes: [NoteSegment]?
        public var roles: [RoleSegment]?

        public init(addresses: [AddressSegment]? = nil, emails: [EmailSegment]? = nil, phones: [PhoneSegment]? = nil,
                    identifiers: [IdentifierSegment]? = nil, statistics: [StatisticSegment]? = nil,
                    notes: [NoteSegment]? = nil, roles: [RoleSegment]? = nil) {
            self.addresses = addresses
            self.emails = emails
            self.phones = phones
            self.identifiers = identifiers
            self.statistics = statistics
            self.notes = notes
            self.roles = roles
        }
    }

    /// Written when `line1` is not empty (no default: an address without a street is left out).
    public struct AddressSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        public var type: CodeSource
        /// Alma takes one preferred address: the first marked so that is written wins.
        public var preferred: Bool?
        public var line1: FieldSource
        public var line2: FieldSource?
        public var line3: FieldSource?
        public var city: FieldSource?
        public var stateProvince: FieldSource?
        public var postalCode: FieldSource?
        public var country: FieldSource?
        public var note: String?
        public var startDate: UserDay?
        public var endDate: UserDay?

        public init(when: ProfileCondition? = nil, type: CodeSource, preferred: Bool? = nil, line1: FieldSource) {
            self.when = when
            self.type = type
            self.preferred = preferred
            self.line1 = line1
        }

        /// The fields in the order `PatronRecord.Segments.Address.lines` holds them.
        var lineSources: [(name: String, source: FieldSource?)] {
            [("line1", line1), ("line2", line2), ("line3", line3), ("city", city), ("stateProvince", stateProvince),
             ("postalCode", postalCode), ("country", country)]
        }
    }

    /// Written when `address` is not empty and not already one of the user's emails.
    public struct EmailSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        public var address: FieldSource
        /// Without it, `codes.emailType`.
        public var type: CodeSource?
        public var preferred: Bool?
    }

    /// Written when `number` is not empty and not already one of the user's phones; ten digits
    /// are written `ddd-ddd-dddd`, as the type's phones are.
    public struct PhoneSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        public var number: FieldSource
        /// Without it, `codes.preferredPhoneType`.
        public var type: CodeSource?
        public var preferred: Bool?
    }

    /// Written when `value` is not empty. The pre-flight checks its value against every other
    /// patron's primary_id and identifiers, as it checks the institutional ID and barcode.
    public struct IdentifierSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        public var type: CodeSource
        public var value: FieldSource
    }

    /// Written when `category` is not empty.
    public struct StatisticSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        public var category: FieldSource
        public var desc: FieldSource?
        /// Without it, `codes.statisticCategoryType`.
        public var categoryType: CodeSource?
    }

    /// Written when `text` is not empty (Alma keeps 2,000 characters of it).
    public struct NoteSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        /// A code of Alma's NoteTypes table (`OTHER`, `CIRCULATION`, …).
        public var type: CodeSource
        public var text: FieldSource
        public var userViewable: Bool?
        public var popup: Bool?
    }

    /// Written when `scope` is not empty: a role beside the profile's `codes.role*` one.
    public struct RoleSegment: Sendable, Codable, Equatable {
        public var when: ProfileCondition?
        /// A code of Alma's UserRoles table (`200` is Patron).
        public var type: CodeSource
        public var scope: CodeSource
        /// Without it, `codes.roleStatus`.
        public var status: CodeSource?
    }
}

/// A code a segment takes: a JSON string is the code itself (`"home"`), an object is a value
/// rule computing it from the row (`{"rules": …}`). Unlike a field, whose plain string names a
/// column, a code is most often fixed.
public enum CodeSource: Sendable, Equatable, Codable {
    case code(String)
    case rule(ValueRule)

    public init(from decoder: any Decoder) throws {
        switch try StringOrRule(from: decoder, as: CodeSource.self) {
        case .string(let code): self = .code(code)
        case .rule(let rule): self = .rule(rule)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .code(let code): try StringOrRule.string(code).encode(to: encoder)
        case .rule(let rule): try StringOrRule.rule(rule).encode(to: encoder)
        }
    }

    var valueRule: ValueRule {
        switch self {
        case .code(let code): ValueRule(.value(code))
        case .rule(let rule): rule
        }
    }
}

extension PatronProfile.SegmentRules {
    /// Every value rule of the segments with its JSON path (within `segments`), and every
    /// element's condition: what the checks, the lookups and `check-profile` walk.
    var valueRules: [(path: String, rule: ValueRule)] {
        sources.map { ($0.path, $0.source.valueRule) }
    }

    /// Every column the segments read, with the JSON path that names it (a plain column name
    /// is named by its field's path, as an address field's is).
    var columnReferences: [(path: String, column: String)] {
        var references = conditions.flatMap { $0.condition.columnReferences(at: $0.path) }
        for (path, source) in sources {
            if case .column(let column) = source { references.append((path, column)) } else { references += source.valueRule.columnReferences(at: path) }
        }
        return references
    }

    /// Each value and code the segments compute, as a field source (a code is a fixed value or a rule).
    private var sources: [(path: String, source: FieldSource)] {
        var rules: [(String, FieldSource)] = []
        func add(_ path: String, _ source: FieldSource?) { if let source { rules.append((path, source)) } }
        func add(_ path: String, _ source: CodeSource?) { if case .rule(let rule)? = source { rules.append((path, .rule(rule))) } }
        for (index, element) in (addresses ?? []).enumerated() {
            add("addresses[\(index)].type", element.type)
            for (name, source) in element.lineSources { add("addresses[\(index)].\(name)", source) }
        }
        for (index, element) in (emails ?? []).enumerated() {
            add("emails[\(index)].address", element.address)
            add("emails[\(index)].type", element.type)
        }
        for (index, element) in (phones ?? []).enumerated() {
            add("phones[\(index)].number", element.number)
            add("phones[\(index)].type", element.type)
        }
        for (index, element) in (identifiers ?? []).enumerated() {
            add("identifiers[\(index)].type", element.type)
            add("identifiers[\(index)].value", element.value)
        }
        for (index, element) in (statistics ?? []).enumerated() {
            add("statistics[\(index)].category", element.category)
            add("statistics[\(index)].desc", element.desc)
            add("statistics[\(index)].categoryType", element.categoryType)
        }
        for (index, element) in (notes ?? []).enumerated() {
            add("notes[\(index)].type", element.type)
            add("notes[\(index)].text", element.text)
        }
        for (index, element) in (roles ?? []).enumerated() {
            add("roles[\(index)].type", element.type)
            add("roles[\(index)].scope", element.scope)
            add("roles[\(index)].status", element.status)
        }
        return rules
    }

    var conditions: [(path: String, condition: ProfileCondition)] {
        func conditions(_ name: String, _ list: [ProfileCondition?]) -> [(String, ProfileCondition)] {
            list.enumerated().compactMap { index, condition in condition.map { ("\(name)[\(index)].when", $0) } }
        }
        return conditions("addresses", (addresses ?? []).map(\.when)) + conditions("emails", (emails ?? []).map(\.when))
            + conditions("phones", (phones ?? []).map(\.when)) + conditions("identifiers", (identifiers ?? []).map(\.when))
            + conditions("statistics", (statistics ?? []).map(\.when)) + conditions("notes", (notes ?? []).map(\.when))
            + conditions("roles", (roles ?? []).map(\.when))
    }
}
