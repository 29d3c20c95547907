import Foundation

extension GracePeriod {
    /// A loan's grace period as both backends store it, in two nullable columns: nil when either
    /// is missing or the interval is not one FOLIO names.
    init?(stored duration: Int?, _ interval: String?) {
        guard let duration, let interval = interval.flatMap(Interval.init(rawValue:)) else { return nil }
        self.init(duration: duration, intervalId: interval)
    }
}
