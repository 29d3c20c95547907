import Foundation

/// A calendar date as Alma writes it (`YYYY-MM-DDZ`), with month arithmetic that clamps month ends.
public struct AlmaDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        precondition((1...12).contains(month) && day >= 1 && day <= AlmaDate.daysIn(month: month, year: year))
        self.year = year
        self.month = month
        self.day = day
    }

    /// The UTC calendar day of an instant.
    public init(utc instant: Date) {
        let days = Int((instant.timeIntervalSince1970 / 86_400).rounded(.down))
        self = AlmaDate(daysSinceEpoch: days)
    }

    /// Howard Hinnant's days-to-civil conversion: exact for the proleptic Gregorian calendar.
    public init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Adds months in one step; a day past the end of the target month becomes its last day
    /// (Aug 31 + 6 months = Feb 28, or 29 in a leap year).
    public func adding(months: Int) -> AlmaDate {
        let total = year * 12 + (month - 1) + months
        let newYear = total >= 0 ? total / 12 : (total - 11) / 12
        let newMonth = total - newYear * 12 + 1
        return AlmaDate(year: newYear, month: newMonth, day: min(day, AlmaDate.daysIn(month: newMonth, year: newYear)))
    }

    public func adding(days: Int) -> AlmaDate {
        AlmaDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// `YYYY-MM-DD`, or nil when it is not a date.
    public init?(isoDay text: String) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), parts[2] >= 1, parts[2] <= AlmaDate.daysIn(month: parts[1], year: parts[0]) else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// `2026-08-29Z`, the form Alma's xs:date fields take.
    public var almaString: String { isoDay + "Z" }

    /// `2026-08-29`.
    public var isoDay: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public var description: String { isoDay }

    public static func < (lhs: AlmaDate, rhs: AlmaDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
