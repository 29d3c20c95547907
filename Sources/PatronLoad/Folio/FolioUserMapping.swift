/// How a profile's users become FOLIO users: the names FOLIO resolves (patron groups, address
/// types) by the Alma code the profile writes, and which identifiers are the match key and the
/// barcode.
public struct FolioMapping: Sendable, Hashable {
    /// Prefixes each externalSystemId in FOLIO (`<sourceType>_<id>`); letters, digits and - only,
    /// as FOLIO puts it unescaped into a query.
    public var sourceType: String?
    /// The identifier type code whose value is the externalSystemId: FOLIO's only match key, so
    /// it must never change for a person (an institutional ID, not an email).
    public var externalSystemIdType: String
    /// The identifier type code whose value is the FOLIO barcode; none when nil.
    public var barcodeType: String?
    /// Alma user group code → FOLIO patron group name; a code not listed is sent as it is.
    public var patronGroups: [String: String] = [:]
    /// Alma address type code → FOLIO address type name; a code not listed is sent as it is.
    public var addressTypes: [String: String] = [:]
    /// mail, email, text, phone or mobile; FOLIO silently drops anything else.
    public var preferredContactType: String? = "email"
    /// With false (FOLIO's default) an update replaces the whole user: fields this profile does
    /// not send are erased in FOLIO.
    public var updateOnlyPresentFields: Bool = false
    /// Each statistic category (its description, else its code) becomes a FOLIO department.
    public var departmentsFromStatistics = false
    /// The phone type code whose number is FOLIO's mobilePhone (the preferred other one is phone).
    public var mobilePhoneType: String?
    /// FOLIO custom field refId → the Alma user field whose value (description, else code) it
    /// takes: userTitle, jobCategory, campusCode, userGroup, statisticCategory.
    public var customFields: [String: CustomFieldSource] = [:]

    public enum CustomFieldSource: String, Sendable, Hashable, Codable, CaseIterable {
        case userTitle, jobCategory, campusCode, userGroup, statisticCategory
    }

    public init(sourceType: String?, externalSystemIdType: String, barcodeType: String?) {
        self.sourceType = sourceType
        self.externalSystemIdType = externalSystemIdType
        self.barcodeType = barcodeType
    }
}

extension FolioMapping {
    /// The FOLIO user for an Alma user; nil when it has no externalSystemId (FOLIO could never
    /// match it again).
    public func record(for user: AlmaUser) -> FolioUserRecord? {
        guard let external = user.identifiers.first(where: { $0.type.code == externalSystemIdType })?.value, !external.isEmpty else { return nil }
        let barcode = barcodeType.flatMap { type in user.identifiers.first { $0.type.code == type }?.value }
        // mod-users refuses a user with two addresses of one type: the first of each type is sent
        // (the preferred address comes first in a profile's user).
        var types: Set<String> = []
        let addresses = user.addresses.enumerated().compactMap { index, address -> FolioUserRecord.Address? in
            let type = address.types.first.map { addressTypes[$0.code] ?? $0.code } ?? ""
            guard types.insert(type).inserted else { return nil }
            return FolioUserRecord.Address(
                addressTypeId: type,
                addressLine1: nonEmpty(address.line1),
                addressLine2: nonEmpty([address.line2, address.line3].filter { !$0.isEmpty }.joined(separator: ", ")),
                city: nonEmpty(address.city), region: nonEmpty(address.stateProvince), postalCode: nonEmpty(address.postalCode),
                countryId: nonEmpty(address.country).flatMap(CountryCodes.alpha2), primaryAddress: address.preferred || (index == 0 && !user.addresses.contains { $0.preferred }))
        }
        let email = (user.emails.first { $0.preferred } ?? user.emails.first)?.address
        let isMobile = { (phone: AlmaUser.Phone) in self.mobilePhoneType.map { type in phone.types.contains { $0.code == type } } ?? false }
        let others = user.phones.filter { !isMobile($0) }
        let phone = (others.first { $0.preferred } ?? others.first)?.number
        let mobile = user.phones.first(where: isMobile)?.number
        let group = user.userGroup.code.isEmpty ? nil : patronGroups[user.userGroup.code] ?? user.userGroup.code
        return FolioUserRecord(
            username: user.primaryID, externalSystemId: external, barcode: barcode.flatMap(nonEmpty), active: user.status.code == "ACTIVE",
            patronGroup: group, departments: departments(of: user),
            personal: .init(lastName: user.lastName, firstName: nonEmpty(user.firstName), middleName: nonEmpty(user.middleName),
                            preferredFirstName: nonEmpty(user.preferredFirstName), email: email.flatMap(nonEmpty), phone: phone.flatMap(nonEmpty),
                            mobilePhone: mobile.flatMap(nonEmpty), addresses: addresses.isEmpty ? nil : addresses, preferredContactTypeId: preferredContactType),
            enrollmentDate: user.enrollmentDate?.isoDay, expirationDate: user.expiryDate.isoDay, customFields: customFieldValues(of: user))
    }

    private func departments(of user: AlmaUser) -> [String]? {
        guard departmentsFromStatistics else { return nil }
        var names: [String] = []
        for statistic in user.statistics {
            let name = label(statistic.category)
            if !name.isEmpty && !names.contains(name) { names.append(name) }
        }
        return names.isEmpty ? nil : names
    }

    private func customFieldValues(of user: AlmaUser) -> [String: String]? {
        var values: [String: String] = [:]
        for (refId, source) in customFields {
            let value: CodeValue? = switch source {
            case .userTitle: user.userTitle
            case .jobCategory: user.jobCategory
            case .campusCode: user.campusCode
            case .userGroup: user.userGroup
            case .statisticCategory: user.statistics.first?.category
            }
            if let value, !label(value).isEmpty { values[refId] = label(value) }
        }
        return values.isEmpty ? nil : values
    }

    /// What FOLIO knows a code-table value by: its description, else its code.
    private func label(_ value: CodeValue) -> String {
        value.desc.flatMap(nonEmpty) ?? value.code
    }
}

private func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
