import Foundation

/// The dates every user of a run shares, computed once from the run's `today` (UTC).
public struct RunDates: Sendable, Equatable {
    public let today: AlmaDate
    public let expiry: AlmaDate
    public let purge: AlmaDate

    public init(today: AlmaDate, expiryMonths: Int, purgeMonths: Int) {
        self.today = today
        self.expiry = today.adding(months: expiryMonths)
        self.purge = today.adding(months: purgeMonths)
    }
}

/// Why a row was not written.
public enum RejectionReason: Sendable, Equatable, CustomStringConvertible {
    case missingLoginID
    /// A column of the type's `rows.requiredColumns` is empty.
    case missingRequiredColumn(String)

    public var description: String {
        switch self {
        case .missingLoginID: "missing primary login ID"
        case .missingRequiredColumn(let column): "missing a value in the required column \(column)"
        }
    }
}

/// A warehouse value the XML file cannot carry as it is, and the column it came from.
public struct UnwritableValue: Sendable, Equatable {
    public var column: String
    public var character: UnwritableCharacter
    /// The login ID, institutional ID or barcode: the patron is left out, because the value Alma
    /// would receive is not the warehouse's and could be another patron's.
    public var isIdentifier: Bool
}

public enum MappingOutcome: Sendable, Equatable {
    case record(PatronRecord)
    case rejected(institutionalID: String, reason: RejectionReason)
    /// Left out on purpose by the type's `rows` rules (not an error): `rule` is its JSON path.
    case excluded(institutionalID: String, rule: String)
}

/// Maps the rows of one patron type's query to `PatronRecord` values. Column positions are resolved once,
/// when the query's columns are known; a column the profile names but the query lacks fails there.
public struct PatronMapper {
    public let patronType: PatronProfile.PatronType
    private let suffix: String
    private let noneBarcodes: Set<String>
    private let lookup: DepartmentLookup?
    private let groupValues: [String: String]?
    private let overrides: [OverridePattern]
    private let index: Indices
    private let rowRules: CompiledRowRules
    /// `userGroupRules`, compiled: tried in order before `userGroup`.
    private let groupRules: [(condition: RowCondition, group: CodeValue)]
    private let typePath: String
    /// The type's `fields` rules, compiled.
    private let fields: CompiledFieldRules
    /// The type's `segments` rules, compiled.
    private let segmentRules: CompiledSegmentRules
    /// The column `expiry.column` reads, when the type's expiry comes from the row.
    private let expiryColumn: Int?
    /// Every column whose value is written, identifiers first.
    private let written: [(position: Int, column: String, isIdentifier: Bool)]

    private struct Indices {
        var institutionalID, loginID, email, barcode: Int
        var legalFirst, legalMiddle, legalLast, preferredFirst, preferredMiddle, preferredLast: Int
        var group: Int
        var groupDesc: Int?
        var address: [ReadSource?]
        var preferredPhones: [Int]
        var secondaryPhone: Int?
        var statistic: Int?
        var statisticDesc: Int?
    }

    private enum ReadSource {
        case column(Int)
        case value(String)
        case rule(RowValue)
    }

    /// The slot of `Indices.address` that holds the country (after line1 … postalCode).
    private static let countrySlot = 6

    /// `today` is the run's as-of day, which conditions on dates compare with.
    public init(profile: LoadedProfile, patronType: PatronProfile.PatronType, columns: [String], today: AlmaDate) throws(ProfileError) {
        self.patronType = patronType
        self.suffix = profile.profile.primaryIDSuffix
        self.noneBarcodes = Set(profile.profile.barcodeNoneValues.map { $0.uppercased() })
        self.lookup = patronType.statisticCategory.flatMap { profile.lookups[$0.lookup] }

        var positions: [String: Int] = [:]
        for (offset, name) in columns.enumerated() where positions[name.uppercased()] == nil {
            positions[name.uppercased()] = offset
        }
        func column(_ name: String) throws(ProfileError) -> Int {
            guard let position = positions[name.uppercased()] else {
                throw .missingColumn(patronType: patronType.name, column: name, available: columns)
            }
            return position
        }
        let typeIndex = profile.profile.patronTypes.firstIndex { $0.name == patronType.name } ?? 0
        self.typePath = "patronTypes[\(typeIndex)]"
        func source(_ name: String, _ field: FieldSource?) throws(ProfileError) -> ReadSource? {
            switch field {
            case .column(let name)?: .column(try column(name))
            case .value(let value)?: .value(value)
            case .rule(let rule)?: .rule(try RowValue(rule, path: "patronTypes[\(typeIndex)].address.\(name)", today: today, tables: profile.tables, position: column))
            case nil: nil
            }
        }
        let names = patronType.columns
        var address: [ReadSource?] = []
        for (name, field) in patronType.addressSources { address.append(try source(name, field)) }
        var secondary: Int?
        if let name = patronType.phones.secondary?.column { secondary = try column(name) }
        var preferredPhones: [Int] = []
        for name in patronType.phones.preferred { preferredPhones.append(try column(name)) }
        var groupDesc: Int?
        if let name = patronType.userGroup.descColumn { groupDesc = try column(name) }
        var statistic: Int?
        var statisticDesc: Int?
        if let rule = patronType.statisticCategory {
            statistic = try column(rule.column)
            if let name = rule.descColumn { statisticDesc = try column(name) }
        }
        self.index = Indices(
            institutionalID: try column(names.institutionalID),
            loginID: try column(names.loginID),
            email: try column(names.email),
            barcode: try column(names.barcode),
            legalFirst: try column(names.legalFirstName),
            legalMiddle: try column(names.legalMiddleName),
            legalLast: try column(names.legalLastName),
            preferredFirst: try column(names.preferredFirstName),
            preferredMiddle: try column(names.preferredMiddleName),
            preferredLast: try column(names.preferredLastName),
            group: try column(patronType.userGroup.column),
            groupDesc: groupDesc,
            address: address,
            preferredPhones: preferredPhones,
            secondaryPhone: secondary,
            statistic: statistic,
            statisticDesc: statisticDesc
        )
        var written: [(position: Int, column: String, isIdentifier: Bool)] = []
        var identifiers = [index.loginID, index.institutionalID, index.barcode]
        // A further identifier's value is an identifier too: repaired, it could be another patron's.
        for (index, element) in (patronType.segments?.identifiers ?? []).enumerated() {
            for reference in element.value.valueRule.columnReferences(at: "segments.identifiers[\(index)].value") where !reference.path.contains(".when") {
                identifiers.append(try column(reference.column))
            }
        }
        var others = [index.legalFirst, index.legalMiddle, index.legalLast, index.preferredFirst, index.preferredMiddle, index.preferredLast, index.email, index.group]
        others += [index.groupDesc, index.statistic, index.statisticDesc, secondary].compactMap { $0 } + preferredPhones
        for case .column(let position)? in index.address { others.append(position) }
        // A column a value rule writes is checked as the column it replaces is; a column a rule
        // only tests (`when`) is not written.
        for (_, rule) in patronType.valueRules {
            for reference in rule.columnReferences(at: "") where !reference.path.contains(".when") {
                others.append(try column(reference.column))
            }
        }
        for position in identifiers where !written.contains(where: { $0.position == position }) {
            written.append((position, columns[position], true))
        }
        for position in others where !written.contains(where: { $0.position == position }) {
            written.append((position, columns[position], false))
        }
        self.written = written
        self.rowRules = try CompiledRowRules(patronType.rows, path: "\(typePath).rows", today: today, loginID: index.loginID, position: column)
        var groupRules: [(condition: RowCondition, group: CodeValue)] = []
        for rule in patronType.userGroupRules ?? [] {
            groupRules.append((try RowCondition(rule.when, today: today, position: column), CodeValue(rule.userGroup, desc: rule.desc)))
        }
        self.groupRules = groupRules
        self.fields = try CompiledFieldRules(patronType.fields, path: "\(typePath).fields", today: today, tables: profile.tables, position: column)
        self.segmentRules = try CompiledSegmentRules(patronType.segments, path: "\(typePath).segments", today: today, tables: profile.tables, position: column)
        if case .column(let name, _)? = patronType.expiry {
            self.expiryColumn = try column(name)
        } else {
            self.expiryColumn = nil
        }
        self.groupValues = patronType.userGroup.values.map { table in
            Dictionary(table.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        var overrides: [OverridePattern] = []
        for override in patronType.userGroup.overrides ?? [] {
            guard let regex = try? Regex(override.pattern) else {
                throw .invalidPattern(patronType: patronType.name, pattern: override.pattern)
            }
            overrides.append(OverridePattern(column: try column(override.column), regex: regex, code: override.code))
        }
        self.overrides = overrides
    }

    /// The primary_id a row would get, or nil when it has no login ID. Cheap: used to collect the
    /// IDs of earlier patron types before later ones are written.
    public func primaryID(of row: [String?]) -> String? {
        let login = Self.trimmed(row[index.loginID])
        return login.isEmpty ? nil : login + suffix
    }

    public func institutionalID(of row: [String?]) -> String {
        Self.trimmed(row[index.institutionalID])
    }

    /// The row's values that XML cannot carry as they are, identifiers first; empty for almost
    /// every row.
    public func unwritableValues(_ row: [String?]) -> [UnwritableValue] {
        var found: [UnwritableValue] = []
        for item in written {
            guard let value = row[item.position], let character = UnwritableCharacter.first(in: value) else { continue }
            found.append(UnwritableValue(column: item.column, character: character, isIdentifier: item.isIdentifier))
        }
        return found
    }

    public func map(_ row: [String?]) -> MappingOutcome {
        // A row the institution leaves out on purpose is not checked for what it lacks.
        if let rule = rowRules.exclusion(row) {
            return .excluded(institutionalID: institutionalID(of: row), rule: rule)
        }
        guard let primaryID = primaryID(of: row) else {
            return .rejected(institutionalID: institutionalID(of: row), reason: .missingLoginID)
        }
        for required in rowRules.required where Self.trimmed(row[required.position]).isEmpty {
            return .rejected(institutionalID: institutionalID(of: row), reason: .missingRequiredColumn(required.column))
        }
        func value(_ position: Int) -> String { Self.trimmed(row[position]) }
        // A field's rule, when the type has one, replaces the column the field is read from.
        func value(_ field: RuleField, or position: Int) -> String { fields.value(field, row) ?? Self.trimmed(row[position]) }
        func read(_ slot: Int) -> String {
            switch index.address[slot] {
            case .column(let position)?: Self.trimmed(row[position])
            case .value(let value)?: value
            case .rule(let value)?: value.value(row)
            case nil: ""
            }
        }
        let first = value(.firstName, or: index.legalFirst)
        let middle = value(.middleName, or: index.legalMiddle)
        let last = value(.lastName, or: index.legalLast)
        var barcode = value(.barcode, or: index.barcode)
        if noneBarcodes.contains(barcode.uppercased()) { barcode = "" }
        let line1 = read(0)
        return .record(PatronRecord(
            primaryID: primaryID,
            institutionalID: value(index.institutionalID),
            barcode: barcode,
            firstName: first,
            middleName: middle,
            lastName: last,
            preferredFirstName: Self.preferred(value(.preferredFirstName, or: index.preferredFirst), legal: first),
            preferredMiddleName: Self.preferred(value(.preferredMiddleName, or: index.preferredMiddle), legal: middle),
            preferredLastName: Self.preferred(value(.preferredLastName, or: index.preferredLast), legal: last),
            email: value(.email, or: index.email),
            phones: phones(row),
            userGroup: userGroup(row),
            line1: line1.isEmpty ? patronType.address.line1Default : line1,
            line2: read(1),
            line3: read(2),
            city: read(3),
            stateProvince: read(4),
            postalCode: read(5),
            statistic: statistic(row),
            details: details(row, country: index.address[Self.countrySlot] == nil ? nil : read(Self.countrySlot)),
            segments: segmentRules.segments(row)
        ))
    }

    /// What the `fields` and `expiry` rules set beyond the base record; nil when none does.
    private func details(_ row: [String?], country: String?) -> PatronRecord.Details? {
        guard fields.setsDetails || expiryColumn != nil || country != nil else { return nil }
        return PatronRecord.Details(
            status: fields.value(.status, row), userTitle: fields.value(.userTitle, row), jobCategory: fields.value(.jobCategory, row),
            campusCode: fields.value(.campusCode, row), preferredLanguage: fields.value(.preferredLanguage, row),
            gender: fields.value(.gender, row), birthDate: fields.value(.birthDate, row).map(Self.isoDay),
            expiryDate: expiryColumn.map { Self.isoDay(Self.trimmed(row[$0])) },
            country: country, emailType: fields.value(.emailType, row),
            enrollmentDate: fields.value(.enrollmentDate, row).map(Self.isoDay)
        )
    }

    /// The value's leading ISO day (`2027-06-30` of `2027-06-30 00:00:00`), or empty.
    static func isoDay(_ value: String) -> String {
        let utf8 = value.utf8
        guard utf8.count >= 10 else { return "" }
        for (offset, byte) in utf8.prefix(10).enumerated() {
            let isDash = offset == 4 || offset == 7
            guard isDash ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return "" }
        }
        if let next = utf8.dropFirst(10).first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { return "" }
        let day = String(value.prefix(10))
        return AlmaDate(isoDay: day) == nil ? "" : day
    }

    /// For `explain`: each field a `fields` rule set, with the JSON path of the rule that decided it.
    public func fieldSources(of row: [String?]) -> [(field: String, path: String)] {
        // The user group has its own line (`userGroupSource`): userGroupRules come before it.
        var decisions = fields.decisions(row).filter { $0.field != RuleField.userGroup.name }
        for ((name, _), source) in zip(patronType.addressSources, index.address) {
            if case .rule(let value)? = source { decisions.append(("address.\(name)", value.decidingPath(row))) }
        }
        return decisions + segmentRules.decisions(row)
    }

    /// The JSON path of what decides the row's user group, for `explain`; nil for a type without
    /// `userGroupRules`.
    public func userGroupSource(of row: [String?]) -> String? {
        let fromFields = fields.value(.userGroup, row).map { !$0.isEmpty }
        guard !groupRules.isEmpty || fromFields != nil else { return nil }
        if let index = groupRules.firstIndex(where: { $0.condition.matches(row) }) {
            return "\(typePath).userGroupRules[\(index)]"
        }
        if fromFields == true, let path = fields.decisions(row).first(where: { $0.field == RuleField.userGroup.name })?.path {
            return path
        }
        return "\(typePath).userGroup (" + (fromFields == false ? "fields.userGroup gave no value" : "no userGroupRules rule matched") + ")"
    }

    private func userGroup(_ row: [String?]) -> CodeValue {
        var group = groupCode(row)
        if let desc = fields.value(.userGroupDesc, row), !desc.isEmpty, !group.code.isEmpty { group.desc = desc }
        return group
    }

    private func groupCode(_ row: [String?]) -> CodeValue {
        for rule in groupRules where rule.condition.matches(row) {
            return rule.group
        }
        if let code = fields.value(.userGroup, row), !code.isEmpty {
            return CodeValue(code)
        }
        for override in overrides {
            let candidate = Self.trimmed(row[override.column])
            if !candidate.isEmpty, override.matches(candidate) {
                return CodeValue(override.code)
            }
        }
        let raw = Self.trimmed(row[index.group])
        let desc = index.groupDesc.map { Self.trimmed(row[$0]) }
        guard let table = groupValues else { return CodeValue(raw, desc: desc) }
        let code = table[raw.uppercased()] ?? patronType.userGroup.otherwise ?? ""
        return CodeValue(code, desc: desc)
    }

    private func phones(_ row: [String?]) -> [PatronRecord.Phone] {
        var phones: [PatronRecord.Phone] = []
        var preferredColumn: Int?
        for position in index.preferredPhones {
            let number = Self.trimmed(row[position])
            if !number.isEmpty {
                phones.append(.init(number: Self.formatPhone(number), isPreferred: true))
                preferredColumn = position
                break
            }
        }
        if let secondary = index.secondaryPhone, secondary != preferredColumn, patronType.phones.secondary != nil {
            let number = Self.trimmed(row[secondary])
            if !number.isEmpty {
                phones.append(.init(number: Self.formatPhone(number), isPreferred: false))
            }
        }
        return phones
    }

    private func statistic(_ row: [String?]) -> CodeValue? {
        guard let rule = patronType.statisticCategory, let position = index.statistic else { return nil }
        let key = Self.trimmed(row[position])
        let entry = key.isEmpty ? nil : lookup?[key]
        let desc: String?
        if let descColumn = index.statisticDesc {
            let text = Self.trimmed(row[descColumn])
            desc = text.isEmpty ? rule.descDefault : text
        } else if let description = entry?.description, !description.isEmpty {
            desc = description
        } else {
            desc = rule.descDefault
        }
        return CodeValue(entry?.code ?? rule.unknownCode, desc: desc)
    }

    static func trimmed(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "" }
        // Most warehouse values have no surrounding space: check the ends before calling Foundation.
        // From the contiguous bytes: the UTF-8 view's `last` steps back through its generic index.
        let ends = value.utf8.withContiguousStorageIfAvailable { ($0.first, $0.last) } ?? (value.utf8.first, value.utf8.last)
        if let first = ends.0, let last = ends.1, first > 0x20, last > 0x20, first < 0x80, last < 0x80 {
            return value
        }
        if let first = value.unicodeScalars.first, let last = value.unicodeScalars.last, !isWhitespace(first), !isWhitespace(last) {
            return value
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Unicode's White_Space characters (what `.whitespacesAndNewlines` holds), by value: asking
    /// the scalar's Unicode properties looked them up in tables for every accented name.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// A preferred name is written only when it adds something: non-empty and not the legal name
    /// in another case.
    static func preferred(_ name: String, legal: String) -> String {
        guard !name.isEmpty, !sameIgnoringCase(name, legal) else { return "" }
        return name
    }

    /// Whether the two are the same but for case. ASCII names (most) are compared byte by byte;
    /// lowercasing both built two Strings for every name of every patron.
    static func sameIgnoringCase(_ one: String, _ other: String) -> Bool {
        var one = one, other = other
        let ascii: Bool? = one.withUTF8 { left in
            other.withUTF8 { right in
                guard left.allSatisfy({ $0 < 0x80 }), right.allSatisfy({ $0 < 0x80 }) else { return nil }
                guard left.count == right.count else { return false }
                @inline(__always) func folded(_ byte: UInt8) -> UInt8 { byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte }
                for index in 0..<left.count where folded(left[index]) != folded(right[index]) { return false }
                return true
            }
        }
        return ascii ?? (one.lowercased() == other.lowercased())
    }

    /// Exactly ten digits become `ddd-ddd-dddd`; anything else is kept as it came (trimmed).
    static func formatPhone(_ number: String) -> String {
        let utf8 = number.utf8
        guard utf8.count == 10, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return number
        }
        // Twelve ASCII bytes: a small String, built in place, with no array or Substring between.
        var digits = utf8.makeIterator()
        return String(unsafeUninitializedCapacity: 12) { buffer in
            for index in 0..<12 {
                buffer[index] = index == 3 || index == 7 ? UInt8(ascii: "-") : digits.next()!
            }
            return 12
        }
    }
}
