/// The names FOLIO's user import resolves, read once before sending: with them every user is
/// checked here, so an unknown group is a reason line before anything is sent rather than a
/// failed user in FOLIO's answer (or, for an address type, an address FOLIO drops silently).
public struct FolioReferenceData: Sendable, Equatable {
    public var patronGroups: Set<String>
    public var addressTypes: Set<String>
    public var departments: Set<String>
    /// Users' custom fields by refId; nil when the profile sends none (then they are not read).
    public var customFields: [String: CustomField]?

    /// What a custom field takes: any text, or one of its option labels (select, radio).
    public enum CustomField: Sendable, Equatable {
        case text
        case options(Set<String>)
    }

    public init(patronGroups: Set<String>, addressTypes: Set<String>, departments: Set<String>, customFields: [String: CustomField]? = nil) {
        self.patronGroups = patronGroups
        self.addressTypes = addressTypes
        self.departments = departments
        self.customFields = customFields
    }

    /// The contact types FOLIO maps (any case); any other value becomes null without a word.
    static let contactTypes: Set<String> = ["mail", "email", "text", "phone", "mobile"]

    /// Why FOLIO would refuse this user or silently lose part of it; empty when it would take it
    /// whole. Names are matched exactly, as FOLIO matches them.
    public func problems(with user: FolioUserRecord) -> [String] {
        var problems: [String] = []
        if let group = user.patronGroup, !patronGroups.contains(group) {
            problems.append("its patron group \"\(group)\" is not a patron group in FOLIO")
        }
        let unknownDepartments = (user.departments ?? []).filter { !departments.contains($0) }.sorted()
        if !unknownDepartments.isEmpty {
            problems.append("its departments \(unknownDepartments.map { "\"\($0)\"" }.joined(separator: ", ")) are not departments in FOLIO")
        }
        for address in user.personal.addresses ?? [] where !addressTypes.contains(address.addressTypeId) {
            problems.append(address.addressTypeId.isEmpty
                ? "an address has no address type (FOLIO would drop it)"
                : "its address type \"\(address.addressTypeId)\" is not an address type in FOLIO (FOLIO would drop the address)")
        }
        if let contact = user.personal.preferredContactTypeId, !Self.contactTypes.contains(contact.lowercased()) {
            problems.append("its preferred contact type \"\(contact)\" is not one of mail, email, text, phone, mobile (FOLIO would drop it)")
        }
        if let known = customFields {
            for (refId, value) in (user.customFields ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let field = known[refId] else {
                    problems.append("its custom field \"\(refId)\" is not a custom field of FOLIO's users")
                    continue
                }
                if case .options(let options) = field, !options.contains(value) {
                    problems.append("its custom field \"\(refId)\" has \"\(value)\", which is not one of that field's options in FOLIO")
                }
            }
        }
        if user.personal.lastName.isEmpty {
            problems.append("it has no last name, which FOLIO requires")
        }
        return problems
    }
}
