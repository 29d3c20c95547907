import Foundation
import Hummingbird
import Logging

/// Gives every request's logger the request id (Okapi's X-Okapi-Request-Id, or a new one) and
/// the tenant, counts and times each answer by route and status, and logs it: 5xx as errors, the
/// rest at debug (a block check runs on every check-out; info for each would drown the log).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = PatronBlocksRequestContext
    let metrics: PatronBlocksMetrics?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.logger[metadataKey: "request.id"] = "\(request.headers[.okapiRequestID] ?? String(UUID().uuidString.prefix(8)).lowercased())"
        if let tenant = request.headers[.okapiTenant] { context.logger[metadataKey: "tenant"] = "\(tenant.prefix(48))" }
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status, started: started, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            log(request, status: status, started: started, context: context, error: error)
            throw error
        }
    }

    private func log(_ request: Request, status: HTTPResponse.Status, started: ContinuousClock.Instant, context: Context, error: (any Error)? = nil) {
        let elapsed = started.duration(to: .now)
        // The route's pattern, not its path: one series per endpoint, whatever the ids.
        metrics?.request(method: "\(request.method)", route: context.endpointPath ?? "unmatched", status: Int(status.code), duration: elapsed)
        // Every check-out passes here: build the line only when it will be written.
        guard status.code >= 500 || context.logger.logLevel <= .debug else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "http.status": "\(status.code)",
            "duration.ms": "\(String(format: "%.2f", milliseconds))",
        ]
        if status.code >= 500 {
            if let error { metadata["error"] = "\(error)" }
            context.logger.error("Request failed", metadata: metadata)
        } else {
            context.logger.debug("Request", metadata: metadata)
        }
    }
}
