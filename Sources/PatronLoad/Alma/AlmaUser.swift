/// A code-table value: `<user_group desc="Staff">12</user_group>`.
public struct CodeValue: Sendable, Hashable, Codable {
    public var code: String
    public var desc: String?

    public init(_ code: String, desc: String? = nil) {
        self.code = code
        self.desc = desc
    }
}

/// One Alma user as patronload writes it. Every field here is written by `AlmaUserXMLWriter`;
/// what a profile leaves empty is left out of the file (or written empty where Alma's schema allows
/// it and the reference loader relies on it to clear a value).
public struct AlmaUser: Sendable, Hashable {
    public struct Address: Sendable, Hashable {
        public var line1: String
        public var line2: String = ""
        public var line3: String = ""
        public var city: String = ""
        public var stateProvince: String = ""
        public var postalCode: String = ""
        /// A code of Alma's CountryCodes table; empty leaves `<country>` out.
        public var country: String = ""
        public var note: String = ""
        public var types: [CodeValue]
        public var preferred: Bool = true
        public var startDate: AlmaDate? = nil
        public var endDate: AlmaDate? = nil
    }

    public struct Email: Sendable, Hashable {
        public var address: String
        public var types: [CodeValue]
        public var preferred: Bool
    }

    public struct Phone: Sendable, Hashable {
        public var number: String
        public var types: [CodeValue]
        public var preferred: Bool
    }

    public struct Identifier: Sendable, Hashable {
        public var type: CodeValue
        public var value: String
        public var status: String
    }

    public struct Role: Sendable, Hashable {
        public var status: CodeValue
        public var scope: CodeValue
        public var roleType: CodeValue
    }

    public struct Note: Sendable, Hashable {
        public var type: CodeValue
        /// At most 2,000 characters (Alma's schema).
        public var text: String
        public var userViewable: Bool
        public var popup: Bool
    }

    public struct Statistic: Sendable, Hashable {
        public var category: CodeValue
        public var categoryType: CodeValue
    }

    public var recordType: CodeValue
    public var primaryID: String
    public var firstName: String
    public var middleName: String
    public var lastName: String
    /// nil leaves `<gender>` out; an empty code writes `<gender/>`, which clears it in Alma.
    public var gender: CodeValue?
    public var userGroup: CodeValue
    public var catalogerLevel: CodeValue?
    public var preferredLanguage: CodeValue?
    public var expiryDate: AlmaDate
    public var purgeDate: AlmaDate
    public var accountType: CodeValue
    public var externalID: String
    public var status: CodeValue
    public var addresses: [Address]
    public var emails: [Email]
    public var phones: [Phone]
    public var preferredFirstName: String
    public var preferredMiddleName: String
    public var preferredLastName: String
    public var isResearcher: Bool?
    public var identifiers: [Identifier]
    public var roles: [Role]
    public var statistics: [Statistic]
    /// From a type's `segments.notes`: External notes, replaced at each load.
    public var notes: [Note] = []
    // Set only by a patron type's `fields` rules; nil leaves the element out.
    public var userTitle: CodeValue? = nil
    public var jobCategory: CodeValue? = nil
    public var campusCode: CodeValue? = nil
    public var birthDate: AlmaDate? = nil
    public var statusDate: AlmaDate? = nil
    /// Not written to Alma (its user has no such field): FOLIO's enrollmentDate.
    public var enrollmentDate: AlmaDate? = nil
}
