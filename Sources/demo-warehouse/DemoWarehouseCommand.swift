import ArgumentParser
import DemoWarehouse
import Foundation

@main
struct DemoWarehouseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-warehouse",
        abstract: "Create a generated patron warehouse for demos, tests and benchmarks.",
        discussion: """
        Writes tables LIBRARY_EMPLOYEE (staff) and LIBRARY_STUDENT (students) with the reference \
        views' columns, filled with realistic generated people, student employees, and the \
        awkward rows a real feed has. The same seed always gives the same warehouse.
        """
    )

    @Option(help: "Number of staff rows.")
    var staff = 2_000

    @Option(help: "Number of student rows.")
    var students = 3_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "sqlite or csv.")
    var format = "sqlite"

    @Option(help: "The SQLite file (sqlite) or folder (csv) to write.")
    var output = "demo/warehouse.sqlite"

    func run() throws {
        let generator = DemoPatronGenerator(spec: .init(staff: staff, students: students, seed: seed))
        let url = URL(fileURLWithPath: output)
        switch format {
        case "sqlite":
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try DemoWarehouseWriter.writeSQLite(generator, to: output)
        case "csv":
            try DemoWarehouseWriter.writeCSV(generator, to: url)
        default:
            throw ValidationError("--format must be sqlite or csv")
        }
        print("Wrote \(staff) staff and \(students) student rows to \(output)")
    }
}
