import Foundation

/// An institution's rules for turning warehouse rows into Alma users: the queries, the column
/// names, the code values, the lookups and the date offsets. Loaded from a JSON file so that an
/// institution changes its load without touching code; `reference.json` is the reference loader's.
public struct PatronProfile: Sendable, Codable, Equatable {
    public var name: String
    /// The root element of each XML file. Alma's schema names `users`; the reference writes `userRecords`.
    public var rootElement: String
    /// Appended to the login ID to make the primary_id.
    public var primaryIDSuffix: String
    public var expiryMonths: Int
    public var purgeMonths: Int
    public var codes: FixedCodes
    /// Barcode values that mean "no barcode" (compared ignoring case).
    public var barcodeNoneValues: [String]
    /// Patron types in load order: an ID written by an earlier type is skipped in a later one,
    /// unless `population` says otherwise.
    public var patronTypes: [PatronType]
    /// What the pre-flight checks before anything is delivered (optional in the file).
    public var preflight: Preflight?
    /// Run history: leavers and changes-only loads (optional in the file).
    public var history: HistorySettings?
    /// How users map to FOLIO when the run delivers there (`--folio-url`).
    public var folio: FolioSettings?
    /// Which record is written for a person in several patron types (optional in the file:
    /// first feed wins).
    public var population: Population?

    public struct FolioSettings: Sendable, Codable, Equatable {
        /// Required, so that the choice is made knowingly: false (FOLIO's default) replaces each
        /// user whole, erasing what the profile does not send (addresses typed in FOLIO, notes
        /// fields); true keeps absent fields but still replaces `personal` whole.
        public var updateOnlyPresentFields: Bool
        /// Prefix of every externalSystemId in FOLIO (letters, digits and - only).
        public var sourceType: String?
        /// Identifier type code whose value is the externalSystemId (default: codes.institutionalIDType).
        public var externalSystemIdType: String?
        /// Identifier type code whose value is the barcode (default: codes.barcodeType); "" sends none.
        public var barcodeType: String?
        /// User group code → FOLIO patron group name; unlisted codes are sent as they are.
        public var patronGroups: [String: String]?
        /// Address type code → FOLIO address type name; unlisted codes are sent as they are.
        public var addressTypes: [String: String]?
        /// mail, email, text, phone or mobile (default email).
        public var preferredContactType: String?
        /// Users per request, sent one request at a time (default 250; FOLIO advises 100–500).
        public var batchSize: Int?
        /// Statistic categories (description, else code) become FOLIO departments.
        public var departmentsFromStatistics: Bool?
        /// Phone type code whose number is FOLIO's mobilePhone.
        public var mobilePhoneType: String?
        /// FOLIO custom field refId → the user field it takes.
        public var customFields: [String: FolioMapping.CustomFieldSource]?
    }

    /// The FOLIO mapping this profile gives, with its defaults.
    public var folioMapping: FolioMapping? {
        guard let folio else { return nil }
        var mapping = FolioMapping(sourceType: folio.sourceType, externalSystemIdType: folio.externalSystemIdType ?? codes.institutionalIDType.code,
                                   barcodeType: folio.barcodeType.map { $0.isEmpty ? nil : $0 } ?? codes.barcodeType.code)
        mapping.patronGroups = folio.patronGroups ?? [:]
        mapping.addressTypes = folio.addressTypes ?? [:]
        mapping.preferredContactType = folio.preferredContactType ?? "email"
        mapping.updateOnlyPresentFields = folio.updateOnlyPresentFields
        mapping.departmentsFromStatistics = folio.departmentsFromStatistics ?? false
        mapping.mobilePhoneType = folio.mobilePhoneType
        mapping.customFields = folio.customFields ?? [:]
        return mapping
    }

    public struct Preflight: Sendable, Codable, Equatable {
        /// Stop the run when more than this share of a patron type is left out (default 5).
        public var maxLeftOutPercent: Double?
        /// The user group codes Alma knows; a patron with another (non-empty) code is left out.
        public var userGroups: [String]?
        /// The statistic category codes Alma knows.
        public var statisticCategories: [String]?
        /// Fields a patron must have: institutionalID, barcode, firstName, lastName, email,
        /// userGroup, statisticCategory, address, phone.
        public var requiredFields: [RequiredField]?
        /// A patron written with an empty user group is left out unless this is true: Alma
        /// files such a patron under no group, where no loan rule finds them.
        public var allowEmptyUserGroup: Bool?

        public init(maxLeftOutPercent: Double? = nil, userGroups: [String]? = nil, statisticCategories: [String]? = nil,
                    requiredFields: [RequiredField]? = nil, allowEmptyUserGroup: Bool? = nil) {
            self.maxLeftOutPercent = maxLeftOutPercent
            self.userGroups = userGroups
            self.statisticCategories = statisticCategories
            self.requiredFields = requiredFields
            self.allowEmptyUserGroup = allowEmptyUserGroup
        }
    }

    public enum RequiredField: String, Sendable, Codable, CaseIterable {
        case institutionalID, barcode, firstName, lastName, email, userGroup, statisticCategory, address, phone
    }

    public struct HistorySettings: Sendable, Codable, Equatable {
        /// What happens to patrons gone from the feed: `ignore` (Alma's expiry date handles them)
        /// or `expire` (written once more, expiring `leaverExpiryDays` ahead, then forgotten).
        public var leavers: LeaverPolicy?
        public var leaverExpiryDays: Int?
        /// A changes-only run loads everyone when the last full load is this many days old (7).
        public var fullLoadEveryDays: Int?

        public init(leavers: LeaverPolicy? = nil, leaverExpiryDays: Int? = nil, fullLoadEveryDays: Int? = nil) {
            self.leavers = leavers
            self.leaverExpiryDays = leaverExpiryDays
            self.fullLoadEveryDays = fullLoadEveryDays
        }
    }

    public enum LeaverPolicy: String, Sendable, Codable, CaseIterable {
        case ignore, expire
    }

    public struct FixedCodes: Sendable, Codable, Equatable {
        public var recordType: CodeValue
        public var catalogerLevel: CodeValue?
        public var preferredLanguage: CodeValue?
        public var accountType: CodeValue
        public var externalID: String
        public var status: CodeValue
        public var identifierStatus: String
        public var institutionalIDType: CodeValue
        public var barcodeType: CodeValue
        public var addressType: CodeValue
        public var addressNote: String
        public var emailType: CodeValue
        public var preferredPhoneType: CodeValue
        public var statisticCategoryType: CodeValue
        public var roleStatus: CodeValue
        public var roleScope: CodeValue
        public var roleType: CodeValue
    }

    public struct PatronType: Sendable, Codable, Equatable {
        /// Names the files (`staff_2026-11-22_02.00.00.zip`) and the report's rows.
        public var name: String
        public var query: String
        public var columns: Columns
        /// `true` writes an empty `<gender/>` (clearing it in Alma); `false` leaves it out.
        public var clearGender: Bool
        public var isResearcher: Bool?
        public var userGroup: UserGroupRule
        /// Tried in order before `userGroup`: the first whose condition holds gives the group.
        public var userGroupRules: [ConditionalUserGroup]?
        public var address: AddressRule
        public var phones: PhoneRule
        public var statisticCategory: StatisticRule?
        /// Which of the query's rows become patrons (optional in the file).
        public var rows: RowRules?
        /// Alma user fields computed by value rules (optional in the file).
        public var fields: FieldRules?
        /// How the expiry date is found; without it, `expiryMonths` after the run's day.
        public var expiry: ExpiryRule?
        /// How the purge date is found; without it, `purgeMonths` after the run's day.
        public var purge: PurgeRule?
        /// The day written as `status_date`; without it none is written.
        public var statusDate: UserDay?
        /// Further addresses, emails, phones, identifiers, statistics, notes and roles (optional).
        public var segments: SegmentRules?
    }

    /// Rows the profile leaves out on purpose, and the columns without which a row is unusable.
    public struct RowRules: Sendable, Codable, Equatable {
        /// When set, only rows that match are loaded.
        public var include: ProfileCondition?
        /// Rows that match are not loaded (checked after `include`). Not an error: counted apart.
        public var exclude: ProfileCondition?
        /// Columns that must hold a value; a row with one empty is rejected, as a row without a
        /// login ID is. The login ID is always required: the primary_id is made from it.
        public var requiredColumns: [String]?

        public init(include: ProfileCondition? = nil, exclude: ProfileCondition? = nil, requiredColumns: [String]? = nil) {
            self.include = include
            self.exclude = exclude
            self.requiredColumns = requiredColumns
        }
    }

    public struct Columns: Sendable, Codable, Equatable {
        public var institutionalID: String
        public var loginID: String
        public var email: String
        public var barcode: String
        public var legalFirstName: String
        public var legalMiddleName: String
        public var legalLastName: String
        public var preferredFirstName: String
        public var preferredMiddleName: String
        public var preferredLastName: String
    }

    /// `{"when": condition, "userGroup": "LAW", "desc": "Law School"}`.
    public struct ConditionalUserGroup: Sendable, Codable, Equatable {
        public var when: ProfileCondition
        public var userGroup: String
        /// The desc attribute; without it none is written (not even `userGroup.descColumn`'s).
        public var desc: String?

        public init(when: ProfileCondition, userGroup: String, desc: String? = nil) {
            self.when = when
            self.userGroup = userGroup
            self.desc = desc
        }
    }

    public struct UserGroupRule: Sendable, Codable, Equatable {
        public var column: String
        /// The desc attribute comes from this column when set; otherwise no desc is written.
        public var descColumn: String?
        /// When set, the column's value is translated through this table; otherwise it is the code.
        public var values: [String: String]?
        /// The code for a value the table does not list.
        public var otherwise: String?
        public var overrides: [Override]?

        public struct Override: Sendable, Codable, Equatable {
            public var column: String
            /// A regular expression that must match the whole trimmed value (case-sensitive).
            public var pattern: String
            public var code: String
        }
    }

    public struct AddressRule: Sendable, Codable, Equatable {
        public var line1: FieldSource
        public var line1Default: String
        public var line2: FieldSource?
        public var line3: FieldSource?
        public var city: FieldSource?
        public var stateProvince: FieldSource?
        public var postalCode: FieldSource?
        /// A code of Alma's CountryCodes table (`USA`), typically a lookup over the row's country.
        public var country: FieldSource?
        /// The address's `start_date` and `end_date`; without them none is written.
        public var startDate: UserDay?
        public var endDate: UserDay?
    }

    public struct PhoneRule: Sendable, Codable, Equatable {
        /// The first non-empty of these columns is the preferred phone.
        public var preferred: [String]
        /// A second phone, written when non-empty and not already the preferred one.
        public var secondary: Secondary?

        public struct Secondary: Sendable, Codable, Equatable {
            public var column: String
            public var type: CodeValue
        }
    }

    public struct StatisticRule: Sendable, Codable, Equatable {
        public var column: String
        /// A CSV file (`key,code,description`) beside the profile.
        public var lookup: String
        public var unknownCode: String
        /// The desc comes from this column, or `descDefault` when it is empty; without a column,
        /// from the lookup's description.
        public var descColumn: String?
        public var descDefault: String?
    }
}

/// A day a user's date element takes: the run's day (`--as-of`) or the patron's expiry date.
public enum UserDay: String, Sendable, Codable, Equatable, CaseIterable {
    case today, expiry
}

/// A field that comes from a column (a JSON string), is fixed (`{"value": "MIT"}`) or is
/// computed by any other value rule (`{"firstNonEmpty": …}`). The first two keep their own
/// cases so that profiles written before value rules read, and write back, exactly as they did.
public enum FieldSource: Sendable, Equatable, Codable {
    case column(String)
    case value(String)
    case rule(ValueRule)

    public init(from decoder: any Decoder) throws {
        switch try StringOrRule(from: decoder, as: FieldSource.self) {
        case .string(let column):
            self = .column(column)
        case .rule(let rule):
            if case .value(let value) = rule.source, rule.transforms.isEmpty, rule.emptyValues.isEmpty {
                self = .value(value)
            } else {
                self = .rule(rule)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .column(let name): try StringOrRule.string(name).encode(to: encoder)
        case .value(let value): try StringOrRule.rule(ValueRule(.value(value))).encode(to: encoder)
        case .rule(let rule): try StringOrRule.rule(rule).encode(to: encoder)
        }
    }

    /// The source as a value rule: what the mapper compiles and the checks walk.
    var valueRule: ValueRule {
        switch self {
        case .column(let name): ValueRule(.column(name))
        case .value(let value): ValueRule(.value(value))
        case .rule(let rule): rule
        }
    }
}

/// A profile value written either as a string or as a value rule object: how field and code
/// sources decode, each giving the string its own meaning (a column, a code).
enum StringOrRule {
    case string(String)
    case rule(ValueRule)

    /// `type` is what a value of neither form is reported as (`ProfileDecoding.expected`).
    init(from decoder: any Decoder, as type: Any.Type) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            self = .string(text)
            return
        }
        guard (try? decoder.container(keyedBy: ProfileKey.self)) != nil else {
            // Neither form: say both, rather than only the object form tried last.
            throw DecodingError.typeMismatch(type, .init(codingPath: decoder.codingPath, debugDescription: "expected \(ProfileDecoding.expected(type))"))
        }
        self = .rule(try ValueRule(from: decoder))
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .rule(let rule):
            try rule.encode(to: encoder)
        }
    }
}
