import Foundation
import NIOConcurrencyHelpers

/// A test double of FOLIO's user import (mod-user-import 3.11) and the login it sits behind,
/// following the contract in shared/reference/folio-user-import.md, since FOLIO cannot run here:
/// closed schemas (422 on unknown keys), names resolved through its groups, address types and
/// departments with FOLIO's exact messages, the match on the `<sourceType>_`-prefixed
/// externalSystemId alone, partial failures answered 200, 500 when reference data cannot be read,
/// and `/authn/login-with-expiry` tokens that expire.
public final class FolioUserImportTestDouble: Sendable {
    /// A user as FOLIO stores it: names already resolved to ids.
    public struct StoredUser: Sendable, Equatable {
        public var id: String
        public var username: String
        public var externalSystemId: String
        public var barcode: String?
        public var active: Bool?
        public var patronGroupId: String?
        public var addressTypeIds: [String]
        public var email: String?
        public var expirationDate: String?

        public init(id: String, username: String, externalSystemId: String, barcode: String?, active: Bool?, patronGroupId: String?,
                    addressTypeIds: [String], email: String?, expirationDate: String?) {
            self.id = id
            self.username = username
            self.externalSystemId = externalSystemId
            self.barcode = barcode
            self.active = active
            self.patronGroupId = patronGroupId
            self.addressTypeIds = addressTypeIds
            self.email = email
            self.expirationDate = expirationDate
        }
    }

    public struct State: Sendable {
        public var groups: [String: String] = ["undergrad": UUID().uuidString.lowercased(), "staff": UUID().uuidString.lowercased(),
                                               "graduate": UUID().uuidString.lowercased(), "faculty": UUID().uuidString.lowercased()]
        public var addressTypes: [String: String] = ["Home": UUID().uuidString.lowercased(), "Work": UUID().uuidString.lowercased(),
                                                     "Campus": UUID().uuidString.lowercased()]
        public var departments: [String: String] = [:]
        /// Users' custom fields by refId: a select field's option labels, or nil for a text field.
        public var customFields: [String: [String]?] = [:]
        /// A server older than /authn/login-with-expiry: only /authn/login, token in a header.
        public var legacyLoginOnly = false
        public var users: [StoredUser] = []
        /// The next imports answered 500 as FOLIO does when it cannot read reference data.
        public var failImports = 0
        public var logins = 0
        public var refreshes = 0
        public var tokens: [String: Date] = [:]
        public var refreshTokens: [String: Date] = [:]
        /// How long an access token lives.
        public var accessLifetime: TimeInterval = 600
    }

    public let tenant: String
    public let username: String
    public let password: String
    private let state: NIOLockedValueBox<State>
    private let server: LocalHTTPServer

    public var url: String { server.url }
    public var requests: [RecordedRequest] { server.requests }
    public var current: State { state.withLockedValue { $0 } }

    public static func start(tenant: String = "diku", username: String = "patronload", password: String = "s3cret-loader") async throws -> FolioUserImportTestDouble {
        let state = NIOLockedValueBox(State())
        let responder = Responder(tenant: tenant, username: username, password: password, state: state)
        let server = try await LocalHTTPServer { request in responder.answer(request) }
        return FolioUserImportTestDouble(tenant: tenant, username: username, password: password, state: state, server: server)
    }

    private init(tenant: String, username: String, password: String, state: NIOLockedValueBox<State>, server: LocalHTTPServer) {
        self.tenant = tenant
        self.username = username
        self.password = password
        self.state = state
        self.server = server
    }

    public func change(_ body: (inout State) -> Void) { state.withLockedValue(body) }

    public func shutdown() async { await server.shutdown() }
}

/// The double's answers, by FOLIO's rules.
private struct Responder: Sendable {
    typealias State = FolioUserImportTestDouble.State
    typealias StoredUser = FolioUserImportTestDouble.StoredUser
    let tenant: String
    let username: String
    let password: String
    let state: NIOLockedValueBox<State>


    func answer(_ request: RecordedRequest) -> Reply {
        guard request.header("x-okapi-tenant") == tenant else { return text(400, "No such Tenant \(request.header("x-okapi-tenant") ?? "")") }
        switch (request.method, request.path) {
        case ("POST", "/authn/login-with-expiry") where state.withLockedValue({ $0.legacyLoginOnly }):
            return text(404, "No suitable module found for path /authn/login-with-expiry for tenant \(tenant)")
        case ("POST", "/authn/login"): return legacyLogin(request)
        case ("POST", "/authn/login-with-expiry"): return login(request)
        case ("POST", "/authn/refresh"): return refresh(request)
        default: break
        }
        guard let token = request.header("x-okapi-token"), let expires = state.withLockedValue({ $0.tokens[token] }), expires > Date() else {
            return text(401, "Invalid token")
        }
        switch (request.method, request.path) {
        case ("GET", "/groups"): return collection("usergroups", state.withLockedValue { $0.groups }.map { ["group": $0.key, "id": $0.value] })
        case ("GET", "/addresstypes"): return collection("addressTypes", state.withLockedValue { $0.addressTypes }.map { ["addressType": $0.key, "id": $0.value] })
        case ("GET", "/departments"): return collection("departments", state.withLockedValue { $0.departments }.map { ["name": $0.key, "id": $0.value, "code": $0.key.uppercased()] })
        case ("GET", "/_/proxy/tenants/\(tenant)/modules"):
            return request.uri.contains("provide=custom-fields") ? json(200, [["id": "mod-users-19.4.0"]]) : text(400, "provide is required")
        case ("GET", "/custom-fields"):
            guard request.header("x-okapi-module-id")?.hasPrefix("mod-users") == true else { return text(400, "X-Okapi-Module-Id is required") }
            let fields = state.withLockedValue { $0.customFields }.sorted { $0.key < $1.key }.enumerated().map { index, field -> [String: Any] in
                var json: [String: Any] = ["id": UUID().uuidString.lowercased(), "refId": field.key, "name": field.key, "entityType": "user",
                                           "type": field.value == nil ? "TEXTBOX_SHORT" : "SINGLE_SELECT_DROPDOWN", "order": index + 1]
                if let options = field.value {
                    json["selectField"] = ["multiSelect": false, "options": ["values": options.enumerated().map { ["id": "opt_\($0.offset)", "value": $0.element] }]]
                }
                return json
            }
            return json(200, ["customFields": fields, "totalRecords": fields.count])
        case ("POST", "/user-import"): return userImport(request)
        default: return text(404, "No suitable module found for path \(request.path) for tenant \(tenant)")
        }
    }

    func login(_ request: RecordedRequest) -> Reply {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              json["username"] as? String == username, json["password"] as? String == password else {
            return text(422, "Password does not match")
        }
        return issueTokens { $0.logins += 1 }
    }

    /// The deprecated login: the token in the answer's header, no expiry given.
    func legacyLogin(_ request: RecordedRequest) -> Reply {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              json["username"] as? String == username, json["password"] as? String == password else {
            return text(422, "Password does not match")
        }
        let token = "access-" + UUID().uuidString
        state.withLockedValue { state in
            state.logins += 1
            state.tokens[token] = Date().addingTimeInterval(state.accessLifetime)
        }
        return .respond(status: 201, headers: [("Content-Type", "application/json"), ("x-okapi-token", token)], body: Array(#"{"username":"\#(username)"}"#.utf8))
    }

    func refresh(_ request: RecordedRequest) -> Reply {
        let cookie = request.header("cookie") ?? ""
        let token = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("folioRefreshToken=") }.map { String($0.dropFirst("folioRefreshToken=".count)) }
        guard let token, let expires = state.withLockedValue({ $0.refreshTokens[token] }), expires > Date() else {
            return text(422, "Invalid refresh token")
        }
        state.withLockedValue { _ = $0.refreshTokens.removeValue(forKey: token) }
        return issueTokens { $0.refreshes += 1 }
    }

    func issueTokens(_ count: (inout State) -> Void) -> Reply {
        let access = "access-" + UUID().uuidString, refresh = "refresh-" + UUID().uuidString
        let (accessExpires, refreshExpires) = state.withLockedValue { state -> (Date, Date) in
            count(&state)
            let expires = (Date().addingTimeInterval(state.accessLifetime), Date().addingTimeInterval(7 * 86_400))
            state.tokens[access] = expires.0
            state.refreshTokens[refresh] = expires.1
            return expires
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let body = #"{"accessTokenExpiration":"\#(formatter.string(from: accessExpires))","refreshTokenExpiration":"\#(formatter.string(from: refreshExpires))"}"#
        return .respond(status: 201, headers: [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "folioAccessToken=\(access); Max-Age=600; Expires=x; Path=/; Secure; HTTPOnly; SameSite=Lax"),
            ("Set-Cookie", "folioRefreshToken=\(refresh); Max-Age=604800; Expires=x; Path=/authn; Secure; HTTPOnly; SameSite=Lax"),
        ], body: Array(body.utf8))
    }

    // MARK: - POST /user-import

    static let collectionKeys: Set<String> = ["users", "totalRecords", "deactivateMissingUsers", "updateOnlyPresentFields", "sourceType", "included"]
    static let userKeys: Set<String> = ["username", "id", "externalSystemId", "barcode", "active", "type", "patronGroup", "departments", "meta", "proxyFor",
                                        "personal", "enrollmentDate", "expirationDate", "createdDate", "updatedDate", "metadata", "tags", "customFields",
                                        "preferredEmailCommunication", "requestPreference"]
    static let personalKeys: Set<String> = ["pronouns", "lastName", "firstName", "middleName", "preferredFirstName", "email", "phone", "mobilePhone",
                                            "dateOfBirth", "addresses", "preferredContactTypeId", "profilePictureLink"]
    static let addressKeys: Set<String> = ["id", "countryId", "addressLine1", "addressLine2", "city", "region", "postalCode", "addressTypeId", "primaryAddress"]

    func userImport(_ request: RecordedRequest) -> Reply {
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return text(400, "Json content error")
        }
        if let problem = Self.schemaProblem(body) { return problem }
        let users = body["users"] as? [[String: Any]] ?? []
        if body["totalRecords"] as? Int == 0 {
            return json(200, ["message": "No users to import.", "totalRecords": 0])
        }
        let failing = state.withLockedValue { state -> Bool in
            guard state.failImports > 0 else { return false }
            state.failImports -= 1
            return true
        }
        if failing {
            let reason = "Failed to list address types.: Connection refused"
            return json(500, ["message": "Failed to import users.", "error": reason, "createdRecords": 0, "updatedRecords": 0, "failedRecords": users.count,
                              "failedUsers": users.map { ["username": $0["username"] as? String ?? "", "externalSystemId": $0["externalSystemId"] as? String ?? "",
                                                          "errorMessage": reason] }, "totalRecords": users.count])
        }
        let prefix = (body["sourceType"] as? String).map { $0 + "_" } ?? ""
        let merge = body["updateOnlyPresentFields"] as? Bool ?? false
        var created = 0, updated = 0
        var failed: [[String: String]] = []
        state.withLockedValue { state in
            for user in users {
                let username = user["username"] as? String ?? ""
                let external = prefix + (user["externalSystemId"] as? String ?? "")
                func fail(_ message: String) { failed.append(["username": username, "externalSystemId": external, "errorMessage": message]) }
                var groupId: String?
                if let group = user["patronGroup"] as? String {
                    guard let id = state.groups[group] else { fail("Patron group does not exist in the system: [\(group)]"); continue }
                    groupId = id
                }
                let departments = user["departments"] as? [String] ?? []
                let unknown = departments.filter { state.departments[$0] == nil }.sorted()
                if !unknown.isEmpty { fail("Departments do not exist in the system: [\(unknown.joined(separator: ", "))]"); continue }
                let custom = (user["customFields"] as? [String: Any] ?? [:]).keys.filter { state.customFields[$0] == nil }.sorted()
                if !custom.isEmpty { fail("Custom fields do not exist in the system: [\(custom.joined(separator: ", "))]."); continue }
                let personal = user["personal"] as? [String: Any] ?? [:]
                // An address of an unknown type is dropped without a word, as FOLIO does.
                let addressTypes = (personal["addresses"] as? [[String: Any]] ?? []).compactMap { ($0["addressTypeId"] as? String).flatMap { state.addressTypes[$0] } }
                var stored = StoredUser(id: UUID().uuidString.lowercased(), username: username, externalSystemId: external,
                                        barcode: user["barcode"] as? String, active: user["active"] as? Bool, patronGroupId: groupId,
                                        addressTypeIds: addressTypes, email: personal["email"] as? String, expirationDate: user["expirationDate"] as? String)
                if let index = state.users.firstIndex(where: { $0.externalSystemId == external }) {
                    let old = state.users[index]
                    stored.id = old.id
                    if merge {
                        stored.barcode = stored.barcode ?? old.barcode
                        stored.active = stored.active ?? old.active
                        stored.patronGroupId = stored.patronGroupId ?? old.patronGroupId
                        stored.expirationDate = stored.expirationDate ?? old.expirationDate
                    }
                    if state.users.contains(where: { $0.id != old.id && ($0.username == username || (stored.barcode != nil && $0.barcode == stored.barcode)) }) {
                        fail("Failed to update user with externalSystemId: \(external)"); continue
                    }
                    state.users[index] = stored
                    updated += 1
                } else {
                    if state.users.contains(where: { $0.username == username || (stored.barcode != nil && $0.barcode == stored.barcode) }) {
                        fail("Failed to create new user with externalSystemId: \(external)"); continue
                    }
                    state.users.append(stored)
                    created += 1
                }
            }
        }
        return json(200, ["message": "Users were imported successfully.", "createdRecords": created, "updatedRecords": updated,
                          "failedRecords": failed.count, "failedUsers": failed, "totalRecords": users.count])
    }

    /// RMB's answer to a body its closed schemas refuse.
    static func schemaProblem(_ body: [String: Any]) -> Reply? {
        func unknown(_ object: [String: Any], _ allowed: Set<String>, _ path: String) -> Reply? {
            guard let key = object.keys.sorted().first(where: { !allowed.contains($0) }) else { return nil }
            return rmb("Unrecognized field \"\(key)\"", key: path + key, value: "")
        }
        func missing(_ object: [String: Any], _ key: String, _ path: String) -> Reply? {
            object[key] == nil || object[key] is NSNull ? rmb("must not be null", key: path + key, value: "null") : nil
        }
        if let reply = unknown(body, collectionKeys, "") ?? missing(body, "users", "") ?? missing(body, "totalRecords", "") { return reply }
        for (index, user) in (body["users"] as? [[String: Any]] ?? []).enumerated() {
            let path = "users[\(index)]."
            if let reply = unknown(user, userKeys, path) ?? missing(user, "username", path) ?? missing(user, "externalSystemId", path) { return reply }
            guard let personal = user["personal"] as? [String: Any] else { continue }
            if let reply = unknown(personal, personalKeys, path + "personal.") ?? missing(personal, "lastName", path + "personal.") { return reply }
            for (number, address) in (personal["addresses"] as? [[String: Any]] ?? []).enumerated() {
                if let reply = unknown(address, addressKeys, path + "personal.addresses[\(number)].") { return reply }
            }
        }
        return nil
    }

    static func rmb(_ message: String, key: String, value: String) -> Reply {
        let body: [String: Any] = ["errors": [["message": message, "type": "1", "code": "jakarta.validation.constraints.NotNull.message",
                                               "parameters": [["key": key, "value": value]]]]]
        return .respond(status: 422, headers: [("Content-Type", "application/json")], body: Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data()))
    }

    func collection(_ name: String, _ records: [[String: String]]) -> Reply {
        json(200, [name: records, "totalRecords": records.count])
    }

    func json(_ status: Int, _ object: Any) -> Reply {
        .respond(status: status, headers: [("Content-Type", "application/json")], body: Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
    }

    func text(_ status: Int, _ message: String) -> Reply {
        .respond(status: status, headers: [("Content-Type", "text/plain")], body: Array(message.utf8))
    }
}
