/// The `single-view` shape: Harbor Valley University (fictional) publishes one view of every
/// person the library may serve, employees and students alike, with an eligibility flag the
/// registrar and HR maintain and the dates each office owns (appointment end, expected
/// graduation). `examples/profiles/single-view/profile.json` reads it.
///
/// The first rows are the people the example's test and README talk about, always the same;
/// the rest are generated, row `i` a pure function of (seed, i).
public struct SingleViewGenerator: Sendable {
    public static let table = "LIBRARY_PATRON_VIEW"

    public static let columns = [
        "PERSON_ID", "NETID", "CAMPUS_EMAIL", "CARD_NUMBER", "FIRST_NAME", "MIDDLE_NAME", "LAST_NAME", "PREFERRED_FIRST_NAME",
        "LIBRARY_ELIGIBLE", "AFFILIATION", "CAREER", "DEGREE", "HR_APPOINTMENT_END", "EXPECTED_GRADUATION", "ACCOUNT_HOLD",
        "DEPARTMENT_CODE", "OFFICE_STREET", "OFFICE_CITY", "OFFICE_STATE", "OFFICE_ZIP", "PHONE",
    ]

    /// Hand-written rows, one per rule the example profile shows (same order as `columns`); row
    /// `i`'s PERSON_ID is `i + 1`, as a generated row's is.
    static let showcase: [[String?]] = [
        // A law student by degree although the registrar files her under GRAD; no campus email yet.
        ["700000001", "avega1", nil, "21987000000017", "Ana", "Lucía", "Vega", nil,
         "Y", "STUDENT", "GRAD", "JD", nil, "2028-05-15", nil, "LAW", nil, nil, nil, nil, "5415550101"],
        // Faculty with a hold on the account: loaded, but inactive.
        ["700000002", "bokafor2", "Bisi.Okafor@HVU.example", "21987000000025", "Bisi", nil, "Okafor", "Bisi",
         "Y", "FACULTY", nil, nil, "2029-06-30 00:00:00", nil, "Y", "PHYS", "12 Observatory Rd", "Harbor Valley", "OR", "97330", "5415550102"],
        // Not eligible: the view lists him, the library does not load him.
        ["700000003", "cnoel3", "cnoel3@hvu.example", "21987000000033", "Claude", nil, "Noël", nil,
         "N", "STAFF", nil, nil, "2027-06-30", nil, nil, "FAC", "1 Service Way", "Harbor Valley", "OR", "97330", nil],
        // An undergraduate without an expected graduation date: a year from the run's day.
        ["700000004", "dlin4", "dlin4@hvu.example", "21987000000041", "Dong", nil, "Lin", "Danny",
         "Y", "STUDENT", "UGRD", "BS", nil, nil, nil, "CS", nil, nil, nil, nil, nil],
        // Staff whose appointment ended last month (the flag in lower case): written inactive.
        ["700000005", "efischer5", "efischer5@hvu.example", nil, "Eva", "Maria", "Fischer", nil,
         "y", "STAFF", nil, nil, "2026-10-31", nil, nil, "LIB", "300 Library Walk", "Harbor Valley", "OR", "97331", "541-555-0105"],
        // A master's student: graduate group by the ordered rules.
        ["700000006", "fnakamura6", "fnakamura6@hvu.example", "21987000000066", "Fumiko", nil, "Nakamura", nil,
         "Y", "STUDENT", "GRAD", "MS", nil, "2027-06-12", nil, "ZZ99", nil, nil, nil, nil, nil],
        // An affiliate: no rule matches, the AFFILIATION column decides.
        ["700000007", "gbrandt7", "gbrandt7@hvu.example", "21987000000074", "Greta", nil, "Brandt", nil,
         "Y", "AFFILIATE", nil, nil, nil, nil, nil, "HIST", "8 Archive Ln", "Harbor Valley", "OR", "97330", nil],
    ]

    static let departments = ["PHYS", "CHEM", "BIOL", "MATH", "CS", "HIST", "ENGL", "ECON", "NURS", "LAW", "LIB", "FAC", "MUS", "ART"]

    public let employees: Int
    public let students: Int
    public let seed: UInt64

    public init(employees: Int, students: Int, seed: UInt64 = 2026) {
        self.employees = employees
        self.students = students
        self.seed = seed
    }

    /// Rows in the view: the showcase rows take the first places.
    public var count: Int { employees + students }

    public func row(_ index: Int) -> [String?] {
        if index < Self.showcase.count { return Self.showcase[index] }
        var random = DemoValues.random(seed: seed, kind: 11, index: index)
        let first = random.pick(DemoPatronGenerator.firstNames)
        let last = random.pick(DemoPatronGenerator.lastNames)
        let netID = DemoValues.login(first: first, last: last, number: index)
        let isStudent = index >= employees
        let affiliation = isStudent ? "STUDENT" : random.pick(["FACULTY", "FACULTY", "STAFF", "STAFF", "STAFF", "AFFILIATE"])
        var career: String?
        var degree: String?
        if isStudent {
            let level = random.pick(["UGRD", "UGRD", "UGRD", "UGRD", "GRAD", "GRAD", "LAW"])
            career = level
            switch level {
            case "UGRD": degree = random.pick(["BA", "BS"])
            case "GRAD": degree = random.pick(["MS", "MA", "PHD", "MBA", "JD"])
            default: degree = random.pick(["JD", "JD", "LLM"])
            }
        }
        let hasOffice = !isStudent && random.chance(0.85)
        return [
            "7" + DemoValues.digits(UInt64(index) + 1, 8),
            netID,
            random.chance(0.88) ? netID + "@hvu.example" : nil,
            random.chance(0.96) ? "21987" + DemoValues.digits(UInt64(index) &* 7 % 1_000_000_000, 9) : nil,
            first,
            random.chance(0.3) ? random.pick(DemoPatronGenerator.firstNames) : nil,
            last,
            random.chance(0.1) ? random.pick(DemoPatronGenerator.firstNames) : nil,
            random.chance(0.92) ? "Y" : random.pick(["N", "N", "y"]),
            affiliation,
            career,
            degree,
            !isStudent && random.chance(0.6) ? DemoValues.day(in: 2025...2030, random: &random) : nil,
            isStudent && random.chance(0.9) ? DemoValues.day(in: 2027...2031, random: &random) : nil,
            random.chance(0.03) ? "Y" : nil,
            random.chance(0.97) ? random.pick(Self.departments) : "ZZ99",
            hasOffice ? "\(random.next() % 900 + 100) \(random.pick(["Campus Dr", "Science Way", "Quad Ln", "Orchard St"]))" : nil,
            hasOffice ? "Harbor Valley" : nil,
            hasOffice ? "OR" : nil,
            hasOffice ? random.pick(["97330", "97331", "97333"]) : nil,
            random.chance(0.7) ? "541555" + DemoValues.digits(random.next() % 10_000, 4) : nil,
        ]
    }
}
