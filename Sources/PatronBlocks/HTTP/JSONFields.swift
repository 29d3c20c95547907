import Foundation

/// Typed reads of a JSON object's fields with FOLIO's 422 answers: a required field that is
/// missing or null, or a value of the wrong kind, names the field. An optional field sent as
/// null counts as absent.
struct JSONFields {
    let object: [String: Any]

    init(_ object: [String: Any]) {
        self.object = object
    }

    static let uuidPattern = "must match \"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[1-5][a-fA-F0-9]{3}-[89abAB][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$\""

    private func present(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    private func missing(_ key: String) -> APIError {
        APIError.validation("must not be null", key: key, value: "null")
    }

    func uuid(_ key: String) throws -> UUID {
        guard let id = try optionalUUID(key) else { throw missing(key) }
        return id
    }

    func optionalUUID(_ key: String) throws -> UUID? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String, let id = FolioUUID.parse(text) else { throw APIError.validation(Self.uuidPattern, key: key, value: "\(value)") }
        return id
    }

    func date(_ key: String) throws -> Date {
        guard let date = try optionalDate(key) else { throw missing(key) }
        return date
    }

    func optionalDate(_ key: String) throws -> Date? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String, let date = FolioDate.parseDateTime(text) else { throw APIError.validation("must be a date-time", key: key, value: "\(value)") }
        return date
    }

    func bool(_ key: String) throws -> Bool {
        guard let value = present(key) else { throw missing(key) }
        guard let number = value as? NSNumber, isJSONBoolean(number) else { throw APIError.validation("must be a boolean", key: key, value: "\(value)") }
        return number.boolValue
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String else { throw APIError.validation("must be a string", key: key, value: "\(value)") }
        return text
    }

    /// A JSON number read as a decimal (its shortest text, not a binary fraction's expansion).
    func optionalDecimal(_ key: String) throws -> Decimal? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber, !isJSONBoolean(number) else {
            throw APIError.validation("must be a number", key: key, value: "\(value)")
        }
        switch JSONDecimal.parse(number.stringValue) {
        case .success(let decimal): return decimal
        case .failure(let problem): throw APIError.validation(problem.message, key: key, value: number.stringValue)
        }
    }

    func decimal(_ key: String) throws -> Decimal {
        guard let value = try optionalDecimal(key) else { throw missing(key) }
        return value
    }

    func optionalObject(_ key: String) throws -> JSONFields? {
        guard let value = present(key) else { return nil }
        guard let object = value as? [String: Any] else { throw APIError.validation("must be an object", key: key, value: "\(value)") }
        return JSONFields(object)
    }

    func integer(_ key: String) throws -> Int {
        guard let value = present(key) else { throw missing(key) }
        guard let number = value as? NSNumber, !isJSONBoolean(number), let integer = Int(exactly: number.doubleValue) else {
            throw APIError.validation("must be an integer", key: key, value: "\(value)")
        }
        return integer
    }
}

/// Whether JSONSerialization read `true`/`false` (a boolean) rather than a number.
private func isJSONBoolean(_ number: NSNumber) -> Bool {
    type(of: number) == type(of: NSNumber(value: true))
}

/// A JSON number's text as a `Decimal`, or why it cannot be one. Foundation's parser refuses an
/// exponent outside -128...127 (`1e128`, `1e-130`: "must be a number" before), so this reads the
/// digits and the exponent itself and says which limit a number passes. The limits are what every
/// store keeps exactly and reads back (balances cross SQLite and the journals as decimal text,
/// which Foundation reads up to 128 integer digits): 38 significant digits, a magnitude below
/// 1e128, and a non-zero one of at least 1e-128.
enum JSONDecimal {
    static let maximumDigits = 38

    struct Problem: Error, Equatable {
        var message: String
    }

    static func parse(_ text: String) -> Result<Decimal, Problem> {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative || rest.first == "+" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponentText = rest.dropFirst(mantissa.count).dropFirst()
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }), !mantissa.isEmpty, mantissa != "." else {
            return .failure(Problem(message: "must be a number"))
        }
        var exponent = 0
        if mantissa.count != rest.count {
            guard let value = Int(exponentText), abs(value) < 1_000_000 else { return .failure(Problem(message: "must be a number")) }
            exponent = value
        }
        var digits = String(parts[0]) + (parts.count == 2 ? String(parts[1]) : "")
        exponent -= parts.count == 2 ? parts[1].count : 0
        digits = String(digits.drop { $0 == "0" })
        guard !digits.isEmpty else { return .success(0) }
        while digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        guard digits.count <= maximumDigits else {
            return .failure(Problem(message: "has \(digits.count) significant digits; at most \(maximumDigits) are kept"))
        }
        guard digits.count + exponent <= 128, let significand = Decimal(string: digits) else {
            return .failure(Problem(message: "is too large: amounts must be below 1e128 in magnitude"))
        }
        guard exponent >= -128 else {
            return .failure(Problem(message: "is too small: a non-zero amount must be at least 1e-128 in magnitude"))
        }
        return .success(Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: significand))
    }
}
