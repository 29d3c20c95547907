import Foundation
import PostgresNIO

extension PostgresBindings {
    /// The bindings of every PostgreSQL store's statements, in order. Dates (and arrays of them)
    /// are bound as `PostgresTimestamp`s, to the millisecond.
    static func values(_ values: any PostgresEncodable & Sendable...) throws -> PostgresBindings {
        try self.values(values)
    }

    static func values(_ values: [any PostgresEncodable & Sendable]) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values {
            switch value {
            case let date as Date: bindings.append(PostgresTimestamp(date))
            // An empty array of any element casts to `[Date]`: only a real one is bound as dates.
            case let dates as [Date] where type(of: value) == [Date].self: bindings.append(dates.map(PostgresTimestamp.init))
            default: try bindings.append(value)
            }
        }
        return bindings
    }
}
