/// Completes a `PatronRecord` into the `AlmaUser` that is written: the profile's fixed codes,
/// the patron type's rules (gender, researcher flag, phone types) and the run's dates.
public struct AlmaUserBuilder: Sendable {
    let codes: PatronProfile.FixedCodes
    let patronType: PatronProfile.PatronType
    let dates: RunDates
    // The lists every user of the type shares, built once: a user then allocates only what
    // varies from patron to patron.
    private let addressTypes: [CodeValue]
    private let emailTypes: [CodeValue]
    private let preferredPhoneTypes: [CodeValue]
    private let secondaryPhoneTypes: [CodeValue]
    private let roles: [AlmaUser.Role]

    public init(profile: PatronProfile, patronType: PatronProfile.PatronType, dates: RunDates) {
        let codes = profile.codes
        self.codes = codes
        self.patronType = patronType
        self.dates = dates
        addressTypes = [codes.addressType]
        emailTypes = [codes.emailType]
        preferredPhoneTypes = [codes.preferredPhoneType]
        secondaryPhoneTypes = [patronType.phones.secondary?.type ?? codes.preferredPhoneType]
        roles = [.init(status: codes.roleStatus, scope: codes.roleScope, roleType: codes.roleType)]
    }

    public func user(_ record: PatronRecord, expiry: AlmaDate? = nil) -> AlmaUser {
        var identifiers: [AlmaUser.Identifier] = []
        if !record.institutionalID.isEmpty {
            identifiers.append(.init(type: codes.institutionalIDType, value: record.institutionalID, status: codes.identifierStatus))
        }
        if !record.barcode.isEmpty {
            identifiers.append(.init(type: codes.barcodeType, value: record.barcode, status: codes.identifierStatus))
        }
        return AlmaUser(
            recordType: codes.recordType,
            primaryID: record.primaryID,
            firstName: record.firstName,
            middleName: record.middleName,
            lastName: record.lastName,
            gender: patronType.clearGender ? CodeValue("") : nil,
            userGroup: record.userGroup,
            catalogerLevel: codes.catalogerLevel,
            preferredLanguage: codes.preferredLanguage,
            expiryDate: expiry ?? dates.expiry,
            purgeDate: dates.purge,
            accountType: codes.accountType,
            externalID: codes.externalID,
            status: codes.status,
            addresses: [AlmaUser.Address(
                line1: record.line1, line2: record.line2, line3: record.line3, city: record.city,
                stateProvince: record.stateProvince, postalCode: record.postalCode, note: codes.addressNote, types: addressTypes
            )],
            emails: record.email.isEmpty ? [] : [.init(address: record.email, types: emailTypes, preferred: true)],
            phones: record.phones.map { .init(number: $0.number, types: $0.isPreferred ? preferredPhoneTypes : secondaryPhoneTypes, preferred: $0.isPreferred) },
            preferredFirstName: record.preferredFirstName,
            preferredMiddleName: record.preferredMiddleName,
            preferredLastName: record.preferredLastName,
            isResearcher: patronType.isResearcher,
            identifiers: identifiers,
            roles: roles,
            statistics: record.statistic.map { [AlmaUser.Statistic(category: $0, categoryType: codes.statisticCategoryType)] } ?? []
        )
    }
}
