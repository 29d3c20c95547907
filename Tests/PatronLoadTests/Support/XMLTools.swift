import Foundation
import PatronSyncTestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PatronLoad

/// Reads users back out of generated XML with a real parser (not the writer's own assumptions).
final class UserXMLReader: NSObject, XMLParserDelegate {
    struct ParsedUser: Equatable {
        var fields: [String: String] = [:]
        var phones: [String] = []
        var identifiers: [String: String] = [:]
        var emails: [String] = []
        /// Each address's line1, in order (`fields["line1"]` holds the last).
        var addresses: [String] = []
    }

    private(set) var root = ""
    private(set) var users: [ParsedUser] = []
    private var path: [String] = []
    private var text = ""
    private var current = ParsedUser()
    private var pendingIDType = ""

    static func parse(_ bytes: [UInt8]) throws -> UserXMLReader {
        let reader = UserXMLReader()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = reader
        let ok = parser.parse()
        if !ok || parser.parserError != nil {
            throw ConfigurationError("XML does not parse: \(parser.parserError.map { "\($0)" } ?? "unknown")")
        }
        return reader
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if path.isEmpty { root = name }
        path.append(name)
        text = ""
        if name == "user" { current = ParsedUser() }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { path.removeLast() }
        switch name {
        case "user": users.append(current)
        case "phone_number": current.phones.append(text)
        case "email_address": current.emails.append(text)
        case "line1":
            current.addresses.append(text)
            current.fields[name] = text
        case "id_type": pendingIDType = text
        case "value" where path.dropLast().last == "user_identifier": current.identifiers[pendingIDType] = text
        default:
            if path.count == 3 || (path.count > 3 && ["line1", "line3", "city", "state_province", "postal_code", "country", "email_type", "statistic_category", "start_date", "end_date"].contains(name)) {
                current.fields[name] = text
            }
        }
    }
}

enum XMLLint {
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") }

    /// Validates a file with `xmllint --schema`; returns xmllint's output on failure.
    static func validate(file: String, schema: String) throws -> (ok: Bool, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", "--schema", schema, file]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus == 0, output)
    }

    /// Each delivered file of the run checked against Alma's schema (its root renamed `users`
    /// when the profile writes `userRecords`): one line per file Alma's schema refuses.
    static func almaProblems(in summary: RunSummary, schema: String, scratch directory: TemporaryDirectory) throws -> [String] {
        var problems: [String] = []
        for delivered in summary.delivered {
            let archive = try ZipArchiveReader(path: delivered.location)
            for entry in archive.entries {
                let xml = String(decoding: try archive.data(of: entry), as: UTF8.self).replacingOccurrences(of: "userRecords>", with: "users>")
                let file = directory.appending("alma-" + entry.name)
                try Data(xml.utf8).write(to: file)
                let result = try validate(file: file.path, schema: schema)
                if !result.ok { problems.append("\(entry.name): \(result.output.suffix(2000))") }
            }
        }
        return problems
    }

    /// Alma's own published schema, read from the shared reference folder (never copied into the
    /// project). `ALMA_XSD_DIR` points at it; the test script sets it when the folder exists.
    static var almaSchema: String? {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["ALMA_XSD_DIR"] { candidates.append(dir) }
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        candidates.append(here.appendingPathComponent("../../../../shared/reference/alma-xsd").standardized.path)
        return candidates.map { $0 + "/rest_users.xsd" }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
