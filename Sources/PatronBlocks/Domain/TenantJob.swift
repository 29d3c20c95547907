import Foundation

/// One call of the tenant interface (install, upgrade): Okapi reads it back at
/// `GET /_/tenant/{id}` until `complete`, then deletes it.
public struct TenantJob: Sendable, Equatable {
    public var id: UUID
    public var tenant: String
    public var moduleFrom: String?
    public var moduleTo: String?
    public var complete: Bool
    /// Why the job failed (nil when it succeeded).
    public var error: String?
    public var createdAt: Date

    public init(id: UUID, tenant: String, moduleFrom: String?, moduleTo: String?, complete: Bool = false, error: String? = nil, createdAt: Date) {
        self.id = id
        self.tenant = tenant
        self.moduleFrom = moduleFrom
        self.moduleTo = moduleTo
        self.complete = complete
        self.error = error
        self.createdAt = createdAt
    }
}
