import ArgumentParser
import Foundation
import Hummingbird
import PatronLoad

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patronsync-bench",
        abstract: "Measurements behind BENCHMARKS.md.",
        subcommands: [ReadWarehouse.self, BareServer.self]
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

/// The floor for patronblocks' numbers: Hummingbird answering a fixed JSON body from one route,
/// with nothing else to do. The same framework, machine and load generator as the real service.
struct BareServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bare-server")

    @Option var port = 8099

    func run() async throws {
        let router = Router()
        router.get("/automated-patron-blocks/:userId") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"automatedPatronBlocks":[]}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
