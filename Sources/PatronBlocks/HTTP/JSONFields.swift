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
        guard let number = value as? NSNumber, !isJSONBoolean(number), let decimal = Decimal(string: number.stringValue) else {
            throw APIError.validation("must be a number", key: key, value: "\(value)")
        }
        return decimal
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
