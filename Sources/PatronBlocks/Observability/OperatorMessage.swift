import Foundation
import PostgresNIO

/// One line an operator can read for any error (in a job's errors, in a log message): the
/// server's own words for PostgreSQL, our errors' descriptions, never a type dump. The full error
/// goes to the log beside it.
enum OperatorMessage {
    static func line(_ error: any Error) -> String {
        let text: String
        if let conflict = error as? StorageConflict {
            text = conflict.description
        } else if let psql = PostgresConflicts.serverError(error) {
            // PSQLError's description is a fixed placeholder; its server fields say what happened.
            if let message = psql.serverInfo?[.message] {
                text = "PostgreSQL: \(message)" + (psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            } else {
                text = "PostgreSQL: " + (psql.underlying.map { "\($0)" } ?? "\(psql.code)")
            }
        } else if error is PostgresTransactionError {
            text = "PostgreSQL: the transaction failed"
        } else {
            text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
