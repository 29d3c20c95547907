import ArgumentParser
import Foundation
import PatronLoad

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patronsync-bench",
        abstract: "Measurements behind BENCHMARKS.md.",
        subcommands: [ReadWarehouse.self]
    )
}

/// Drains every patron type's query of a profile through a `PatronSource`, as a run reads it,
/// and prints rows per second. No mapping, no XML: the backend's own cost.
struct ReadWarehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read-warehouse")

    @Option(help: "Warehouse URL, as DATA_WAREHOUSE_URL.")
    var warehouse: String

    @Option(help: "Profile JSON (default: the bundled reference).")
    var profile: String?

    @Option(help: "Label for the output row.")
    var label: String?

    func run() async throws {
        let location = try WarehouseLocation(url: warehouse)
        let loaded = try profile.map { try LoadedProfile.load(from: URL(fileURLWithPath: $0)) } ?? LoadedProfile.reference()
        let source = location.makeSource()
        let clock = ContinuousClock()
        var rows = 0
        var cells = 0
        let elapsed = try await clock.measure {
            for type in loaded.profile.patronTypes {
                try await source.withCursor(type.query) { cursor in
                    while let row = try await cursor.next() {
                        rows += 1
                        cells += row.count
                    }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "| %@ | %d | %.2f | %.0f |", label ?? location.description, rows, seconds, Double(rows) / seconds))
    }
}
