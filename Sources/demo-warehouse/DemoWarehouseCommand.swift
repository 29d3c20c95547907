import ArgumentParser
import DemoWarehouse
import Foundation
import Logging
import PatronLoad
import PostgresNIO

@main
struct DemoWarehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-warehouse",
        abstract: "Create a generated patron warehouse for demos, tests and benchmarks.",
        discussion: """
        Writes tables LIBRARY_EMPLOYEE (staff) and LIBRARY_STUDENT (students) with the reference \
        views' columns, filled with realistic generated people, student employees, and the \
        awkward rows a real feed has. The same seed always gives the same warehouse.

        --shape picks another institution's tables, read by the example profile of the same \
        name in examples/profiles/: single-view (one view LIBRARY_PATRON_VIEW of employees and \
        students), consortium-member (HR_EMPLOYEES and SIS_STUDENTS) or two-feeds-merged \
        (HR_EMPLOYEES and REG_STUDENTS, student employees in both).

        Formats: sqlite (a file), csv (a folder of two files), postgres (tables in --schema of \
        the database at --url, loaded with COPY).
        """
    )

    @Option(help: "Number of staff rows.")
    var staff = 2_000

    @Option(help: "Number of student rows.")
    var students = 3_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "reference, single-view, consortium-member or two-feeds-merged.")
    var shape = "reference"

    @Option(help: "sqlite, csv or postgres.")
    var format = "sqlite"

    @Option(help: "The SQLite file (sqlite) or folder (csv) to write.")
    var output = "demo/warehouse.sqlite"

    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE (postgres).")
    var url: String?

    @Option(help: "Schema for the tables (postgres); point search_path at it.")
    var schema = "patron_warehouse"

    func run() async throws {
        guard let shape = DemoShape(rawValue: self.shape) else {
            throw ValidationError("--shape must be one of \(DemoShape.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let tables = shape.tables(staff: staff, students: students, seed: seed)
        let destination: String
        switch format {
        case "sqlite":
            let file = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try DemoWarehouseWriter.writeSQLite(tables, to: output)
            destination = output
        case "csv":
            try DemoWarehouseWriter.writeCSV(tables, to: URL(fileURLWithPath: output))
            destination = output
        case "postgres":
            guard let url else { throw ValidationError("--format postgres needs --url") }
            let settings = try PostgresSettings(url: url)
            let logger = Logger(label: "demo-warehouse")
            let connection = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(), id: 1, logger: logger)
            do {
                try await PostgresWarehouseWriter.write(tables, schema: schema, connection: connection, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                // PSQLError hides its details from `description`; this tool holds no secrets.
                throw ValidationError("Loading PostgreSQL failed: \(String(reflecting: error))")
            }
            destination = "\(settings.description), schema \(schema) (add search_path=\(schema) to the URL)"
        default:
            throw ValidationError("--format must be sqlite, csv or postgres")
        }
        print("Wrote \(staff) staff and \(students) student rows (\(tables.map(\.name).joined(separator: ", "))) to \(destination)")
    }
}
