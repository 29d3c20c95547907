/// Settings given on the command line. nil means "not given": the environment or the default applies.
public struct LoadOptions: Sendable, Equatable {
    public var connectionTest = false
    public var dryRun = false
    public var warehouse: String?
    public var profile: String?
    public var outputDirectory: String?
    public var s3Bucket: String?
    public var s3Prefix: String?
    public var folioURL: String?
    public var folioTenant: String?
    public var emailTo: String?
    public var emailFrom: String?
    public var workspace: String?
    public var logLevel: String?
    public var compressionLevel: Int?
    public var maxUsersPerXMLFile: Int?
    public var maxXMLFileBytes: UInt64?
    public var validateXML = false
    /// Write only new and changed patrons (and expiring leavers), unless a full load is due.
    public var onlyChanges = false
    public var leavers: String?
    public var maxLeftOutPercent: Double?
    /// Neither read nor store the run history (no change report, no changes-only load).
    public var noHistory = false
    /// The safety stop's limit: how far (in percent) a patron type may shrink since the last run.
    public var maxDropPercent: Double?
    /// Deliver although a type shrank more than the limit (this run only).
    public var allowDrop = false
    /// Where a dry run keeps its checked zips (otherwise it removes them).
    public var dryRunOutput: String?
    /// `YYYY-MM-DD`: the run as if today were that date (UTC).
    public var asOf: String?

    public init() {}
}
