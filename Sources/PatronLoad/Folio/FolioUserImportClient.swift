import AsyncHTTPClient
import Backoff
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// FOLIO's user import, one batch at a time: `POST /user-import` with retries for 5xx answers and
/// transport errors (re-sending is safe: FOLIO updates what a lost answer had created), and the
/// reference data the import resolves names against.
public struct FolioUserImportClient: Sendable {
    let url: String
    let tenant: String
    let session: FolioSession
    let http: HTTPClient
    let retry: RetryPolicy
    /// FOLIO answers only when the whole batch is done, with no deadline of its own.
    let timeout: TimeAmount
    let logger: Logger

    public init(url: String, tenant: String, session: FolioSession, http: HTTPClient = .shared,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(30)),
                timeout: TimeAmount = .minutes(10), logger: Logger) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.tenant = tenant
        self.session = session
        self.http = http
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
    }

    /// Sends one batch and returns FOLIO's answer (200, with or without failed users).
    public func send(_ batch: FolioImportRequest) async throws -> FolioImportResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try await send(body: try encoder.encode(batch))
    }

    /// Sends one request body as it was built (and kept by a dry run).
    public func send(body: Data) async throws -> FolioImportResponse {
        let response = try await call(.POST, "/user-import", body: body)
        guard response.status == 200 else {
            throw FolioError("POST /user-import answered \(response.status): \(Self.reason(response))", status: response.status, retryable: false)
        }
        do {
            return try JSONDecoder().decode(FolioImportResponse.self, from: Data(response.text.utf8))
        } catch {
            throw FolioError("POST /user-import answered 200 with a body that is not an import response: \(response.text.prefix(300))", status: 200, retryable: false)
        }
    }

    /// Patron groups, address types and departments by name, each read whole; the users' custom
    /// fields too when `customFields` (the profile sends some).
    public func referenceData(customFields: Bool = false) async throws -> FolioReferenceData {
        func records(_ path: String, _ collection: String, headers: [(String, String)] = []) async throws -> [[String: Any]] {
            let response = try await call(.GET, path + (path.contains("?") ? "&" : "?") + "limit=2147483647", body: nil, headers: headers)
            guard response.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any],
                  let records = json[collection] as? [[String: Any]] else {
                throw FolioError("GET \(path) answered \(response.status): \(Self.reason(response))", status: response.status, retryable: false)
            }
            return records
        }
        func names(_ path: String, _ collection: String, _ field: String) async throws -> Set<String> {
            Set(try await records(path, collection).compactMap { $0[field] as? String })
        }
        var reference = FolioReferenceData(patronGroups: try await names("/groups", "usergroups", "group"),
                                           addressTypes: try await names("/addresstypes", "addressTypes", "addressType"),
                                           departments: try await names("/departments", "departments", "name"))
        if customFields {
            // As the import does: the module that provides users' custom fields, then its fields.
            let modules = try await call(.GET, "/_/proxy/tenants/\(tenant)/modules?provide=custom-fields", body: nil)
            let ids = ((try? JSONSerialization.jsonObject(with: Data(modules.text.utf8))) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            guard modules.status == 200, let module = ids.first(where: { $0.hasPrefix("mod-users") }) else {
                throw FolioError("GET /_/proxy/tenants/\(tenant)/modules?provide=custom-fields answered \(modules.status) without mod-users: \(Self.reason(modules))",
                                 status: modules.status, retryable: false)
            }
            var fields: [String: FolioReferenceData.CustomField] = [:]
            for field in try await records("/custom-fields", "customFields", headers: [("X-Okapi-Module-Id", module)]) {
                guard let refId = field["refId"] as? String else { continue }
                let options = ((field["selectField"] as? [String: Any])?["options"] as? [String: Any])?["values"] as? [[String: Any]]
                fields[refId] = options.map { .options(Set($0.compactMap { $0["value"] as? String })) } ?? .text
            }
            reference.customFields = fields
        }
        return reference
    }

    /// One call with a token, retried for 5xx and transport errors; a refused token is renewed once.
    private func call(_ method: HTTPMethod, _ path: String, body: Data?, headers: [(String, String)] = []) async throws -> FolioHTTPResponse {
        var renewed = false
        return try await retry.run(retryable: { ($0 as? FolioError)?.retryable == true }, onRetry: { attempt, error, wait in
            logger.warning("\(method.rawValue) \(path) attempt \(attempt) failed (\(error)); retrying in \(wait)")
        }) { _ in
            var request = HTTPClientRequest(url: url + path)
            request.method = method
            request.headers.add(name: "X-Okapi-Tenant", value: tenant)
            request.headers.add(name: "X-Okapi-Token", value: try await session.token())
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await FolioHTTPResponse.read(http, request, timeout: timeout)
            switch response.status {
            case 401 where !renewed:
                renewed = true
                await session.invalidate()
                throw FolioError("\(method.rawValue) \(path): FOLIO refused the token", status: 401, retryable: true)
            case 403:
                throw FolioError("\(method.rawValue) \(path) answered 403: the loader's FOLIO user lacks a permission (user-import.post, usergroups.collection.get, addresstypes.collection.get, departments.collection.get): \(Self.reason(response))",
                                 status: 403, retryable: false)
            case 500...:
                throw FolioError("\(method.rawValue) \(path) answered \(response.status): \(Self.reason(response))", status: response.status, retryable: true)
            default:
                return response
            }
        }
    }

    /// FOLIO's reason: an import failure's `message` and `error`, or the text it sent.
    static func reason(_ response: FolioHTTPResponse) -> String {
        if let json = try? JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any], let message = json["message"] as? String {
            return [message, json["error"] as? String].compactMap { $0 }.joined(separator: " ")
        }
        return String(response.text.prefix(500))
    }
}
