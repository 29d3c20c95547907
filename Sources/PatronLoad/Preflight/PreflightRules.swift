/// The pre-flight checks that look at one patron alone: the profile's code sets and required
/// fields. (Checks across the feed are in `FeedAnalysis`.)
public struct PreflightRules: Sendable {
    let userGroups: Set<String>?
    let statisticCategories: Set<String>?
    let required: [PatronProfile.RequiredField]

    public init(_ preflight: PatronProfile.Preflight?) {
        userGroups = preflight?.userGroups.map(Set.init)
        statisticCategories = preflight?.statisticCategories.map(Set.init)
        var required = preflight?.requiredFields ?? []
        if preflight?.allowEmptyUserGroup != true && !required.contains(.userGroup) {
            required.append(.userGroup)
        }
        self.required = required
    }

    /// Why the record may not be loaded, or nil.
    public func violation(_ record: PatronRecord) -> String? {
        for field in required where Self.isEmpty(field, in: record) {
            return "\(Self.label(field)) is required by the profile and empty"
        }
        if let userGroups, !record.userGroup.code.isEmpty, !userGroups.contains(record.userGroup.code) {
            return "user group \(record.userGroup.code) is not one of the profile's user groups"
        }
        if let statisticCategories, let code = record.statistic?.code, !statisticCategories.contains(code) {
            return "statistic category \(code) is not one of the profile's statistic categories"
        }
        return nil
    }

    static func isEmpty(_ field: PatronProfile.RequiredField, in record: PatronRecord) -> Bool {
        switch field {
        case .institutionalID: record.institutionalID.isEmpty
        case .barcode: record.barcode.isEmpty
        case .firstName: record.firstName.isEmpty
        case .lastName: record.lastName.isEmpty
        case .email: record.email.isEmpty
        case .userGroup: record.userGroup.code.isEmpty
        case .statisticCategory: record.statistic?.code.isEmpty ?? true
        case .address: record.line1.isEmpty
        case .phone: record.phones.isEmpty
        }
    }

    static func label(_ field: PatronProfile.RequiredField) -> String {
        switch field {
        case .institutionalID: "institutional ID"
        case .barcode: "barcode"
        case .firstName: "first name"
        case .lastName: "last name"
        case .email: "email"
        case .userGroup: "user group"
        case .statisticCategory: "statistic category"
        case .address: "address"
        case .phone: "phone"
        }
    }
}
