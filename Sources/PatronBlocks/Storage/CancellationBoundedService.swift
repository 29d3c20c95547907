import Logging
import ServiceLifecycle

/// A service that is waited for at most `grace` once its group cancels it
/// (`waitUnlessCancelled`): the PostgreSQL pool, closing its connections under statements it
/// may never answer, must not keep the process from ending.
struct CancellationBoundedService: Service {
    let base: any Service
    let name: String
    let grace: Duration
    let logger: Logger

    func run() async throws {
        let ended = await waitUnlessCancelled(grace: grace) { () async -> Result<Void, any Error> in
            do {
                try await base.run()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        guard let ended else {
            logger.warning("Cancelled: \(name) did not end within \(grace); the process goes on without it")
            return
        }
        try ended.get()
    }
}
