/// Writes `<user>` elements in the order of Alma's schema and the reference loader, from values:
/// no template, no DOM. Elements without a value are left out; Alma's typed elements (dates,
/// booleans) are never written empty, which would make the whole user invalid.
public enum AlmaUserXMLWriter {
    public static func header(root: String, into out: inout XMLBytes) {
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<")
        out.raw(root)
        out.raw(">\n")
    }

    public static func footer(root: String, into out: inout XMLBytes) {
        out.raw("</")
        out.raw(root)
        out.raw(">\n")
    }

    public static func write(_ user: AlmaUser, into out: inout XMLBytes) {
        out.raw("<user>")
        out.code("record_type", user.recordType)
        out.element("primary_id", user.primaryID)
        out.element("first_name", user.firstName)
        out.element("middle_name", user.middleName)
        out.element("last_name", user.lastName)
        if let title = user.userTitle { out.code("user_title", title) }
        if let category = user.jobCategory { out.code("job_category", category) }
        if let gender = user.gender { out.code("gender", gender) }
        out.code("user_group", user.userGroup)
        if let campus = user.campusCode { out.code("campus_code", campus) }
        if let level = user.catalogerLevel { out.code("cataloger_level", level) }
        if let language = user.preferredLanguage { out.code("preferred_language", language) }
        if let birth = user.birthDate { out.date("birth_date", birth) }
        out.date("expiry_date", user.expiryDate)
        out.date("purge_date", user.purgeDate)
        out.code("account_type", user.accountType)
        if !user.externalID.isEmpty { out.element("external_id", user.externalID) }
        out.code("status", user.status)
        if let day = user.statusDate { out.date("status_date", day) }
        writeContactInfo(user, into: &out)
        out.element("pref_first_name", user.preferredFirstName)
        out.element("pref_middle_name", user.preferredMiddleName)
        out.element("pref_last_name", user.preferredLastName)
        if let researcher = user.isResearcher {
            out.raw(researcher ? "<is_researcher>true</is_researcher>" : "<is_researcher>false</is_researcher>")
        }
        writeIdentifiers(user.identifiers, into: &out)
        writeRoles(user.roles, into: &out)
        out.raw("<user_blocks/>")
        writeNotes(user.notes, into: &out)
        writeStatistics(user.statistics, into: &out)
        out.raw("<proxy_for_users/></user>\n")
    }

    private static func preferred(_ flag: Bool, into out: inout XMLBytes) {
        out.raw(flag ? " preferred=\"true\"" : " preferred=\"false\"")
    }

    private static func writeContactInfo(_ user: AlmaUser, into out: inout XMLBytes) {
        // contact_info is an xs:sequence: addresses, emails, phones, in that order.
        out.raw("<contact_info>")
        if user.addresses.isEmpty {
            out.raw("<addresses/>")
        } else {
            out.raw("<addresses>")
            for address in user.addresses {
                out.raw("<address"); preferred(address.preferred, into: &out); out.raw(" segment_type=\"External\">")
                out.element("line1", address.line1)
                if !address.line2.isEmpty { out.element("line2", address.line2) }
                if !address.line3.isEmpty { out.element("line3", address.line3) }
                if !address.city.isEmpty { out.element("city", address.city) }
                if !address.stateProvince.isEmpty { out.element("state_province", address.stateProvince) }
                if !address.postalCode.isEmpty { out.element("postal_code", address.postalCode) }
                if !address.country.isEmpty { out.element("country", address.country) }
                if !address.note.isEmpty { out.element("address_note", address.note) }
                if let day = address.startDate { out.date("start_date", day) }
                if let day = address.endDate { out.date("end_date", day) }
                out.raw("<address_types>")
                for type in address.types { out.code("address_type", type) }
                out.raw("</address_types></address>")
            }
            out.raw("</addresses>")
        }
        if user.emails.isEmpty {
            out.raw("<emails/>")
        } else {
            out.raw("<emails>")
            for email in user.emails {
                out.raw("<email"); preferred(email.preferred, into: &out); out.raw(" segment_type=\"External\">")
                out.element("email_address", email.address)
                out.raw("<email_types>")
                for type in email.types { out.code("email_type", type) }
                out.raw("</email_types></email>")
            }
            out.raw("</emails>")
        }
        if user.phones.isEmpty {
            out.raw("<phones/>")
        } else {
            out.raw("<phones>")
            for phone in user.phones {
                out.raw("<phone"); preferred(phone.preferred, into: &out)
                out.raw(" preferred_sms=\"false\" segment_type=\"External\">")
                out.element("phone_number", phone.number)
                out.raw("<phone_types>")
                for type in phone.types { out.code("phone_type", type) }
                out.raw("</phone_types></phone>")
            }
            out.raw("</phones>")
        }
        out.raw("</contact_info>")
    }

    private static func writeIdentifiers(_ identifiers: [AlmaUser.Identifier], into out: inout XMLBytes) {
        guard !identifiers.isEmpty else { return out.raw("<user_identifiers/>") }
        out.raw("<user_identifiers>")
        for identifier in identifiers {
            out.raw("<user_identifier segment_type=\"External\">")
            out.code("id_type", identifier.type)
            out.element("value", identifier.value)
            if !identifier.status.isEmpty { out.element("status", identifier.status) }
            out.raw("</user_identifier>")
        }
        out.raw("</user_identifiers>")
    }

    private static func writeRoles(_ roles: [AlmaUser.Role], into out: inout XMLBytes) {
        guard !roles.isEmpty else { return out.raw("<user_roles/>") }
        out.raw("<user_roles>")
        for role in roles {
            out.raw("<user_role>")
            out.code("status", role.status)
            out.code("scope", role.scope)
            out.code("role_type", role.roleType)
            out.raw("<parameters/></user_role>")
        }
        out.raw("</user_roles>")
    }

    private static func writeNotes(_ notes: [AlmaUser.Note], into out: inout XMLBytes) {
        guard !notes.isEmpty else { return out.raw("<user_notes/>") }
        out.raw("<user_notes>")
        for note in notes {
            out.raw("<user_note segment_type=\"External\">")
            out.code("note_type", note.type)
            out.element("note_text", note.text)
            out.raw(note.userViewable ? "<user_viewable>true</user_viewable>" : "<user_viewable>false</user_viewable>")
            out.raw(note.popup ? "<popup_note>true</popup_note>" : "<popup_note>false</popup_note>")
            out.raw("</user_note>")
        }
        out.raw("</user_notes>")
    }

    private static func writeStatistics(_ statistics: [AlmaUser.Statistic], into out: inout XMLBytes) {
        guard !statistics.isEmpty else { return out.raw("<user_statistics/>") }
        out.raw("<user_statistics>")
        for statistic in statistics {
            out.raw("<user_statistic segment_type=\"External\">")
            out.code("statistic_category", statistic.category)
            out.code("category_type", statistic.categoryType)
            out.raw("</user_statistic>")
        }
        out.raw("</user_statistics>")
    }
}
