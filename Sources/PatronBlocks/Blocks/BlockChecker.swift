import Foundation
import Logging
import NIOCore

/// `GET /automated-patron-blocks/{userId}`'s work, in the reference's lookup order: the summary
/// (none: no blocks, and no call upstream), the patron group from FOLIO's users module, the
/// group's limits, the conditions. Groups, limits and conditions are cached for a short time, so a
/// check is usually one indexed read of the patron's summary. Any failure answers "no blocks" (a
/// broken module must never stop a check-out, as in FOLIO) but is logged and counted.
public final class BlockChecker: Sendable {
    let summaries: any SummaryStore
    let rules: any BlockRulesStore
    let settings: BlockCheckSettings
    let standaloneURL: String?
    let standaloneToken: String?
    let metrics: PatronBlocksMetrics?
    let logger: Logger

    private struct UserKey: Hashable, Sendable {
        var tenant: String
        var userId: UUID
    }

    private struct GroupKey: Hashable, Sendable {
        var tenant: String
        var patronGroupId: UUID
    }

    /// nil inside: the user has no group, or upstream does not know the user.
    private let groups: ExpiringCache<UserKey, UUID?>
    private let limits: ExpiringCache<GroupKey, [BlockLimit]>
    private let conditions: ExpiringCache<String, [BlockCondition]>

    public init(summaries: any SummaryStore, rules: any BlockRulesStore, settings: BlockCheckSettings, standaloneURL: String?, standaloneToken: String?,
                metrics: PatronBlocksMetrics? = nil, logger: Logger) {
        self.metrics = metrics
        self.summaries = summaries
        self.rules = rules
        self.settings = settings
        self.standaloneURL = standaloneURL
        self.standaloneToken = standaloneToken
        self.logger = logger
        groups = ExpiringCache(lifetime: settings.cacheLifetime)
        limits = ExpiringCache(lifetime: settings.cacheLifetime, capacity: 10_000)
        conditions = ExpiringCache(lifetime: settings.cacheLifetime, capacity: 10_000)
    }

    /// `logger` is the request's (with its request id); the checker's own when none is given.
    public func blocks(tenant: String, userId: UUID, okapi: OkapiHeaders, now: Date, logger requestLogger: Logger? = nil) async -> [AutomatedBlock] {
        let started = ContinuousClock.now
        do {
            let blocks = try await evaluate(tenant: tenant, userId: userId, okapi: okapi, now: now)
            metrics?.blockCheck(blocks.isEmpty ? .clear : .blocked, duration: started.duration(to: .now))
            return blocks
        } catch {
            metrics?.blockCheck(.failedOpen, duration: started.duration(to: .now))
            (requestLogger ?? logger).error("Block check failed open: answering no blocks", metadata: [
                "tenant": "\(tenant)", "user.id": "\(userId.folio)", "error": "\(error)",
            ])
            return []
        }
    }

    private func evaluate(tenant: String, userId: UUID, okapi: OkapiHeaders, now: Date) async throws -> [AutomatedBlock] {
        guard let summary = try await summaries.summary(tenant: tenant, userId: userId) else { return [] }
        guard let group = try await patronGroup(tenant: tenant, userId: userId, okapi: okapi) else { return [] }
        let groupLimits = try await limits(tenant: tenant, patronGroupId: group)
        guard !groupLimits.isEmpty else { return [] }
        return BlockEvaluator.evaluate(summary, limits: groupLimits, conditions: try await conditions(tenant: tenant), now: now)
    }

    private func patronGroup(tenant: String, userId: UUID, okapi: OkapiHeaders) async throws -> UUID? {
        let key = UserKey(tenant: tenant, userId: userId)
        if let cached = groups.value(for: key) { return cached }
        guard let url = okapi.url ?? standaloneURL else {
            throw UpstreamError(message: "No way to reach FOLIO's users module: the request has no X-Okapi-Url and PATRONBLOCKS_OKAPI_URL is not set",
                                status: nil, retryable: false)
        }
        let context = UpstreamContext(baseURL: url, token: okapi.url == nil ? standaloneToken : okapi.token, tenant: tenant, requestID: okapi.requestID)
        let client = FolioClient(context: context, retry: settings.retry, timeout: TimeAmount(settings.upstreamTimeout), logger: logger)
        let group = try await client.patronGroup(userId: userId)
        groups.store(group, for: key)
        return group
    }

    private func limits(tenant: String, patronGroupId: UUID) async throws -> [BlockLimit] {
        let key = GroupKey(tenant: tenant, patronGroupId: patronGroupId)
        if let cached = limits.value(for: key) { return cached }
        // Six conditions: a group has a handful of limits at most; 1,000 is more than any could.
        let found = try await rules.limits(tenant: tenant, patronGroupId: patronGroupId, conditionId: nil, offset: 0, limit: 1_000).limits
        limits.store(found, for: key)
        return found
    }

    private func conditions(tenant: String) async throws -> [BlockCondition] {
        if let cached = conditions.value(for: tenant) { return cached }
        let found = try await rules.conditions(tenant: tenant)
        conditions.store(found, for: tenant)
        return found
    }

    /// A limit or condition changed through this instance: the next check reads them again.
    func rulesChanged(tenant: String) {
        limits.removeAll { $0.tenant == tenant }
        conditions.removeAll { $0 == tenant }
    }
}
