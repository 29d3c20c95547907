/// The `two-feeds-merged` shape: Riverbend University (fictional) sends an HR table and a
/// registrar table, and a student who also works for the university is in both, under one
/// NetID and one university ID. The example profile merges such a person into one user, the
/// student record winning; groups come from rules over several columns (career and degree, job
/// code) and each feed's address falls back to a second one (office or home, dorm or permanent).
/// `examples/profiles/two-feeds-merged/profile.json` reads it.
///
/// The first rows of each table are the people the example's test talks about, always the same.
public struct TwoFeedsMergedGenerator: Sendable {
    public let seed: UInt64

    public init(seed: UInt64 = 2026) {
        self.seed = seed
    }

    public static let employeeTable = "HR_EMPLOYEES"
    public static let studentTable = "REG_STUDENTS"

    public static let employeeColumns = [
        "UNIV_ID", "NETID", "EMAIL", "CARD", "FIRST_NAME", "LAST_NAME", "JOB_CODE", "FTE",
        "OFFICE_STREET", "OFFICE_CITY", "OFFICE_STATE", "OFFICE_ZIP", "HOME_STREET", "HOME_CITY", "HOME_STATE", "HOME_ZIP", "PHONE",
    ]

    public static let studentColumns = [
        "UNIV_ID", "NETID", "EMAIL", "CARD", "FIRST_NAME", "LAST_NAME", "CAREER", "DEGREE",
        "DORM_STREET", "DORM_CITY", "DORM_STATE", "DORM_ZIP", "PERM_STREET", "PERM_CITY", "PERM_STATE", "PERM_ZIP", "PHONE",
    ]

    /// Hand-written rows; row `i`'s ID ends in `i + 1`, as a generated row's does, except the
    /// student employee's, which is their student ID in both tables.
    static let employeeShowcase: [[String?]] = [
        // Faculty: the job code's group, the office address.
        ["E0000001", "aokoro1", "aokoro1@riverbend.example", "21000000000011", "Ada", "Okoro", "FAC", "1.0",
         "12 Science Hall", "Riverbend", "OR", "97330", "5 Pine St", "Corvallis", "OR", "97331", "5415550101"],
        // A student employee: in both tables; a personal email and a home address only here.
        ["S0000002", "bsato2", "ben.sato@mailbox.example", "21000000000029", "Ben", "Sato", "STU", "0.25",
         nil, nil, nil, nil, "77 Alder Ave", "Corvallis", "OR", "97333", "5415550102"],
        // Staff without an office: the home address; part time below half: the part-time group.
        ["E0000003", "cdiaz3", "cdiaz3@riverbend.example", "21000000000037", "Carmen", "Díaz", "STF", "0.4",
         " ", nil, nil, nil, "9 Birch Ln", "Albany", "OR", "97321", nil],
    ]

    static let studentShowcase: [[String?]] = [
        // A law student in the graduate career: the degree decides the group.
        ["S0000001", "dlee1", "dlee1@riverbend.example", "21100000000013", "Dana", "Lee", "GR", "JD",
         "4 Law Commons", "Riverbend", "OR", "97330", "300 Main St", "Boise", "ID", "83702", nil],
        // The student employee: the student record wins, the HR row adds its email, address and phone.
        ["S0000002", "bsato2", "bsato2@riverbend.example", "21000000000029", "Benjamin", "Sato", "UG", "BS",
         "18 River Hall", "Riverbend", "OR", "97330", "1200 Elm St", "Portland", "OR", "97205", nil],
        // No dorm: the permanent address.
        ["S0000003", "efox3", "efox3@riverbend.example", "21100000000039", "Eli", "Fox", "UG", "BA",
         nil, nil, nil, nil, "42 Cedar Rd", "Eugene", "OR", "97401", "5415550103"],
    ]

    static let jobCodes = ["FAC", "FAC", "STF", "STF", "STF", "STF", "LIB", "STU"]
    static let streets = ["Main St", "Oak Ave", "River Rd", "Elm St", "Willamette Way"]
    static let cities = ["Portland", "Eugene", "Salem", "Bend", "Corvallis"]

    public func employeeRow(_ index: Int) -> [String?] {
        guard index >= Self.employeeShowcase.count else { return Self.employeeShowcase[index] }
        var random = DemoValues.random(seed: seed, kind: 31, index: index)
        // Even numbers for employees, odd for students: one NetID never names two people.
        let identity = person(id: "E", number: index * 2, index: index, cardPrefix: "210", &random)
        let hasOffice = random.chance(0.8)
        let columns: [String?] = [
            random.pick(Self.jobCodes),
            random.pick(["1.0", "1.0", "0.75", "0.5", "0.4"]),
            hasOffice ? "\(random.next() % 300 + 1) \(random.pick(["Science Hall", "Admin Bldg", "Library", "Gym"]))" : random.pick([nil, " "]),
            hasOffice ? "Riverbend" : nil,
            hasOffice ? "OR" : nil,
            hasOffice ? "97330" : nil,
        ] + address(&random) + [random.chance(0.6) ? "541555" + DemoValues.digits(random.next() % 10_000, 4) : nil]
        return identity + columns
    }

    public func studentRow(_ index: Int) -> [String?] {
        guard index >= Self.studentShowcase.count else { return Self.studentShowcase[index] }
        var random = DemoValues.random(seed: seed, kind: 32, index: index)
        let identity = person(id: "S", number: index * 2 + 1, index: index, cardPrefix: "211", &random)
        let career = random.pick(["UG", "UG", "UG", "UG", "GR", "GR", "LAW"])
        let degree = career == "UG" ? random.pick(["BA", "BS"]) : career == "LAW" ? "JD" : random.pick(["MS", "PHD", "LLM", "MBA"])
        let hasDorm = random.chance(0.6)
        let columns: [String?] = [
            career, degree,
            hasDorm ? "\(random.next() % 40 + 1) \(random.pick(["River Hall", "Law Commons", "Oak Hall"]))" : nil,
            hasDorm ? "Riverbend" : nil,
            hasDorm ? "OR" : nil,
            hasDorm ? "97330" : nil,
        ] + address(&random) + [random.chance(0.5) ? "541555" + DemoValues.digits(random.next() % 10_000, 4) : nil]
        return identity + columns
    }

    /// A home or permanent address: street, city, state, ZIP.
    private func address(_ random: inout SplitMix64) -> [String?] {
        ["\(random.next() % 9000 + 1) \(random.pick(Self.streets))", random.pick(Self.cities), "OR", "97" + DemoValues.digits(random.next() % 1000, 3)]
    }

    /// The columns both tables begin with: ID, NetID, email, card, first and last name.
    private func person(id prefix: String, number: Int, index: Int, cardPrefix: String, _ random: inout SplitMix64) -> [String?] {
        let first = random.pick(DemoPatronGenerator.firstNames)
        let last = random.pick(DemoPatronGenerator.lastNames)
        let netID = DemoValues.login(first: first, last: last, number: number)
        let email: String? = random.chance(0.9) ? netID + "@riverbend.example" : netID + "@mailbox.example"
        let card: String? = random.chance(0.95) ? cardPrefix + DemoValues.digits(UInt64(index) &* 17 % 100_000_000_000, 11) : nil
        return [prefix + DemoValues.digits(UInt64(index) + 1, 7), netID, email, card, first, last]
    }
}
