import ArgumentParser
import Foundation
import Logging
import PatronLoad

/// `patronload explain ID`: one patron's rows, what became of each, and the XML written.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show one patron's rows in every feed, which feed's row is written, and its <user> XML.",
        discussion: """
        ID is a primary_id (with or without the profile's suffix, any letter case) or an \
        institutional ID. Prints patron data to standard output: run it at a terminal, not in a \
        scheduled job. Checks across the whole feed (a barcode another patron also has) are the \
        run's: see a --dry-run's report. Exit codes: 0 found; 1 no row names ID; 2 a setting or \
        the profile is invalid; 3 the warehouse could not be reached or queried.
        """
    )

    @Argument(help: "A primary_id or an institutional ID.")
    var id: String

    @OptionGroup var source: SourceOptions

    @OptionGroup var date: AsOfOption

    func run() async throws {
        var options = source.loadOptions
        options.asOf = date.asOf
        let configuration = try SourceOptions.resolve(options)
        let matches: [PatronExplanation.Match]
        do {
            matches = try await PatronExplanation(configuration: configuration).explain(id, logger: Logger(label: "patronload"))
        } catch let error as WarehouseError {
            printError("patronload: \(error.message)")
            throw ExitCode(ExitStatus.warehouse.rawValue)
        } catch {
            printError("patronload: \(error)")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        guard !matches.isEmpty else {
            printError("patronload: no row of any feed names \(id)")
            throw ExitCode(1)
        }
        for match in matches {
            print("\(match.patronType) row \(match.rowNumber):")
            for (column, value) in match.values { print("  \(column) = \(value.map { "\"\($0)\"" } ?? "NULL")") }
            print("  → \(match.verdict)")
            if let source = match.userGroupSource { print("  user group: \(source)") }
            for (field, path) in match.ruleSources { print("  \(field): \(path)") }
            if let xml = match.xml { print(xml) }
            print("")
        }
    }
}
