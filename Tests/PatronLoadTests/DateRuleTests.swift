import Foundation
import Testing
@testable import PatronLoad

/// Expiry and purge rules at their boundaries: a run on a window's own day, the year's end,
/// Feb 29, month ends.
@Suite struct DateRuleTests {
    static func day(_ text: String) -> AlmaDate { AlmaDate(isoDay: text)! }

    static func expiry(_ json: String) throws -> ExpiryRule {
        try JSONDecoder().decode(ExpiryRule.self, from: Data(json.utf8))
    }

    @Test(arguments: [
        (#"{"nextOf": ["10-20", "01-31", "04-25"]}"#, "2026-11-22", "2027-01-31"),
        (#"{"nextOf": ["10-20", "01-31", "04-25"]}"#, "2026-10-20", "2027-01-31"),   // the window's own day: the next one
        (#"{"nextOf": ["10-20", "01-31", "04-25"]}"#, "2026-10-19", "2026-10-20"),
        (#"{"nextOf": ["10-20", "01-31", "04-25"]}"#, "2026-12-31", "2027-01-31"),   // year end
        (#"{"nextOf": ["10-20", "01-31", "04-25"]}"#, "2027-01-01", "2027-01-31"),
        (#"{"nextOf": ["06-30"]}"#, "2026-06-30", "2027-06-30"),
        (#"{"nextOf": ["06-30"]}"#, "2026-07-01", "2027-06-30"),
        (#"{"nextOf": ["02-29"]}"#, "2027-01-10", "2027-02-28"),                      // no Feb 29 in 2027
        (#"{"nextOf": ["02-29"]}"#, "2028-02-28", "2028-02-29"),
        (#"{"nextOf": ["02-29"]}"#, "2028-02-29", "2029-02-28"),
        (#"{"months": 6}"#, "2026-08-31", "2027-02-28"),
        (#"{"months": 6}"#, "2027-08-31", "2028-02-29"),
        (#"{"months": 12}"#, "2028-02-29", "2029-02-28"),
        (#"{"days": 1}"#, "2026-12-31", "2027-01-01"),
        (#"{"days": 366}"#, "2028-01-01", "2029-01-01"),
        (#"{"fixed": "2027-06-30"}"#, "2026-11-22", "2027-06-30"),
    ])
    func aRunDayGivesTheRulesDay(rule: String, today: String, expected: String) throws {
        #expect(try Self.expiry(rule).day(after: Self.day(today)) == Self.day(expected))
    }

    static func type(expiry: String?, purge: String? = nil) throws -> PatronProfile.PatronType {
        var type = Fixtures.type("staff")
        type.expiry = try expiry.map(Self.expiry)
        type.purge = try purge.map { try JSONDecoder().decode(PurgeRule.self, from: Data($0.utf8)) }
        return type
    }

    static func record(group: String, expiryColumn: String? = nil) throws -> PatronRecord {
        var record = try Fixtures.record("staff", [:])
        record.userGroup = CodeValue(group)
        if let expiryColumn { record.details = .init(expiryDate: expiryColumn) }
        return record
    }

    @Test(arguments: [
        // A column's day; a row without one takes otherwise, or expiryMonths (6).
        (#"{"column": "END", "otherwise": {"days": 30}}"#, "12", "2027-06-30", "2027-06-30", "patronTypes[0].expiry.column"),
        (#"{"column": "END", "otherwise": {"days": 30}}"#, "12", "", "2026-12-22", "patronTypes[0].expiry.otherwise"),
        (#"{"column": "END"}"#, "12", "", "2027-05-22", "expiryMonths"),
        (#"{"byUserGroup": {"31": {"months": 12}, "12": {"days": 30}}, "otherwise": {"nextOf": ["06-30"]}}"#, "12", nil, "2026-12-22", "patronTypes[0].expiry.byUserGroup.12"),
        (#"{"byUserGroup": {"31": {"months": 12}, "12": {"days": 30}}, "otherwise": {"nextOf": ["06-30"]}}"#, "99", nil, "2027-06-30", "patronTypes[0].expiry.otherwise"),
        (#"{"byUserGroup": {"31": {"months": 12}}}"#, "99", nil, "2027-05-22", "expiryMonths"),
        // The column's day, else the group's rule, else the group rule's otherwise.
        (#"{"column": "END", "otherwise": {"byUserGroup": {"12": {"days": 30}}, "otherwise": {"fixed": "2027-01-31"}}}"#, "12", "2027-06-30", "2027-06-30", "patronTypes[0].expiry.column"),
        (#"{"column": "END", "otherwise": {"byUserGroup": {"12": {"days": 30}}, "otherwise": {"fixed": "2027-01-31"}}}"#, "12", "", "2026-12-22", "patronTypes[0].expiry.otherwise.byUserGroup.12"),
        (#"{"column": "END", "otherwise": {"byUserGroup": {"12": {"days": 30}}, "otherwise": {"fixed": "2027-01-31"}}}"#, "31", "", "2027-01-31", "patronTypes[0].expiry.otherwise.otherwise"),
    ] as [(String, String, String?, String, String)])
    func aPatronsExpiryComesFromItsRule(rule: String, group: String, column: String?, expected: String, path: String) throws {
        let dates = TypeDates(try Self.type(expiry: rule), path: "patronTypes[0]", dates: Fixtures.dates)
        let expiry = dates.expiry(of: try Self.record(group: group, expiryColumn: column))
        #expect(expiry.day == Self.day(expected))
        #expect(expiry.path == path)
    }

    @Test(arguments: [
        (nil, nil, "2026-11-22", "2029-05-22"),                                          // purgeMonths (30), as today
        (#"{"afterExpiryDays": 90}"#, nil, "2026-11-22", "2027-08-20"),                 // expiry (2027-05-22) + 90
        (#"{"afterExpiryDays": 10}"#, #"{"fixed": "2027-12-31"}"#, "2026-11-22", "2028-01-10"),
        (#"{"months": 12}"#, nil, "2026-11-22", "2027-11-22"),
        (#"{"fixed": "2027-01-01"}"#, nil, "2026-11-22", "2027-05-22"),                 // before expiry: the expiry day
    ] as [(String?, String?, String, String)])
    func thePurgeDayFollowsItsRuleAndNeverPrecedesExpiry(purge: String?, expiry: String?, today: String, expected: String) throws {
        let dates = TypeDates(try Self.type(expiry: expiry, purge: purge), path: "patronTypes[0]", dates: Fixtures.dates)
        let record = try Self.record(group: "12")
        #expect(dates.purge(expiring: dates.expiry(of: record).day) == Self.day(expected))
    }

    @Test func withoutRulesAUsersDatesAreTheRunsAsBefore() throws {
        let user = try Fixtures.user("staff", [:])
        #expect(user.expiryDate == Fixtures.dates.expiry)
        #expect(user.purgeDate == Fixtures.dates.purge)
    }

    @Test(arguments: [
        (#"{"nextOf": ["13-01"]}"#, #"patronTypes[0].expiry.nextOf[0]: "13-01" is not a month and day (MM-DD, such as 06-30)"#),
        (#"{"nextOf": []}"#, "patronTypes[0].expiry.nextOf: is empty; give at least one MM-DD"),
        (#"{"fixed": "2027-02-30"}"#, #"patronTypes[0].expiry.fixed: "2027-02-30" is not a date (YYYY-MM-DD)"#),
        (#"{"months": -1}"#, "patronTypes[0].expiry.months: is -1; it must be 0 or more, or every patron is expired on delivery"),
        (#"{"byUserGroup": {"31": {"column": "X"}}}"#, "patronTypes[0].expiry.byUserGroup.31: must be months, days, nextOf or fixed here"),
        (#"{"column": "END", "otherwise": {"byUserGroup": {"31": {"byUserGroup": {}}}}}"#, "patronTypes[0].expiry.otherwise.byUserGroup.31: must be months, days, nextOf or fixed here"),
        (#"{"column": "END", "otherwise": {"column": "OTHER"}}"#, "patronTypes[0].expiry.otherwise: must be months, days, nextOf or fixed here"),
        (#"{"months": 6, "otherwise": {"days": 1}}"#, "patronTypes[0].expiry: otherwise belongs with column or byUserGroup, not with months"),
        (#"{"month": 6}"#, #"patronTypes[0].expiry: "month" is not an expiry rule key (one of months, days, column, byUserGroup, nextOf, fixed)"#),
    ])
    func aBadExpiryRuleIsAProblemWithItsPath(rule: String, problem: String) throws {
        let problems = try ProfileEdits.problems(type: ["expiry": rule])
        #expect(problems.contains(problem), "\(problems)")
    }
}
