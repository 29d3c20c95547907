import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small XML tree for AWS's (small) XML answers.
public final class AWSXMLNode: @unchecked Sendable {
    public let name: String
    public fileprivate(set) var text = ""
    public fileprivate(set) var children: [AWSXMLNode] = []

    init(name: String) {
        self.name = name
    }

    public func child(_ name: String) -> AWSXMLNode? { children.first { $0.name == name } }
    public func all(_ name: String) -> [AWSXMLNode] { children.filter { $0.name == name } }
    public subscript(_ name: String) -> String? { child(name)?.text }

    /// The first element with this name anywhere below, depth first.
    public func find(_ name: String) -> AWSXMLNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.find(name) { return found }
        }
        return nil
    }

    /// Parses a document; nil when it is not well-formed XML.
    public static func parse(_ bytes: [UInt8]) -> AWSXMLNode? {
        guard !bytes.isEmpty else { return nil }
        let builder = Builder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = builder
        // Linux's parser can report success with an error set: check both.
        guard parser.parse(), parser.parserError == nil else { return nil }
        return builder.root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: AWSXMLNode?
        var stack: [AWSXMLNode] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let element = AWSXMLNode(name: name)
            stack.last?.children.append(element)
            if root == nil { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }
    }
}

/// The `<Code>` and `<Message>` of an S3 `<Error>` or a Query API `<ErrorResponse>`.
enum AWSErrorBody {
    static func parse(_ bytes: [UInt8]) -> (code: String?, message: String?) {
        guard let root = AWSXMLNode.parse(bytes) else {
            let text = String(decoding: bytes.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return (nil, text.isEmpty ? nil : text)
        }
        let error = root.name == "Error" ? root : root.find("Error")
        return (error?["Code"], error?["Message"])
    }
}

extension String {
    /// Character data for an XML body we send.
    var xmlEscaped: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
