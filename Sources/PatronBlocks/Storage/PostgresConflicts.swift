import Backoff
import Foundation
import Logging
import PostgresNIO

/// PostgreSQL's transient failures between concurrent transactions, and the retry of a whole
/// transaction after one (PostgreSQL rolls the loser back, so repeating it from BEGIN is safe).
enum PostgresConflicts {
    /// Enough to outlast a deadlock's victim choice a few times, short enough for an event's
    /// HTTP call.
    static let retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(50), maxDelay: .seconds(1))

    /// The server's error inside what PostgresNIO wraps around it.
    static func serverError(_ error: any Error) -> PSQLError? {
        if let psql = error as? PSQLError { return psql }
        if let transaction = error as? PostgresTransactionError {
            for inner in [transaction.closureError, transaction.commitError, transaction.beginError] {
                if let inner, let psql = serverError(inner) { return psql }
            }
        }
        return nil
    }

    static func kind(of error: any Error) -> StorageConflict.Kind? {
        switch serverError(error)?.serverInfo?[.sqlState] {
        case "40P01": .deadlock
        case "40001": .serialization
        default: nil
        }
    }

    /// Whether the transaction can simply be run again: a conflict, or a transaction aborted by
    /// an error that a statement did not report (which may hide one).
    static func isRetryable(_ error: any Error) -> Bool {
        kind(of: error) != nil || serverError(error)?.serverInfo?[.sqlState] == "25P02"
    }

    /// Runs `transaction` again while it ends in a deadlock or a serialization failure, then gives
    /// up with a `StorageConflict`.
    static func retrying<R>(logger: Logger, _ transaction: () async throws -> R) async throws -> R {
        do {
            return try await retry.run(retryable: isRetryable, onRetry: { attempt, error, wait in
                logger.notice("Transaction retried after a conflict with a concurrent one", metadata: [
                    "attempt": "\(attempt)", "wait": "\(wait)", "error": "\(OperatorMessage.line(error))",
                ])
            }) { _ in try await transaction() }
        } catch {
            guard let kind = kind(of: error) else { throw error }
            throw StorageConflict(kind: kind, attempts: retry.maxAttempts - 1, underlying: error)
        }
    }
}
