import Foundation
import Testing
@testable import PatronBlocks

/// Money as JSON numbers: every number `Decimal` can hold is accepted, to the digit; any other is
/// refused saying which limit it passes.
@Suite struct JSONDecimalTests {
    @Test(arguments: [
        ("12.5", "12.5"), ("0", "0"), ("-0.35", "-0.35"), ("1e+127", "1e127"), ("-2.5E100", "-2.5e100"),
        ("1e-128", "1e-128"), ("100000000000000000000000000000000000000000000", "1e44"), ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("9.99e127", "9.99e127"), ("1.5e-20", "1.5e-20"), ("0.000", "0"),
    ])
    func numbersThatFitAreKept(_ text: String, _ expected: String) throws {
        let decimal = try JSONDecimal.parse(text).get()
        #expect(decimal == JSONDecimalTests.decimal(expected), "\(text) → \(decimal)")
    }

    /// `Decimal(string:)` knows no exponent beyond ±128, so the expectations are built by hand.
    static func decimal(_ text: String) -> Decimal {
        let parts = text.lowercased().split(separator: "e")
        var value = Decimal(string: String(parts[0]))!
        if parts.count == 2 {
            let exponent = Int(parts[1])!
            value = Decimal(sign: value < 0 ? .minus : .plus, exponent: value.exponent + exponent, significand: abs(value.significand))
        }
        return value
    }

    @Test(arguments: [
        ("1e-130", "is too small: a non-zero amount must be at least 1e-128 in magnitude"),
        ("1e+128", "is too large: amounts must be below 1e128 in magnitude"),
        ("-1e200", "is too large: amounts must be below 1e128 in magnitude"),
        ("1.23456789012345678901234567890123456789", "has 39 significant digits; at most 38 are kept"),
        ("12abc", "must be a number"), ("", "must be a number"), ("1e", "must be a number"),
    ])
    func numbersThatDoNotFitAreRefusedPrecisely(_ text: String, _ message: String) {
        #expect(throws: JSONDecimal.Problem(message: message)) { try JSONDecimal.parse(text).get() }
    }

    @Test(arguments: Backend.available) func aHugeOrTinyBalanceGetsItsOwnMessage(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let path = "/automated-patron-blocks/handlers/fee-fine-balance-changed"
            // The largest that every store keeps, kept to the digit on both backends.
            let large = try await api.post(path, #"{"feeFineId": "\#(UUID().folio)", "balance": 9.99e127, "userId": "\#(userA.folio)"}"#)
            #expect(large.status == .noContent, "\(large.text)")
            let summary = try await api.get("/user-summary/\(userA.folio)")
            #expect(summary.text.contains(#""balance":999"# + String(repeating: "0", count: 125) + ","), "\(summary.text)")
            let huge = try await api.post(path, #"{"feeFineId": "\#(UUID().folio)", "balance": 1e128, "userId": "\#(userA.folio)"}"#)
            #expect(try validationError(huge).message == "is too large: amounts must be below 1e128 in magnitude")
            // An integer written out in full was let through before, and lost by the store.
            let written = try await api.post(path, #"{"feeFineId": "\#(UUID().folio)", "balance": 1\#(String(repeating: "0", count: 130)), "userId": "\#(userA.folio)"}"#)
            #expect(try validationError(written).message == "is too large: amounts must be below 1e128 in magnitude")
            let tiny = try await api.post(path, #"{"feeFineId": "\#(UUID().folio)", "balance": 1e-130, "userId": "\#(userB.folio)"}"#)
            let error = try validationError(tiny)
            #expect(error.key == "balance" && error.message == "is too small: a non-zero amount must be at least 1e-128 in magnitude")
        }
    }
}
