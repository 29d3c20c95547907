import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A test double of FOLIO's `/loan-storage/loans`, `/accounts` and `/users/{id}`, following their
/// published contract: the CQL subset patronblocks sends (`status.name==Open`, `userId==`,
/// `id >`, `id <`, `sortBy id`), `limit`, `totalRecords`, keyset order by id, `X-Okapi-Tenant` required.
/// It can fail on demand: 5xx answers, slow answers, pages with properties nobody knows.
public actor FolioSimulator {
    public struct Fault: Sendable, Equatable {
        public enum Kind: String, Sendable { case loans, accounts, users }
        public var kind: Kind
        /// Answer this status instead of the page (nil: answer, but slowly).
        public var status: Int?
        public var delay: Duration
        /// Which pages (counted from 1, per kind) the fault hits first; nil: every request.
        public var fromPage: Int?
        /// How many requests it hits; nil: all from then on.
        public var times: Int?

        public init(kind: Kind, status: Int? = 500, delay: Duration = .zero, fromPage: Int? = nil, times: Int? = 1) {
            self.kind = kind
            self.status = status
            self.delay = delay
            self.fromPage = fromPage
            self.times = times
        }
    }

    public struct RecordedRequest: Sendable, Equatable {
        public var path: String
        public var query: String?
        public var limit: Int?
        public var tenant: String?
        public var token: String?
        public var requestID: String?
    }

    private var dataset: FolioDataset
    private var faults: [Fault] = []
    private var pages: [Fault.Kind: Int] = [:]
    public private(set) var requests: [RecordedRequest] = []
    /// Every record carries these extra properties, as newer FOLIO releases add fields.
    public private(set) var extraProperties = true

    public func setExtraProperties(_ on: Bool) {
        extraProperties = on
    }

    private var loansOpenBefore: [Int]
    private var accountsOpenBefore: [Int]

    public init(dataset: FolioDataset) {
        self.dataset = dataset
        loansOpenBefore = Self.openBefore(dataset.loans, open: \.open)
        accountsOpenBefore = Self.openBefore(dataset.accounts, open: \.open)
    }

    public func inject(_ fault: Fault) {
        faults.append(fault)
    }

    public func clearFaults() {
        faults.removeAll()
    }

    public func replaceDataset(_ dataset: FolioDataset) {
        self.dataset = dataset
        loansOpenBefore = Self.openBefore(dataset.loans, open: \.open)
        accountsOpenBefore = Self.openBefore(dataset.accounts, open: \.open)
    }

    /// Adds a loan as FOLIO's circulation does at a check-out, before it publishes the event: from
    /// then on the loan is in every page that reaches its id.
    public func addLoan(_ loan: FolioDataset.Loan) {
        let index = dataset.loans.firstIndex { loan.id.precedes($0.id) } ?? dataset.loans.endIndex
        dataset.loans.insert(loan, at: index)
        loansOpenBefore = Self.openBefore(dataset.loans, open: \.open)
    }

    /// Forgets the request log and the per-kind page counters that faults count from.
    public func resetRequests() {
        requests.removeAll()
        pages.removeAll()
    }

    public var data: FolioDataset { dataset }

    // MARK: - HTTP

    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/loan-storage/loans") { request, _ in try await self.collection(.loans, request) }
        router.get("/accounts") { request, _ in try await self.collection(.accounts, request) }
        router.get("/users/:id") { request, context in try await self.user(request, id: context.parameters.get("id") ?? "") }
        return router
    }

    /// Runs the simulator on a port (0: any free one); `onRunning` learns the port.
    public nonisolated func application(hostname: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(hostname, port: port), serverName: "folio-simulator"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                    logger: Logger(label: "folio-simulator"))
    }

    /// Logs the request, checks the tenant, and returns the fault this request must suffer.
    private func record(_ request: Request, path: String, kind: Fault.Kind) throws -> Fault? {
        let query = request.uri.queryParameters.get("query")
        let limit = request.uri.queryParameters.get("limit").flatMap(Int.init)
        let tenant = request.headers[HTTPField.Name("X-Okapi-Tenant")!]
        requests.append(RecordedRequest(path: path, query: query, limit: limit, tenant: tenant,
                                        token: request.headers[HTTPField.Name("X-Okapi-Token")!],
                                        requestID: request.headers[HTTPField.Name("X-Okapi-Request-Id")!]))
        guard tenant != nil else { throw SimulatorError(.badRequest, "No X-Okapi-Tenant header") }
        pages[kind, default: 0] += 1
        let page = pages[kind]!
        guard let index = faults.firstIndex(where: { $0.kind == kind && ($0.fromPage.map { page >= $0 } ?? true) }) else { return nil }
        let fault = faults[index]
        if let times = fault.times {
            if times <= 1 { faults.remove(at: index) } else { faults[index].times = times - 1 }
        }
        return fault
    }

    private func suffer(_ fault: Fault?) async throws {
        guard let fault else { return }
        if fault.delay > .zero { try await Task.sleep(for: fault.delay) }
        if let status = fault.status { throw SimulatorError(HTTPResponse.Status(code: status), "Simulated failure") }
    }

    /// A page chosen on the actor; rendered off it, so that pages asked for side by side are
    /// rendered side by side, as FOLIO's storage modules answer concurrent requests.
    private enum Selection: Sendable {
        case loans([FolioDataset.Loan], total: Int, extraProperties: Bool)
        case accounts([FolioDataset.Account], total: Int, extraProperties: Bool)
    }

    private func select(_ kind: Fault.Kind, _ request: Request) async throws -> Selection {
        let path = kind == .loans ? "/loan-storage/loans" : "/accounts"
        try await suffer(try record(request, path: path, kind: kind))
        let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 10
        guard limit >= 0 else { throw SimulatorError(.badRequest, "limit must be 0 or more") }
        guard let cql = CQL(request.uri.queryParameters.get("query") ?? "") else {
            throw SimulatorError(.badRequest, "Unsupported CQL: \(request.uri.queryParameters.get("query") ?? "")")
        }
        if kind == .accounts {
            let (items, total) = Self.page(dataset.accounts, openBefore: accountsOpenBefore, open: \.open, user: \.userId, cql: cql, limit: limit)
            return .accounts(items, total: total, extraProperties: extraProperties)
        }
        let (items, total) = Self.page(dataset.loans, openBefore: loansOpenBefore, open: \.open, user: \.userId, cql: cql, limit: limit)
        return .loans(items, total: total, extraProperties: extraProperties)
    }

    private nonisolated func collection(_ kind: Fault.Kind, _ request: Request) async throws -> Response {
        let json = switch try await select(kind, request) {
        case .loans(let items, let total, let extra):
            "{\"loans\":[" + items.map { Self.render($0, extraProperties: extra) }.joined(separator: ",") + "],\"totalRecords\":\(total)}"
        case .accounts(let items, let total, let extra):
            "{\"accounts\":[" + items.map { Self.render($0, extraProperties: extra) }.joined(separator: ",") + "],\"totalRecords\":\(total)}"
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    private func user(_ request: Request, id: String) async throws -> Response {
        try await suffer(try record(request, path: "/users/\(id)", kind: .users))
        let key = id.lowercased()
        guard let user = Self.find(dataset.users, key) else { throw SimulatorError(.notFound, "User not found") }
        var json = "{\"id\":\"\(key)\",\"active\":true,\"username\":\"u\(key.prefix(8))\""
        if let group = user.patronGroup { json += ",\"patronGroup\":\"\(FolioJSONText.uuid(group))\"" }
        if extraProperties { json += ",\"departments\":[],\"proxyFor\":[]" }
        json += "}"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    static func find(_ users: [FolioDataset.User], _ key: String) -> FolioDataset.User? {
        guard let id = UUID(uuidString: key) else { return nil }
        let index = firstIndex(users, notBefore: id)
        return index < users.count && users[index].id == id ? users[index] : nil
    }

    /// The first record whose id is not before `id` (binary search over the sorted records).
    static func firstIndex<Record: Identifiable>(_ records: [Record], notBefore id: UUID) -> Int where Record.ID == UUID {
        var low = 0, high = records.count
        while low < high {
            let mid = (low + high) / 2
            if records[mid].id.precedes(id) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// `result[i]`: how many of `records[..<i]` are open, so a keyset page's total is a subtraction.
    static func openBefore<Record>(_ records: [Record], open: KeyPath<Record, Bool>) -> [Int] {
        var result = [Int](repeating: 0, count: records.count + 1)
        for (index, record) in records.enumerated() { result[index + 1] = result[index] + (record[keyPath: open] ? 1 : 0) }
        return result
    }

    /// The page and the query's total: binary search to the first id after `id >` (and to the
    /// first not before `id <`); a user's query walks the rest (user scope is small), a full one
    /// counts from the prefix table.
    static func page<Record>(_ records: [Record], openBefore: [Int], open: KeyPath<Record, Bool>, user: KeyPath<Record, UUID>, cql: CQL, limit: Int) -> ([Record], Int)
    where Record: Identifiable, Record.ID == UUID {
        var start = 0
        if let after = cql.after {
            start = firstIndex(records, notBefore: after)
            if start < records.count && records[start].id == after { start += 1 }
        }
        let end = max(start, cql.before.map { firstIndex(records, notBefore: $0) } ?? records.count)
        var page: [Record] = []
        if let userId = cql.userId {
            var total = 0
            for record in records[start..<end] where record[keyPath: open] && record[keyPath: user] == userId {
                total += 1
                if page.count < limit { page.append(record) }
            }
            return (page, total)
        }
        for record in records[start..<end] where record[keyPath: open] {
            if page.count == limit { break }
            page.append(record)
        }
        return (page, openBefore[end] - openBefore[start])
    }

    private static func render(_ loan: FolioDataset.Loan, extraProperties: Bool) -> String {
        var json = "{\"id\":\"\(FolioJSONText.uuid(loan.id))\",\"userId\":\"\(FolioJSONText.uuid(loan.userId))\",\"itemId\":\"\(Self.itemId(of: loan.id))\""
        json += ",\"loanDate\":\"\(FolioJSONText.date(loan.createdDate))\",\"dueDate\":\"\(FolioJSONText.date(loan.dueDate))\",\"action\":\"checkedout\""
        json += ",\"status\":{\"name\":\"\(loan.open ? "Open" : "Closed")\"},\"itemStatus\":\"\(loan.itemStatus)\""
        if loan.dueDateChangedByRecall { json += ",\"dueDateChangedByRecall\":true" }
        if extraProperties { json += ",\"itemEffectiveLocationIdAtCheckOut\":\"fcd64ce1-6995-48f0-840e-89ffa2288371\",\"isDcb\":false,\"reminders\":{\"lastFeeBilled\":{\"number\":0}}" }
        json += ",\"metadata\":{\"createdDate\":\"\(FolioJSONText.date(loan.createdDate))\",\"updatedDate\":\"\(FolioJSONText.date(loan.createdDate))\"}}"
        return json
    }

    private static func render(_ account: FolioDataset.Account, extraProperties: Bool) -> String {
        let cents = account.remainingCents % 100
        let remaining = "\(account.remainingCents / 100).\(cents < 10 ? "0" : "")\(cents)"
        var json = "{\"id\":\"\(FolioJSONText.uuid(account.id))\",\"userId\":\"\(FolioJSONText.uuid(account.userId))\",\"feeFineId\":\"\(FolioJSONText.uuid(account.feeFineId))\""
        if let loan = account.loanId { json += ",\"loanId\":\"\(FolioJSONText.uuid(loan))\"" }
        json += ",\"amount\":\(remaining),\"remaining\":\(remaining),\"status\":{\"name\":\"\(account.open ? "Open" : "Closed")\"},\"paymentStatus\":{\"name\":\"Outstanding\"}"
        if extraProperties { json += ",\"feeFineOwner\":\"Main Library\",\"contributors\":[]" }
        json += ",\"metadata\":{\"createdDate\":\"\(FolioJSONText.date(account.createdDate))\"}}"
        return json
    }

    /// A stable, valid item UUID per loan: the loan's id with its last group turned around.
    private static func itemId(of loan: UUID) -> String {
        let text = FolioJSONText.uuid(loan)
        return String(text.dropLast(12)) + String(text.suffix(12).reversed())
    }
}

extension FolioDataset.Loan: Identifiable {}
extension FolioDataset.Account: Identifiable {}
extension FolioDataset.User: Identifiable {}

/// The CQL subset patronblocks sends: FOLIO patron-blocks' keyset paging, and `id <` bounding a slice.
struct CQL: Equatable {
    var userId: UUID?
    var after: UUID?
    var before: UUID?

    init?(_ text: String) {
        var clauses = text.components(separatedBy: " sortBy ")
        guard clauses.count == 2, clauses[1].trimmingCharacters(in: .whitespaces) == "id" else { return nil }
        clauses = clauses[0].components(separatedBy: " and ")
        guard clauses.first == "status.name==Open" else { return nil }
        for clause in clauses.dropFirst() {
            if clause.hasPrefix("userId=="), let id = UUID(uuidString: String(clause.dropFirst(8))) {
                userId = id
            } else if clause.hasPrefix("id > "), let id = UUID(uuidString: String(clause.dropFirst(5))) {
                after = id
            } else if clause.hasPrefix("id < "), let id = UUID(uuidString: String(clause.dropFirst(5))) {
                before = id
            } else {
                return nil
            }
        }
    }
}

struct SimulatorError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
