import Foundation

/// FOLIO's date-times carry milliseconds. A `Date` holds Double seconds, in which most
/// milliseconds (`.999`, `.021`) have no exact value, and truncating such a value loses one
/// (`.998`, `.020`). Dates therefore cross every boundary (text, staging, both databases) as whole
/// milliseconds, rounded, and come back as the Double nearest to them.
extension Date {
    /// Milliseconds since 1970, to the nearest.
    public var epochMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    public init(epochMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000)
    }
}

extension Date {
    /// Seconds since 1970, for the forms that keep Double seconds (the events journal, SQLite's
    /// REAL columns): the Double nearest to the whole milliseconds, which `init(storedSeconds:)`
    /// turns back into exactly those milliseconds.
    public var storedSeconds: Double {
        Double(epochMilliseconds) / 1000
    }

    public init(storedSeconds: Double) {
        self.init(epochMilliseconds: Int64((storedSeconds * 1000).rounded()))
    }
}
