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
    /// The type's expiry and purge rules, worked out for the run.
    let typeDates: TypeDates

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
        let index = profile.patronTypes.firstIndex { $0.name == patronType.name } ?? 0
        typeDates = TypeDates(patronType, path: "patronTypes[\(index)]", dates: dates)
    }

    /// `expiry` replaces the type's rules (a leaver's last expiry).
    public func user(_ record: PatronRecord, expiry: AlmaDate? = nil) -> AlmaUser {
        var user = baseUser(record, expiry: expiry)
        if let segments = record.segments { add(segments, to: &user) }
        return user
    }

    private func baseUser(_ record: PatronRecord, expiry: AlmaDate?) -> AlmaUser {
        let expiryDate = expiry ?? typeDates.expiry(of: record).day
        let details = record.details
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
            gender: gender(details?.gender),
            userGroup: record.userGroup,
            catalogerLevel: codes.catalogerLevel,
            preferredLanguage: Self.code(details?.preferredLanguage, otherwise: codes.preferredLanguage),
            expiryDate: expiryDate,
            purgeDate: typeDates.purge(expiring: expiryDate),
            accountType: codes.accountType,
            externalID: codes.externalID,
            status: Self.code(details?.status, otherwise: codes.status) ?? codes.status,
            addresses: [AlmaUser.Address(
                line1: record.line1, line2: record.line2, line3: record.line3, city: record.city,
                stateProvince: record.stateProvince, postalCode: record.postalCode, country: details?.country ?? "", note: codes.addressNote, types: addressTypes,
                startDate: day(patronType.address.startDate, expiry: expiryDate), endDate: day(patronType.address.endDate, expiry: expiryDate)
            )],
            emails: record.email.isEmpty ? [] : [.init(address: record.email, types: emailTypes(details?.emailType), preferred: true)],
            phones: record.phones.map { .init(number: $0.number, types: $0.isPreferred ? preferredPhoneTypes : secondaryPhoneTypes, preferred: $0.isPreferred) },
            preferredFirstName: record.preferredFirstName,
            preferredMiddleName: record.preferredMiddleName,
            preferredLastName: record.preferredLastName,
            isResearcher: patronType.isResearcher,
            identifiers: identifiers,
            roles: roles,
            statistics: record.statistic.map { [AlmaUser.Statistic(category: $0, categoryType: codes.statisticCategoryType)] } ?? [],
            userTitle: Self.code(details?.userTitle, otherwise: nil),
            jobCategory: Self.code(details?.jobCategory, otherwise: nil),
            campusCode: Self.code(details?.campusCode, otherwise: nil),
            birthDate: details?.birthDate.flatMap { AlmaDate(isoDay: $0) },
            statusDate: day(patronType.statusDate, expiry: expiryDate),
            enrollmentDate: details?.enrollmentDate.flatMap { AlmaDate(isoDay: $0) }
        )
    }

    /// A type's `segments`, after its single-valued elements: an email, phone, identifier or
    /// statistic the user already has is not repeated, and only the first element marked
    /// preferred of a kind is, as Alma takes one preferred address, email and phone.
    private func add(_ segments: PatronRecord.Segments, to user: inout AlmaUser) {
        for address in segments.addresses {
            let lines = address.lines
            user.addresses.append(AlmaUser.Address(
                line1: lines[0], line2: lines[1], line3: lines[2], city: lines[3], stateProvince: lines[4], postalCode: lines[5], country: lines[6],
                note: address.note, types: [Self.code(address.type, otherwise: codes.addressType) ?? codes.addressType],
                preferred: address.preferred && !user.addresses.contains { $0.preferred },
                startDate: day(address.startDate, expiry: user.expiryDate), endDate: day(address.endDate, expiry: user.expiryDate)))
        }
        for email in segments.emails where !user.emails.contains(where: { $0.address.lowercased() == email.address.lowercased() }) {
            user.emails.append(.init(address: email.address, types: emailTypes(email.type),
                                     preferred: email.preferred && !user.emails.contains { $0.preferred }))
        }
        for phone in segments.phones where !user.phones.contains(where: { $0.number == phone.number }) {
            user.phones.append(.init(number: phone.number, types: [Self.code(phone.type, otherwise: codes.preferredPhoneType) ?? codes.preferredPhoneType],
                                     preferred: phone.preferred && !user.phones.contains { $0.preferred }))
        }
        for identifier in segments.identifiers {
            let type = Self.code(identifier.type, otherwise: nil) ?? CodeValue("")
            guard !user.identifiers.contains(where: { $0.type.code == type.code && $0.value == identifier.value }) else { continue }
            user.identifiers.append(.init(type: type, value: identifier.value, status: codes.identifierStatus))
        }
        for statistic in segments.statistics where !user.statistics.contains(where: { $0.category.code == statistic.category }) {
            user.statistics.append(.init(category: CodeValue(statistic.category, desc: statistic.desc.isEmpty ? nil : statistic.desc),
                                         categoryType: Self.code(statistic.categoryType, otherwise: codes.statisticCategoryType) ?? codes.statisticCategoryType))
        }
        for note in segments.notes {
            user.notes.append(.init(type: CodeValue(note.type), text: String(note.text.prefix(2_000)), userViewable: note.userViewable, popup: note.popup))
        }
        for role in segments.roles {
            let added = AlmaUser.Role(status: Self.code(role.status, otherwise: codes.roleStatus) ?? codes.roleStatus,
                                      scope: CodeValue(role.scope), roleType: CodeValue(role.type))
            guard !user.roles.contains(where: { $0.scope.code == added.scope.code && $0.roleType.code == added.roleType.code }) else { continue }
            user.roles.append(added)
        }
    }

    /// `fields.emailType`'s code, or `codes.emailType` (with its desc) when the rule gives none or the same.
    private func emailTypes(_ value: String?) -> [CodeValue] {
        guard let value, !value.isEmpty, value != codes.emailType.code else { return emailTypes }
        return [CodeValue(value)]
    }

    private func day(_ choice: UserDay?, expiry: AlmaDate) -> AlmaDate? {
        switch choice {
        case .today?: dates.today
        case .expiry?: expiry
        case nil: nil
        }
    }

    /// A rule's empty value clears the gender only where the type clears it anyway.
    private func gender(_ value: String?) -> CodeValue? {
        if let value, !value.isEmpty { return CodeValue(value) }
        return patronType.clearGender ? CodeValue("") : nil
    }

    /// A rule's code, with the profile's description when it is the profile's code; `otherwise`
    /// when the rule gave nothing (or there is none).
    private static func code(_ value: String?, otherwise: CodeValue?) -> CodeValue? {
        guard let value, !value.isEmpty else { return otherwise }
        return value == otherwise?.code ? otherwise : CodeValue(value)
    }
}
