/// What the warehouse says about one patron, after the profile's rules: the values that vary
/// from patron to patron. The profile's fixed codes and the run's dates complete it into an
/// `AlmaUser`. Records are what the run compares with the last run, field group by field group.
public struct PatronRecord: Sendable, Hashable {
    public struct Phone: Sendable, Hashable {
        public var number: String
        /// Written with the profile's preferred phone type, or its secondary type.
        public var isPreferred: Bool
    }

    public var primaryID: String
    public var institutionalID: String
    public var barcode: String
    public var firstName: String
    public var middleName: String
    public var lastName: String
    public var preferredFirstName: String
    public var preferredMiddleName: String
    public var preferredLastName: String
    public var email: String
    public var phones: [Phone]
    public var userGroup: CodeValue
    public var line1: String
    public var line2: String
    public var line3: String
    public var city: String
    public var stateProvince: String
    public var postalCode: String
    public var statistic: CodeValue?
    /// What the type's `fields` and `expiry` rules set beyond the fields above; nil for a type
    /// without such rules, whose records then serialize exactly as before they existed.
    public var details: Details? = nil
    /// What the type's `segments` rules wrote; nil for a type without them (or a patron they
    /// gave nothing), whose record then serializes exactly as before segments existed.
    public var segments: Segments? = nil

    /// Values from rules: nil where the type has no rule, so that the profile's default is written.
    public struct Details: Sendable, Hashable {
        public var status: String?
        public var userTitle: String?
        public var jobCategory: String?
        public var campusCode: String?
        public var preferredLanguage: String?
        public var gender: String?
        /// An ISO day, or empty when the rule gave none.
        public var birthDate: String?
        /// The `expiry.column`'s ISO day, or empty when the row holds none.
        public var expiryDate: String?
        /// The address's country code, when the type's address names one.
        public var country: String?
        /// The email's type from `fields.emailType`.
        public var emailType: String?
        /// An ISO day, or empty (FOLIO's enrollmentDate).
        public var enrollmentDate: String?

        public init(status: String? = nil, userTitle: String? = nil, jobCategory: String? = nil, campusCode: String? = nil,
                    preferredLanguage: String? = nil, gender: String? = nil, birthDate: String? = nil, expiryDate: String? = nil,
                    country: String? = nil, emailType: String? = nil, enrollmentDate: String? = nil) {
            self.status = status
            self.userTitle = userTitle
            self.jobCategory = jobCategory
            self.campusCode = campusCode
            self.preferredLanguage = preferredLanguage
            self.gender = gender
            self.birthDate = birthDate
            self.expiryDate = expiryDate
            self.country = country
            self.emailType = emailType
            self.enrollmentDate = enrollmentDate
        }

        /// The details in their serialized order (`forEach(first:)` holds the order; `set` is its inverse).
        var fields: [String?] {
            var fields: [String?] = []
            forEach(first: Self.count) { fields.append($0) }
            return fields
        }

        /// Sets the field at `index` of `fields`.
        mutating func set(_ index: Int, _ value: String?) {
            switch index {
            case 0: status = value
            case 1: userTitle = value
            case 2: jobCategory = value
            case 3: campusCode = value
            case 4: preferredLanguage = value
            case 5: gender = value
            case 6: birthDate = value
            case 7: expiryDate = value
            case 8: country = value
            case 9: emailType = value
            default: enrollmentDate = value
            }
        }

        /// Calls `body` with the first `count` details in their serialized order, without building
        /// a list (the scan serialises every row).
        func forEach(first count: Int, _ body: (String?) -> Void) {
            var left = count
            func next(_ value: String?) {
                guard left > 0 else { return }
                body(value)
                left -= 1
            }
            next(status); next(userTitle); next(jobCategory); next(campusCode); next(preferredLanguage); next(gender)
            next(birthDate); next(expiryDate); next(country); next(emailType); next(enrollmentDate)
        }

        static let count = 11
        /// The details a record file held before `country` and `emailType`.
        static let earlierCount = 8
    }

    /// The parts of a record the report names when they change.
    public enum FieldGroup: Int, CaseIterable, Sendable, Codable {
        case names, email, phones, address, userGroup, department, identifiers, details

        public var label: String {
            switch self {
            case .names: "names"
            case .email: "email"
            case .phones: "phones"
            case .address: "address"
            case .userGroup: "user group"
            case .department: "department"
            case .identifiers: "identifiers"
            case .details: "other fields"
            }
        }
    }

    /// Which serialized fields make up each group (see `fields`).
    static let groupFields: [FieldGroup: [Int]] = [
        .names: [0, 3, 4, 5, 6, 7, 8], .identifiers: [1, 2, 35], .email: [9, 30, 33], .userGroup: [10, 11],
        .address: [12, 13, 14, 15, 16, 17, 29, 32], .department: [18, 19, 36], .phones: [20, 34], .details: Array(21..<29) + [31, 37, 38],
    ]

    /// The first field of the segments: an absent one leaves its group's hash as it was before
    /// segments existed.
    static let firstSegmentField = 21 + Details.count

    /// Fields a record can have: the base, its details, its segments.
    static let maximumFieldCount = 21 + Details.count + Segments.fieldCount

    /// `groupFields` as a list: walked for every record of the scan, where iterating a
    /// dictionary cost more than the hashing it feeds.
    private static let groupFieldList: [(shift: UInt64, fields: [Int])] = groupFields
        .map { (UInt64($0.key.rawValue * 8), $0.value) }.sorted { $0.shift < $1.shift }

    /// Calls `body` with the record's fields in their serialized order, absent optional values
    /// as NUL, without building a list of them (the scan serialises every row).
    /// A record without details has 21; one with details has their 8 more, or 11 with the
    /// address's country and the email's type (29 and 30, compared with their groups) and the
    /// enrollment date (31, a detail).
    func forEachField(_ body: (Int, String) -> Void) {
        var index = 0
        func emit(_ value: String) {
            body(index, value)
            index += 1
        }
        emit(primaryID); emit(institutionalID); emit(barcode); emit(firstName); emit(middleName); emit(lastName)
        emit(preferredFirstName); emit(preferredMiddleName); emit(preferredLastName); emit(email)
        emit(userGroup.code); emit(userGroup.desc ?? "\u{0}")
        emit(line1); emit(line2); emit(line3); emit(city); emit(stateProvince); emit(postalCode)
        emit(statistic?.code ?? "\u{0}"); emit(statistic?.desc ?? "\u{0}")
        switch phones.count {
        case 0: emit("")
        case 1: emit((phones[0].isPreferred ? "P" : "S") + phones[0].number)
        default: emit(phones.map { ($0.isPreferred ? "P" : "S") + $0.number }.joined(separator: "\u{1D}"))
        }
        if let segments, !segments.isEmpty {
            // Segments come after all the details, absent ones as NUL.
            (details ?? Details()).forEach(first: Details.count) { emit($0 ?? "\u{0}") }
            for value in segments.fields { emit(value) }
            return
        }
        guard let details else { return }
        // Without a country, an email type or an enrollment date, the eight details records held
        // before those existed: the first run after an upgrade sees no change.
        let count = details.country == nil && details.emailType == nil && details.enrollmentDate == nil ? Details.earlierCount : Details.count
        details.forEach(first: count) { emit($0 ?? "\u{0}") }
    }

    /// The field groups whose one-byte hashes differ.
    public static func changedGroups(_ old: UInt64, _ new: UInt64) -> [FieldGroup] {
        FieldGroup.allCases.filter { ((old >> UInt64($0.rawValue * 8)) & 0xFF) != ((new >> UInt64($0.rawValue * 8)) & 0xFF) }
    }
}

/// A record serialized for the run's record file, with the hashes the comparison needs, computed
/// in the same pass over the bytes.
struct SerializedRecord {
    /// One line, no newline: fields separated by tabs, `\\`, tab, LF and CR escaped.
    var bytes: [UInt8]
    /// A digest of everything the record holds (not the run's dates).
    var digest: UInt64
    /// One byte per field group: enough to name which groups changed once `digest` says
    /// something did.
    var fieldHashes: UInt64
}

extension PatronRecord {
    func serialized() -> SerializedRecord {
        var bytes: [UInt8] = []
        let line = serialize(into: &bytes)
        bytes.removeLast(bytes.count - line.length)
        return SerializedRecord(bytes: bytes, digest: line.digest, fieldHashes: line.fieldHashes)
    }

    /// Writes the record's line at the start of `line`, a scratch buffer the scan reuses for
    /// every row (grown when a line needs more; what lies past the line is left over), and
    /// returns the line's length and hashes. Bytes are stored in place, not appended: appending
    /// each field to an array was a call to `memmove` for a few bytes, forty times a row.
    func serialize(into line: inout [UInt8]) -> (length: Int, digest: UInt64, fieldHashes: UInt64) {
        var length = 0
        // A group whose fields a record lacks (details) hashes to 0, as before it existed.
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.maximumFieldCount) { fieldHash in
            fieldHash.initialize(repeating: 0)
            forEachField { index, field in
                var field = field
                // A detail added after the first eight hashes, when absent, as the field not being
                // there at all: a record gaining one of them shows only that one's group changed.
                // A record without details that has segments writes them all absent: none counts.
                let absentLaterDetail = index >= 21 + (details == nil ? 0 : Details.earlierCount) && field == "\u{0}"
                field.withUTF8 { utf8 in
                    // The tab before it, and every byte escaped into two at worst.
                    let worst = length + 1 + 2 * utf8.count
                    if line.count < worst { line.append(contentsOf: repeatElement(0, count: max(worst - line.count, 512))) }
                    line.withUnsafeMutableBytes { out in
                        if index > 0 {
                            out[length] = 0x09
                            length += 1
                        }
                        let start = length
                        // Almost no value holds a byte to escape: copy those whole.
                        if utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                            for byte in utf8 {
                                let escaped: UInt8? = switch byte {
                                case 0x5C: 0x5C
                                case 0x09: UInt8(ascii: "t")
                                case 0x0A: UInt8(ascii: "n")
                                case 0x0D: UInt8(ascii: "r")
                                default: nil
                                }
                                if let escaped {
                                    out[length] = 0x5C
                                    out[length + 1] = escaped
                                    length += 2
                                } else {
                                    out[length] = byte
                                    length += 1
                                }
                            }
                        } else if let source = utf8.baseAddress {
                            copyShort(source, count: utf8.count, to: out.baseAddress! + length)
                            length += utf8.count
                        }
                        fieldHash[index] = absentLaterDetail ? 0 : StableHash.hash128(UnsafeRawBufferPointer(rebasing: out[start..<length]), seed: UInt64(index)).low
                    }
                }
            }
            var groups: UInt64 = 0
            for (shift, indices) in Self.groupFieldList {
                let combined = indices.reduce(UInt64(0)) {
                    $1 >= Self.firstSegmentField && fieldHash[$1] == 0 ? $0 : ($0 &* 0x100_0000_01B3) ^ fieldHash[$1]
                }
                groups |= ((combined ^ (combined >> 29)) & 0xFF) << shift
            }
            let digest = line.withUnsafeBytes { StableHash.hash128(UnsafeRawBufferPointer(rebasing: $0[..<length])).low }
            return (length, digest, groups)
        }
    }

    /// Reads a serialized line back. Each field goes straight to its property (no list of all
    /// of them to copy from): every record the run writes is read back once to render it.
    init?(serialized line: ArraySlice<UInt8>) {
        self.init(primaryID: "", institutionalID: "", barcode: "", firstName: "", middleName: "", lastName: "", preferredFirstName: "",
                  preferredMiddleName: "", preferredLastName: "", email: "", phones: [], userGroup: CodeValue(""), line1: "", line2: "",
                  line3: "", city: "", stateProvince: "", postalCode: "", statistic: nil)
        var count = 0
        var statisticCode = "", statisticDesc = ""
        var groupCode = "", groupDesc = ""
        func optional(_ value: String) -> String? { value == "\u{0}" ? nil : value }
        // The details, each straight to its property, and the segments, when the record has them.
        var details = Details()
        var segmentFields: [String] = []
        Self.forEachField(of: line) { index, bytes in
            count += 1
            let value = index == 20 ? "" : String(decoding: bytes, as: UTF8.self)
            switch index {
            case 0: primaryID = value
            case 1: institutionalID = value
            case 2: barcode = value
            case 3: firstName = value
            case 4: middleName = value
            case 5: lastName = value
            case 6: preferredFirstName = value
            case 7: preferredMiddleName = value
            case 8: preferredLastName = value
            case 9: email = value
            case 10: groupCode = value
            case 11: groupDesc = value
            case 12: line1 = value
            case 13: line2 = value
            case 14: line3 = value
            case 15: city = value
            case 16: stateProvince = value
            case 17: postalCode = value
            case 18: statisticCode = value
            case 19: statisticDesc = value
            case 20:
                // Phones are split on their bytes: splitting the String walked its characters.
                phones = bytes.split(separator: 0x1D).map {
                    Phone(number: String(decoding: UnsafeBufferPointer(rebasing: $0.dropFirst()), as: UTF8.self), isPreferred: $0.first == UInt8(ascii: "P"))
                }
            case 21..<(21 + Details.count): details.set(index - 21, optional(value))
            default: segmentFields.append(value)
            }
            return true
        }
        switch count {
        case 21, 21 + Details.earlierCount, 21 + Details.count, Self.maximumFieldCount: break
        default: return nil
        }
        userGroup = CodeValue(groupCode, desc: optional(groupDesc))
        statistic = statisticCode == "\u{0}" ? nil : CodeValue(statisticCode, desc: optional(statisticDesc))
        guard count > 21 else { return }
        self.details = details
        if count == Self.maximumFieldCount {
            guard let segments = Segments(fields: segmentFields[...]) else { return nil }
            self.segments = segments
            // A record whose rules set no detail wrote them all absent: it had none.
            if details.fields.allSatisfy({ $0 == nil }) { self.details = nil }
        }
    }

    /// One identifier of a serialized line, unescaped, without decoding the rest.
    static func identifier(_ kind: IdentifierKind, ofSerialized line: ArraySlice<UInt8>) -> String {
        let wanted: Int
        switch kind {
        case .primaryID: wanted = 0
        case .institutionalID: wanted = 1
        case .barcode: wanted = 2
        case .other(let slot):
            // Rare (only to confirm a clash): the whole record is read.
            let identifiers = PatronRecord(serialized: line)?.segments?.identifiers ?? []
            return slot < identifiers.count ? identifiers[slot].value : ""
        }
        var value = ""
        forEachField(of: line) { index, bytes in
            guard index == wanted else { return true }
            value = String(decoding: bytes, as: UTF8.self)
            return false
        }
        return value
    }

    /// Calls `body` with each field's index and unescaped bytes, in order, until it returns
    /// false. Tabs inside values are escaped (`\\t`), so a raw tab always ends a field. A field
    /// without a backslash (almost all) is handed over in place, not copied.
    private static func forEachField(of line: ArraySlice<UInt8>, _ body: (Int, UnsafeBufferPointer<UInt8>) -> Bool) {
        line.withUnsafeBufferPointer { bytes in
            var index = 0
            var start = 0
            var escaped = false
            var unescaped: [UInt8] = []
            func field(until end: Int) -> Bool {
                guard escaped else { return body(index, UnsafeBufferPointer(rebasing: bytes[start..<end])) }
                unescaped.removeAll(keepingCapacity: true)
                var position = start
                while position < end {
                    let byte = bytes[position]
                    position += 1
                    guard byte == 0x5C else { unescaped.append(byte); continue }
                    // A backslash that ends the line escapes nothing and is dropped.
                    guard position < end else { break }
                    switch bytes[position] {
                    case UInt8(ascii: "t"): unescaped.append(0x09)
                    case UInt8(ascii: "n"): unescaped.append(0x0A)
                    case UInt8(ascii: "r"): unescaped.append(0x0D)
                    default: unescaped.append(bytes[position])
                    }
                    position += 1
                }
                return unescaped.withUnsafeBufferPointer { body(index, $0) }
            }
            var position = 0
            while position < bytes.count {
                switch bytes[position] {
                case 0x5C:
                    escaped = true
                    position += 2
                case 0x09:
                    guard field(until: position) else { return }
                    index += 1
                    position += 1
                    start = position
                    escaped = false
                default:
                    position += 1
                }
            }
            _ = field(until: bytes.count)
        }
    }
}
