import Foundation
import CLibXML2

/// Parses an XML stream with libxml2's streaming reader: checks it is well-formed (and, given a
/// schema, valid), that its root is the expected one, and counts the users under it. Memory stays
/// flat whatever the file's size.
enum XMLStreamChecker {
    /// libxml2 2.9 builds its table of XML Schema's built-in types lazily the first time a schema
    /// is parsed, without a lock: two threads verifying their first zips at once could each start
    /// a table, one replacing the other, and the loser's schema then fails to resolve `xs:string`.
    /// Building the table here, once, before any reader exists, closes that race.
    private static let initialized: Void = {
        xmlInitParser()
        xmlSchemaInitTypes()
    }()

    /// Reads through `source` (a pull function returning 0 at the end) and returns the number of
    /// `<user>` elements directly under the root.
    static func check(
        name: String,
        root: String,
        schemaPath: String?,
        source: @escaping (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> Int {
        _ = initialized
        let context = ReadContext(source: source)
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        let options = Int32(XML_PARSE_NONET.rawValue)
        guard let reader = xmlReaderForIO(readCallback, nil, opaque, name, "UTF-8", options) else {
            throw PackagingError.verificationFailed(file: name, reason: "libxml2 could not start a reader")
        }
        defer { xmlFreeTextReader(reader) }
        xmlTextReaderSetStructuredErrorHandler(reader, errorCallback, opaque)
        if let schemaPath, xmlTextReaderSchemaValidate(reader, schemaPath) != 0 {
            throw PackagingError.verificationFailed(file: name, reason: "the schema \(schemaPath) could not be loaded")
        }
        var users = 0
        var sawRoot = false
        var sawRootEnd = false
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 || context.firstError != nil || context.sourceError != nil { break }
            let nodeType = xmlTextReaderNodeType(reader)
            let depth = xmlTextReaderDepth(reader)
            // libxml2's reader can end a truncated stream without an error: the root's end tag
            // (or an empty root) is the proof that the whole document arrived.
            if depth == 0 && (nodeType == 15 || (nodeType == 1 && xmlTextReaderIsEmptyElement(reader) == 1)) { sawRootEnd = true }
            guard nodeType == 1 else { continue }
            if depth == 1 {
                if Self.localName(reader) == "user" { users += 1 }
            } else if depth == 0 {
                let found = Self.localName(reader)
                guard found == root else {
                    throw PackagingError.verificationFailed(file: name, reason: "the root element is <\(found)>, expected <\(root)>")
                }
                sawRoot = true
            }
        }
        if let error = context.sourceError { throw error }
        if let message = context.firstError {
            throw PackagingError.verificationFailed(file: name, reason: message)
        }
        guard sawRoot else { throw PackagingError.verificationFailed(file: name, reason: "no root element") }
        guard sawRootEnd else { throw PackagingError.verificationFailed(file: name, reason: "the document ends before its root element is closed (truncated)") }
        if schemaPath != nil, xmlTextReaderIsValid(reader) != 1 {
            throw PackagingError.verificationFailed(file: name, reason: "not valid against the schema")
        }
        return users
    }

    private static func localName(_ reader: xmlTextReaderPtr) -> String {
        guard let name = xmlTextReaderConstLocalName(reader) else { return "" }
        return String(cString: name)
    }

    private final class ReadContext {
        let source: (UnsafeMutableRawBufferPointer) throws -> Int
        var sourceError: PackagingError?
        var firstError: String?

        init(source: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
            self.source = source
        }
    }

    private static let readCallback: xmlInputReadCallback = { opaque, buffer, length in
        guard let opaque, let buffer else { return -1 }
        let context = Unmanaged<ReadContext>.fromOpaque(opaque).takeUnretainedValue()
        do {
            return Int32(try context.source(UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
        } catch {
            context.sourceError = (error as? PackagingError) ?? .verificationFailed(file: "XML stream", reason: "\(error)")
            return -1
        }
    }

    private static let errorCallback: xmlStructuredErrorFunc = { opaque, error in
        guard let opaque, let error else { return }
        let context = Unmanaged<ReadContext>.fromOpaque(opaque).takeUnretainedValue()
        guard context.firstError == nil else { return }
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
        context.firstError = "line \(error.pointee.line): \(message)"
    }
}
