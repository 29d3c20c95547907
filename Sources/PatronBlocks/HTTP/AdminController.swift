import Foundation
import Hummingbird

/// Operations: `/admin/health` (liveness: the process answers; what Okapi and orchestrators
/// poll), `/admin/health/ready` (readiness: the storage answers too), and `/metrics` (Prometheus).
/// None needs a tenant or a token: probes and scrapers carry neither.
struct AdminController {
    typealias Context = PatronBlocksRequestContext
    let storage: any TenantStore
    let storageDescription: String
    let metrics: PatronBlocksMetrics

    func addRoutes(to router: Router<Context>) {
        router.get("/admin/health") { _, _ in try JSONResponse.make(["status": "UP"]) }
        router.get("/admin/health/ready", use: ready)
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }

    @Sendable func ready(_ request: Request, context: Context) async throws -> Response {
        let storage = storage
        do {
            // A storage that hangs is as unready as one that refuses.
            let tenants = try await withThrowingTaskGroup(of: [String]?.self) { group in
                group.addTask { try await storage.installedTenants() }
                group.addTask { try await Task.sleep(for: .seconds(3)); return nil }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let tenants = first else { throw ReadinessTimeout() }
                return tenants
            }
            return try JSONResponse.make(["status": "UP", "storage": storageDescription, "tenants": tenants.count])
        } catch {
            context.logger.error("Not ready: the storage does not answer", metadata: ["error": "\(String(reflecting: error))"])
            return try JSONResponse.make(["status": "DOWN", "storage": storageDescription, "reason": OperatorMessage.line(error)], status: .serviceUnavailable)
        }
    }

    struct ReadinessTimeout: Error, CustomStringConvertible {
        var description: String { "the storage did not answer within 3 seconds" }
    }
}
