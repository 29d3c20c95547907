/// A profile that cannot be used: each case names the file and what to fix.
public enum ProfileError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalid(file: String, reason: String)
    case invalidLookup(file: String, line: Int, reason: String)
    case missingColumn(patronType: String, column: String, available: [String])
    case invalidPattern(patronType: String, pattern: String)
    /// Lines with JSON paths, as `check-profile` prints them.
    case missingColumns([String])

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            "Cannot read the profile \(file): \(reason)"
        case .invalid(let file, let reason):
            "The profile \(file) is not valid: \(reason)"
        case .invalidLookup(let file, let line, let reason):
            "The lookup table \(file), line \(line): \(reason)"
        case .missingColumn(let patronType, let column, let available):
            "The \(patronType) query returns no column \(column) (it returns: \(available.joined(separator: ", "))); "
                + "fix the query or the column name in the profile"
        case .missingColumns(let lines):
            "The profile names columns its queries do not return: " + lines.joined(separator: "; ") + "; fix the queries or the column names (`patronload check-profile` lists them)"
        case .invalidPattern(let patronType, let pattern):
            "The \(patronType) profile has an invalid regular expression: \(pattern)"
        }
    }
}
