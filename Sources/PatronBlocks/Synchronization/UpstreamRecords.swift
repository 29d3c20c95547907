import Foundation

/// A loan from loan-storage, read leniently: unknown properties are ignored (loans gain new ones
/// over releases), and a loan missing what the summary needs is reported, not fatal.
public struct UpstreamLoan: Sendable, Equatable {
    public var id: UUID
    public var userId: UUID
    public var dueDate: Date
    public var itemStatus: String?
    public var dueDateChangedByRecall: Bool
    public var createdDate: Date?
}

public struct UpstreamAccount: Sendable, Equatable {
    public var id: UUID
    public var userId: UUID
    public var feeFineId: UUID?
    public var loanId: UUID?
    public var remaining: Decimal
    public var createdDate: Date?
}

/// One page of an upstream collection, with the records that could not be read.
public struct UpstreamPage<Record: Sendable>: Sendable {
    public var records: [Record]
    /// How many records the page held, readable or not (decides whether another page follows).
    public var count: Int
    /// The last record's id, readable or not (the keyset for the next page).
    public var lastID: UUID?
    public var totalRecords: Int?
    public var problems: [String]
}

/// Reads upstream pages with `JSONDecoder` into lenient raw records (every field optional, a field
/// of the wrong type read as absent), then keeps what the summaries need and reports the rest.
enum UpstreamDecoding {
    static func loans(_ body: LoanPageBody) -> UpstreamPage<UpstreamLoan> {
        let items = body.loans ?? []
        var page = UpstreamPage<UpstreamLoan>(records: [], count: items.count, lastID: nil, totalRecords: body.totalRecords?.value, problems: [])
        page.records.reserveCapacity(items.count)
        for item in items {
            let id = uuid(item.id)
            if let id { page.lastID = id }
            guard let id, let user = uuid(item.userId), let due = item.dueDate.flatMap(FolioDate.parse) else {
                page.problems.append("Loan \(item.id ?? "?") skipped: it lacks a valid id, userId or dueDate")
                continue
            }
            page.records.append(UpstreamLoan(
                id: id, userId: user, dueDate: due, itemStatus: item.itemStatus ?? item.itemStatusName,
                dueDateChangedByRecall: item.dueDateChangedByRecall ?? false,
                createdDate: item.createdDate.flatMap(FolioDate.parse) ?? item.loanDate.flatMap(FolioDate.parse)
            ))
        }
        return page
    }

    static func accounts(_ body: AccountPageBody) -> UpstreamPage<UpstreamAccount> {
        let items = body.accounts ?? []
        var page = UpstreamPage<UpstreamAccount>(records: [], count: items.count, lastID: nil, totalRecords: body.totalRecords?.value, problems: [])
        page.records.reserveCapacity(items.count)
        for item in items {
            let id = uuid(item.id)
            if let id { page.lastID = id }
            guard let id, let user = uuid(item.userId), let remaining = item.remaining else {
                page.problems.append("Account \(item.id ?? "?") skipped: it lacks a valid id, userId or remaining amount")
                continue
            }
            page.records.append(UpstreamAccount(
                id: id, userId: user, feeFineId: uuid(item.feeFineId), loanId: uuid(item.loanId), remaining: remaining,
                createdDate: item.createdDate.flatMap(FolioDate.parse)
            ))
        }
        return page
    }

    static func uuid(_ text: String?) -> UUID? {
        text.flatMap { FolioUUID.isValid($0) ? UUID(folio: $0) : nil }
    }
}

/// `{"loans": [...], "totalRecords": n}`; anything else in it is ignored.
struct LoanPageBody: Decodable {
    var loans: [RawLoan]?
    var totalRecords: LenientInteger?
}

struct AccountPageBody: Decodable {
    var accounts: [RawAccount]?
    var totalRecords: LenientInteger?
}

struct RawUser: Decodable {
    var patronGroup: String?

    private enum Keys: String, CodingKey { case patronGroup }

    init(from decoder: any Decoder) throws {
        let c = try? decoder.container(keyedBy: Keys.self)
        patronGroup = (try? c?.decodeIfPresent(String.self, forKey: .patronGroup)) ?? nil
    }
}

/// A count as a number or a numeric string; anything else reads as unknown.
struct LenientInteger: Decodable {
    var value: Int?

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = (try? c.decode(Int.self)) ?? (try? c.decode(String.self)).flatMap { Int($0) }
    }
}

struct RawLoan: Decodable {
    var id, userId, dueDate, itemStatus, itemStatusName, createdDate, loanDate: String?
    var dueDateChangedByRecall: Bool?

    private enum Keys: String, CodingKey { case id, userId, dueDate, itemStatus, item, status, name, dueDateChangedByRecall, metadata, createdDate, loanDate }

    init(from decoder: any Decoder) throws {
        // Not an object, or fields of other types: read as absent, and reported by the caller.
        let c = try? decoder.container(keyedBy: Keys.self)
        let text = { (key: Keys, container: KeyedDecodingContainer<Keys>?) in lenientText(key, in: container ?? c) }
        id = text(.id, nil)
        userId = text(.userId, nil)
        dueDate = text(.dueDate, nil)
        itemStatus = text(.itemStatus, nil)
        // Nested objects only when there: a missing key is a thrown error, built with its coding
        // path, and a loan-storage loan has no `item` (that is the circulation API's form).
        let item = itemStatus == nil ? nested(.item, in: c) : nil
        itemStatusName = nested(.status, in: item).flatMap { text(.name, $0) }
        dueDateChangedByRecall = (try? c?.decodeIfPresent(Bool.self, forKey: .dueDateChangedByRecall)) ?? nil
        createdDate = nested(.metadata, in: c).flatMap { text(.createdDate, $0) }
        loanDate = text(.loanDate, nil)
    }
}

struct RawAccount: Decodable {
    var id, userId, feeFineId, loanId, createdDate: String?
    var remaining: Decimal?

    private enum Keys: String, CodingKey { case id, userId, feeFineId, loanId, remaining, metadata, createdDate }

    init(from decoder: any Decoder) throws {
        let c = try? decoder.container(keyedBy: Keys.self)
        id = lenientText(.id, in: c)
        userId = lenientText(.userId, in: c)
        feeFineId = lenientText(.feeFineId, in: c)
        loanId = lenientText(.loanId, in: c)
        // Money as a number or a string, read as a decimal.
        remaining = ((try? c?.decodeIfPresent(Decimal.self, forKey: .remaining)) ?? nil) ?? lenientText(.remaining, in: c).flatMap { Decimal(string: $0) }
        createdDate = nested(.metadata, in: c).flatMap { lenientText(.createdDate, in: $0) }
    }
}

/// A string field, or nil when it is absent, null or of another type.
private func lenientText<Key: CodingKey>(_ key: Key, in container: KeyedDecodingContainer<Key>?) -> String? {
    (try? container?.decodeIfPresent(String.self, forKey: key)) ?? nil
}

/// A nested object, or nil when the key is absent or holds something else.
private func nested<Key: CodingKey>(_ key: Key, in container: KeyedDecodingContainer<Key>?) -> KeyedDecodingContainer<Key>? {
    guard let container, container.contains(key) else { return nil }
    return try? container.nestedContainer(keyedBy: Key.self, forKey: key)
}
