import Foundation

/// A profile with its lookup tables read: everything the mapping needs, and nothing to read later.
public struct LoadedProfile: Sendable, Equatable {
    public var profile: PatronProfile
    /// Lookup tables by the file name the profile gives.
    public var lookups: [String: DepartmentLookup]
    /// Where the profile came from, for the report.
    public var source: String

    public init(profile: PatronProfile, lookups: [String: DepartmentLookup], source: String) {
        self.profile = profile
        self.lookups = lookups
        self.source = source
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
        return LoadedProfile(profile: profile, lookups: try readLookups(of: profile, beside: url), source: url.path)
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
