import PatronSyncTestSupport
import Foundation
import Testing
import AWS
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
            "\(error)".contains("primaryIDSuffix: is missing")
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

@Suite struct DeliveryConfigurationTests {
    static let base = ["DATA_WAREHOUSE_URL": "sqlite:w.sqlite"]

    @Test func theSeedsProductionVariablesMeanS3AndSES() throws {
        let configuration = try LoadConfiguration.resolve(options: LoadOptions(), environment: Self.base.merging([
            "S3_BUCKET_NAME": "alma-sis", "S3_PREFIX": "/patrons/", "WORKSPACE": "prod",
            "SES_RECIPIENT_EMAIL": "lib-systems@example.edu, alma-admins@example.edu", "SES_SEND_FROM_EMAIL": "patronload@example.edu",
            "AWS_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "SENTRY_DSN": "None",
        ]) { $1 })
        guard case .s3(let bucket, let prefix, let s3) = configuration.destination else { Issue.record("expected S3"); return }
        #expect(bucket == "alma-sis" && prefix == "patrons")
        #expect(s3.endpoint == AWSEndpoint(region: "us-west-2") && !s3.pathStyle)
        #expect(configuration.notifiers == [.ses(from: "patronload@example.edu", to: ["lib-systems@example.edu", "alma-admins@example.edu"], endpoint: AWSEndpoint(region: "us-west-2"))])
        #expect(configuration.workspace == "prod")
        #expect(configuration.awsEnvironment["AWS_ACCESS_KEY_ID"] == "AKIA")
        #expect(configuration.awsEnvironment["DATA_WAREHOUSE_URL"] == nil)
        #expect(configuration.sentry == nil)
    }

    @Test func customEndpointsArePathStyleAndPerService() throws {
        let configuration = try LoadConfiguration.resolve(options: LoadOptions(), environment: Self.base.merging([
            "S3_BUCKET_NAME": "b", "S3_PREFIX": "p", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_SES": "http://127.0.0.1:6000",
            "SES_RECIPIENT_EMAIL": "a@x.edu", "SES_SEND_FROM_EMAIL": "b@x.edu", "WORKSPACE": "dev", "SES_REGION": "eu-west-1",
        ]) { $1 })
        guard case .s3(_, _, let s3) = configuration.destination else { Issue.record("expected S3"); return }
        #expect(s3.endpoint.custom == "http://127.0.0.1:5000" && s3.pathStyle)
        #expect(configuration.notifiers == [.ses(from: "b@x.edu", to: ["a@x.edu"], endpoint: AWSEndpoint(region: "eu-west-1", custom: "http://127.0.0.1:6000"))])
    }

    @Test(arguments: [
        (["S3_BUCKET_NAME": "b"], "S3_PREFIX is required when S3_BUCKET_NAME is set (set it in the environment or pass --s3-prefix)"),
        (["S3_PREFIX": "p"], "S3_BUCKET_NAME is required when S3_PREFIX is set (set it in the environment or pass --s3-bucket)"),
        (["SES_RECIPIENT_EMAIL": "a@x.edu", "WORKSPACE": "dev"], "SES_SEND_FROM_EMAIL is required when SES_RECIPIENT_EMAIL is set (set it in the environment or pass --email-from)"),
        (["SES_SEND_FROM_EMAIL": "a@x.edu", "WORKSPACE": "dev"], "SES_RECIPIENT_EMAIL is required when SES_SEND_FROM_EMAIL is set (set it in the environment or pass --email-to)"),
        (["SES_SEND_FROM_EMAIL": "a@x.edu", "SES_RECIPIENT_EMAIL": "b@x.edu"], "WORKSPACE is required when the report is emailed (it names the subject) (set it in the environment or pass --workspace)"),
        (["S3_BUCKET_NAME": "b", "S3_PREFIX": "/"], "S3_PREFIX has an invalid value `/`: name the folder Alma reads, e.g. alma/patrons"),
        (["SENTRY_DSN": "not a dsn"], "SENTRY_DSN is not a Sentry DSN"),
    ])
    func aMissingPartnerSettingIsNamed(environment: [String: String], message: String) {
        #expect {
            try LoadConfiguration.resolve(options: LoadOptions(), environment: Self.base.merging(environment) { $1 })
        } throws: { "\($0)".hasPrefix(message) }
    }

    @Test func theEmbeddedDefaultNeedsNoAWS() throws {
        let configuration = try LoadConfiguration.resolve(options: LoadOptions(), environment: Self.base)
        #expect(configuration.destination == .local(directory: "out"))
        #expect(configuration.notifiers == [.file(directory: URL(fileURLWithPath: "out").appendingPathComponent("reports").path)])
    }
}
