/// Generates realistic staff and student warehouse rows with the columns of the reference views
/// (LIBRARY_EMPLOYEE, LIBRARY_STUDENT), including the awkward cases a real feed has: student
/// employees (sometimes in another letter case), rows without an email, barcodes of `NONE`, rows
/// missing the login ID, repeated rows, non-ASCII names, markup characters and control characters.
///
/// Row `i` of a type is a pure function of (seed, type, i), so a student employee can name a
/// staff member's login without holding the staff in memory, and any size streams.
public struct DemoPatronGenerator: Sendable {
    public struct Spec: Sendable, Equatable {
        public var staff: Int
        public var students: Int
        public var seed: UInt64
        /// Share of students who are also staff.
        public var studentEmployeeShare: Double
        /// Share of rows with a problem: missing login, NONE barcode, no email, control characters.
        public var messiness: Double

        public init(staff: Int, students: Int, seed: UInt64 = 2026, studentEmployeeShare: Double = 0.05, messiness: Double = 1) {
            self.staff = staff
            self.students = students
            self.seed = seed
            self.studentEmployeeShare = studentEmployeeShare
            self.messiness = messiness
        }
    }

    public static let staffColumns = [
        "MIT_ID", "EMAIL_ADDRESS", "KRB_NAME_UPPERCASE", "LIBRARY_ID",
        "PREFERRED_FIRST_NAME", "PREFERRED_MIDDLE_NAME", "PREFERRED_LAST_NAME",
        "LEGAL_FIRST_NAME", "LEGAL_MIDDLE_NAME", "LEGAL_LAST_NAME",
        "OFFICE_ADDRESS", "OFFICE_PHONE", "APPOINTMENT_END_DATE", "LIBRARY_PERSON_TYPE_CODE", "LIBRARY_PERSON_TYPE",
        "ORG_UNIT_ID", "ORG_UNIT_TITLE", "POSITION_TITLE", "DIRECTORY_TITLE",
    ]

    public static let studentColumns = [
        "MIT_ID", "EMAIL_ADDRESS", "KRB_NAME_UPPERCASE", "LIBRARY_ID",
        "PREFERRED_FIRST_NAME", "PREFERRED_MIDDLE_NAME", "PREFERRED_LAST_NAME",
        "LEGAL_FIRST_NAME", "LEGAL_MIDDLE_NAME", "LEGAL_LAST_NAME",
        "TERM_STREET1", "TERM_STREET2", "TERM_CITY", "TERM_STATE", "TERM_ZIP",
        "TERM_PHONE1", "TERM_PHONE2", "OFFICE_PHONE", "STUDENT_YEAR", "HOME_DEPARTMENT",
    ]

    public let spec: Spec

    public init(spec: Spec) {
        self.spec = spec
    }

    public func staffRows() -> LazyMapSequence<Range<Int>, [String?]> {
        (0..<spec.staff).lazy.map { staffRow($0) }
    }

    public func studentRows() -> LazyMapSequence<Range<Int>, [String?]> {
        (0..<spec.students).lazy.map { studentRow($0) }
    }

    /// The reference views as tables: LIBRARY_EMPLOYEE, then LIBRARY_STUDENT.
    public var tables: [DemoTable] {
        [
            DemoTable(name: DemoWarehouseWriter.staffTable, columns: Self.staffColumns, count: spec.staff) { staffRow($0) },
            DemoTable(name: DemoWarehouseWriter.studentTable, columns: Self.studentColumns, count: spec.students) { studentRow($0) },
        ]
    }

    // MARK: - Rows

    private func generator(_ kind: UInt64, _ index: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: spec.seed ^ (kind &* 0x1000_0000_01B3) ^ UInt64(index))
        return SplitMix64(seed: mixer.next())
    }

    /// A repeated row is an exact copy of the row before it, as a warehouse join can produce.
    public func staffRow(_ index: Int) -> [String?] {
        var random = generator(1, index)
        if index > 0 && random.chance(0.003 * spec.messiness) { return staffRow(index - 1) }
        let person = Person(random: &random, messiness: spec.messiness)
        let login = staffLogin(index)
        let group = random.pick(Self.staffGroups)
        let unit = random.chance(0.9) ? random.pick(Self.orgUnits) : ("99999999", "Unlisted Office")
        return [
            mitID(2, index),
            email(login: login, random: &random),
            loginValue(login, random: &random),
            barcode(2, index, random: &random),
            person.preferredFirst, person.preferredMiddle, person.preferredLast,
            person.first, person.middle, person.last,
            officeAddress(random: &random),
            phone(random: &random),
            random.chance(0.5) ? "2027-06-30" : nil,
            group.code, group.name,
            unit.0, random.chance(0.95) ? unit.1 : nil,
            random.pick(["Research Scientist", "Librarian", "Administrative Assistant", "Professor", "Technician"]),
            nil,
        ]
    }

    public func studentRow(_ index: Int) -> [String?] {
        var random = generator(2, index)
        if index > 0 && random.chance(0.003 * spec.messiness) { return studentRow(index - 1) }
        let person = Person(random: &random, messiness: spec.messiness)
        var login = "S\(Self.base36(UInt64(index) &* 7919 &+ 100_003))"
        var institutionalID = mitID(9, index)
        var libraryID = barcode(9, index, random: &random)
        if spec.staff > 0 && random.chance(spec.studentEmployeeShare) {
            // A student employee: the same person as a staff member (login, institutional ID and
            // library card), the login now and then in another case.
            let staffIndex = Int(random.next() % UInt64(spec.staff))
            let staffLogin = staffLogin(staffIndex)
            login = random.chance(0.2) ? staffLogin.lowercased() : staffLogin
            institutionalID = mitID(2, staffIndex)
            libraryID = "32" + String(format8(UInt64(staffIndex) &* 31 % 100_000_000))
        }
        let department = random.chance(0.05) ? random.pick(["NIU", "NIW", "NIT", "NIH"]) : (random.chance(0.95) ? random.pick(Self.homeDepartments) : "99Z")
        let hasOffice = random.chance(0.3)
        return [
            institutionalID,
            email(login: login, random: &random),
            loginValue(login, random: &random),
            libraryID,
            person.preferredFirst, person.preferredMiddle, person.preferredLast,
            person.first, person.middle, person.last,
            random.chance(0.9) ? "\(random.next() % 999 + 1) \(random.pick(Self.streets))" : nil,
            random.chance(0.3) ? "Apt \(random.next() % 40 + 1)" : nil,
            random.pick(["Cambridge", "Boston", "Somerville", "Medford", "Brookline", "Québec"]),
            random.pick(["MA", "MA", "MA", "NH", "QC"]),
            random.chance(0.95) ? String(format5(random.next() % 100_000)) : nil,
            random.chance(0.7) ? phone(random: &random) : nil,
            random.chance(0.3) ? phone(random: &random) : nil,
            hasOffice ? phone(random: &random) : nil,
            random.pick(["1", "2", "3", "4", "U", "u", "G", "g", "G", "G", "X", ""]),
            department,
        ]
    }

    // MARK: - Fields

    public func staffLogin(_ index: Int) -> String {
        var random = generator(3, index)
        let initials = String((0..<2).map { _ in Character(Unicode.Scalar(UInt8(65 + random.next() % 26))) })
        return initials + Self.base36(UInt64(index) &* 104_729 &+ 7)
    }

    private func loginValue(_ login: String, random: inout SplitMix64) -> String? {
        guard random.chance(0.01 * spec.messiness) else { return random.chance(0.01) ? " \(login) " : login }
        return random.pick([nil, "", "   "])
    }

    private func email(login: String, random: inout SplitMix64) -> String? {
        random.chance(0.05 * spec.messiness) ? random.pick([nil, ""]) : login.lowercased() + "@mit.edu"
    }

    private func mitID(_ prefix: Int, _ index: Int) -> String {
        String(prefix) + String(format8(UInt64(index)))
    }

    private func barcode(_ prefix: Int, _ index: Int, random: inout SplitMix64) -> String? {
        if random.chance(0.03 * spec.messiness) { return random.pick(["NONE", "None", nil, ""]) }
        return "3\(prefix)" + String(format8(UInt64(index) &* 31 % 100_000_000))
    }

    private func officeAddress(random: inout SplitMix64) -> String? {
        guard random.chance(0.9) else { return nil }
        var address = "\(random.pick(["E", "W", "NW", ""]))\(random.next() % 70 + 1)-\(random.next() % 600 + 100)"
        if random.chance(0.02 * spec.messiness) { address += " <Annex> & Lab" }
        if random.chance(0.005 * spec.messiness) { address += "\u{0B}Rm\u{01}" }
        return address
    }

    private func phone(random: inout SplitMix64) -> String? {
        let digits = "617" + format7(random.next() % 10_000_000)
        switch random.next() % 20 {
        case 0: return "1" + digits
        case 1: return "617-" + digits.dropFirst(3).prefix(3) + "-" + digits.suffix(4)
        case 2: return digits + " x1234"
        case 3: return ""
        default: return digits
        }
    }

    private func format5(_ value: UInt64) -> String { pad(value, 5) }
    private func format7(_ value: UInt64) -> String { pad(value, 7) }
    private func format8(_ value: UInt64) -> String { pad(value, 8) }

    private func pad(_ value: UInt64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func base36(_ value: UInt64) -> String {
        String(value, radix: 36).uppercased()
    }

    struct Person {
        var first, middle, last: String
        var preferredFirst, preferredMiddle, preferredLast: String?

        init(random: inout SplitMix64, messiness: Double) {
            first = random.pick(DemoPatronGenerator.firstNames)
            middle = random.chance(0.4) ? random.pick(DemoPatronGenerator.firstNames) : ""
            last = random.pick(DemoPatronGenerator.lastNames)
            if random.chance(0.02 * messiness) { last = " \(last) " }
            switch random.next() % 10 {
            case 0: preferredFirst = random.pick(DemoPatronGenerator.firstNames)
            case 1: preferredFirst = first.uppercased()
            case 2: preferredFirst = ""
            default: preferredFirst = nil
            }
            preferredMiddle = random.chance(0.05) ? random.pick(DemoPatronGenerator.firstNames) : nil
            preferredLast = random.chance(0.05) ? random.pick(DemoPatronGenerator.lastNames) : nil
        }
    }

    static let firstNames = [
        "James", "Mary", "Wei", "Priya", "José", "Zoë", "Łukasz", "Søren", "Aoife", "Nguyễn", "Chloé", "Mohammed",
        "Anna", "Björn", "Olga", "Hiroshi", "Fatima", "Emily", "Oluwaseun", "Ana María", "Jean-Luc", "François",
        "Ólafur", "Siobhán", "Dmitri", "Yuki", "Kwame", "Élodie", "Mateo", "Ingrid", "Rahul", "Sofía", "李", "Αλέξανδρος",
    ]

    static let lastNames = [
        "Smith", "Garcia", "Müller", "O'Brien", "Nguyen", "Wang", "Kowalski", "Patel", "Johansson", "Dubois", "Rossi",
        "Ivanova", "Tanaka", "Okafor", "García Márquez", "van der Berg", "Ó Súilleabháin", "Al-Sayed", "Çelik", "Novák",
        "Kim", "Lee", "Brown", "Fernández", "Schröder", "Øster", "Żółw", "Ng", "Santos", "Cohen", "王", "Παπαδόπουλος",
    ]

    static let streets = [
        "Massachusetts Ave", "Memorial Dr", "Vassar St", "Main St", "Ames St", "Amherst St", "Albany St", "Hayward St",
    ]

    static let staffGroups: [(code: String, name: String)] = [
        ("11", "Faculty"), ("12", "Staff"), ("13", "Other Academic"), ("14", "Affiliate"), ("15", "Postdoc"),
    ]

    static let orgUnits: [(String, String)] = [
        ("10000100", "Department of Architecture"), ("10000200", "Department of Chemistry"), ("10000210", "Department of Biology"),
        ("10000220", "Department of Physics"), ("10000230", "Department of Mathematics"),
        ("10000300", "Electrical Engineering & Computer Science"), ("10000310", "Mechanical Engineering"),
        ("10000400", "Department of Economics"), ("10000500", "Sloan School of Management"), ("10000600", "Libraries"),
        ("10000610", "Information Systems & Technology"), ("10000620", "Facilities"), ("10000670", "Lincoln Laboratory"),
    ]

    static let homeDepartments = [
        "4", "11", "5", "7", "8", "18", "12", "6", "2", "1", "10", "16", "3", "22", "20", "14", "17", "24", "21H", "21L", "21M", "15", "IDS",
    ]
}
