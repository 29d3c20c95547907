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

    /// The parts of a record the report names when they change.
    public enum FieldGroup: Int, CaseIterable, Sendable, Codable {
        case names, email, phones, address, userGroup, department, identifiers

        public var label: String {
            switch self {
            case .names: "names"
            case .email: "email"
            case .phones: "phones"
            case .address: "address"
            case .userGroup: "user group"
            case .department: "department"
            case .identifiers: "identifiers"
            }
        }
    }

    func values(of group: FieldGroup) -> [String] {
        switch group {
        case .names: [firstName, middleName, lastName, preferredFirstName, preferredMiddleName, preferredLastName, primaryID]
        case .email: [email]
        case .phones: phones.flatMap { [$0.number, $0.isPreferred ? "1" : "0"] }
        case .address: [line1, line2, line3, city, stateProvince, postalCode]
        case .userGroup: [userGroup.code, userGroup.desc ?? "\u{0}"]
        case .department: statistic.map { [$0.code, $0.desc ?? "\u{0}"] } ?? ["\u{0}"]
        case .identifiers: [institutionalID, barcode]
        }
    }

    /// One byte per field group (low bits of its hash): enough to name which groups changed
    /// once `digest` says something did.
    public var fieldHashes: UInt64 {
        var result: UInt64 = 0
        for group in FieldGroup.allCases {
            let byte = StableHash.hash128(values(of: group).joined(separator: "\u{1F}")).low & 0xFF
            result |= byte << UInt64(group.rawValue * 8)
        }
        return result
    }

    /// A digest of everything the record holds (not the run's dates).
    public var digest: UInt64 {
        StableHash.hash128(FieldGroup.allCases.map { values(of: $0).joined(separator: "\u{1F}") }.joined(separator: "\u{1E}")).low
    }

    /// The field groups whose one-byte hashes differ.
    public static func changedGroups(_ old: UInt64, _ new: UInt64) -> [FieldGroup] {
        FieldGroup.allCases.filter { ((old >> UInt64($0.rawValue * 8)) & 0xFF) != ((new >> UInt64($0.rawValue * 8)) & 0xFF) }
    }
}

extension PatronRecord {
    /// One line of text (no tabs or newlines inside fields), for the run's temporary record files.
    func serialized() -> String {
        var fields = [primaryID, institutionalID, barcode, firstName, middleName, lastName, preferredFirstName, preferredMiddleName,
                      preferredLastName, email, userGroup.code, userGroup.desc ?? "\u{0}", line1, line2, line3, city, stateProvince,
                      postalCode, statistic?.code ?? "\u{0}", statistic?.desc ?? "\u{0}"]
        fields.append(phones.map { ($0.isPreferred ? "P" : "S") + $0.number }.joined(separator: "\u{1D}"))
        return fields.map(Self.escape).joined(separator: "\t")
    }

    init?(serialized line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(Self.unescape)
        guard fields.count == 21 else { return nil }
        func optional(_ value: String) -> String? { value == "\u{0}" ? nil : value }
        primaryID = fields[0]; institutionalID = fields[1]; barcode = fields[2]
        firstName = fields[3]; middleName = fields[4]; lastName = fields[5]
        preferredFirstName = fields[6]; preferredMiddleName = fields[7]; preferredLastName = fields[8]
        email = fields[9]
        userGroup = CodeValue(fields[10], desc: optional(fields[11]))
        line1 = fields[12]; line2 = fields[13]; line3 = fields[14]; city = fields[15]; stateProvince = fields[16]; postalCode = fields[17]
        statistic = fields[18] == "\u{0}" ? nil : CodeValue(fields[18], desc: optional(fields[19]))
        phones = fields[20].isEmpty ? [] : fields[20].split(separator: "\u{1D}").map { Phone(number: String($0.dropFirst()), isPreferred: $0.first == "P") }
    }

    private static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\r") }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ value: Substring) -> String {
        guard value.contains("\\") else { return String(value) }
        var out = ""
        var escaping = false
        for character in value {
            if escaping {
                switch character {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
