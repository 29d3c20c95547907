extension PatronProfile {
    /// A patron type's `fields`: value rules for the Alma user fields the profile computes
    /// itself instead of taking them as `columns` and `codes` give them. A field without a rule
    /// is written as it would be without `fields`.
    public struct FieldRules: Sendable, Codable, Equatable {
        public var firstName: ValueRule?
        public var middleName: ValueRule?
        public var lastName: ValueRule?
        public var preferredFirstName: ValueRule?
        public var preferredMiddleName: ValueRule?
        public var preferredLastName: ValueRule?
        public var email: ValueRule?
        public var barcode: ValueRule?
        /// Tried after `userGroupRules` and before `userGroup`: an empty value falls through.
        public var userGroup: ValueRule?
        /// The user group's desc attribute, whichever rule or column gave the code; empty keeps
        /// that source's own desc (a `userGroupRules` desc, `userGroup.descColumn`), if any.
        public var userGroupDesc: ValueRule?
        /// `ACTIVE` or `INACTIVE`; empty writes `codes.status`.
        public var status: ValueRule?
        public var userTitle: ValueRule?
        public var jobCategory: ValueRule?
        public var campusCode: ValueRule?
        /// Empty writes `codes.preferredLanguage`.
        public var preferredLanguage: ValueRule?
        /// Empty writes `<gender/>` when `clearGender` is true, nothing otherwise.
        public var gender: ValueRule?
        /// A value that begins with an ISO day (`1990-04-01`, `1990-04-01 00:00:00`); else left out.
        public var birthDate: ValueRule?
        /// The email's type (`work` for the institution's domain, `personal` otherwise); empty
        /// writes `codes.emailType`.
        public var emailType: ValueRule?
        /// An ISO day, as for birthDate. Alma has no such field: only a FOLIO delivery sends it.
        public var enrollmentDate: ValueRule?

        public init() {}
    }
}

/// The fields a `fields` rule may set, in the order `explain` lists them.
enum RuleField: Int, CaseIterable {
    case firstName, middleName, lastName, preferredFirstName, preferredMiddleName, preferredLastName, email, barcode
    case userGroup, userGroupDesc, status, userTitle, jobCategory, campusCode, preferredLanguage, gender, birthDate, emailType, enrollmentDate

    var name: String { String(describing: self) }

    var rule: KeyPath<PatronProfile.FieldRules, ValueRule?> {
        switch self {
        case .firstName: \.firstName
        case .middleName: \.middleName
        case .lastName: \.lastName
        case .preferredFirstName: \.preferredFirstName
        case .preferredMiddleName: \.preferredMiddleName
        case .preferredLastName: \.preferredLastName
        case .email: \.email
        case .barcode: \.barcode
        case .userGroup: \.userGroup
        case .userGroupDesc: \.userGroupDesc
        case .status: \.status
        case .userTitle: \.userTitle
        case .jobCategory: \.jobCategory
        case .campusCode: \.campusCode
        case .preferredLanguage: \.preferredLanguage
        case .gender: \.gender
        case .birthDate: \.birthDate
        case .emailType: \.emailType
        case .enrollmentDate: \.enrollmentDate
        }
    }

    /// Fields the base record has no place for: they travel in `PatronRecord.Details`.
    var isDetail: Bool { rawValue >= RuleField.status.rawValue }
}

extension PatronProfile.FieldRules {
    /// Each rule that is set, with its field.
    var rules: [(field: RuleField, rule: ValueRule)] {
        RuleField.allCases.compactMap { field in self[keyPath: field.rule].map { (field, $0) } }
    }
}

/// A type's `fields`, compiled: one `RowValue` per field that has a rule.
struct CompiledFieldRules {
    private let values: [RowValue?]
    /// True when a rule sets a field that only `PatronRecord.Details` carries.
    let setsDetails: Bool

    init(_ rules: PatronProfile.FieldRules?, path: String, today: AlmaDate, tables: [String: LookupTable],
         position: (String) throws(ProfileError) -> Int) throws(ProfileError) {
        var values = [RowValue?](repeating: nil, count: RuleField.allCases.count)
        for (field, rule) in rules?.rules ?? [] {
            values[field.rawValue] = try RowValue(rule, path: "\(path).\(field.name)", today: today, tables: tables, position: position)
        }
        self.values = values
        setsDetails = RuleField.allCases.contains { $0.isDetail && values[$0.rawValue] != nil }
    }

    /// The field's value for the row, or nil when the type has no rule for it.
    func value(_ field: RuleField, _ row: [String?]) -> String? {
        values[field.rawValue]?.value(row)
    }

    /// For `explain`: each field a rule set, with the JSON path of the rule that decided it.
    func decisions(_ row: [String?]) -> [(field: String, path: String)] {
        RuleField.allCases.compactMap { field in values[field.rawValue].map { (field.name, $0.decidingPath(row)) } }
    }
}

extension PatronProfile.PatronType {
    /// The address's fields in the order the mapper reads them, with their names in the profile.
    var addressSources: [(name: String, source: FieldSource?)] {
        [("line1", address.line1), ("line2", address.line2), ("line3", address.line3), ("city", address.city),
         ("stateProvince", address.stateProvince), ("postalCode", address.postalCode), ("country", address.country)]
    }

    /// Every value rule of the type (its `fields` and the address fields given as rules), with
    /// its JSON path within the type: what the checks, the lookups and `check-profile` walk.
    var valueRules: [(path: String, rule: ValueRule)] {
        ownValueRules + (segments?.valueRules ?? []).map { ("segments.\($0.path)", $0.rule) }
    }

    /// The value rules of the type's `fields` and address, without its segments' (whose columns
    /// `segments.columnReferences` names at their fields' own paths).
    var ownValueRules: [(path: String, rule: ValueRule)] {
        var rules = (fields?.rules ?? []).map { ("fields.\($0.field.name)", $0.rule) }
        for case let (name, .rule(rule)?) in addressSources { rules.append(("address.\(name)", rule)) }
        return rules
    }
}

extension PatronProfile {
    /// Every lookup the types' value rules make, with its JSON path: the tables to read at start.
    var valueLookups: [(path: String, lookup: ValueRule.Lookup)] {
        patronTypes.enumerated().flatMap { index, type in
            type.valueRules.flatMap { $0.rule.lookups(at: "patronTypes[\(index)].\($0.path)") }
        }
    }
}
