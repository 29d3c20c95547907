import PatronLoad

/// patronload's exit codes: 0 only when the run did what it was asked.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case configuration = 2
    case warehouse = 3
    case packaging = 4
    case delivery = 5
    case stopped = 6
    case history = 7
    case locked = 8
    case interrupted = 9

    init(stage: RunStage) {
        switch stage {
        case .configuration: self = .configuration
        case .warehouse: self = .warehouse
        case .packaging, .verification: self = .packaging
        case .delivery: self = .delivery
        case .preflight, .safety: self = .stopped
        case .history: self = .history
        case .lock: self = .locked
        case .stopped: self = .interrupted
        }
    }

    var help: String {
        switch self {
        case .success: "delivered, or dry run / connection test done"
        case .configuration: "a setting is missing or invalid; nothing done"
        case .warehouse: "warehouse unreachable or query failed; nothing changed"
        case .packaging: "files not built, checked or fitting; nothing changed"
        case .delivery: "delivery failed; the report says what changed"
        case .stopped: "stopped: too much of a type would be left out, or it shrank too much since the last run"
        case .history: "the run history or its lock cannot be read or written; nothing changed"
        case .locked: "another run is in progress; nothing done"
        case .interrupted: "stopped by SIGTERM or SIGINT before delivery; nothing removed or delivered, staging removed, FAILED report sent"
        }
    }
}
