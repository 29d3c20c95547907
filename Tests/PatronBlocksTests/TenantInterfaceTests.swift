import FolioSimulator
import Foundation
import HTTPTypes
import Hummingbird
import Testing
@testable import PatronBlocks

/// FOLIO's tenant interface 2.0 and the pub-sub registration of section 5, against the Okapi +
/// mod-pubsub test double, on both backends.
@Suite struct TenantInterfaceTests {
    static let module = "mod-patronsync-blocks-1.0.0"

    static func okapi(_ url: String) -> HTTPFields {
        [HTTPField.Name("X-Okapi-Url")!: url, HTTPField.Name("X-Okapi-Token")!: "okapi-install-token", HTTPField.Name("X-Okapi-Request-Id")!: "7/tenant"]
    }

    static func install(_ api: API, okapi: HTTPFields = [:], from: String? = nil, to: String = module) async throws -> [String: Any] {
        let body = from.map { #"{"module_to": "\#(to)", "module_from": "\#($0)", "parameters": [{"key": "loadReference", "value": "true"}]}"# } ?? #"{"module_to": "\#(to)"}"#
        let answer = try await api.call(.post, "/_/tenant", body: body, headers: okapi)
        #expect(answer.status == .created, "\(answer.text)")
        let job = try answer.json
        let id = try #require(job["id"] as? String)
        #expect(answer.headers[.location] == "/_/tenant/\(id)")
        #expect(job["complete"] as? Bool == true && job["tenant"] as? String == api.tenant)
        #expect((job["tenantAttributes"] as? [String: Any])?["module_to"] as? String == to)
        return job
    }

    @Test(arguments: Backend.available) func installBehindOkapiRegistersWithPubSub(_ backend: Backend) async throws {
        try await withPubSubDouble { double, url in
            try await withService(backend) { _, api in
                let fresh = api.tenant(uniqueTenant("okapi"))
                let job = try await Self.install(fresh, okapi: Self.okapi(url))
                #expect(job["error"] == nil)

                let eventTypes = await double.eventTypes
                #expect(Set(eventTypes.keys) == ["ITEM_CHECKED_OUT", "ITEM_CHECKED_IN", "ITEM_DECLARED_LOST", "LOAN_DUE_DATE_CHANGED", "FEE_FINE_BALANCE_CHANGED"])
                #expect(eventTypes.values.allSatisfy { $0["eventTTL"] == "1" && $0["description"]?.isEmpty == false })
                #expect(await double.publishers == [Self.module: PubSubRegistration.published.map(\.eventType)])
                let subscriptions = await double.subscriptions
                #expect(subscriptions.count == 8 && subscriptions.allSatisfy { $0.moduleId == Self.module })
                let expected = ["FEE_FINE_BALANCE_CHANGED": "fee-fine-balance-changed", "ITEM_CHECKED_OUT": "item-checked-out", "ITEM_CHECKED_IN": "item-checked-in",
                                "ITEM_DECLARED_LOST": "item-declared-lost", "ITEM_AGED_TO_LOST": "item-aged-to-lost", "ITEM_CLAIMED_RETURNED": "item-claimed-returned",
                                "LOAN_DUE_DATE_CHANGED": "loan-due-date-changed", "LOAN_CLOSED": "loan-closed"]
                for subscription in subscriptions {
                    #expect(subscription.callbackAddress == "/automated-patron-blocks/handlers/\(expected[subscription.eventType] ?? "?")", "\(subscription)")
                }
                let calls = await double.calls
                #expect(calls.count == 5 + 1 + 1)
                #expect(calls.allSatisfy { $0.tenant == fresh.tenant && $0.token == "okapi-install-token" })

                // The job reads back, then Okapi removes it.
                let id = try #require(job["id"] as? String)
                let read = try await fresh.get("/_/tenant/\(id)?wait=60000")
                let complete = try read.json["complete"] as? Bool
                #expect(read.status == .ok && complete == true)
                #expect(try await api.get("/_/tenant/\(id)").status == .notFound, "another tenant's job is not visible")
                #expect(try await fresh.call(.delete, "/_/tenant/\(id)").status == .noContent)
                #expect(try await fresh.get("/_/tenant/\(id)").status == .notFound)
                #expect(try await fresh.call(.delete, "/_/tenant/\(id)").status == .notFound)
                #expect(try await fresh.get("/_/tenant/not-a-job").status == .badRequest)
                #expect(try await fresh.get("/patron-block-conditions").status == .ok)
            }
        }
    }

    @Test(arguments: Backend.available) func aFailedRegistrationFailsTheInstall(_ backend: Backend) async throws {
        try await withPubSubDouble { double, url in
            try await withService(backend) { _, api in
                await double.fail("/pubsub/event-types/declare/subscriber", status: 500)
                let fresh = api.tenant(uniqueTenant("failing"))
                let job = try await Self.install(fresh, okapi: Self.okapi(url))
                let error = try #require(job["error"] as? String)
                #expect(error.hasPrefix("Registering with mod-pubsub failed: POST /pubsub/event-types/declare/subscriber answered 500"), "\(error)")
                let id = try #require(job["id"] as? String)
                #expect(try await fresh.get("/_/tenant/\(id)").json["error"] as? String == error)
                // Not enabled: its requests are refused.
                let refused = try await fresh.get("/patron-block-conditions")
                #expect(refused.status == .badRequest && refused.text.contains("is not installed"))
                // Tried again once pub-sub is back: enabled.
                await double.fail("/pubsub/event-types/declare/subscriber", status: 0)
                #expect(try await Self.install(fresh, okapi: Self.okapi(url))["error"] == nil)
                #expect(try await fresh.get("/patron-block-conditions").status == .ok)
            }
        }
    }

    @Test(arguments: Backend.available) func upgradeKeepsDataDisableRefusesAndPurgeDrops(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let user = UUID(), loan = UUID()
            #expect(try await api.post("/automated-patron-blocks/handlers/item-checked-out", #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-01T10:00:00Z"}"#).status == .noContent)
            let condition = "/patron-block-conditions/\(BlockCondition.maximumLostItems.folio)"
            #expect(try await api.call(.put, condition, body: #"{"blockBorrowing": true, "blockRenewals": false, "blockRequests": false, "message": "Lost items"}"#).status == .noContent)

            // Upgrade: migrations forward, data kept. Standalone: nobody is asked about pub-sub.
            _ = try await Self.install(api, from: "mod-patronsync-blocks-0.9.0", to: "mod-patronsync-blocks-1.0.0")
            #expect(try await api.get("/user-summary/\(user.folio)").status == .ok)
            #expect(try await api.get(condition).json["message"] as? String == "Lost items")

            // Disable: refused with 400, data kept; enabling again brings it back.
            #expect(try await api.post("/_/tenant", #"{"module_from": "mod-patronsync-blocks-1.0.0"}"#).status == .noContent)
            let refused = try await api.get("/user-summary/\(user.folio)")
            #expect(refused.status == .badRequest && refused.text.contains("is not installed"))
            _ = try await Self.install(api)
            #expect(try await api.get("/user-summary/\(user.folio)").status == .ok)

            // Purge: the data goes; a new install starts empty, with the six conditions reset.
            #expect(try await api.post("/_/tenant", #"{"module_from": "mod-patronsync-blocks-1.0.0", "purge": true}"#).status == .noContent)
            #expect(try await api.get("/user-summary/\(user.folio)").status == .badRequest)
            _ = try await Self.install(api)
            #expect(try await api.get("/user-summary/\(user.folio)").status == .notFound)
            #expect(try await api.get(condition).json["message"] as? String == "")

            #expect(try await api.post("/_/tenant", "{}").status == .badRequest)
            #expect(try await api.post("/_/tenant", #"{"module_to": 5}"#).status == .badRequest)
            #expect(try await api.tenant(nil).post("/_/tenant", #"{"module_to": "m-1.0.0"}"#).status == .badRequest)
            #expect(try await api.tenant("bad-name").post("/_/tenant", #"{"module_to": "m-1.0.0"}"#).status == .badRequest)
            // A forged log line, or a megabyte of id, is no module id.
            let forged = String(repeating: "m", count: 100_000) + "\\n2026-12-01T10:00:00+0000 critical patronblocks: forged"
            for moduleID in [forged, String(repeating: "m", count: ModuleID.maximumLength + 1), "mod-x-1.0.0\\u0000", "1mod", "mod x-1.0"] {
                for key in ["module_to", "module_from"] {
                    let answer = try await api.post("/_/tenant", #"{"\#(key)": "\#(moduleID)"}"#)
                    #expect(answer.status == .badRequest, "\(key) \(moduleID.prefix(20))")
                    #expect(answer.text.contains("must be a module id") && answer.text.count < 300)
                }
            }
            #expect(try await api.post("/_/tenant", #"{"module_to": "mod-patron-blocks-1.2.0-SNAPSHOT.42+b7", "module_from": "mod-patron-blocks-1.1.0"}"#).status == .created)
        }
    }

    /// The tenant check reads storage at most once per lifetime (a second by default) per tenant; a
    /// disable through another instance counts within it, one through this instance at once.
    @Test(arguments: Backend.available) func installedTenantsAreCachedForASecond(_ backend: Backend) async throws {
        // Ten seconds instead of one, so that a loaded test machine stays within it.
        let lifetime = Duration.seconds(10)
        try await withService(backend, configure: { $0.runsSynchronization = false; $0.tenantCacheLifetime = lifetime }) { service, api in
            let tenant = try #require(api.tenant)
            let path = "/user-summary/\(UUID().folio)"
            // The entry is stored between these two readings, so it expires between them plus the
            // lifetime.
            let asked = ContinuousClock.now
            #expect(try await api.get(path).status == .notFound)
            let answered = ContinuousClock.now
            // Another instance disables the tenant: this one still serves it, briefly.
            try await service.storage.tenants.disableTenant(tenant)
            let answer = try await api.get(path).status
            // Judged only when the answer certainly came before the entry expired (a machine can
            // be loaded enough for that not to hold).
            if ContinuousClock.now < asked + lifetime {
                #expect(answer == .notFound, "the check read storage again")
            }
            try await Task.sleep(until: answered + lifetime + .milliseconds(100))
            #expect(try await api.get(path).status == .badRequest)
            // Installed again elsewhere: counted at once (refusals are not cached).
            try await service.storage.tenants.installTenant(tenant)
            #expect(try await api.get(path).status == .notFound)
            // Disabled through this instance: refused at once.
            #expect(try await api.post("/_/tenant", #"{"module_from": "mod-patron-blocks-1.0.0"}"#).status == .noContent)
            #expect(try await api.get(path).status == .badRequest)
        }
    }

    @Test func textLogsEscapeControlCharacters() {
        #expect(LogEscaping.escape("plain mod-patron-blocks-1.0.0") == "plain mod-patron-blocks-1.0.0")
        #expect(LogEscaping.escape("a\nb\r\tc\u{1B}[31m\u{7F}\u{85}\u{2028}") == #"a\nb\r\tc\u{1B}[31m\u{7F}\u{85}\u{2028}"#)
        #expect(LogEscaping.escape(.dictionary(["k": .array([.string("x\ny")])])) == .dictionary(["k": .array([.string(#"x\ny"#)])]))
        var handler = TextLogHandler(label: "test")
        handler[metadataKey: "http.path"] = "/a\nb"
        #expect(handler[metadataKey: "http.path"] == .string(#"/a\nb"#))
        handler.metadata = ["tenant": "t\r"]
        #expect(handler.metadata["tenant"] == .string(#"t\r"#))
    }

    @Test(arguments: Backend.available) func tenantsThatDifferByCaseAreTwoTenants(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let lower = try #require(api.tenant)
            let upper = api.tenant(lower.uppercased())
            #expect(lower != lower.uppercased())
            _ = try await Self.install(upper)
            let user = UUID()
            #expect(try await upper.post("/automated-patron-blocks/handlers/item-checked-out", #"{"userId": "\#(user.folio)", "loanId": "\#(UUID().folio)", "dueDate": "2026-12-01T10:00:00Z"}"#).status == .noContent)
            #expect(try await api.get("/user-summary/\(user.folio)").status == .notFound, "one tenant never sees the other's data")
            // Purging one leaves the other whole.
            #expect(try await upper.post("/_/tenant", #"{"module_from": "\#(Self.module)", "purge": true}"#).status == .noContent)
            #expect(try await api.get("/user-summary/\(user.folio)").status == .notFound)
            #expect(try await api.get("/patron-block-conditions").status == .ok)

            // A name PostgreSQL would cut short (and so share a schema) is refused.
            let tooLong = api.tenant(String(repeating: "t", count: TenantName.maximumLength + 1))
            let refused = try await tooLong.post("/_/tenant", #"{"module_to": "\#(Self.module)"}"#)
            #expect(refused.status == .badRequest && refused.text.contains("at most 45"), "\(refused.text)")
            #expect(try await api.tenant(String(repeating: "t", count: TenantName.maximumLength)).post("/_/tenant", #"{"module_to": "\#(Self.module)"}"#).status == .created)
        }
    }

    /// The whole path of an event in FOLIO: registered through the double, then delivered by it
    /// as pub-sub does, to the handler it subscribed, on a listening service.
    @Test(arguments: Backend.available) func pubSubDeliversEventsToTheSubscribedHandlers(_ backend: Backend) async throws {
        try await withPubSubDouble { double, url in
            try await withService(backend, live: true) { _, api in
                _ = try await Self.install(api, okapi: Self.okapi(url))
                let port = try #require(api.port)
                let user = UUID(), loan = UUID()
                let checkout = #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-01T10:00:00.000+0000", "gracePeriod": {"duration": 1, "intervalId": "Days"}}"#
                var statuses = try await double.publish(eventType: "ITEM_CHECKED_OUT", payload: checkout.replacingOccurrences(of: "+0000", with: "Z"),
                                                        tenant: try #require(api.tenant), moduleURL: "http://127.0.0.1:\(port)")
                #expect(statuses == [204])
                #expect((try await api.get("/user-summary/\(user.folio)").json["openLoans"] as? [Any])?.count == 1)
                statuses = try await double.publish(eventType: "LOAN_CLOSED", payload: #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)"}"#,
                                                    tenant: try #require(api.tenant), moduleURL: "http://127.0.0.1:\(port)")
                #expect(statuses == [204])
                #expect(try await api.get("/user-summary/\(user.folio)").status == .notFound)
            }
        }
    }
}
