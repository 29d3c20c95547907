/// Every environment variable the AWS clients read, as the AWS CLI and SDKs read them: one list
/// that the readers use and that `patronload --help` prints.
public enum AWSEnvironmentVariable: String, CaseIterable, Sendable {
    case endpointURL = "AWS_ENDPOINT_URL"
    case endpointURLS3 = "AWS_ENDPOINT_URL_S3"
    case endpointURLSES = "AWS_ENDPOINT_URL_SES"
    case region = "AWS_REGION"
    case defaultRegion = "AWS_DEFAULT_REGION"
    case accessKeyID = "AWS_ACCESS_KEY_ID"
    case secretAccessKey = "AWS_SECRET_ACCESS_KEY"
    case sessionToken = "AWS_SESSION_TOKEN"
    case profile = "AWS_PROFILE"
    case sharedCredentialsFile = "AWS_SHARED_CREDENTIALS_FILE"
    case home = "HOME"
    case containerCredentialsRelativeURI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    case containerCredentialsFullURI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
    case containerAuthorizationToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
    case containerAuthorizationTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"

    /// The endpoint variable of one service (`s3`, `ses`), read before `AWS_ENDPOINT_URL`.
    public static func endpointURL(service: String) -> AWSEnvironmentVariable? {
        AWSEnvironmentVariable(rawValue: "\(endpointURL.rawValue)_\(service.uppercased())")
    }

    /// Short enough for `--help`'s 80 columns beside the longest name.
    public var help: String {
        switch self {
        case .endpointURL: "S3 and SES endpoint (e.g. moto, MinIO)"
        case .endpointURLS3: "S3 endpoint only"
        case .endpointURLSES: "SES endpoint only"
        case .region: "AWS region (default: us-east-1)"
        case .defaultRegion: "AWS region when AWS_REGION is unset"
        case .accessKeyID: "credentials, 1st choice: key ID"
        case .secretAccessKey: "with AWS_ACCESS_KEY_ID"
        case .sessionToken: "with it, for temporary keys"
        case .profile: "credentials file profile (default)"
        case .sharedCredentialsFile: "credentials file (~/.aws/credentials)"
        case .home: "the ~ of ~/.aws/credentials"
        case .containerCredentialsRelativeURI: "ECS task role credentials (set by ECS)"
        case .containerCredentialsFullURI: "container credentials endpoint URL"
        case .containerAuthorizationToken: "its Authorization header"
        case .containerAuthorizationTokenFile: "file holding that header"
        }
    }
}

extension Dictionary where Key == String, Value == String {
    /// The variable's value; empty counts as unset, as the AWS CLI treats it.
    subscript(_ variable: AWSEnvironmentVariable) -> String? {
        self[variable.rawValue].flatMap { $0.isEmpty ? nil : $0 }
    }
}
