/// Population `merge`: one user from the same person's users in several patron types. Field by
/// field the winner's non-empty value stays and the others (in load order) fill what it lacks;
/// multi-valued segments are united, each value once, the winner's preferred flags kept and
/// the others' values not preferred. Pure: the renderer and `explain` both call it.
public enum UserMerge {
    /// A field the winner lacked, and which of the other users filled it (an index into `others`).
    public struct Filled: Sendable, Equatable {
        public var field: String
        public var from: Int
    }

    public static func merge(_ winner: AlmaUser, _ others: [AlmaUser]) -> (user: AlmaUser, filled: [Filled]) {
        var user = winner
        var filled: [Filled] = []
        for (index, other) in others.enumerated() {
            func fill<Value>(_ name: String, _ field: WritableKeyPath<AlmaUser, Value>, empty: (Value) -> Bool) {
                guard empty(user[keyPath: field]), !empty(other[keyPath: field]) else { return }
                user[keyPath: field] = other[keyPath: field]
                filled.append(Filled(field: name, from: index))
            }
            let noCode = { (value: CodeValue?) in value?.code.isEmpty ?? true }
            let noDate = { (value: AlmaDate?) in value == nil }
            fill("first_name", \.firstName, empty: \.isEmpty)
            fill("middle_name", \.middleName, empty: \.isEmpty)
            fill("last_name", \.lastName, empty: \.isEmpty)
            fill("pref_first_name", \.preferredFirstName, empty: \.isEmpty)
            fill("pref_middle_name", \.preferredMiddleName, empty: \.isEmpty)
            fill("pref_last_name", \.preferredLastName, empty: \.isEmpty)
            fill("external_id", \.externalID, empty: \.isEmpty)
            fill("user_group", \.userGroup, empty: { $0.code.isEmpty })
            fill("gender", \.gender, empty: noCode)
            fill("preferred_language", \.preferredLanguage, empty: noCode)
            fill("user_title", \.userTitle, empty: noCode)
            fill("job_category", \.jobCategory, empty: noCode)
            fill("campus_code", \.campusCode, empty: noCode)
            fill("birth_date", \.birthDate, empty: noDate)
            fill("enrollment_date", \.enrollmentDate, empty: noDate)
            if unite(&user.addresses, other.addresses, isEmpty: { $0.line1.isEmpty }, key: addressKey, preferred: \.preferred) {
                filled.append(Filled(field: "addresses", from: index))
            }
            if unite(&user.emails, other.emails, isEmpty: { $0.address.isEmpty }, key: { $0.address.lowercased() }, preferred: \.preferred) {
                filled.append(Filled(field: "emails", from: index))
            }
            if unite(&user.phones, other.phones, isEmpty: { $0.number.isEmpty }, key: phoneKey, preferred: \.preferred) {
                filled.append(Filled(field: "phones", from: index))
            }
            if unite(&user.identifiers, other.identifiers, isEmpty: { $0.value.isEmpty }, key: { "\($0.type.code)\u{0}\(PrimaryIDSet.fold($0.value))" }, preferred: nil) {
                filled.append(Filled(field: "user_identifiers", from: index))
            }
            if unite(&user.statistics, other.statistics, isEmpty: { $0.category.code.isEmpty }, key: { $0.category.code }, preferred: nil) {
                filled.append(Filled(field: "user_statistics", from: index))
            }
            if unite(&user.notes, other.notes, isEmpty: { $0.text.isEmpty }, key: { "\($0.type.code)\u{0}\($0.text)" }, preferred: nil) {
                filled.append(Filled(field: "user_notes", from: index))
            }
            if unite(&user.roles, other.roles, isEmpty: { $0.scope.code.isEmpty }, key: { "\($0.roleType.code)\u{0}\($0.scope.code)" }, preferred: nil) {
                filled.append(Filled(field: "user_roles", from: index))
            }
        }
        return (user, filled)
    }

    /// Adds `other`'s values that `list` lacks; says whether it added any. An empty value of the
    /// winner (an address without a street) gives way to the first real one.
    private static func unite<Element>(_ list: inout [Element], _ other: [Element], isEmpty: (Element) -> Bool, key: (Element) -> String,
                                       preferred: WritableKeyPath<Element, Bool>?) -> Bool {
        var added = false
        var keys = Set(list.filter { !isEmpty($0) }.map(key))
        for var value in other where !isEmpty(value) && keys.insert(key(value)).inserted {
            list.removeAll(where: isEmpty)
            if let preferred {
                // One preferred value per segment, the winner's; the first value added keeps its
                // flag only where the winner had none.
                value[keyPath: preferred] = value[keyPath: preferred] && !list.contains { $0[keyPath: preferred] }
            }
            list.append(value)
            added = true
        }
        return added
    }

    private static func addressKey(_ address: AlmaUser.Address) -> String {
        [address.line1, address.line2, address.line3, address.city, address.stateProvince, address.postalCode, address.country]
            .map { $0.uppercased() }.joined(separator: "\u{0}")
    }

    /// Equal numbers written differently (`617-253-1000`, `(617) 253 1000`) are one phone.
    private static func phoneKey(_ phone: AlmaUser.Phone) -> String {
        let digits = phone.number.filter(\.isNumber)
        return digits.isEmpty ? phone.number : digits
    }
}
