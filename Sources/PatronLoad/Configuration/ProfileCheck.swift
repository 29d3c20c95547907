import Foundation
import Logging

/// `patronload check-profile`: what a profile would do wrong, found before a night's run: the
/// file (JSON, unknown keys, the rules that would write wrong files), its lookup tables, and each
/// query, run against the warehouse until its columns are known (at most one row read), checked
/// for every column the profile names. One line per problem, each with its JSON path.
public struct ProfileCheck: Sendable {
    /// The profile file; nil means the bundled reference profile.
    public var profilePath: String?
    public var warehouse: WarehouseLocation

    public struct Outcome: Sendable, Equatable {
        public var problems: [String] = []
        /// The warehouse could not be reached (the queries were not checked).
        public var warehouseFailure: String?
        /// What was checked, per patron type (`staff: 16 columns`).
        public var checked: [String] = []
    }

    public init(profilePath: String?, warehouse: WarehouseLocation) {
        self.profilePath = profilePath
        self.warehouse = warehouse
    }

    /// The warehouse and profile the run would use: the same flags and variables.
    public static func resolve(options: LoadOptions, environment: [String: String]) throws -> ProfileCheck {
        let flag = options.profile.flatMap { $0.isEmpty ? nil : $0 }
        let variable = environment[EnvironmentVariable.profile.rawValue].flatMap { $0.isEmpty ? nil : $0 }
        return ProfileCheck(profilePath: flag ?? variable, warehouse: try LoadConfiguration.resolveWarehouse(flag: options.warehouse, environment: environment))
    }

    public func run(logger: Logger) async -> Outcome {
        var outcome = Outcome()
        let url: URL
        do {
            url = try profilePath.map { URL(fileURLWithPath: $0) } ?? LoadedProfile.referenceURL()
        } catch {
            outcome.problems.append("\(error)")
            return outcome
        }
        let profile: PatronProfile
        do {
            let data = try Data(contentsOf: url)
            profile = try ProfileDecoding.decode(data)
            outcome.problems += (ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description)
        } catch let problem as ProfileProblem {
            outcome.problems.append(problem.description)
            return outcome
        } catch {
            outcome.problems.append("Cannot read the profile \(url.path): \((error as NSError).localizedDescription)")
            return outcome
        }
        do {
            _ = try LoadedProfile.readLookups(of: profile, beside: url)
        } catch {
            outcome.problems.append(error.description)
        }
        outcome.problems += LoadedProfile.tables(of: profile, beside: url).problems
        let source = warehouse.makeSource(logger: logger)
        do {
            _ = try await source.serverVersion()
        } catch {
            outcome.warehouseFailure = error.message
            return outcome
        }
        for (index, type) in profile.patronTypes.enumerated() {
            let (problems, checked) = await Self.check(type, at: "patronTypes[\(index)]", in: source)
            outcome.problems += problems
            if let checked { outcome.checked.append("\(type.name): \(checked) columns") }
        }
        return outcome
    }

    /// The type's query run until its columns are known; each column the profile names that the
    /// query lacks is one problem. Nil columns checked when the query could not say.
    static func check(_ type: PatronProfile.PatronType, at path: String, in source: any PatronSource) async -> ([String], Int?) {
        let columns: [String]
        do {
            columns = try await source.withCursor(type.query) { cursor in
                // PostgreSQL names the columns with the first row; an empty result names none.
                if cursor.columns.isEmpty { _ = try await cursor.next() }
                return cursor.columns
            }
        } catch let error as WarehouseError {
            return (["\(path).query: \(error.message)"], nil)
        } catch {
            return (["\(path).query: \(error)"], nil)
        }
        guard !columns.isEmpty else {
            return (["\(path).query: returned no rows, so its columns cannot be checked here; check them against a warehouse with data"], nil)
        }
        return (missingColumns(type, at: path, in: columns), columns.count)
    }

    /// One line per column the type names that `columns` (a query's, any letter case) lacks.
    static func missingColumns(_ type: PatronProfile.PatronType, at path: String, in columns: [String]) -> [String] {
        let available = Set(columns.map { $0.uppercased() })
        return type.columnReferences.filter { !available.contains($0.column.uppercased()) }.map {
            "\(path).\($0.path): the \(type.name) query returns no column \($0.column) (it returns: \(columns.joined(separator: ", ")))"
        }
    }
}
