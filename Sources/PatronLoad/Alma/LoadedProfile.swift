import Foundation

/// A profile with its lookup tables read: everything the mapping needs, and nothing to read later.
public struct LoadedProfile: Sendable, Equatable {
    public var profile: PatronProfile
    /// Lookup tables by the file name the profile gives.
    public var lookups: [String: DepartmentLookup]
    /// Where the profile came from, for the report.
    public var source: String
    /// Value rules' lookup tables by the file name the profile gives.
    public var tables: [String: LookupTable]

    public init(profile: PatronProfile, lookups: [String: DepartmentLookup], source: String, tables: [String: LookupTable] = [:]) {
        self.profile = profile
        self.lookups = lookups
        self.source = source
        self.tables = tables
    }

    /// Reads a profile JSON file and the lookup files it names (relative to its folder).
    public static func load(from url: URL) throws(ProfileError) -> LoadedProfile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        let profile: PatronProfile
        do {
            profile = try ProfileDecoding.decode(data)
        } catch {
            throw .invalid(file: url.path, reason: "\(error)")
        }
        // Refused before the run starts: such a profile would write files Alma mis-reads.
        let problems = ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)
        guard problems.isEmpty else {
            throw .invalid(file: url.path, reason: problems.map(\.description).joined(separator: "; "))
        }
        return LoadedProfile(profile: profile, lookups: try readLookups(of: profile, beside: url), source: url.path,
                             tables: try readTables(of: profile, beside: url))
    }

    /// The tables the value rules look up in, each read once however many rules name it; every
    /// problem (a missing file, a column its header lacks) with the JSON path of the rule.
    static func readTables(of profile: PatronProfile, beside url: URL) throws(ProfileError) -> [String: LookupTable] {
        let (tables, problems) = tables(of: profile, beside: url)
        guard problems.isEmpty else { throw .invalid(file: url.path, reason: problems.joined(separator: "; ")) }
        return tables
    }

    /// The tables that could be read, and one line per problem (as `check-profile` prints them).
    static func tables(of profile: PatronProfile, beside url: URL) -> (tables: [String: LookupTable], problems: [String]) {
        var tables: [String: LookupTable] = [:]
        var failed: Set<String> = []
        var problems: [String] = []
        let folder = url.deletingLastPathComponent()
        for (path, lookup) in profile.valueLookups {
            if tables[lookup.table] == nil, !failed.contains(lookup.table) {
                let file = folder.appendingPathComponent(lookup.table)
                do {
                    tables[lookup.table] = try LookupTable(csv: try String(contentsOf: file, encoding: .utf8), source: file.path)
                } catch let error as ProfileError {
                    failed.insert(lookup.table)
                    problems.append("\(path).table: \(error)")
                } catch {
                    failed.insert(lookup.table)
                    problems.append("\(path).table: cannot read \(file.path): \((error as NSError).localizedDescription)")
                }
            }
            if let table = tables[lookup.table], table.values(of: lookup.column) == nil {
                problems.append("\(path).column: \(lookup.table) has no column \(lookup.column ?? "") (its header: \(table.columns.joined(separator: ", ")))")
            }
        }
        return (tables, problems)
    }

    /// The lookup files a profile names, relative to its folder.
    static func readLookups(of profile: PatronProfile, beside url: URL) throws(ProfileError) -> [String: DepartmentLookup] {
        var lookups: [String: DepartmentLookup] = [:]
        let folder = url.deletingLastPathComponent()
        for rule in profile.patronTypes.compactMap(\.statisticCategory) where lookups[rule.lookup] == nil {
            let file = folder.appendingPathComponent(rule.lookup)
            let text: String
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw .unreadable(file: file.path, reason: (error as NSError).localizedDescription)
            }
            lookups[rule.lookup] = try DepartmentLookup(csv: text, source: file.path)
        }
        return lookups
    }

    /// The reference loader's rules, shipped with patronload.
    public static func reference() throws(ProfileError) -> LoadedProfile {
        try load(from: try referenceURL())
    }

    static func referenceURL() throws(ProfileError) -> URL {
        guard let url = Bundle.module.url(forResource: "reference", withExtension: "json", subdirectory: "profiles") else {
            throw .unreadable(file: "profiles/reference.json", reason: "the bundled profile is missing from this installation")
        }
        return url
    }
}

enum PatronTypeName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            ($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_")
        }
    }
}
