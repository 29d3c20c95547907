import Foundation

/// A failure that ends a run, with the stage it happened in.
enum RunFailure: Error {
    case warehouse(WarehouseError)
    case profile(ProfileError)
    case packaging(PackagingError)
    case verification(PackagingError)
    case preflight(String)
    case history(String)
    case delivery(DeliveryError)
    case lock(String)
    case safety(String)
    /// A signal asked the run to stop; `step` is where it stopped.
    case stopped(signal: String, step: String)

    init(_ error: any Error, patronType: String) {
        switch error {
        case let failure as RunFailure: self = failure
        case let error as WarehouseError: self = .warehouse(WarehouseError(error.kind, "\(patronType): \(error.message)", code: error.code))
        case let error as ProfileError: self = .profile(error)
        case let error as PackagingError: self = .packaging(error)
        case is CancellationError: self = .packaging(.io(path: patronType, reason: "cancelled because another patron type failed"))
        default: self = .packaging(.io(path: patronType, reason: "\(error)"))
        }
    }

    var stage: RunStage {
        switch self {
        case .warehouse: .warehouse
        case .profile: .configuration
        case .packaging: .packaging
        case .verification: .verification
        case .preflight: .preflight
        case .history: .history
        case .delivery: .delivery
        case .lock: .lock
        case .safety: .safety
        case .stopped: .stopped
        }
    }

    var message: String {
        switch self {
        case .warehouse(let error): error.message
        case .profile(let error): error.description
        case .packaging(let error), .verification(let error): error.description
        case .preflight(let message), .history(let message), .lock(let message), .safety(let message): message
        case .delivery(let error): error.description
        case .stopped(let signal, let step): "Stopped by \(signal) during \(step), before delivery: no old zip was removed and no new zip was delivered; the run's staging folder and patron records were removed"
        }
    }
}

extension StopRequest {
    /// Throws when a stop was requested (a signal); called at the run's safe points.
    func check(during step: String) throws(RunFailure) {
        if let reason { throw .stopped(signal: reason, step: step) }
    }
}

extension RunSummary {
    mutating func record(_ failure: RunFailure) {
        outcome = .failed(stage: failure.stage, message: failure.message)
        if case .delivery(let error) = failure {
            removed = error.removed
            delivered = error.delivered
        }
    }
}
