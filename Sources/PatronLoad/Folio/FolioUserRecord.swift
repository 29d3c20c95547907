/// One user as FOLIO's user import takes it (`userdataimport.json`, a closed schema): names where
/// FOLIO stores ids (patron group, address types, departments, contact type), which the import
/// resolves. Empty values are left out rather than sent empty: FOLIO stores "" as a value.
public struct FolioUserRecord: Sendable, Hashable, Codable {
    public struct Address: Sendable, Hashable, Codable {
        public var addressTypeId: String
        public var addressLine1: String?
        public var addressLine2: String?
        public var city: String?
        public var region: String?
        public var postalCode: String?
        public var countryId: String?
        public var primaryAddress: Bool
    }

    public struct Personal: Sendable, Hashable, Codable {
        public var lastName: String
        public var firstName: String?
        public var middleName: String?
        public var preferredFirstName: String?
        public var email: String?
        public var phone: String?
        public var mobilePhone: String?
        public var addresses: [Address]?
        public var preferredContactTypeId: String?
    }

    public var username: String
    public var externalSystemId: String
    public var barcode: String?
    public var active: Bool
    public var patronGroup: String?
    public var departments: [String]?
    public var personal: Personal
    /// `YYYY-MM-DD`: FOLIO reads a bare date as midnight UTC.
    public var enrollmentDate: String?
    public var expirationDate: String?
    public var customFields: [String: String]?

    /// The user as a leaver, sent once more: inactive, expiring on the day the leaver policy
    /// gives, everything else as FOLIO was last sent it (an update replaces the whole user).
    public func leaver(expiring day: AlmaDate) -> FolioUserRecord {
        var leaver = self
        leaver.active = false
        leaver.expirationDate = day.isoDay
        return leaver
    }
}

/// One request of the user import: a batch of users. `deactivateMissingUsers` is always sent,
/// always false: with batches each request would deactivate every other batch's users.
public struct FolioImportRequest: Sendable, Encodable {
    public var users: [FolioUserRecord]
    public var totalRecords: Int
    public var deactivateMissingUsers = false
    public var updateOnlyPresentFields: Bool
    public var sourceType: String?

    public init(users: [FolioUserRecord], updateOnlyPresentFields: Bool, sourceType: String?) {
        self.users = users
        self.totalRecords = users.count
        self.updateOnlyPresentFields = updateOnlyPresentFields
        self.sourceType = sourceType
    }
}

/// A request body read back from the run history's archive: its users are what FOLIO was last
/// sent for each of them.
struct FolioArchivedBatch: Decodable {
    var users: [FolioUserRecord]
}

/// FOLIO's answer to one request (`importResponse.json`).
public struct FolioImportResponse: Sendable, Decodable, Equatable {
    public struct FailedUser: Sendable, Decodable, Equatable {
        public var username: String
        public var externalSystemId: String
        public var errorMessage: String?
    }

    public var message: String
    public var error: String?
    public var createdRecords: Int?
    public var updatedRecords: Int?
    public var failedRecords: Int?
    public var failedUsers: [FailedUser]?
    public var totalRecords: Int
}
