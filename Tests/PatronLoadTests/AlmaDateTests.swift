import Foundation
import Testing
@testable import PatronLoad

@Suite struct AlmaDateTests {
    @Test(arguments: [
        // (start, months, expected)
        ((2024, 2, 29), 30, (2026, 8, 29)),     // the reference's own example, added in one step
        ((2024, 8, 31), 6, (2025, 2, 28)),      // month end clamps
        ((2023, 8, 31), 6, (2024, 2, 29)),      // ... to the 29th in a leap year
        ((2026, 11, 22), 6, (2027, 5, 22)),
        ((2026, 11, 22), 30, (2029, 5, 22)),
        ((2026, 12, 31), 2, (2027, 2, 28)),
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2026, 3, 31), -1, (2026, 2, 28)),
        ((2026, 5, 15), 0, (2026, 5, 15)),
    ])
    func addingMonths(start: (Int, Int, Int), months: Int, expected: (Int, Int, Int)) {
        let date = AlmaDate(year: start.0, month: start.1, day: start.2).adding(months: months)
        #expect(date == AlmaDate(year: expected.0, month: expected.1, day: expected.2))
    }

    @Test func almaFormatHasTheZoneSuffix() {
        #expect(AlmaDate(year: 2026, month: 8, day: 9).almaString == "2026-08-09Z")
    }

    @Test func utcDayIgnoresTheLocalZone() {
        // 2026-11-22T23:30:00Z is still the 22nd in UTC.
        let instant = Date(timeIntervalSince1970: 1_795_390_200)
        #expect(AlmaDate(utc: instant) == AlmaDate(year: 2026, month: 11, day: 22))
        #expect(AlmaDate(utc: Date(timeIntervalSince1970: 0)) == AlmaDate(year: 1970, month: 1, day: 1))
    }

    @Test func daysRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(AlmaDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(AlmaDate(year: 2000, month: 3, day: 1).adding(days: -1) == AlmaDate(year: 2000, month: 2, day: 29))
    }

    @Test func runDatesFollowTheProfileOffsets() {
        let dates = RunDates(today: AlmaDate(year: 2024, month: 2, day: 29), expiryMonths: 6, purgeMonths: 30)
        #expect(dates.expiry == AlmaDate(year: 2024, month: 8, day: 29))
        #expect(dates.purge == AlmaDate(year: 2026, month: 8, day: 29))
    }
}
