import Foundation

/// Which warehouse to read, parsed from `DATA_WAREHOUSE_URL` (or `--warehouse`).
public enum WarehouseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)

    /// Accepts `sqlite:PATH`, `sqlite://PATH` and `sqlite:///ABSOLUTE/PATH`.
    public init(url: String) throws(WarehouseError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if let rest = trimmed.dropPrefix("sqlite://") ?? trimmed.dropPrefix("sqlite:") {
            guard !rest.isEmpty else {
                throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL `sqlite:` needs a file path, e.g. sqlite:demo/warehouse.sqlite")
            }
            self = .sqlite(path: rest)
            return
        }
        let scheme = trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? trimmed
        throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL has an unknown scheme `\(scheme)`; use sqlite:PATH")
    }

    /// The location without credentials, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        }
    }

    public func makeSource() -> any PatronSource {
        switch self {
        case .sqlite(let path): SQLitePatronSource(path: path)
        }
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
