import DemoWarehouse
import Foundation

/// Generated FOLIO data: users with patron groups, open (and closed) loans, open accounts. Kept
/// sorted by id, so keyset pages and their counts are binary searches whatever the size.
public struct FolioDataset: Sendable {
    public struct Loan: Sendable, Equatable {
        public var id: UUID
        public var userId: UUID
        public var dueDate: Date
        public var open: Bool
        public var itemStatus: String
        public var dueDateChangedByRecall: Bool
        public var createdDate: Date

        public init(id: UUID, userId: UUID, dueDate: Date, open: Bool = true, itemStatus: String = "Checked out",
                    dueDateChangedByRecall: Bool = false, createdDate: Date) {
            self.id = id
            self.userId = userId
            self.dueDate = dueDate
            self.open = open
            self.itemStatus = itemStatus
            self.dueDateChangedByRecall = dueDateChangedByRecall
            self.createdDate = createdDate
        }
    }

    public struct Account: Sendable, Equatable {
        public var id: UUID
        public var userId: UUID
        public var feeFineId: UUID
        public var loanId: UUID?
        /// Cents, so that generated money is exact.
        public var remainingCents: Int
        public var open: Bool
        public var createdDate: Date
    }

    public struct User: Sendable, Equatable {
        public var id: UUID
        public var patronGroup: UUID?

        public init(id: UUID, patronGroup: UUID?) {
            self.id = id
            self.patronGroup = patronGroup
        }
    }

    public var users: [User]
    public var loans: [Loan]
    public var accounts: [Account]

    public static let patronGroups = [
        UUID(uuidString: "3684a786-6671-4268-8ed0-9db82ebca60b")!, // staff
        UUID(uuidString: "bdc2b6d4-5ceb-4a12-ab46-249b9a68473e")!, // undergraduate
        UUID(uuidString: "ad0bc554-d5bc-463c-85d1-5562127ae91b")!, // graduate
    ]
    public static let feeFineTypes = [
        UUID(uuidString: "9523cb96-e752-40c2-89da-60f3961a488d")!, // overdue fine
        UUID(uuidString: "cf238f9f-7018-47b7-b815-bb2db798e19f")!, // lost item fee
    ]

    public init(users: [User], loans: [Loan], accounts: [Account]) {
        self.users = users.sorted { $0.id.precedes($1.id) }
        self.loans = loans.sorted { $0.id.precedes($1.id) }
        self.accounts = accounts.sorted { $0.id.precedes($1.id) }
    }

    /// `loans` open loans (plus a tenth as many closed ones, which no query may return),
    /// `accounts` open accounts, spread over `users` patrons. The same seed gives the same data.
    public static func generate(users userCount: Int, loans loanCount: Int, accounts accountCount: Int, seed: UInt64 = 7, now: Date = Date()) -> FolioDataset {
        var random = SplitMix64(seed: seed)
        func uuid() -> UUID {
            var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes[6] = (bytes[6] & 0x0F) | 0x40
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
        let users = (0..<max(1, userCount)).map { index in
            User(id: uuid(), patronGroup: index % 50 == 0 ? nil : patronGroups[index % patronGroups.count])
        }
        var loans: [Loan] = []
        loans.reserveCapacity(loanCount + loanCount / 10)
        for index in 0..<(loanCount + loanCount / 10) {
            let user = users[Int(random.next() % UInt64(users.count))].id
            let days = Double(Int(random.next() % 60) - 20)
            let status: String
            switch random.next() % 100 {
            case 0..<3: status = "Claimed returned"
            case 3..<5: status = "Declared lost"
            case 5..<6: status = "Aged to lost"
            case 6..<7: status = "claimed returned"
            default: status = "Checked out"
            }
            loans.append(Loan(
                id: uuid(), userId: user, dueDate: now.addingTimeInterval(days * 86_400 + Double(random.next() % 86_400)),
                open: index < loanCount, itemStatus: status, dueDateChangedByRecall: random.next() % 20 == 0,
                createdDate: now.addingTimeInterval(-Double(random.next() % (90 * 86_400)))
            ))
        }
        let openLoans = loans.prefix(loanCount)
        var accounts: [Account] = []
        accounts.reserveCapacity(accountCount)
        for _ in 0..<accountCount {
            let loan = openLoans.isEmpty || random.next() % 3 == 0 ? nil : openLoans[openLoans.startIndex + Int(random.next() % UInt64(openLoans.count))]
            accounts.append(Account(
                id: uuid(), userId: loan?.userId ?? users[Int(random.next() % UInt64(users.count))].id,
                feeFineId: feeFineTypes[Int(random.next() % 2)], loanId: loan?.id,
                remainingCents: Int(random.next() % 5000) + 1, open: true,
                createdDate: now.addingTimeInterval(-Double(random.next() % (30 * 86_400)))
            ))
        }
        return FolioDataset(users: users, loans: loans, accounts: accounts)
    }
}

extension UUID {
    /// FOLIO's order of ids: their lower-case text, which is the order of their bytes (hex digits
    /// sort as the nibbles they stand for), compared without building strings.
    public func precedes(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { mine in
            withUnsafeBytes(of: other.uuid) { theirs in
                mine.lexicographicallyPrecedes(theirs)
            }
        }
    }
}
