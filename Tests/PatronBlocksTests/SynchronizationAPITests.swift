import Foundation
import Hummingbird
import Testing
@testable import PatronBlocks

/// Section 1 of the reference: every path, status code and message of the synchronization API,
/// in both FOLIO's shipped form (/job, /start) and the design's (/request, /run), on both backends.
@Suite struct SynchronizationAPITests {
    static let requestPath = "/automated-patron-blocks/synchronization/request"
    static let jobPath = "/automated-patron-blocks/synchronization/job"

    @Test(arguments: Backend.available) func fullRequestIsCreatedOpenAndReadsBack(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let created = try await api.post(Self.requestPath, #"{"scope": "full"}"#)
            #expect(created.status == .created)
            #expect(created.contentType == "application/json")
            let body = try created.json
            #expect(Set(body.keys) == ["id", "scope", "status"])
            #expect(body["scope"] as? String == "full")
            #expect(body["status"] as? String == "open")
            let id = try #require(body["id"] as? String)
            #expect(FolioUUID.parse(id) != nil)

            let read = try await api.get("\(Self.requestPath)/\(id)")
            #expect(read.status == .ok)
            let job = try read.json
            #expect(Set(job.keys) == ["id", "scope", "status", "totalNumberOfLoans", "totalNumberOfFeesFines", "numberOfProcessedLoans",
                                      "numberOfProcessedFeesFines", "errors"])
            #expect(job["id"] as? String == id)
            #expect(job["scope"] as? String == "full")
            #expect(job["status"] as? String == "open")
            #expect(job["totalNumberOfLoans"] as? Int == 0 && job["numberOfProcessedFeesFines"] as? Int == 0)
            #expect((job["errors"] as? [String])?.isEmpty == true)
        }
    }

    @Test(arguments: Backend.available) func userRequestKeepsItsUser(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            // Upper case in, FOLIO's lower case out.
            let created = try await api.post(Self.requestPath, #"{"scope": "user:\#(userA.uuidString)"}"#)
            #expect(created.status == .created)
            let id = try #require(try created.json["id"] as? String)
            #expect(try created.json["scope"] as? String == "user:\(userA.folio)")
            let read = try await api.get("\(Self.requestPath)/\(id)")
            #expect(try read.json["scope"] as? String == "user:\(userA.folio)")
            #expect(try read.json["userId"] == nil)
        }
    }

    @Test(arguments: Backend.available) func requestScopesOtherThanFullOrUserAreRefused(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            for scope in [#""partial""#, #""user:""#, #""user:not-a-uuid""#, #""user:00000000-0000-0000-0000-000000000000""#,
                          #""user:5a2f9c1e-7d43-6b8e-9f21-0c6d3e8a1b47""#, #""FULL""#, "42", "null"] {
                let answer = try await api.post(Self.requestPath, #"{"scope": \#(scope)}"#)
                let error = try validationError(answer)
                #expect(error.key == "scope", "\(scope)")
                #expect(error.message.contains("full"), "\(scope): \(error.message)")
            }
            let missing = try await api.post(Self.requestPath, "{}")
            #expect(try validationError(missing).key == "scope")
            let unknown = try await api.post(Self.requestPath, #"{"scope": "full", "priority": 1}"#)
            let error = try validationError(unknown)
            #expect(error.key == "priority")
            #expect(error.message == #"Unrecognized field "priority""#)
        }
    }

    @Test(arguments: Backend.available) func unparsableBodiesAnswer400Text(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            for path in [Self.requestPath, Self.jobPath] {
                for body in ["{\"scope\": ", "[]", "not json", ""] {
                    let answer = try await api.post(path, body)
                    #expect(answer.status == .badRequest, "\(path) \(body)")
                    #expect(answer.contentType?.hasPrefix("text/plain") == true)
                    #expect(answer.text == "The request body is not a JSON object")
                }
            }
        }
    }

    @Test(arguments: Backend.available) func unknownAndMalformedIdsAnswer404And400(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let unknown = UUID().folio
            for path in ["\(Self.requestPath)/\(unknown)", "\(Self.jobPath)/\(unknown)"] {
                let answer = try await api.get(path)
                #expect(answer.status == .notFound)
                #expect(answer.text == "This synchronization request does not exist")
            }
            let malformed = try await api.get("\(Self.jobPath)/12345")
            #expect(malformed.status == .badRequest)
            #expect(malformed.text == #"Invalid synchronization request ID: "12345""#)
        }
    }

    @Test(arguments: Backend.available) func runAndStartAnswer202AtOnce(_ backend: Backend) async throws {
        try await withService(backend, configure: { _ in }) { _, api in
            for path in ["/automated-patron-blocks/synchronization/run", "/automated-patron-blocks/synchronization/start"] {
                let answer = try await api.post(path)
                #expect(answer.status == .accepted, "\(path)")
                #expect(answer.text.isEmpty)
            }
        }
    }

    @Test(arguments: Backend.available) func folioJobFormIsCreatedWithZeroCounters(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let full = try await api.post(Self.jobPath, #"{"scope": "full"}"#)
            #expect(full.status == .created)
            let body = try full.json
            #expect(Set(body.keys) == ["id", "scope", "status", "totalNumberOfLoans", "totalNumberOfFeesFines", "numberOfProcessedLoans",
                                       "numberOfProcessedFeesFines", "errors"])
            #expect(body["scope"] as? String == "full" && body["status"] as? String == "open")
            #expect(body["totalNumberOfLoans"] as? Int == 0 && body["totalNumberOfFeesFines"] as? Int == 0)
            #expect(body["numberOfProcessedLoans"] as? Int == 0 && body["numberOfProcessedFeesFines"] as? Int == 0)
            #expect((body["errors"] as? [Any])?.isEmpty == true)

            let user = try await api.post(Self.jobPath, #"{"scope": "user", "userId": "\#(userB.folio)"}"#)
            #expect(user.status == .created)
            #expect(try user.json["scope"] as? String == "user")
            #expect(try user.json["userId"] as? String == userB.folio)
            // A null userId counts as absent for a full job.
            let fullWithNull = try await api.post(Self.jobPath, #"{"scope": "full", "userId": null}"#)
            #expect(fullWithNull.status == .created)
        }
    }

    @Test(arguments: Backend.available) func folioJobFormValidation(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            for body in [#"{"scope": "user"}"#, #"{"scope": "user", "userId": null}"#] {
                let answer = try await api.post(Self.jobPath, body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.contentType?.hasPrefix("text/plain") == true)
                #expect(answer.text == "UserId is required for synchronization job with scope: USER")
            }
            let badUser = try await api.post(Self.jobPath, #"{"scope": "user", "userId": "not-a-uuid"}"#)
            #expect(try validationError(badUser).key == "userId")
            let unknown = try await api.post(Self.jobPath, #"{"scope": "full", "whenever": true}"#)
            #expect(try validationError(unknown).key == "whenever")
            for scope in [#""partial""#, #""USER""#, "7"] {
                let answer = try await api.post(Self.jobPath, #"{"scope": \#(scope)}"#)
                #expect(answer.status == .badRequest, "\(scope)")
                #expect(answer.text.hasPrefix("Invalid value for scope"))
            }
            let missing = try await api.post(Self.jobPath, "{}")
            #expect(missing.status == .badRequest)
        }
    }

    @Test(arguments: Backend.available) func bothFormsReadTheSameStoreInTheirOwnShape(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let viaRequest = try #require(try await api.post(Self.requestPath, #"{"scope": "user:\#(userA.folio)"}"#).json["id"] as? String)
            let asJob = try await api.get("\(Self.jobPath)/\(viaRequest)").json
            #expect(asJob["scope"] as? String == "user")
            #expect(asJob["userId"] as? String == userA.folio)

            let viaJob = try #require(try await api.post(Self.jobPath, #"{"scope": "user", "userId": "\#(userB.folio)"}"#).json["id"] as? String)
            let asRequest = try await api.get("\(Self.requestPath)/\(viaJob)").json
            #expect(asRequest["scope"] as? String == "user:\(userB.folio)")
            #expect(asRequest["userId"] == nil)
        }
    }

    @Test(arguments: Backend.available) func tenantsNeverSeeEachOthersJobs(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let other = uniqueTenant("other")
            try await service.storage.tenants.installTenant(other)
            let id = try #require(try await api.post(Self.requestPath, #"{"scope": "full"}"#).json["id"] as? String)
            #expect(try await api.get("\(Self.requestPath)/\(id)").status == .ok)
            let fromOther = try await api.tenant(other).get("\(Self.requestPath)/\(id)")
            #expect(fromOther.status == .notFound)
        }
    }

    @Test(arguments: Backend.available) func everyRequestNeedsAnInstalledTenant(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let missing = try await api.tenant(nil).post(Self.requestPath, #"{"scope": "full"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.text == "The X-Okapi-Tenant header is required")
            let invalid = try await api.tenant("diku; DROP SCHEMA public").get("/user-summary/\(userA.folio)")
            #expect(invalid.status == .badRequest)
            #expect(invalid.text.hasPrefix("Invalid tenant"))
            let notInstalled = try await api.tenant("never_installed").post(Self.jobPath, #"{"scope": "full"}"#)
            #expect(notInstalled.status == .badRequest)
            #expect(notInstalled.text == "Tenant never_installed is not installed: POST /_/tenant with X-Okapi-Tenant: never_installed first")
        }
    }

    @Test(arguments: Backend.available) func oversizedBodiesAnswer413(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let huge = #"{"scope": "full", "padding": ""# + String(repeating: "x", count: 3 << 20) + #""}"#
            let answer = try await api.post(Self.requestPath, huge)
            #expect(answer.status == .contentTooLarge)
        }
    }
}
