/// One thing wrong with a profile: where in the JSON, and why.
public struct ProfileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON path as people write it: `patronTypes[0].expiryMonths`.
    public var path: String
    public var reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// What a decoded profile must satisfy before a run starts: each rule stops a profile that would
/// write files Alma cannot read or would mis-read (every patron expired, a purge before expiry).
enum ProfileRules {
    static func problems(in profile: PatronProfile) -> [ProfileProblem] {
        var problems: [ProfileProblem] = []
        if !XMLName.isValid(profile.rootElement) {
            problems.append(ProfileProblem("rootElement", "\(quoted(profile.rootElement)) is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users"))
        }
        if profile.expiryMonths < 0 {
            problems.append(ProfileProblem("expiryMonths", "is \(profile.expiryMonths); it must be 0 or more, or every patron is expired on delivery"))
        }
        if profile.purgeMonths < profile.expiryMonths {
            problems.append(ProfileProblem("purgeMonths", "is \(profile.purgeMonths), less than expiryMonths (\(profile.expiryMonths)); Alma would purge patrons before they expire"))
        }
        if let percent = profile.preflight?.maxLeftOutPercent, !(0...100).contains(percent) {
            problems.append(ProfileProblem("preflight.maxLeftOutPercent", "is \(number(percent)); it must be from 0 to 100"))
        }
        if let days = profile.history?.leaverExpiryDays, days < 0 {
            problems.append(ProfileProblem("history.leaverExpiryDays", "is \(days); it must be 0 or more"))
        }
        if let days = profile.history?.fullLoadEveryDays, days < 1 {
            problems.append(ProfileProblem("history.fullLoadEveryDays", "is \(days); it must be 1 or more"))
        }
        if let folio = profile.folio {
            if let source = folio.sourceType, source.isEmpty || !source.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) {
                problems.append(ProfileProblem("folio.sourceType", "\(quoted(source)) must use only letters, digits and -: FOLIO puts it unescaped into a query"))
            }
            if let size = folio.batchSize, !(1...1_000).contains(size) {
                problems.append(ProfileProblem("folio.batchSize", "is \(size); it must be from 1 to 1000 (FOLIO advises 100 to 500)"))
            }
            if let contact = folio.preferredContactType, !FolioReferenceData.contactTypes.contains(contact.lowercased()) {
                problems.append(ProfileProblem("folio.preferredContactType", "\(quoted(contact)) is not one of mail, email, text, phone, mobile; FOLIO would drop it"))
            }
        }
        for (index, type) in profile.patronTypes.enumerated() {
            for (number, override) in (type.userGroup.overrides ?? []).enumerated() where (try? Regex(override.pattern)) == nil {
                problems.append(ProfileProblem("patronTypes[\(index)].userGroup.overrides[\(number)].pattern",
                                               "\(quoted(override.pattern)) is not a regular expression"))
            }
        }
        if profile.patronTypes.isEmpty {
            problems.append(ProfileProblem("patronTypes", "is empty"))
        }
        var seen: Set<String> = []
        for (index, type) in profile.patronTypes.enumerated() {
            if !PatronTypeName.isValid(type.name) {
                problems.append(ProfileProblem("patronTypes[\(index)].name", "\(quoted(type.name)) must use only letters, digits, - and _"))
            } else if !seen.insert(type.name).inserted {
                problems.append(ProfileProblem("patronTypes[\(index)].name", "\(quoted(type.name)) is already the name of an earlier type"))
            }
            if type.query.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
                problems.append(ProfileProblem("patronTypes[\(index)].query", "is empty; give the SELECT that returns this type's patrons"))
            }
            if let rows = type.rows {
                problems += rows.problems(at: "patronTypes[\(index)].rows")
            }
            for (path, rule) in type.valueRules {
                problems += rule.problems(at: "patronTypes[\(index)].\(path)")
            }
            for (path, condition) in type.segments?.conditions ?? [] {
                problems += condition.problems(at: "patronTypes[\(index)].segments.\(path)")
            }
            problems += type.expiry?.problems(at: "patronTypes[\(index)].expiry") ?? []
            problems += type.purge?.problems(at: "patronTypes[\(index)].purge") ?? []
            for (rule, group) in (type.userGroupRules ?? []).enumerated() {
                let path = "patronTypes[\(index)].userGroupRules[\(rule)]"
                problems += group.when.problems(at: "\(path).when")
                // Every patron the rule matches would be left out by the pre-flight: say so now.
                if let known = profile.preflight?.userGroups, !group.userGroup.isEmpty, !known.contains(group.userGroup) {
                    problems.append(ProfileProblem("\(path).userGroup", "\(quoted(group.userGroup)) is not among preflight.userGroups"))
                }
            }
        }
        problems += profile.population?.problems(at: "population", typeNames: profile.patronTypes.map(\.name)) ?? []
        return problems
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// XML 1.0's Name production without the colon (no namespace is declared for it): what an element
/// name written without escaping may be.
enum XMLName {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isStart(first) else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { isStart($0) || isContinuation($0) }
    }

    private static func isStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x5F, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF,
             0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            true
        default:
            false
        }
    }

    private static func isContinuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: false
        }
    }
}
