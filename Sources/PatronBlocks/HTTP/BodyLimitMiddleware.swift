import Hummingbird

/// The configured body limit for every request: a declared Content-Length over it is refused at
/// once (413) without reading; a streamed body is cut off at the limit by `JSONBody`.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = PatronBlocksRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw APIError(.contentTooLarge, "The request body is larger than \(maxBodyBytes) bytes")
        }
        var context = context
        context.bodyLimit = maxBodyBytes
        return try await next(request, context)
    }
}
