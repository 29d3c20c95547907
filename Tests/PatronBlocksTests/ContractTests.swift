import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PatronSyncTestSupport
import Synchronization
import Testing
@testable import PatronBlocks

/// The published contracts agree with what the service serves: the ModuleDescriptor Okapi
/// reads (section 5), and the OpenAPI document.
@Suite struct ContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// "METHOD /path/{param}" for every route the service's router serves.
    static func servedRoutes() async throws -> Set<String> {
        let directory = TemporaryDirectory("patronblocks-contract")
        var configuration = PatronBlocksConfiguration()
        configuration.storage = .sqlite(path: directory.appending("contract.sqlite").path)
        configuration.runsSynchronization = false
        let service = try await PatronBlocksComponents.make(configuration)
        return Set(service.router().routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method) /\(path)"
        })
    }

    static func json(_ relativePath: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(relativePath))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func everyServedRouteIsDeclaredInTheModuleDescriptorAndBack() async throws {
        let descriptor = try Self.json("descriptors/ModuleDescriptor-template.json")
        let provides = try #require(descriptor["provides"] as? [[String: Any]])
        var declared: Set<String> = []
        for interface in provides {
            for handler in interface["handlers"] as? [[String: Any]] ?? [] {
                for method in handler["methods"] as? [String] ?? [] {
                    declared.insert("\(method) \(handler["pathPattern"] as? String ?? "")")
                }
            }
        }
        let served = try await Self.servedRoutes()
        #expect(!served.isEmpty)
        // Okapi does not proxy /admin/ (its health checks call modules directly), and Prometheus
        // scrapes /metrics on the module itself.
        let proxied = served.filter { !$0.contains(" /admin/") && !$0.hasSuffix(" /metrics") }
        // POST and DELETE of conditions answer 405 when called directly; FOLIO's module does not
        // declare them (behind Okapi they are 404), and neither do we.
        let undeclaredOnPurpose: Set<String> = ["POST /patron-block-conditions", "DELETE /patron-block-conditions/{id}"]
        #expect(proxied.subtracting(declared).subtracting(undeclaredOnPurpose).sorted() == [], "served but not declared")
        #expect(declared.subtracting(proxied).sorted() == [], "declared but not served")
    }

    @Test func theModuleDescriptorDeclaresWhatSectionFiveLists() throws {
        let descriptor = try Self.json("descriptors/ModuleDescriptor-template.json")
        #expect(descriptor["id"] as? String == "${artifactId}-${version}")
        let provides = try #require(descriptor["provides"] as? [[String: Any]])
        var versions: [String: String] = [:]
        for interface in provides { versions[interface["id"] as? String ?? ""] = interface["version"] as? String }
        #expect(versions["automated-patron-blocks"] == "0.1" && versions["user-summary"] == "0.1" && versions["patron-blocks-event-handlers"] == "1.1")
        #expect(versions["patron-block-conditions"] == "0.1" && versions["patron-block-limits"] == "0.1" && versions["_tenant"] == "2.0" && versions["_timer"] == "1.0")
        let requires = (descriptor["requires"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["id"] as? String ?? ""] = $1["version"] as? String }
        #expect(requires == ["pubsub-event-types": "0.1", "pubsub-publishers": "0.1", "pubsub-subscribers": "0.1", "loan-storage": "7.0", "users": "15.1 16.0", "feesfines": "19.1"])

        let timer = try #require(provides.first { $0["id"] as? String == "_timer" }?["handlers"] as? [[String: Any]]).first
        #expect(timer?["pathPattern"] as? String == "/automated-patron-blocks/synchronization/start")
        #expect(timer?["unit"] as? String == "minute" && timer?["delay"] as? String == "1")
        #expect(Set(timer?["modulePermissions"] as? [String] ?? []) == ["patron-blocks.synchronization-run.post", "circulation-storage.loans.collection.get",
                                                                      "circulation-storage.loans.item.get", "accounts.collection.get", "accounts.item.get"])
        let tenant = try #require(provides.first { $0["id"] as? String == "_tenant" }?["handlers"] as? [[String: Any]]).first
        #expect(Set(tenant?["modulePermissions"] as? [String] ?? []) == ["pubsub.event-types.post", "pubsub.publishers.post", "pubsub.subscribers.post"])
        let check = try #require(provides.first { $0["id"] as? String == "automated-patron-blocks" }?["handlers"] as? [[String: Any]]).first
        #expect(check?["permissionsRequired"] as? [String] == ["patron-blocks.automated-patron-blocks.collection.get"])
        #expect((check?["modulePermissions"] as? [String])?.contains("users.item.get") == true)

        // Every permission a handler requires is defined, and every handler outside the system
        // interfaces and the API document requires one.
        let defined = Set((descriptor["permissionSets"] as? [[String: Any]] ?? []).compactMap { $0["permissionName"] as? String })
        for interface in provides where interface["interfaceType"] == nil && interface["id"] as? String != "patronsync-api-docs" {
            for handler in interface["handlers"] as? [[String: Any]] ?? [] {
                let required = handler["permissionsRequired"] as? [String] ?? []
                #expect(required.count == 1, "\(handler["pathPattern"] ?? "")")
                #expect(required.allSatisfy(defined.contains))
            }
        }
        let handlers = try #require(provides.first { $0["id"] as? String == "patron-blocks-event-handlers" }?["handlers"] as? [[String: Any]])
        for kind in PatronEvent.Kind.allCases {
            #expect(handlers.contains { $0["pathPattern"] as? String == "/automated-patron-blocks/handlers/\(kind.handler)" && ($0["permissionsRequired"] as? [String]) == ["patron-blocks.handlers.\(kind.handler).post"] })
        }
        let launch = try #require(descriptor["launchDescriptor"] as? [String: Any])
        let env = Set((launch["env"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(env.isSuperset(of: ["DB_HOST", "DB_PORT", "DB_USERNAME", "DB_PASSWORD", "DB_DATABASE", "PATRONBLOCKS_HOSTNAME", "PATRONBLOCKS_PORT"]))
        let deployment = try Self.json("descriptors/DeploymentDescriptor-template.json")
        #expect(deployment["srvcId"] as? String == "${artifactId}-${version}")
    }

    @Test func theOpenAPIDocumentDescribesExactlyTheServedRoutes() async throws {
        let document = try Self.json("Sources/PatronBlocks/Resources/openapi.json")
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        var documented: Set<String> = []
        for (path, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
            for method in item.keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
                let operation = try #require(item[method] as? [String: Any])
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(!responses.isEmpty, "\(method) \(path)")
                if path.contains("{") { #expect(responses["400"] != nil, "\(method) \(path): a malformed id answers 400") }
            }
        }
        let served = try await Self.servedRoutes()
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    @Test func theServiceServesTheDocumentAsKeptInTheRepository() async throws {
        try await withService(.sqlite) { _, api in
            let answer = try await api.tenant(nil).get(APIDocumentController.path)
            #expect(answer.status == .ok && answer.contentType == "application/json")
            let served = try answer.json
            let kept = try Self.json("Sources/PatronBlocks/Resources/openapi.json")
            #expect(NSDictionary(dictionary: served).isEqual(to: kept))
        }
    }

    @Test func theOkapiRequestIdIsInEveryLogLineOfTheRequest() async throws {
        let records = LogRecords()
        var logger = Logger(label: "test.request-id") { _ in RecordingLogHandler(records: records) }
        logger.logLevel = .debug
        try await withService(.sqlite, logger: logger, configure: { $0.runsSynchronization = false; $0.logLevel = .debug }) { _, api in
            let answer = try await api.call(.get, "/automated-patron-blocks/\(UUID().folio)", headers: [HTTPField.Name("X-Okapi-Request-Id")!: "424242/blocks"])
            #expect(answer.status == .ok)
            let lines = records.all.filter { $0.metadata["request.id"] == "424242/blocks" }
            #expect(lines.contains { $0.message == "Request" && $0.metadata["http.status"] == "200" && $0.metadata["tenant"] == api.tenant })
        }
    }
}

/// Log lines kept in memory, to assert on.
final class LogRecords: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }
    func append(_ record: Record) { records.withLock { $0.append(record) } }
}

struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
