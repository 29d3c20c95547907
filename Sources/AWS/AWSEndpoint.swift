import Foundation

/// Where a service is reached: AWS itself by region, or a custom endpoint (an S3-compatible store,
/// moto in tests), read from the same variables the AWS CLI and SDKs honour.
public struct AWSEndpoint: Sendable, Equatable {
    public var region: String
    /// `http(s)://host[:port]` without a path, or nil for AWS's own endpoint.
    public var custom: String?

    public init(region: String, custom: String? = nil) {
        self.region = region
        self.custom = custom.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL; AWS_REGION, then AWS_DEFAULT_REGION,
    /// then `fallbackRegion`.
    public static func from(environment: [String: String], service: String, fallbackRegion: String = "us-east-1") -> AWSEndpoint {
        let region = environment[.region] ?? environment[.defaultRegion] ?? fallbackRegion
        let custom = AWSEnvironmentVariable.endpointURL(service: service).flatMap { environment[$0] } ?? environment[.endpointURL]
        return AWSEndpoint(region: region, custom: custom)
    }
}
