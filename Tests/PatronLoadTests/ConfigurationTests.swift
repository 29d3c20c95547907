import Foundation
import Testing
@testable import PatronLoad

@Suite struct ConfigurationTests {
    @Test func aMissingWarehouseIsOneErrorNamingIt() {
        let error = #expect(throws: ConfigurationError.self) {
            try LoadConfiguration.resolve(options: LoadOptions(), environment: [:])
        }
        #expect(error?.message == "DATA_WAREHOUSE_URL is required (set it in the environment or pass --warehouse), or DATA_WAREHOUSE_USER, DATA_WAREHOUSE_PASSWORD, DATA_WAREHOUSE_HOST, DATA_WAREHOUSE_PORT and DATA_WAREHOUSE_SID for Oracle")
    }

    @Test func flagsWinOverEnvironment() throws {
        var options = LoadOptions()
        options.warehouse = "sqlite:flag.sqlite"
        options.workspace = "stage"
        let configuration = try LoadConfiguration.resolve(options: options, environment: [
            "DATA_WAREHOUSE_URL": "sqlite:env.sqlite", "WORKSPACE": "prod", "PATRONLOAD_OUTPUT_DIR": "/srv/alma", "LOG_LEVEL": "DEBUG",
        ])
        #expect(configuration.warehouse == .sqlite(path: "flag.sqlite"))
        #expect(configuration.workspace == "stage")
        #expect(configuration.destination == .local(directory: "/srv/alma"))
        #expect(configuration.logLevel == .debug)
        #expect(configuration.mode == .load)
        #expect(configuration.verification == .integrity)
    }

    @Test func dryRunValidatesAgainstTheSchema() throws {
        var options = LoadOptions()
        options.dryRun = true
        let configuration = try LoadConfiguration.resolve(options: options, environment: ["DATA_WAREHOUSE_URL": "sqlite:x.sqlite"])
        #expect(configuration.mode == .dryRun)
        #expect(configuration.verification == .schema)
        #expect(configuration.schemaPath != nil)
    }

    @Test(arguments: [
        (["DATA_WAREHOUSE_URL": "mysql://db/x"], "unknown scheme `mysql`"),
        (["DATA_WAREHOUSE_URL": "sqlite:"], "needs a file path"),
        (["DATA_WAREHOUSE_URL": "sqlite:x", "LOG_LEVEL": "loud"], "LOG_LEVEL has an invalid value `loud`"),
        (["DATA_WAREHOUSE_URL": "sqlite:x", "PATRONLOAD_PROFILE": "/nonexistent/profile.json"], "Cannot read the profile /nonexistent/profile.json"),
    ])
    func invalidSettingsSayWhatToFix(environment: [String: String], message: String) {
        #expect {
            try LoadConfiguration.resolve(options: LoadOptions(), environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func compressionLevelAndLimitsAreChecked() {
        var options = LoadOptions()
        options.warehouse = "sqlite:x"
        options.compressionLevel = 12
        #expect(throws: ConfigurationError.self) { try LoadConfiguration.resolve(options: options, environment: [:]) }
        options.compressionLevel = nil
        options.maxUsersPerXMLFile = 0
        #expect(throws: PackagingError.self) { try LoadConfiguration.resolve(options: options, environment: [:]) }
    }

    @Test func aProfileWithAMissingFieldSaysWhich() throws {
        let directory = TemporaryDirectory()
        let file = directory.appending("profile.json")
        try Data(#"{"name": "x", "rootElement": "users"}"#.utf8).write(to: file)
        #expect {
            try LoadedProfile.load(from: file)
        } throws: { error in
            "\(error)".contains("missing primaryIDSuffix")
        }
    }

    @Test func aProfileCanBeCopiedAndChangedWithoutCode() throws {
        // An institution copies the reference profile and its lookups, then edits the JSON.
        let directory = TemporaryDirectory()
        let bundled = URL(fileURLWithPath: Fixtures.profile.source).deletingLastPathComponent()
        for file in ["staff-departments.csv", "student-departments.csv"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(file), to: directory.appending(file))
        }
        var json = try String(contentsOf: bundled.appendingPathComponent("reference.json"), encoding: .utf8)
        json = json.replacingOccurrences(of: "\"@MIT.EDU\"", with: "\"@EXAMPLE.EDU\"").replacingOccurrences(of: "\"userRecords\"", with: "\"users\"")
        try Data(json.utf8).write(to: directory.appending("profile.json"))
        let loaded = try LoadedProfile.load(from: directory.appending("profile.json"))
        #expect(loaded.profile.primaryIDSuffix == "@EXAMPLE.EDU")
        #expect(loaded.profile.rootElement == "users")
        #expect(loaded.lookups["staff-departments.csv"]?["10000600"]?.code == "LIBR")
        #expect(loaded.lookups["staff-departments.csv"]?["10000240"]?.description == "Earth, Atmospheric and Planetary Sciences")
    }
}
