/// The product and version a warehouse reports, for the connection test and the report.
public struct ServerVersion: Sendable, Equatable, CustomStringConvertible {
    public var product: String
    public var version: String

    public init(product: String, version: String) {
        self.product = product
        self.version = version
    }

    public var description: String { "\(product) version: \(version)" }
}

/// Where patrons come from. One implementation per backend; each streams a query's rows through a
/// cursor, so nothing holds a whole result in memory.
public protocol PatronSource: Sendable {
    /// Names the backend and its location for logs and errors. Never holds a password.
    var description: String { get }

    /// Connects, asks the server for its product and version, and disconnects.
    func serverVersion() async throws(WarehouseError) -> ServerVersion

    /// Runs a query and returns a cursor over its rows. The caller owns the cursor and closes it.
    func openCursor(_ sql: String) async throws(WarehouseError) -> sending any RowCursor
}

/// A query's rows, read one at a time. Values are text (numbers and dates converted by the
/// backend or the driver) or nil for NULL, in the order of `columns`.
public protocol RowCursor: AnyObject {
    var columns: [String] { get }
    func next() async throws(WarehouseError) -> [String?]?
    func close() async
}

extension PatronSource {
    /// Runs `body` over a cursor and closes the cursor on every path.
    public func withCursor<R>(
        _ sql: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (any RowCursor) async throws -> R
    ) async throws -> R {
        let cursor = try await openCursor(sql)
        do {
            let result = try await body(cursor)
            await cursor.close()
            return result
        } catch {
            await cursor.close()
            throw error
        }
    }
}
