import Foundation
import Hummingbird

/// An error that answers with FOLIO's shapes: plain text, or the 422 `errors` list.
public struct APIError: HTTPResponseError, Equatable {
    public enum Body: Sendable, Equatable {
        case text(String)
        /// FOLIO's `{"errors": [{"message", "type", "code", "parameters": [{"key", "value"}]}]}`.
        case validation(message: String, key: String, value: String)
    }

    public var status: HTTPResponse.Status
    public var body: Body
    /// Extra headers of the answer (WWW-Authenticate on a 401).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.body = .text(message)
    }

    public static let methodNotAllowed = APIError(.methodNotAllowed, "Method Not Allowed")

    public static func validation(_ message: String, key: String, value: String) -> APIError {
        var error = APIError(.unprocessableContent, message)
        error.body = .validation(message: message, key: key, value: value)
        return error
    }

    public var message: String {
        switch body {
        case .text(let message), .validation(let message, _, _): message
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        switch body {
        case .text(let message):
            var headers = self.headers
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message)))
        case .validation(let message, let key, let value):
            let json: [String: Any] = ["errors": [["message": message, "type": "1", "code": "-1", "parameters": [["key": key, "value": value]]]], "total_records": 1]
            let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Reads a JSON object body: JSON that does not parse (or is not an object) answers 400 text.
enum JSONBody {
    static func object(_ request: Request, context: some RequestContext) async throws -> [String: Any] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, "The request body is larger than \(context.maxUploadSize) bytes")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError(.badRequest, "The request body is not a JSON object")
        }
        return object
    }

    /// 422 for a property the schema does not know.
    static func rejectUnknown(_ object: [String: Any], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.validation("Unrecognized field \"\(unknown)\"", key: unknown, value: "\(object[unknown] ?? "")")
        }
    }
}
