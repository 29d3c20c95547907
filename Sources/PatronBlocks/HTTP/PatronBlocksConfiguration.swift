import Foundation
import Logging

/// Everything the service needs, resolved once by the executable from flags and environment;
/// tests build it directly. The defaults are the embedded default: an SQLite file in the working
/// directory, no server, no credentials.
public struct PatronBlocksConfiguration: Sendable {
    public enum Storage: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var hostname = "127.0.0.1"
    public var port = 8081
    public var storage: Storage = .sqlite(path: "patronblocks.sqlite")
    /// Where FOLIO's other modules are when a request carries no X-Okapi-Url (standalone mode).
    public var okapiURL: String?
    public var okapiToken: String?
    public var synchronization = SynchronizationSettings()
    public var blockChecks = BlockCheckSettings()
    /// Bearer tokens or JWTs required on the API (standalone deployments; Okapi authenticates
    /// for FOLIO).
    public var access = AccessSettings()
    /// Connections at once, and how long a request may take to arrive or a connection stay idle.
    public var connections = ConnectionSettings()
    /// The largest request body accepted (413 beyond).
    public var maxBodyBytes = 1 << 20
    /// How long the tenant check trusts an installed tenant: a disable or purge through another
    /// instance counts after at most this long.
    public var tenantCacheLifetime: Duration = .seconds(1)
    /// Whether this instance runs synchronization jobs (any number of instances may).
    public var runsSynchronization = true
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    /// A tenant installed at start-up, for standalone use without Okapi's `POST /_/tenant`.
    public var tenant: String?

    public init() {}
}
