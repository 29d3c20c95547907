/// The `consortium-member` shape: Cedar Plains College (fictional), a member of a regional
/// library consortium, sends its HR and registrar extracts as two tables. Their awkward parts
/// are the ones the example profile handles: job titles and emails of `NONE` or a single space,
/// several given names in one column, students whose local address is missing (the permanent one
/// then counts, with a province instead of a state abroad) and ISO country codes.
/// `examples/profiles/consortium-member/profile.json` reads it.
///
/// The first rows of each table are the people the example's test talks about, always the same.
public struct ConsortiumMemberGenerator: Sendable {
    public static let employeeTable = "HR_EMPLOYEES"
    public static let studentTable = "SIS_STUDENTS"

    public static let employeeColumns = [
        "EMPLOYEE_ID", "USERNAME", "WORK_EMAIL", "PERSONAL_EMAIL", "BARCODE", "GIVEN_NAMES", "SURNAME", "EMPLOYEE_CLASS",
        "JOB_TITLE", "WORK_STREET", "WORK_CITY", "WORK_STATE", "WORK_ZIP", "WORK_PHONE",
    ]

    public static let studentColumns = [
        "STUDENT_ID", "USERNAME", "CAMPUS_EMAIL", "HOME_EMAIL", "BARCODE", "GIVEN_NAMES", "SURNAME", "ACADEMIC_LEVEL",
        "LOCAL_STREET", "LOCAL_CITY", "LOCAL_STATE", "LOCAL_ZIP",
        "PERM_STREET", "PERM_CITY", "PERM_STATE", "PERM_PROVINCE", "PERM_ZIP", "PERM_COUNTRY", "PHONE",
    ]

    /// Hand-written rows; row `i`'s ID ends in `i + 1`, as a generated row's does.
    static let employeeShowcase: [[String?]] = [
        // Two given names: the first is the first name; faculty keep their card two years.
        ["E1000001", "mharper", "mharper@cpc.example", nil, "20711000000011", "Mary Ann", "Harper", "FAC",
         "Professor of History", "210 Old Main", "Cedar Plains", "IA", "52240", "3195550111"],
        // Job title, work email and barcode the HR system fills with NONE or a space.
        ["E1000002", "jreyes", "NONE", "jo.reyes@mailbox.example", " ", "Josefina", "Reyes", "STF",
         "NONE", "Physical Plant", "Cedar Plains", "IA", "52240", nil],
        // Emeritus faculty: a fixed expiry the consortium agreed on.
        ["E1000003", "okwame", "okwame@cpc.example", nil, "20711000000037", "Kwame Oduro", "Mensah", "EMR",
         " ", "Emeriti Office", "Cedar Plains", "IA", "52240", nil],
        // A temporary worker: the class no group rule lists.
        ["E1000004", "tpark", "tpark@cpc.example", nil, "20711000000045", "Tae-yang", "Park", "TMP",
         "Library Assistant II", nil, nil, nil, nil, nil],
    ]

    static let studentShowcase: [[String?]] = [
        // An undergraduate with a local address and only a home email (the campus one is NONE).
        ["S2000001", "kpatel", "NONE", "kavya.p@mailbox.example", "20711900000018", "Kavya", "Patel", "UG",
         "14 Elm Hall", "Cedar Plains", "IA", "52241", "9 Lakeview Dr", "Naperville", "IL", nil, "60540", "US", "3195550121"],
        // A graduate student from abroad without a local address: the permanent one, with a province.
        ["S2000002", "lgagnon", "lgagnon@cpc.example", nil, "20711900000026", "Louis", "Gagnon", "GR",
         nil, nil, nil, nil, "44 rue Sainte-Catherine", "Montréal", nil, "QC", "H2X 1K4", "CA", nil],
        // Continuing education; a local street of one space counts as none.
        ["S2000003", "mflores", "mflores@cpc.example", nil, "20711900000034", "María José", "Flores", "CE",
         " ", nil, nil, nil, "Av. Juárez 120", "Guadalajara", nil, "Jalisco", "44100", "MX", nil],
        // A country the consortium's table does not list.
        ["S2000004", "aandersen", "aandersen@cpc.example", nil, "20711900000042", "Astrid", "Andersen", "UG",
         "3 Birch Hall", "Cedar Plains", "IA", "52241", "Strandvejen 7", "Aarhus", nil, nil, "8000", "DK", nil],
    ]

    static let countries = ["US", "US", "US", "US", "US", "US", "US", "US", "US", "US", "US", "US", "CA", "MX", "IN", "CN", "NG", "DE", "BR", "KR"]
    static let titles = ["Professor", "Associate Professor", "Assistant Professor", "Librarian", "Accountant", "Groundskeeper", "Administrative Assistant", "Coach"]

    public let seed: UInt64

    public init(seed: UInt64 = 2026) {
        self.seed = seed
    }

    public func employeeRow(_ index: Int) -> [String?] {
        if index < Self.employeeShowcase.count { return Self.employeeShowcase[index] }
        var random = DemoValues.random(seed: seed, kind: 21, index: index)
        // Even numbers for employees, odd for students: one username never names two people.
        let identity = person(id: "E1", number: index * 2, index: index, collegeEmail: 0.92, personalEmail: 0.5, barcodePrefix: "20711", &random)
        let hasOffice = random.chance(0.9)
        let columns: [String?] = [
            random.pick(["FAC", "FAC", "FAC", "STF", "STF", "STF", "STF", "STF", "EMR", "TMP"]),
            random.chance(0.93) ? random.pick(Self.titles) : random.pick(["NONE", " ", nil]),
            hasOffice ? "\(random.next() % 400 + 100) \(random.pick(["Old Main", "Science Hall", "Union", "Field House"]))" : nil,
            hasOffice ? "Cedar Plains" : nil,
            hasOffice ? "IA" : nil,
            hasOffice ? "52240" : nil,
            random.chance(0.6) ? "319555" + DemoValues.digits(random.next() % 10_000, 4) : nil,
        ]
        return identity + columns
    }

    public func studentRow(_ index: Int) -> [String?] {
        if index < Self.studentShowcase.count { return Self.studentShowcase[index] }
        var random = DemoValues.random(seed: seed, kind: 22, index: index)
        let identity = person(id: "S2", number: index * 2 + 1, index: index, collegeEmail: 0.9, personalEmail: 0.6, barcodePrefix: "207119", &random)
        let country = random.pick(Self.countries)
        let hasLocal = random.chance(0.75)
        let columns: [String?] = [
            random.pick(["UG", "UG", "UG", "UG", "UG", "UG", "GR", "GR", "CE"]),
            hasLocal ? "\(random.next() % 40 + 1) \(random.pick(["Elm Hall", "Birch Hall", "Prairie Apts", "Maple Ct"]))" : random.pick([nil, " "]),
            hasLocal ? "Cedar Plains" : nil,
            hasLocal ? "IA" : nil,
            hasLocal ? "52241" : nil,
            "\(random.next() % 9000 + 1) \(random.pick(["Main St", "Oak Ave", "River Rd", "Calle Mayor", "Station Rd"]))",
            random.pick(["Des Moines", "Chicago", "Toronto", "Pune", "Lagos", "Berlin", "Porto Alegre", "Seoul"]),
            country == "US" ? random.pick(["IA", "IL", "MN", "WI"]) : nil,
            country == "CA" ? random.pick(["ON", "QC", "BC"]) : nil,
            DemoValues.digits(random.next() % 100_000, 5),
            country,
            random.chance(0.5) ? "319555" + DemoValues.digits(random.next() % 10_000, 4) : nil,
        ]
        return identity + columns
    }

    /// The columns both tables begin with: ID, username, the college's email, a personal one,
    /// barcode, given names (one or two in one column, as the SIS keeps them) and surname.
    private func person(id prefix: String, number: Int, index: Int, collegeEmail: Double, personalEmail: Double, barcodePrefix: String,
                        _ random: inout SplitMix64) -> [String?] {
        var given = random.pick(DemoPatronGenerator.firstNames)
        if random.chance(0.25) { given += " " + random.pick(DemoPatronGenerator.firstNames) }
        let last = random.pick(DemoPatronGenerator.lastNames)
        let username = DemoValues.login(first: given, last: last, number: number)
        let college: String? = random.chance(collegeEmail) ? username + "@cpc.example" : random.pick(["NONE", nil])
        let personal: String? = random.chance(personalEmail) ? username + "@mailbox.example" : nil
        return [prefix + DemoValues.digits(UInt64(index) + 1, 6), username, college, personal, barcode(prefix: barcodePrefix, index, &random), given, last]
    }

    private func barcode(prefix: String, _ index: Int, _ random: inout SplitMix64) -> String? {
        random.chance(0.95) ? prefix + DemoValues.digits(UInt64(index) &* 13 % 100_000_000, 14 - prefix.count) : random.pick(["NONE", " ", nil])
    }
}
