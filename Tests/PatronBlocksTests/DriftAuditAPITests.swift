import Foundation
import Hummingbird
import Testing
@testable import PatronBlocks

/// `/patronsync/drift-audits`: the shapes, and every malformed request refused with a 4xx and a
/// message (the contract fuzzer sends them all).
@Suite struct DriftAuditAPITests {
    static let path = "/patronsync/drift-audits"

    @Test(arguments: Backend.available) func anAuditIsCreatedOpenAndReadsBackWithItsCounters(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let created = try await api.post(Self.path, #"{"scope": "user", "userId": "\#(userA.uuidString)", "repair": true}"#)
            #expect(created.status == .created)
            let body = try created.json
            #expect(Set(body.keys) == ["id", "scope", "userId", "repair", "status"])
            #expect(body["scope"] as? String == "user" && body["userId"] as? String == userA.folio && body["repair"] as? Bool == true)
            #expect(body["status"] as? String == "open")
            let id = try #require(body["id"] as? String)
            let read = try await api.get("\(Self.path)/\(id)")
            #expect(read.status == .ok)
            #expect(Set(try read.json.keys) == ["id", "scope", "userId", "repair", "status", "usersChecked", "usersWithDrift", "loansMissing", "loansUnexpected",
                                                "loansDiffering", "feesMissing", "feesUnexpected", "feesDiffering", "usersRepaired", "errors", "drift"])
            #expect(try read.json["usersChecked"] as? Int == 0 && (try read.json["drift"] as? [Any])?.isEmpty == true)

            let full = try await api.post(Self.path, #"{"scope": "full"}"#)
            #expect(try full.json["repair"] as? Bool == false && full.json["userId"] == nil)
            // An audit is not a synchronization, nor the other way round.
            #expect(try await api.get("/automated-patron-blocks/synchronization/job/\(id)").status == .notFound)
            let sync = try await api.post("/automated-patron-blocks/synchronization/request", #"{"scope": "full"}"#)
            let syncId = try #require(try sync.json["id"] as? String)
            #expect(try await api.get("\(Self.path)/\(syncId)").status == .notFound)
        }
    }

    @Test(arguments: Backend.available) func malformedRequestsAreRefusedWithAMessage(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let cases: [(String, String)] = [
                (#"{}"#, "scope"),
                (#"{"scope": "partial"}"#, "scope"),
                (#"{"scope": 1}"#, "scope"),
                (#"{"scope": "user"}"#, "userId"),
                (#"{"scope": "user", "userId": "nope"}"#, "userId"),
                (#"{"scope": "full", "userId": "\#(userA.folio)"}"#, "userId"),
                (#"{"scope": "full", "repair": 1}"#, "repair"),
                (#"{"scope": "full", "repair": "yes"}"#, "repair"),
                (#"{"scope": "full", "repair": null}"#, "repair"),
                (#"{"scope": "full", "userId": null}"#, "userId"),
            ]
            for (body, key) in cases {
                let answer = try await api.post(Self.path, body)
                #expect(try validationError(answer).key == key, "\(body)")
            }
            let unknown = try await api.post(Self.path, #"{"scope": "full", "dryRun": true}"#)
            #expect(unknown.status == .unprocessableContent, "\(unknown.text)")
            #expect(try await api.post(Self.path, "[]").status == .badRequest)
            #expect(try await api.get("\(Self.path)/not-a-uuid").status == .badRequest)
            #expect(try await api.get("\(Self.path)/\(UUID().uuidString)").status == .notFound)
        }
    }
}
