import Foundation

/// Exponential backoff with full jitter (AWS's recommendation): attempt n waits a random time up
/// to min(cap, base × 2ⁿ).
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }
}

extension RetryPolicy {
    /// Runs `attempt` until it succeeds, it throws something `retryable` says is final, or the
    /// attempts run out; `onRetry` hears of each failure that is retried.
    public func run<R>(
        retryable: (any Error) -> Bool,
        onRetry: (Int, any Error, Duration) -> Void = { _, _, _ in },
        _ attempt: (Int) async throws -> R
    ) async throws -> R {
        var number = 0
        while true {
            number += 1
            do {
                return try await attempt(number)
            } catch {
                guard number < maxAttempts, retryable(error), !(error is CancellationError), !Task.isCancelled else { throw error }
                let wait = delay(afterAttempt: number)
                onRetry(number, error, wait)
                try await Task.sleep(for: wait)
            }
        }
    }
}
