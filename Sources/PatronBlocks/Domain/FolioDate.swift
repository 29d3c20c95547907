import Foundation

/// FOLIO's date-times: `2026-11-22T10:00:00.000+00:00`, `2026-11-22T10:00:00Z`, with or without
/// fractions. Read leniently, written one way.
public enum FolioDate {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Dates are read to the millisecond (see `Date.epochMilliseconds`): the parsers' Double
    /// arithmetic can land a hair below `.999`, which would print as `.998`.
    public static func parse(_ text: String) -> Date? {
        if let milliseconds = commonForm(text) { return Date(epochMilliseconds: milliseconds) }
        return lenient(text).map { Date(epochMilliseconds: $0.epochMilliseconds) }
    }

    /// The forms FOLIO writes, `2026-11-22T10:00:00.000+00:00` or `…Z`, with no fraction or one of
    /// three digits, read in integers (Foundation's parser was a tenth of a synchronization's
    /// paging); anything else, or a field out of range, is nil and goes to the full parsers.
    static func commonForm(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            let count = bytes.count
            guard count == 20 || count == 24 || count == 25 || count == 29 else { return nil }
            func number(_ from: Int, _ length: Int) -> Int64? {
                var value: Int64 = 0
                for index in from..<(from + length) {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            var zoneStart = 19
            var milliseconds: Int64 = 0
            if bytes[19] == UInt8(ascii: ".") {
                guard count == 24 || count == 29, let fraction = number(20, 3) else { return nil }
                milliseconds = fraction
                zoneStart = 23
            }
            var offsetMinutes: Int64 = 0
            switch (bytes[zoneStart], count - zoneStart) {
            case (UInt8(ascii: "Z"), 1):
                break
            case (let sign, 6) where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
                guard bytes[zoneStart + 3] == UInt8(ascii: ":"), let hours = number(zoneStart + 1, 2), let minutes = number(zoneStart + 4, 2),
                      hours < 24, minutes < 60 else { return nil }
                offsetMinutes = (hours * 60 + minutes) * (sign == UInt8(ascii: "+") ? 1 : -1)
            default:
                return nil
            }
            let seconds = daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
            return seconds * 1_000 + milliseconds
        }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func lenient(_ text: String) -> Date? {
        // FOLIO writes fractions; trying the right style first halves a synchronization's parsing.
        let styles = text.utf8.contains(UInt8(ascii: ".")) ? [fractional, whole] : [whole, fractional]
        for style in styles {
            if let date = try? style.parse(text) { return date }
        }
        // `+0000` without a colon, and dates without a zone (taken as UTC).
        let formats = ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd'T'HH:mm:ssZ", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"]
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// RFC 3339 date-times only (a zone required), as FOLIO's event schemas define them: what the
    /// handlers accept from outside. Upstream records are read with the lenient `parse`.
    public static func parseDateTime(_ text: String) -> Date? {
        let styles = text.utf8.contains(UInt8(ascii: ".")) ? [fractional, whole] : [whole, fractional]
        for style in styles {
            if let date = try? style.parse(text) { return Date(epochMilliseconds: date.epochMilliseconds) }
        }
        return nil
    }

    /// `2026-11-22T10:00:00.999+00:00`: the milliseconds are computed as integers, because the
    /// formatter truncates a Double that sits just below them.
    public static func format(_ date: Date) -> String {
        let milliseconds = date.epochMilliseconds
        var seconds = milliseconds / 1000
        var fraction = milliseconds % 1000
        if fraction < 0 {
            seconds -= 1
            fraction += 1000
        }
        let text = String(fraction)
        let stamp = whole.format(Date(timeIntervalSince1970: Double(seconds)))
        return stamp.dropLast() + "." + String(repeating: "0", count: 3 - text.count) + text + "+00:00"
    }
}
