extension PatronRecord {
    /// What a type's `segments` rules wrote for one patron, resolved: the addresses, emails,
    /// phones, identifiers, statistics, notes and roles beyond the type's single-valued ones.
    /// A record holds them whole (types and flags too, not only the row's values) so that a
    /// leaver's last record still renders after the profile changed.
    public struct Segments: Sendable, Hashable {
        public struct Address: Sendable, Hashable {
            /// line1, line2, line3, city, stateProvince, postalCode, country.
            public var lines: [String]
            public var type: String
            public var preferred: Bool
            public var note: String
            public var startDate: UserDay?
            public var endDate: UserDay?
        }

        public struct Email: Sendable, Hashable {
            public var address: String
            /// Empty: the profile's `codes.emailType`.
            public var type: String
            public var preferred: Bool
        }

        public struct Phone: Sendable, Hashable {
            public var number: String
            /// Empty: the profile's `codes.preferredPhoneType`.
            public var type: String
            public var preferred: Bool
        }

        public struct Identifier: Sendable, Hashable {
            public var type: String
            public var value: String
        }

        public struct Statistic: Sendable, Hashable {
            public var category: String
            public var desc: String
            /// Empty: the profile's `codes.statisticCategoryType`.
            public var categoryType: String
        }

        public struct Note: Sendable, Hashable {
            public var type: String
            public var text: String
            public var userViewable: Bool
            public var popup: Bool
        }

        public struct Role: Sendable, Hashable {
            public var type: String
            public var scope: String
            /// Empty: the profile's `codes.roleStatus`.
            public var status: String
        }

        public var addresses: [Address] = []
        public var emails: [Email] = []
        public var phones: [Phone] = []
        public var identifiers: [Identifier] = []
        public var statistics: [Statistic] = []
        public var notes: [Note] = []
        public var roles: [Role] = []

        public init() {}

        public var isEmpty: Bool {
            addresses.isEmpty && emails.isEmpty && phones.isEmpty && identifiers.isEmpty && statistics.isEmpty && notes.isEmpty && roles.isEmpty
        }

        /// How many fields the record file gives them, after the details.
        static let fieldCount = 7

        /// One field per kind, elements apart by GS (U+001D) and their parts by US (U+001F);
        /// a kind without elements is NUL, as an absent detail is, so that it hashes as absent.
        var fields: [String] {
            [encode(addresses) { [$0.type, flag($0.preferred)] + $0.lines + [$0.note, day($0.startDate), day($0.endDate)] },
             encode(emails) { [$0.address, $0.type, flag($0.preferred)] },
             encode(phones) { [$0.number, $0.type, flag($0.preferred)] },
             encode(identifiers) { [$0.type, $0.value] },
             encode(statistics) { [$0.category, $0.desc, $0.categoryType] },
             encode(notes) { [$0.type, $0.text, flag($0.userViewable), flag($0.popup)] },
             encode(roles) { [$0.type, $0.scope, $0.status] }]
        }

        init?(fields: ArraySlice<String>) {
            guard fields.count == Self.fieldCount else { return nil }
            let field = Array(fields)
            func parts(_ index: Int, _ count: Int) -> [[String]]? {
                guard field[index] != "\u{0}" else { return [] }
                let elements = field[index].split(separator: "\u{1D}", omittingEmptySubsequences: false).map {
                    $0.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                }
                return elements.allSatisfy { $0.count == count } ? elements : nil
            }
            guard let addresses = parts(0, 12), let emails = parts(1, 3), let phones = parts(2, 3), let identifiers = parts(3, 2),
                  let statistics = parts(4, 3), let notes = parts(5, 4), let roles = parts(6, 3) else { return nil }
            self.addresses = addresses.map {
                Address(lines: Array($0[2..<9]), type: $0[0], preferred: $0[1] == "1", note: $0[9],
                        startDate: UserDay(rawValue: $0[10]), endDate: UserDay(rawValue: $0[11]))
            }
            self.emails = emails.map { Email(address: $0[0], type: $0[1], preferred: $0[2] == "1") }
            self.phones = phones.map { Phone(number: $0[0], type: $0[1], preferred: $0[2] == "1") }
            self.identifiers = identifiers.map { Identifier(type: $0[0], value: $0[1]) }
            self.statistics = statistics.map { Statistic(category: $0[0], desc: $0[1], categoryType: $0[2]) }
            self.notes = notes.map { Note(type: $0[0], text: $0[1], userViewable: $0[2] == "1", popup: $0[3] == "1") }
            self.roles = roles.map { Role(type: $0[0], scope: $0[1], status: $0[2]) }
        }

        private func encode<T>(_ elements: [T], _ parts: (T) -> [String]) -> String {
            guard !elements.isEmpty else { return "\u{0}" }
            return elements.map { parts($0).map(Self.clean).joined(separator: "\u{1F}") }.joined(separator: "\u{1D}")
        }

        private func flag(_ value: Bool) -> String { value ? "1" : "0" }
        private func day(_ value: UserDay?) -> String { value?.rawValue ?? "" }

        /// The separators are C0 controls, which XML cannot carry anyway (the writer would drop
        /// them): dropped here so that no value can split an element.
        private static func clean(_ value: String) -> String {
            guard value.utf8.contains(where: { $0 == 0x1D || $0 == 0x1F }) else { return value }
            return String(value.unicodeScalars.filter { $0.value != 0x1D && $0.value != 0x1F }.map(Character.init))
        }
    }
}
