import Foundation
import Hummingbird

/// `GET /patronsync/openapi.json`: the published contract, served from the file the tests check
/// the routes against. No tenant needed: it describes the service, not a tenant's data.
struct APIDocumentController {
    typealias Context = PatronBlocksRequestContext

    static let path = "/patronsync/openapi.json"

    /// The document's bytes, read once.
    static let document: ByteBuffer? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }
        .map { ByteBuffer(bytes: $0) }

    func addRoutes(to router: Router<Context>) {
        router.get(RouterPath(stringLiteral: Self.path)) { _, _ -> Response in
            guard let document = Self.document else { throw APIError(.internalServerError, "The OpenAPI document is missing from the installation") }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: document))
        }
    }
}
