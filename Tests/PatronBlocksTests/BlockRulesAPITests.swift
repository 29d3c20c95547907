import Foundation
import Hummingbird
import Testing
@testable import PatronBlocks

/// `/patron-block-conditions` and `/patron-block-limits` (section 4), on both backends.
@Suite struct BlockRulesAPITests {
    static let conditions = "/patron-block-conditions"
    static let limits = "/patron-block-limits"
    static let group = UUID(uuidString: "bdc2b6d4-5ceb-4a12-ab46-249b9a68473e")!
    static let otherGroup = UUID(uuidString: "ad0bc554-d5bc-463c-85d1-5562127ae91b")!

    static func conditionBody(_ id: UUID, borrowing: Bool = false, renewals: Bool = false, requests: Bool = false, message: String? = nil, extra: String = "") -> String {
        var body = #"{"id": "\#(id.folio)", "name": "Anything", "blockBorrowing": \#(borrowing), "blockRenewals": \#(renewals), "blockRequests": \#(requests), "valueType": "Integer""#
        if let message { body += #", "message": "\#(message)""# }
        return body + extra + "}"
    }

    @Test(arguments: Backend.available) func sixConditionsExistFromInstall(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let answer = try await api.get(Self.conditions)
            #expect(answer.status == .ok)
            let body = try answer.json
            #expect(body["totalRecords"] as? Int == 6)
            let items = try #require(body["patronBlockConditions"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == BlockCondition.defaults.map(\.id.folio))
            #expect(items.compactMap { $0["name"] as? String } == BlockCondition.defaults.map(\.name))
            for item in items {
                #expect(Set(item.keys) == ["id", "name", "blockBorrowing", "blockRenewals", "blockRequests", "valueType", "message"])
                #expect(item["blockBorrowing"] as? Bool == false && item["blockRenewals"] as? Bool == false && item["blockRequests"] as? Bool == false)
                #expect(item["message"] as? String == "")
            }
            #expect(items.last?["valueType"] as? String == "Double" && items.first?["valueType"] as? String == "Integer")
            let paged = try await api.get("\(Self.conditions)?limit=2&offset=3").json
            #expect((paged["patronBlockConditions"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == BlockCondition.defaults[3...4].map(\.id.folio))
            #expect(paged["totalRecords"] as? Int == 6)

            let one = try await api.get("\(Self.conditions)/\(BlockCondition.maximumLostItems.folio)")
            let oneName = try one.json["name"] as? String
            #expect(one.status == .ok && oneName == "Maximum number of lost items")
            let unknown = try await api.get("\(Self.conditions)/\(UUID().folio)")
            #expect(unknown.status == .notFound && unknown.text.hasPrefix("Patron block condition not found"))
            #expect(try await api.get("\(Self.conditions)/lost").status == .badRequest)
        }
    }

    @Test(arguments: Backend.available) func conditionsAreUpdatedWithFolioValidation(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let id = BlockCondition.maximumOverdueItems
            let path = "\(Self.conditions)/\(id.folio)"
            let noMessage = try validationError(try await api.call(.put, path, body: Self.conditionBody(id, borrowing: true)))
            #expect(noMessage.message == "Message to be displayed is a required field if one or more blocked actions selected")
            let blankMessage = try validationError(try await api.call(.put, path, body: Self.conditionBody(id, requests: true, message: "  ")))
            #expect(blankMessage.message == "Message to be displayed is a required field if one or more blocked actions selected")
            let noAction = try validationError(try await api.call(.put, path, body: Self.conditionBody(id, message: "You have overdue items")))
            #expect(noAction.message == "One or more blocked actions must be selected for message to be displayed to be used")
            #expect(try validationError(try await api.call(.put, path, body: Self.conditionBody(id, extra: #", "colour": "red""#))).key == "colour")
            #expect(try validationError(try await api.call(.put, path, body: Self.conditionBody(BlockCondition.maximumLostItems))).key == "id")
            #expect(try validationError(try await api.call(.put, path, body: #"{"blockBorrowing": true, "message": "x"}"#)).key == "blockRenewals")

            let ok = try await api.call(.put, path, body: Self.conditionBody(id, borrowing: true, renewals: true, message: "You have overdue items"))
            #expect(ok.status == .noContent, "\(ok.text)")
            let read = try await api.get(path).json
            #expect(read["blockBorrowing"] as? Bool == true && read["blockRenewals"] as? Bool == true && read["blockRequests"] as? Bool == false)
            #expect(read["message"] as? String == "You have overdue items")
            #expect(read["name"] as? String == "Maximum number of overdue items", "the name stays the condition's")

            #expect(try await api.call(.put, "\(Self.conditions)/\(UUID().folio)", body: "{}").status == .notFound)
            // Another tenant's conditions are its own.
            let other = uniqueTenant("other")
            try await service.storage.tenants.installTenant(other)
            #expect(try await api.tenant(other).get(path).json["blockBorrowing"] as? Bool == false)
            // A second install keeps what the library set.
            try await service.storage.tenants.installTenant(try #require(api.tenant))
            #expect(try await api.get(path).json["message"] as? String == "You have overdue items")
        }
    }

    @Test(arguments: Backend.available) func conditionsCannotBeCreatedOrDeleted(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let post = try await api.post(Self.conditions, Self.conditionBody(UUID()))
            #expect(post.status == .methodNotAllowed)
            let delete = try await api.call(.delete, "\(Self.conditions)/\(BlockCondition.maximumLostItems.folio)")
            #expect(delete.status == .methodNotAllowed)
            #expect(try await api.get(Self.conditions).json["totalRecords"] as? Int == 6)
        }
    }

    static func limitBody(id: UUID = UUID(), group: UUID = group, condition: UUID = BlockCondition.maximumItemsChargedOut, value: String = "5") -> String {
        #"{"id": "\#(id.folio)", "patronGroupId": "\#(group.folio)", "conditionId": "\#(condition.folio)", "value": \#(value)}"#
    }

    @Test(arguments: Backend.available) func limitsHaveFullCRUD(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let id = UUID()
            let created = try await api.post(Self.limits, Self.limitBody(id: id, value: "10"))
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/patron-block-limits/\(id.folio)")
            #expect(Set(try created.json.keys) == ["id", "patronGroupId", "conditionId", "value"])
            let read = try await api.get("\(Self.limits)/\(id.folio)")
            let readValue = try read.json["value"] as? Int
            #expect(read.status == .ok && readValue == 10)

            let balance = UUID()
            #expect(try await api.post(Self.limits, Self.limitBody(id: balance, condition: BlockCondition.maximumOutstandingBalance, value: "25.50")).status == .created)
            #expect(try await api.get("\(Self.limits)/\(balance.folio)").text.contains(#""value":25.5"#))

            let updated = try await api.call(.put, "\(Self.limits)/\(id.folio)", body: Self.limitBody(id: id, value: "3"))
            #expect(updated.status == .noContent)
            #expect(try await api.get("\(Self.limits)/\(id.folio)").json["value"] as? Int == 3)
            #expect(try validationError(try await api.call(.put, "\(Self.limits)/\(id.folio)", body: Self.limitBody(id: balance))).key == "id")
            let missing = UUID()
            #expect(try await api.call(.put, "\(Self.limits)/\(missing.folio)", body: Self.limitBody(id: missing)).status == .notFound)

            #expect(try await api.call(.delete, "\(Self.limits)/\(id.folio)").status == .noContent)
            let gone = try await api.get("\(Self.limits)/\(id.folio)")
            #expect(gone.status == .notFound && gone.text == "Patron block limit not found: \(id.folio)")
            #expect(try await api.call(.delete, "\(Self.limits)/\(id.folio)").status == .notFound)
            #expect(try await api.get("\(Self.limits)/x").status == .badRequest)

            // The same id twice is refused; another tenant never sees the limit.
            #expect(try validationError(try await api.post(Self.limits, Self.limitBody(id: balance))).key == "id")
            let other = uniqueTenant("other")
            _ = try await api.tenant(other).post("/_/tenant", #"{"module_to": "mod-patron-blocks-1.0.0"}"#)
            #expect(try await api.tenant(other).get("\(Self.limits)/\(balance.folio)").status == .notFound)
        }
    }

    @Test(arguments: Backend.available) func limitValuesAreCheckedAgainstTheirCondition(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let integer = "Must be blank or an integer from 0 to 999999"
            let money = "Must be blank or a number from 0.00 to 999999.99"
            let cases: [(UUID, String, String)] = [
                (BlockCondition.maximumItemsChargedOut, "-1", integer), (BlockCondition.maximumItemsChargedOut, "1000000", integer),
                (BlockCondition.maximumOverdueItems, "2.5", integer), (BlockCondition.maximumLostItems, #""5""#, integer),
                (BlockCondition.recallOverdueByMaximumDays, "null", integer),
                (BlockCondition.maximumOutstandingBalance, "-0.01", money), (BlockCondition.maximumOutstandingBalance, "1000000", money),
                (BlockCondition.maximumOutstandingBalance, "10.005", money), (BlockCondition.maximumOutstandingBalance, "true", money),
            ]
            for (condition, value, message) in cases {
                let error = try validationError(try await api.post(Self.limits, Self.limitBody(condition: condition, value: value)))
                #expect(error.message == message && error.key == "value", "\(value): \(error)")
            }
            let noValue = try validationError(try await api.post(Self.limits, #"{"id": "\#(UUID().folio)", "patronGroupId": "\#(Self.group.folio)", "conditionId": "\#(BlockCondition.maximumLostItems.folio)"}"#))
            #expect(noValue.message == integer)
            for value in ["0", "999999"] {
                #expect(try await api.post(Self.limits, Self.limitBody(value: value)).status == .created, "\(value)")
            }
            for value in ["0.00", "999999.99", "0.1"] {
                #expect(try await api.post(Self.limits, Self.limitBody(condition: BlockCondition.maximumOutstandingBalance, value: value)).status == .created, "\(value)")
            }
            #expect(try validationError(try await api.post(Self.limits, Self.limitBody(condition: UUID()))).key == "conditionId")
            #expect(try validationError(try await api.post(Self.limits, #"{"patronGroupId": "\#(Self.group.folio)", "conditionId": "\#(BlockCondition.maximumLostItems.folio)", "value": 1}"#)).key == "id")
            #expect(try validationError(try await api.post(Self.limits, #"{"id": "\#(UUID().folio)", "conditionId": "\#(BlockCondition.maximumLostItems.folio)", "value": 1}"#)).key == "patronGroupId")
            #expect(try validationError(try await api.post(Self.limits, Self.limitBody().dropLast() + #", "priority": 1}"#)).key == "priority")
            #expect(try await api.post(Self.limits, "[").status == .badRequest)
        }
    }

    @Test(arguments: Backend.available) func limitCollectionsPageAndFilter(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            for condition in BlockCondition.defaults.prefix(5) {
                #expect(try await api.post(Self.limits, Self.limitBody(condition: condition.id)).status == .created)
            }
            for condition in BlockCondition.defaults.prefix(2) {
                #expect(try await api.post(Self.limits, Self.limitBody(group: Self.otherGroup, condition: condition.id)).status == .created)
            }
            let all = try await api.get(Self.limits).json
            #expect(all["totalRecords"] as? Int == 7 && (all["patronBlockLimits"] as? [Any])?.count == 7)
            let byGroup = try await api.get("\(Self.limits)?query=patronGroupId%3D%3D\(Self.otherGroup.folio)").json
            #expect(byGroup["totalRecords"] as? Int == 2)
            #expect((byGroup["patronBlockLimits"] as? [[String: Any]])?.allSatisfy { $0["patronGroupId"] as? String == Self.otherGroup.folio } == true)
            let quoted = try await api.get("\(Self.limits)?query=patronGroupId%3D%3D%22\(Self.group.folio)%22%20and%20conditionId%3D%3D\(BlockCondition.maximumLostItems.folio)").json
            #expect(quoted["totalRecords"] as? Int == 1)
            let page = try await api.get("\(Self.limits)?query=cql.allRecords%3D1&limit=3&offset=5").json
            #expect(page["totalRecords"] as? Int == 7 && (page["patronBlockLimits"] as? [Any])?.count == 2)
            let unsupported = try await api.get("\(Self.limits)?query=value%3E3")
            #expect(unsupported.status == .badRequest && unsupported.text.hasPrefix("Unsupported query"))
            #expect(try await api.get("\(Self.limits)?limit=-1").status == .badRequest)
            #expect(try await api.get("\(Self.limits)?offset=x").status == .badRequest)
        }
    }
}
