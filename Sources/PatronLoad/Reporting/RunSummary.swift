import Foundation

/// How a run ended. Only `delivered` (and a completed dry run or connection test) exits 0.
public enum RunOutcome: Sendable, Equatable {
    case delivered
    case dryRun
    case connectionTested
    case failed(stage: RunStage, message: String)

    public var succeeded: Bool {
        if case .failed = self { return false }
        return true
    }
}

/// The step a run was in; failures name it so a reader knows what did and did not happen.
public enum RunStage: String, Sendable, Equatable, Codable {
    case configuration
    case warehouse
    case packaging
    case verification
    case preflight
    case history
    case delivery
    /// Another run holds the run lock.
    case lock
    /// The safety stop: a patron type shrank too much since the last run.
    case safety
    /// A signal (SIGTERM, SIGINT) stopped the run before delivery.
    case stopped
}

/// Whether a run wrote every patron or only what changed, and why.
public enum LoadKind: Sendable, Equatable {
    case full(reason: String)
    case changesOnly(lastFullLoad: String)
}

/// A file that reached the destination.
public struct DeliveredFile: Sendable, Equatable, Codable {
    public var name: String
    public var location: String
    public var bytes: UInt64

    public init(name: String, location: String, bytes: UInt64) {
        self.name = name
        self.location = location
        self.bytes = bytes
    }
}

/// Everything a run did, for the log, the report file and the email.
public struct RunSummary: Sendable, Equatable {
    public var runID: String
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: RunOutcome
    public var warehouse: String
    public var serverVersion: ServerVersion?
    public var destination: String
    public var profile: String
    public var types: [TypeCounts] = []
    public var zips: [BuiltZip] = []
    public var removed: [String] = []
    public var delivered: [DeliveredFile] = []
    /// Where a dry run kept its checked zips (`--dry-run-output`); nil when it kept nothing.
    public var dryRunFiles: String?
    /// Things the reader should know that did not fail the run (an email that could not be sent).
    public var warnings: [String] = []
    /// One line per patron the pre-flight left out, with the reason.
    public var preflight: [String] = []
    public var preflightTotal = 0
    /// Changes since the last delivered run, per patron type (nil when nothing was compared).
    public var changes: [TypeChanges]?
    public var previousRunID: String?
    public var loadKind: LoadKind = .full(reason: "every run is a full load unless --only-changes is given")
    /// Where the history was stored after delivery.
    public var historyStored: String?

    public var elapsed: TimeInterval { finishedAt.timeIntervalSince(startedAt) }

    public func counts(for patronType: String) -> TypeCounts? {
        types.first { $0.patronType == patronType }
    }
}
