import Foundation
import Hummingbird
import Testing
@testable import PatronBlocks

/// Section 3's handlers through HTTP: each event's effect on the summary, and each validation
/// answer, on both backends.
@Suite struct EventHandlerAPITests {
    static func path(_ kind: PatronEvent.Kind) -> String { "/automated-patron-blocks/handlers/\(kind.handler)" }

    static func summary(_ api: API, _ user: UUID) async throws -> [String: Any]? {
        let answer = try await api.get("/user-summary/\(user.folio)")
        return answer.status == .ok ? try answer.json : nil
    }

    static func loans(_ summary: [String: Any]?) -> [[String: Any]] { summary?["openLoans"] as? [[String: Any]] ?? [] }

    @Test(arguments: Backend.available) func everyEventHasItsEffect(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let user = UUID(), loan = UUID(), other = UUID(), fee = UUID(), type = UUID()
            func post(_ kind: PatronEvent.Kind, _ body: String) async throws {
                let answer = try await api.post(Self.path(kind), body)
                #expect(answer.status == .noContent, "\(kind): \(answer.status) \(answer.text)")
                #expect(answer.text.isEmpty)
            }
            // Loan events before any check-out change nothing and create no summary.
            try await post(.itemDeclaredLost, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)"}"#)
            #expect(try await Self.summary(api, user) == nil)

            try await post(.itemCheckedOut, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-01T10:00:00.000+00:00", "gracePeriod": {"duration": 3, "intervalId": "Hours"}, "metadata": {"createdDate": "2026-11-01T00:00:00Z"}}"#)
            try await post(.itemCheckedOut, #"{"userId": "\#(user.folio)", "loanId": "\#(other.folio)", "dueDate": "2026-12-02T10:00:00Z", "gracePeriod": null}"#)
            var loans = Self.loans(try await Self.summary(api, user))
            #expect(loans.count == 2)
            #expect((loans.first { $0["loanId"] as? String == loan.folio }?["gracePeriod"] as? [String: Any])?["intervalId"] as? String == "Hours")
            // Idempotent.
            try await post(.itemCheckedOut, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-01T10:00:00Z"}"#)
            #expect(Self.loans(try await Self.summary(api, user)).count == 2)

            try await post(.itemClaimedReturned, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)"}"#)
            loans = Self.loans(try await Self.summary(api, user))
            var first = loans.first { $0["loanId"] as? String == loan.folio }
            #expect(first?["itemClaimedReturned"] as? Bool == true && first?["itemLost"] as? Bool == false)
            try await post(.itemDeclaredLost, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)"}"#)
            first = Self.loans(try await Self.summary(api, user)).first { $0["loanId"] as? String == loan.folio }
            #expect(first?["itemClaimedReturned"] as? Bool == false && first?["itemLost"] as? Bool == true)
            try await post(.loanDueDateChanged, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-11-25T10:00:00Z", "dueDateChangedByRecall": true}"#)
            first = Self.loans(try await Self.summary(api, user)).first { $0["loanId"] as? String == loan.folio }
            #expect(first?["recall"] as? Bool == true && first?["itemLost"] as? Bool == true && first?["dueDate"] as? String == "2026-11-25T10:00:00.000+00:00")
            try await post(.loanDueDateChanged, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-25T10:00:00Z", "dueDateChangedByRecall": false}"#)
            first = Self.loans(try await Self.summary(api, user)).first { $0["loanId"] as? String == loan.folio }
            #expect(first?["recall"] as? Bool == false && first?["itemLost"] as? Bool == false)
            try await post(.itemAgedToLost, #"{"userId": "\#(user.folio)", "loanId": "\#(other.folio)"}"#)
            #expect(Self.loans(try await Self.summary(api, user)).first { $0["loanId"] as? String == other.folio }?["itemLost"] as? Bool == true)

            try await post(.feeFineBalanceChanged, #"{"feeFineId": "\#(fee.folio)", "balance": 12.5, "userId": "\#(user.folio)", "feeFineTypeId": "\#(type.folio)", "loanId": "\#(loan.folio)"}"#)
            var fees = try await Self.summary(api, user)?["openFeesFines"] as? [[String: Any]]
            #expect(fees?.first?["balance"] as? Double == 12.5)
            try await post(.feeFineBalanceChanged, #"{"feeFineId": "\#(fee.folio)", "balance": 0.35, "userId": "\#(user.folio)"}"#)
            fees = try await Self.summary(api, user)?["openFeesFines"] as? [[String: Any]]
            #expect(fees?.count == 1 && fees?.first?["feeFineTypeId"] as? String == type.folio)
            // No userId: the account was deleted; the summary holding it loses it.
            try await post(.feeFineBalanceChanged, #"{"feeFineId": "\#(fee.folio)", "balance": 0.35, "userId": null}"#)
            #expect((try await Self.summary(api, user)?["openFeesFines"] as? [Any])?.isEmpty == true)

            try await post(.itemCheckedIn, #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "returnDate": "2026-11-23T10:00:00Z"}"#)
            try await post(.loanClosed, #"{"userId": "\#(user.folio)", "loanId": "\#(other.folio)"}"#)
            #expect(try await Self.summary(api, user) == nil, "a summary left empty is deleted")

            // A fee with a balance creates a summary; a zero balance does not.
            try await post(.feeFineBalanceChanged, #"{"feeFineId": "\#(UUID().folio)", "balance": 0, "userId": "\#(other.folio)"}"#)
            #expect(try await Self.summary(api, other) == nil)
            try await post(.feeFineBalanceChanged, #"{"feeFineId": "\#(UUID().folio)", "balance": 1, "userId": "\#(other.folio)"}"#)
            #expect(try await Self.summary(api, other) != nil)
        }
    }

    @Test(arguments: Backend.available) func invalidEventsAreRefusedAndChangeNothing(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let user = UUID().folio, loan = UUID().folio
            let cases: [(PatronEvent.Kind, String, String)] = [
                (.itemCheckedOut, #"{"loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z"}"#, "userId"),
                (.itemCheckedOut, #"{"userId": "\#(user)", "loanId": "\#(loan)"}"#, "dueDate"),
                (.itemCheckedOut, #"{"userId": "\#(user)", "loanId": "\#(loan)", "dueDate": "next tuesday"}"#, "dueDate"),
                (.itemCheckedOut, #"{"userId": "not-a-uuid", "loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z"}"#, "userId"),
                (.itemCheckedOut, #"{"userId": "\#(user)", "loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z", "gracePeriod": {"duration": 1, "intervalId": "Fortnights"}}"#, "gracePeriod.intervalId"),
                (.itemCheckedOut, #"{"userId": "\#(user)", "loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z", "gracePeriod": {"intervalId": "Days"}}"#, "duration"),
                (.itemCheckedIn, #"{"userId": "\#(user)"}"#, "loanId"),
                (.loanClosed, #"{"userId": null, "loanId": "\#(loan)"}"#, "userId"),
                (.itemClaimedReturned, #"{"userId": "\#(user)", "loanId": "00000000-0000-0000-0000-000000000000"}"#, "loanId"),
                (.itemDeclaredLost, #"{"loanId": "\#(loan)"}"#, "userId"),
                (.itemAgedToLost, #"{"userId": "\#(user)"}"#, "loanId"),
                (.loanDueDateChanged, #"{"userId": "\#(user)", "loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z"}"#, "dueDateChangedByRecall"),
                (.loanDueDateChanged, #"{"userId": "\#(user)", "loanId": "\#(loan)", "dueDate": "2026-12-01T10:00:00Z", "dueDateChangedByRecall": "yes"}"#, "dueDateChangedByRecall"),
                (.feeFineBalanceChanged, #"{"balance": 3}"#, "feeFineId"),
                (.feeFineBalanceChanged, #"{"feeFineId": "\#(UUID().folio)"}"#, "balance"),
                (.feeFineBalanceChanged, #"{"feeFineId": "\#(UUID().folio)", "balance": "3.00", "userId": "\#(user)"}"#, "balance"),
                (.feeFineBalanceChanged, #"{"feeFineId": "\#(UUID().folio)", "balance": 3, "userId": "someone"}"#, "userId"),
            ]
            for (kind, body, key) in cases {
                let error = try validationError(try await api.post(Self.path(kind), body))
                #expect(error.key == key, "\(kind) \(body): \(error)")
            }
            for kind in PatronEvent.Kind.allCases {
                let answer = try await api.post(Self.path(kind), #"{"userId": "#)
                #expect(answer.status == .badRequest && answer.text == "The request body is not a JSON object", "\(kind)")
            }
            #expect(try await Self.summary(api, UUID(uuidString: user)!) == nil)
            #expect(try await api.post("/automated-patron-blocks/handlers/item-renewed", "{}").status == .notFound)
        }
    }

    /// Many first events for the same new patrons at once: every one lands (FOLIO loses some on
    /// its unique userId).
    @Test(arguments: Backend.available) func simultaneousEventsForNewPatronsThroughHTTP(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let users = (0..<12).map { _ in UUID() }
            let perUser = 15
            try await withThrowingTaskGroup(of: Void.self) { group in
                for user in users {
                    for index in 0..<perUser {
                        group.addTask {
                            let body = index % 5 == 4
                                ? #"{"feeFineId": "\#(UUID().folio)", "balance": 0.10, "userId": "\#(user.folio)"}"#
                                : #"{"userId": "\#(user.folio)", "loanId": "\#(UUID().folio)", "dueDate": "2026-12-01T10:00:00Z"}"#
                            let kind: PatronEvent.Kind = index % 5 == 4 ? .feeFineBalanceChanged : .itemCheckedOut
                            let answer = try await api.post(Self.path(kind), body)
                            #expect(answer.status == .noContent, "\(answer.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            for user in users {
                let summary = try await Self.summary(api, user)
                #expect(Self.loans(summary).count == 12, "\(user)")
                let fees = summary?["openFeesFines"] as? [[String: Any]] ?? []
                #expect(fees.count == 3)
            }
        }
    }
}
