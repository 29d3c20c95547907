/// A configuration that cannot run, found before any work: one line naming the setting.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    static func missing(_ variable: EnvironmentVariable, flag: String, context: String = "") -> ConfigurationError {
        ConfigurationError("\(variable.rawValue) is required\(context) (set it in the environment or pass \(flag))")
    }

    static func invalid(_ name: String, _ value: String, _ reason: String) -> ConfigurationError {
        ConfigurationError("\(name) has an invalid value `\(value)`: \(reason)")
    }

    public var description: String { message }
}
