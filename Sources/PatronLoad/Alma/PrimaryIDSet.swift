/// primary_ids compared as Alma compares them: ignoring case. Stores each ID once, upper-cased
/// (IDs usually arrive upper-case already, so most inserts copy nothing).
public struct PrimaryIDSet: Sendable, Equatable {
    private var storage: Set<String> = []

    public init() {}

    public init<S: Sequence>(_ ids: S) where S.Element == String {
        for id in ids { insert(id) }
    }

    public var count: Int { storage.count }

    @discardableResult
    public mutating func insert(_ id: String) -> Bool {
        storage.insert(Self.fold(id)).inserted
    }

    public func contains(_ id: String) -> Bool {
        storage.contains(Self.fold(id))
    }

    static func fold(_ id: String) -> String {
        var needsWork = false
        for byte in id.utf8 where byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) {
            needsWork = true
            break
        }
        return needsWork ? id.uppercased() : id
    }
}
