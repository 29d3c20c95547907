import Foundation
import PatronSyncTestSupport
import Testing

/// What patronload says about people at the default log level. Standard output (a container's
/// log) holds counts and institutional IDs only; the report (file, email to the systems team)
/// also names patrons by primary_id so they can be fixed; names, emails, addresses and phones
/// appear nowhere above debug.
@Suite struct PrivacyTests {
    static let personal = ["Zebediah", "Quillfeather", "zeb.private@example.org", "77 Secret Lane", "617-555-0199"]

    @Test func defaultOutputNamesNoPatronAndTheReportNoContactDetails() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.add("staff", login: "PRIV1", id: "150", [
            "LEGAL_FIRST_NAME": "Zebediah", "LEGAL_LAST_NAME": "Quillfeather", "EMAIL_ADDRESS": "zeb.private@example.org",
            "OFFICE_ADDRESS": "77 Secret Lane", "OFFICE_PHONE": "6175550199",
        ])
        // Two people claiming one Alma account: the student is left out, with a reason line.
        try warehouse.add("staff", login: "CLASH", id: "151")
        try warehouse.add("student", login: "CLASH", id: "251", ["LEGAL_FIRST_NAME": "Zebediah", "TERM_STREET1": "77 Secret Lane"])
        let output = directory.appending("out")
        let arguments = ["--warehouse", "sqlite:\(warehouse.path)", "--output-dir", output.path, "--max-left-out-percent", "50"]

        let first = try await Executable.runWithoutBlocking("patronload", arguments, in: directory.url)
        #expect(first.status == 0, "\(first.stderr)")
        try await Task.sleep(for: .seconds(1.1))   // the next run gets its own run ID
        try warehouse.update("staff", login: "PRIV1", ["EMAIL_ADDRESS": "zeb.other@example.org"])
        let second = try await Executable.runWithoutBlocking("patronload", arguments, in: directory.url)
        #expect(second.status == 0, "\(second.stderr)")

        for run in [first, second] {
            let shown = run.stdout + run.stderr
            for text in Self.personal + ["PRIV1", "CLASH@MIT.EDU", "zeb.other"] {
                #expect(!shown.contains(text), "standard output shows \(text)")
            }
        }
        #expect(first.stdout.contains("Pre-flight: 1 patron(s) left out of the files (Alma would reject or confuse them); the report names them"))
        #expect(second.stdout.contains("Changes since run"))

        let reports = output.appendingPathComponent("reports")
        let texts = try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted().map {
            try String(contentsOf: reports.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(texts.count == 2)
        #expect(texts[0].contains("student CLASH@MIT.EDU (institutional ID 251) left out"))
        #expect(texts[1].contains("staff changed: PRIV1@MIT.EDU"))
        for text in texts {
            for personal in Self.personal + ["zeb.other"] {
                #expect(!text.contains(personal), "the report shows \(personal)")
            }
        }

        // At debug, standard output names patrons too.
        let debug = try await Executable.runWithoutBlocking("patronload", arguments + ["--dry-run", "--log-level", "debug"], in: directory.url)
        #expect(debug.status == 0)
        #expect(debug.stdout.contains("CLASH@MIT.EDU"))
    }
}
