import Foundation
import Logging

/// Amazon SES's SendRawEmail (the Query API the reference loader's boto3 call uses), signed
/// with service `ses`.
public struct SESClient: Sendable {
    let http: AWSHTTPClient

    public init(endpoint: AWSEndpoint, credentials: any CredentialProvider, retry: RetryPolicy = RetryPolicy(), logger: Logger) {
        http = AWSHTTPClient(service: "ses", endpoint: endpoint, credentials: credentials, retry: retry, timeout: .seconds(60), logger: logger)
    }

    private var base: String {
        http.endpoint.custom ?? "https://email.\(http.endpoint.region).amazonaws.com"
    }

    /// Sends a complete MIME message. Returns SES's message ID.
    @discardableResult
    public func sendRawEmail(_ message: [UInt8], from source: String, to destinations: [String]) async throws -> String {
        var form: [(String, String)] = [("Action", "SendRawEmail"), ("Version", "2010-12-01"), ("Source", source)]
        for (index, destination) in destinations.enumerated() {
            form.append(("Destinations.member.\(index + 1)", destination))
        }
        form.append(("RawMessage.Data", Data(message).base64EncodedString()))
        let response = try await http.send(
            operation: "SES SendRawEmail", method: .POST, base: base, path: "/",
            headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: .bytes(Array(AWSPercentEncoding.form(form).utf8))
        )
        return AWSXMLNode.parse(response.body)?.find("MessageId")?.text ?? ""
    }

    /// SES refuses mail from an unverified sender; operators verify the address once.
    public func verifyEmailIdentity(_ address: String) async throws {
        let form = [("Action", "VerifyEmailIdentity"), ("Version", "2010-12-01"), ("EmailAddress", address)]
        _ = try await http.send(operation: "SES VerifyEmailIdentity", method: .POST, base: base, path: "/",
                                headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
                                body: .bytes(Array(AWSPercentEncoding.form(form).utf8)))
    }
}
