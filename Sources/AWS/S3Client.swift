import Crypto
import Foundation
import Logging
import NIOHTTP1

/// An object as a listing or HEAD reports it.
public struct S3Object: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var etag: String
    /// `x-amz-server-side-encryption` of a HEAD: `AES256`, `aws:kms`, `aws:kms:dsse`, or nil.
    public var encryption: String?

    public init(key: String, size: Int64, etag: String, encryption: String? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.encryption = encryption
    }

    /// With SSE-KMS the ETag is not the MD5 of the content (AWS documents it so), so it cannot be
    /// compared with what was sent; S3 checked each body's Content-MD5 on receipt instead.
    public var etagIsContentMD5: Bool { !(encryption?.hasPrefix("aws:kms") ?? false) }
}

public struct S3Configuration: Sendable, Equatable {
    public var endpoint: AWSEndpoint
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`: for S3-compatible
    /// stores and local endpoints. Defaults to on when a custom endpoint is set.
    public var pathStyle: Bool
    /// Files at or above this size go up in parts.
    public var multipartThreshold: Int64
    /// S3 wants parts of at least 5 MiB (all but the last).
    public var partSize: Int64

    public init(endpoint: AWSEndpoint, pathStyle: Bool? = nil, multipartThreshold: Int64 = 64 << 20, partSize: Int64 = 16 << 20) {
        self.endpoint = endpoint
        self.pathStyle = pathStyle ?? (endpoint.custom != nil)
        self.multipartThreshold = multipartThreshold
        self.partSize = max(5 << 20, partSize)
    }
}

/// The S3 calls patronload needs, over SigV4 and AsyncHTTPClient: list (paged), delete in
/// batches, upload from disk (one PUT, or multipart for large files, aborted on failure), HEAD,
/// and GET for reading back.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let http: AWSHTTPClient

    public init(configuration: S3Configuration, credentials: any CredentialProvider, retry: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.configuration = configuration
        self.http = AWSHTTPClient(service: "s3", endpoint: configuration.endpoint, credentials: credentials, retry: retry, logger: logger)
    }

    // MARK: - Addressing

    func location(bucket: String, key: String = "") -> (base: String, path: String) {
        let encodedKey = AWSPercentEncoding.encode(key, keepingSlashes: true)
        if configuration.pathStyle {
            let base = configuration.endpoint.custom ?? "https://s3.\(configuration.endpoint.region).amazonaws.com"
            return (base, "/\(bucket)/\(encodedKey)")
        }
        if let custom = configuration.endpoint.custom, let url = URL(string: custom), let scheme = url.scheme, let host = url.host {
            return ("\(scheme)://\(bucket).\(host)\(url.port.map { ":\($0)" } ?? "")", "/\(encodedKey)")
        }
        return ("https://\(bucket).s3.\(configuration.endpoint.region).amazonaws.com", "/\(encodedKey)")
    }

    func send(_ operation: String, _ method: HTTPMethod, bucket: String, key: String = "", query: [(String, String)] = [],
                      headers: [(String, String)] = [], body: AWSBody = .empty, payloadHash: String? = nil) async throws -> AWSResponse {
        let (base, path) = location(bucket: bucket, key: key)
        return try await http.send(operation: operation, method: method, base: base, path: path, query: query, headers: headers,
                                   body: body, payloadHash: payloadHash, signsPayloadHeader: true)
    }

    // MARK: - Calls

    public func createBucket(_ bucket: String) async throws {
        var body: AWSBody = .empty
        if configuration.endpoint.region != "us-east-1" {
            body = .bytes(Array("<CreateBucketConfiguration><LocationConstraint>\(configuration.endpoint.region)</LocationConstraint></CreateBucketConfiguration>".utf8))
        }
        _ = try await send("CreateBucket", .PUT, bucket: bucket, body: body)
    }

    /// Every object under `prefix`, following continuation tokens page by page.
    public func listObjects(bucket: String, prefix: String, pageSize: Int = 1000) async throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query: [(String, String)] = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("ListObjectsV2", .GET, bucket: bucket, query: query)
            guard let root = AWSXMLNode.parse(response.body) else {
                throw AWSError(operation: "ListObjectsV2", status: response.status, message: "the listing is not XML")
            }
            for item in root.all("Contents") {
                objects.append(S3Object(key: item["Key"] ?? "", size: Int64(item["Size"] ?? "") ?? 0, etag: Self.unquote(item["ETag"] ?? "")))
            }
            token = root["IsTruncated"] == "true" ? root["NextContinuationToken"] : nil
        } while token != nil
        return objects
    }

    /// Deletes keys, 1,000 per request. Returns the keys S3 could not delete, with its reason.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> [(key: String, reason: String)] {
        var failures: [(String, String)] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            let xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
                + batch.map { "<Object><Key>\($0.xmlEscaped)</Key></Object>" }.joined() + "</Delete>"
            let body = Array(xml.utf8)
            let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let response = try await send("DeleteObjects", .POST, bucket: bucket, query: [("delete", "")],
                                          headers: [("content-md5", md5), ("content-type", "application/xml")], body: .bytes(body))
            if let root = AWSXMLNode.parse(response.body) {
                for error in root.all("Error") {
                    failures.append((error["Key"] ?? "?", "\(error["Code"] ?? "error"): \(error["Message"] ?? "")"))
                }
            }
        }
        return failures
    }

    public func headObject(bucket: String, key: String) async throws -> S3Object? {
        do {
            let response = try await send("HeadObject", .HEAD, bucket: bucket, key: key)
            return S3Object(key: key, size: Int64(response.headers.first(name: "Content-Length") ?? "") ?? -1,
                            etag: Self.unquote(response.headers.first(name: "ETag") ?? ""),
                            encryption: response.headers.first(name: "x-amz-server-side-encryption"))
        } catch let error as AWSError where error.status == 404 {
            return nil
        }
    }

    public func getObject(bucket: String, key: String) async throws -> [UInt8] {
        try await send("GetObject", .GET, bucket: bucket, key: key).body
    }

    /// Stores `bytes`; with `ifNoneMatch` only when the key does not exist yet (S3's conditional
    /// write: a 412 `AWSError` otherwise), which makes a lock of an object.
    public func putObject(bucket: String, key: String, bytes: [UInt8], contentType: String = "application/octet-stream", ifNoneMatch: Bool = false) async throws -> String {
        let md5 = Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
        var headers = [("content-md5", md5), ("content-type", contentType)]
        if ifNoneMatch { headers.append(("if-none-match", "*")) }
        let response = try await send("PutObject", .PUT, bucket: bucket, key: key, headers: headers, body: .bytes(bytes))
        return Self.unquote(response.headers.first(name: "ETag") ?? "")
    }

    /// The result of an upload: the ETag S3 reports and the one expected from the bytes sent.
    public struct Upload: Sendable, Equatable {
        public var key: String
        public var size: Int64
        public var etag: String
        public var expectedETag: String
        public var parts: Int
    }

    /// Uploads a file from disk: one PUT below the multipart threshold, parts above it. Each body
    /// is hashed (SHA-256 signed, MD5 sent for S3 to check) before it is streamed.
    public func upload(bucket: String, key: String, file: String, contentType: String = "application/zip") async throws -> Upload {
        let size = try Self.size(of: file)
        if size >= configuration.multipartThreshold {
            return try await uploadInParts(bucket: bucket, key: key, file: file, size: size, contentType: contentType)
        }
        let digest = try FileDigest.compute(path: file, range: 0..<size)
        let response = try await send("PutObject", .PUT, bucket: bucket, key: key,
                                      headers: [("content-md5", digest.md5Base64), ("content-type", contentType)],
                                      body: .file(path: file, range: 0..<size), payloadHash: digest.sha256Hex)
        return Upload(key: key, size: size, etag: Self.unquote(response.headers.first(name: "ETag") ?? ""), expectedETag: digest.md5Hex, parts: 1)
    }

    private func uploadInParts(bucket: String, key: String, file: String, size: Int64, contentType: String) async throws -> Upload {
        let created = try await send("CreateMultipartUpload", .POST, bucket: bucket, key: key, query: [("uploads", "")],
                                     headers: [("content-type", contentType)])
        guard let uploadID = AWSXMLNode.parse(created.body)?["UploadId"] else {
            throw AWSError(operation: "CreateMultipartUpload", status: created.status, message: "no UploadId in the answer")
        }
        do {
            var parts: [(number: Int, etag: String)] = []
            var md5s: [UInt8] = []
            var offset: Int64 = 0
            var number = 1
            while offset < size {
                let range = offset..<min(offset + configuration.partSize, size)
                let digest = try FileDigest.compute(path: file, range: range)
                let response = try await send("UploadPart \(number)", .PUT, bucket: bucket, key: key,
                                              query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                              headers: [("content-md5", digest.md5Base64)],
                                              body: .file(path: file, range: range), payloadHash: digest.sha256Hex)
                let etag = Self.unquote(response.headers.first(name: "ETag") ?? "")
                guard etag.lowercased() == digest.md5Hex else {
                    throw AWSError(operation: "UploadPart \(number)", status: response.status, message: "S3 stored a part whose ETag \(etag) is not the MD5 \(digest.md5Hex) of what was sent")
                }
                parts.append((number, etag))
                md5s += digest.md5
                offset = range.upperBound
                number += 1
            }
            let xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\"\($0.etag)\"</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let completed = try await send("CompleteMultipartUpload", .POST, bucket: bucket, key: key, query: [("uploadId", uploadID)],
                                           headers: [("content-type", "application/xml")], body: .bytes(Array(xml.utf8)))
            // S3 can answer 200 with an error in the body.
            if let root = AWSXMLNode.parse(completed.body), root.name == "Error" {
                throw AWSError(operation: "CompleteMultipartUpload", status: completed.status, code: root["Code"], message: root["Message"] ?? "failed")
            }
            let etag = Self.unquote(AWSXMLNode.parse(completed.body)?["ETag"] ?? "")
            let expected = Insecure.MD5.hash(data: md5s).hex + "-\(parts.count)"
            return Upload(key: key, size: size, etag: etag, expectedETag: expected, parts: parts.count)
        } catch {
            // Leave nothing half-written: S3 keeps uploaded parts (and bills them) until aborted.
            _ = try? await send("AbortMultipartUpload", .DELETE, bucket: bucket, key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }

    static func size(of file: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    static func unquote(_ etag: String) -> String {
        etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}

/// SHA-256 and MD5 of a file range, read once in 1 MiB chunks.
struct FileDigest {
    var sha256Hex: String
    var md5: [UInt8]
    var md5Hex: String { md5.hex }
    var md5Base64: String { Data(md5).base64EncodedString() }

    static func compute(path: String, range: Range<Int64>) throws -> FileDigest {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(range.lowerBound))
        var sha = SHA256()
        var md5 = Insecure.MD5()
        var remaining = Int64(range.count)
        while remaining > 0 {
            guard let data = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !data.isEmpty else {
                throw AWSError(operation: "read \(path)", message: "the file is shorter than expected")
            }
            sha.update(data: data)
            md5.update(data: data)
            remaining -= Int64(data.count)
        }
        return FileDigest(sha256Hex: sha.finalize().hex, md5: Array(md5.finalize()))
    }
}

extension S3Client {
    /// Multipart uploads started and neither completed nor aborted (keys).
    public func listMultipartUploads(bucket: String) async throws -> [String] {
        let response = try await send("ListMultipartUploads", .GET, bucket: bucket, query: [("uploads", "")])
        return AWSXMLNode.parse(response.body)?.all("Upload").compactMap { $0["Key"] } ?? []
    }
}

extension S3Client {
    /// Downloads an object to a file, streaming.
    public func download(bucket: String, key: String, to path: String) async throws {
        let (base, objectPath) = location(bucket: bucket, key: key)
        _ = try await http.send(operation: "GetObject", method: .GET, base: base, path: objectPath, signsPayloadHeader: true, responseFile: path)
    }
}
