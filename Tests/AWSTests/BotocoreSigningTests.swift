import Foundation
import Testing
@testable import AWS

/// Our signer and botocore's sign the same requests: every step must agree.
@Suite(.enabled(if: Botocore.isAvailable, "botocore (pip) is installed by scripts/test.sh"))
struct BotocoreSigningTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var service: String
        var method: String
        var base: String
        var path: String
        var query: [(String, String)]
        var headers: [(String, String)]
        var body: [UInt8]
        var token: String?
        var testDescription: String { name }
    }

    static let examples: [Example] = [
        Example(name: "S3 PutObject", service: "s3", method: "PUT", base: "https://patrons.s3.us-east-1.amazonaws.com",
                path: "/alma/staff_2026-11-22_02.00.00.zip", query: [],
                headers: [("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("content-type", "application/zip")], body: Array("zip bytes".utf8)),
        Example(name: "S3 key with spaces and accents", service: "s3", method: "GET", base: "http://127.0.0.1:5000",
                path: "/" + AWSPercentEncoding.encode("bucket/dir/Zoë report (1)+x.zip", keepingSlashes: true), query: [], headers: [], body: []),
        Example(name: "S3 ListObjectsV2 with continuation", service: "s3", method: "GET", base: "https://patrons.s3.us-west-2.amazonaws.com",
                path: "/", query: [("list-type", "2"), ("prefix", "alma/ünï code"), ("max-keys", "1000"), ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")],
                headers: [], body: []),
        Example(name: "S3 DeleteObjects", service: "s3", method: "POST", base: "https://patrons.s3.us-east-1.amazonaws.com",
                path: "/", query: [("delete", "")], headers: [("content-md5", "abc=="), ("content-type", "application/xml")],
                body: Array("<Delete><Object><Key>a.zip</Key></Object></Delete>".utf8)),
        Example(name: "S3 UploadPart with a session token", service: "s3", method: "PUT", base: "https://patrons.s3.us-east-1.amazonaws.com",
                path: "/alma/big.zip", query: [("partNumber", "2"), ("uploadId", "VXBsb2FkIElE~._-")], headers: [],
                body: Array(repeating: 7, count: 4096), token: "FwoGZXIvYXdzEJr//////////wEaDHxSession+Token/="),
        Example(name: "SES SendRawEmail", service: "ses", method: "POST", base: "https://email.us-east-1.amazonaws.com",
                path: "/", query: [], headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array(AWSPercentEncoding.form([("Action", "SendRawEmail"), ("Source", "patronload@example.edu"), ("RawMessage.Data", "U3ViamVjdDogeA==")]).utf8)),
    ]

    @Test(arguments: examples)
    func agreesWithBotocore(example: Example) throws {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: example.token)
        let amzDate = "20261122T020304Z"
        let region = URL(string: example.base)!.host!.contains("us-west-2") ? "us-west-2" : "us-east-1"
        let payload = SHA256Hex.of(example.body)
        let host = URL(string: example.base)!.port.map { "\(URL(string: example.base)!.host!):\($0)" } ?? URL(string: example.base)!.host!
        var headers = [("host", host), ("x-amz-date", amzDate)]
        if example.service == "s3" { headers.append(("x-amz-content-sha256", payload)) }
        if let token = example.token { headers.append(("x-amz-security-token", token)) }
        headers += example.headers
        let signer = SigV4Signer(service: example.service, region: region)
        let request = SigningRequest(method: example.method, path: example.path, query: example.query, headers: headers, payloadHash: payload)

        let query = example.query.map { "\(AWSPercentEncoding.encode($0.0))=\(AWSPercentEncoding.encode($0.1))" }.joined(separator: "&")
        var botoHeaders: [String: String] = [:]
        for (name, value) in example.headers { botoHeaders[name] = value }
        if example.service == "s3" { botoHeaders["X-Amz-Content-SHA256"] = payload }
        let input: [String: Any] = [
            "service": example.service, "region": region, "method": example.method,
            "url": example.base + example.path + (query.isEmpty ? "" : "?" + query),
            "headers": botoHeaders, "body": Data(example.body).base64EncodedString(), "timestamp": amzDate,
            "access": credentials.accessKeyID, "secret": credentials.secretAccessKey, "token": example.token as Any,
        ]
        let theirs = try Botocore.sign(input)
        #expect(signer.canonicalRequest(request) == theirs["canonicalRequest"])
        #expect(signer.stringToSign(request, amzDate: amzDate) == theirs["stringToSign"])
        #expect(signer.signature(request, amzDate: amzDate, secretAccessKey: credentials.secretAccessKey) == theirs["signature"])
    }
}

enum Botocore {
    static var isAvailable: Bool {
        if ProcessInfo.processInfo.environment["PATRONSYNC_REQUIRE_SERVICES"] == "1" { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import botocore"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func sign(_ input: [String: Any]) throws -> [String: String] {
        let script = Bundle.module.url(forResource: "botocore_sign", withExtension: "py", subdirectory: "Resources")!
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        var line = try JSONSerialization.data(withJSONObject: input)
        line.append(0x0A)
        stdin.fileHandleForWriting.write(line)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = try JSONSerialization.jsonObject(with: output) as? [String: String] else {
            throw CredentialError("botocore failed: \(errors)")
        }
        return result
    }
}
