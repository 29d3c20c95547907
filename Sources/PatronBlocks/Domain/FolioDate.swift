import Foundation

/// FOLIO's date-times: `2026-11-22T10:00:00.000+00:00`, `2026-11-22T10:00:00Z`, with or without
/// fractions. Read leniently, written one way.
public enum FolioDate {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Dates are read to the millisecond (see `Date.epochMilliseconds`): the parsers' Double
    /// arithmetic can land a hair below `.999`, which would print as `.998`.
    public static func parse(_ text: String) -> Date? {
        lenient(text).map { Date(epochMilliseconds: $0.epochMilliseconds) }
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
