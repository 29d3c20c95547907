import AWS
import Foundation
import Logging

extension LoadJob {
    /// The job with the backends its configuration names: the one place patronload is wired.
    public static func build(_ configuration: LoadConfiguration, runLog: RunLog, logger: Logger, stop: StopRequest = StopRequest()) -> LoadJob {
        let credentials = configuration.makeCredentials()
        let destination = configuration.makeDestination(credentials: credentials, logger: logger)
        return LoadJob(
            configuration: configuration,
            source: configuration.warehouse.makeSource(logger: logger),
            destination: destination,
            renderer: configuration.makeRenderer(for: destination, stop: stop, logger: logger),
            notifiers: configuration.makeNotifiers(credentials: credentials, logger: logger),
            history: configuration.makeHistoryStore(credentials: credentials, logger: logger),
            runLock: configuration.makeRunLock(credentials: credentials, logger: logger),
            sentry: configuration.sentry.map { SentryReporter(dsn: $0, environment: configuration.workspace) },
            runLog: runLog,
            logger: logger,
            stop: stop
        )
    }
}

extension LoadConfiguration {
    /// One credential provider for the run, shared by S3 and SES, refreshed before expiry.
    public func makeCredentials() -> any CredentialProvider {
        RefreshingCredentialProvider(CredentialChain.standard(environment: awsEnvironment, client: AWSHTTPClient.sharedClient))
    }

    public func makeDestination(credentials: any CredentialProvider, logger: Logger) -> any Destination {
        switch destination {
        case .local(let directory):
            LocalDirectoryDestination(directory: URL(fileURLWithPath: directory))
        case .s3(let bucket, let prefix, let configuration):
            S3Destination(bucket: bucket, prefix: prefix, client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger))
        case .folio(let url, let tenant, let login):
            FolioDestination(url: url, tenant: tenant,
                             client: FolioUserImportClient(url: url, tenant: tenant, session: FolioSession(url: url, tenant: tenant, credentials: login, logger: logger), logger: logger))
        }
    }

    /// FOLIO takes request bodies checked against its reference data; every other destination
    /// takes Alma's zips, verified from disk.
    func makeRenderer(for destination: any Destination, stop: StopRequest, logger: Logger) -> any RunRenderer {
        let stamp = LoadJob.stamp(now)
        if let folio = destination as? FolioDestination {
            return FolioRunRenderer(destination: folio, profile: profile.profile, dates: runDates, stamp: stamp, stop: stop, logger: logger)
        }
        return FeedRenderer(
            profile: profile.profile, dates: runDates, stamp: stamp, modified: now, limits: limits, compressionLevel: compressionLevel,
            verifier: ZipVerifier(level: verification, rootElement: profile.profile.rootElement, schemaPath: schemaPath),
            policy: policy, stop: stop, logger: logger
        )
    }

    /// The dates every user of the run shares, from the as-of day and the profile's offsets.
    var runDates: RunDates {
        RunDates(today: AlmaDate(utc: now), expiryMonths: profile.profile.expiryMonths, purgeMonths: profile.profile.purgeMonths)
    }

    public func makeHistoryStore(credentials: any CredentialProvider, logger: Logger) -> (any HistoryStore)? {
        switch history {
        case .local(let directory)?:
            LocalHistoryStore(directory: URL(fileURLWithPath: directory))
        case .s3(let bucket, let prefix, let configuration)?:
            S3HistoryStore(bucket: bucket, prefix: prefix, client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger))
        case nil:
            nil
        }
    }

    /// Beside the history, which every run of this job reads wherever it runs; without history,
    /// the lock file named by PATRONLOAD_LOCK_FILE, if any. (The destination's lock comes from the
    /// destination.)
    public func makeRunLock(credentials: any CredentialProvider, logger: Logger) -> (any RunLock)? {
        switch history {
        case .local(let directory)?:
            LocalRunLock(path: URL(fileURLWithPath: directory).appendingPathComponent("patronload.lock").path)
        case .s3(let bucket, let prefix, let configuration)?:
            S3RunLock(bucket: bucket, key: "\(prefix)/patronload.lock",
                      client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger), staleAfter: lockStaleAfter)
        case nil:
            lockFile.map { LocalRunLock(path: $0) }
        }
    }

    public func makeNotifiers(credentials: any CredentialProvider, logger: Logger) -> [any Notifier] {
        notifiers.map { settings -> any Notifier in
            switch settings {
            case .file(let directory):
                FileNotifier(directory: URL(fileURLWithPath: directory))
            case .ses(let from, let to, let endpoint):
                SESNotifier(from: from, to: to, client: SESClient(endpoint: endpoint, credentials: credentials, retry: awsRetry, logger: logger))
            }
        }
    }

    /// The run's decisions, from the settings in force.
    public var policy: RunPolicy {
        RunPolicy(maxDropPercent: maxDropPercent, minimumDrop: 10, maxLeftOutPercent: maxLeftOutPercent,
                  fullLoadEveryDays: historyRules.fullLoadEveryDays, maxZipsPerRun: limits.maxZipsPerRun, lockStaleAfter: lockStaleAfter)
    }
}
