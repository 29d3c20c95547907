import ArgumentParser
import Foundation
import Logging
import PatronLoad

/// `patronload check-profile`: the profile's problems, one line each with its JSON path, before
/// a night's run meets them.
struct CheckProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-profile",
        abstract: "Check a profile: its JSON, its rules, its lookup tables, and every column it names against its queries.",
        discussion: """
        Each query runs until its columns are known (at most one row is read). Prints one line \
        per problem with its JSON path. Exit codes: 0 no problem; 2 a problem in the profile or a \
        setting; 3 the warehouse could not be reached.
        """
    )

    @OptionGroup var source: SourceOptions

    func run() async throws {
        let check: ProfileCheck
        do {
            check = try ProfileCheck.resolve(options: source.loadOptions, environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("patronload: \(error)")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        let level = Logger.Level(rawValue: source.logLevel?.lowercased() ?? "warning") ?? .warning
        let outcome = await check.run(logger: Logger(label: "patronload") { _ in
            var handler = StreamLogHandler.standardError(label: "patronload")
            handler.logLevel = level
            return handler
        })
        for problem in outcome.problems { print(problem) }
        if let failure = outcome.warehouseFailure {
            printError("patronload: \(failure)")
            throw ExitCode(ExitStatus.warehouse.rawValue)
        }
        guard outcome.problems.isEmpty else { throw ExitCode(ExitStatus.configuration.rawValue) }
        print("The profile \(check.profilePath ?? "(bundled reference)") has no problem: " + outcome.checked.joined(separator: ", "))
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
