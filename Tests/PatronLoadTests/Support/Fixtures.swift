import Foundation
import Logging
@testable import PatronLoad

enum Fixtures {
    static let profile: LoadedProfile = try! LoadedProfile.reference()

    static func type(_ name: String) -> PatronProfile.PatronType {
        profile.profile.patronTypes.first { $0.name == name }!
    }

    static let dates = RunDates(today: AlmaDate(year: 2026, month: 11, day: 22), expiryMonths: 6, purgeMonths: 30)

    /// A fixed clock reading for runs: 2026-11-22 02:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_312_800)

    static func logger(_ runLog: RunLog? = nil) -> Logger {
        Logger(label: "test") { label in RunLogHandler(label: label, level: .info, runLog: runLog, writesToStandardError: false) }
    }

    /// A row for the reference staff query, with the given columns set.
    static func staffRow(_ values: [String: String?]) -> (columns: [String], row: [String?]) {
        row(columns: staffColumns, values)
    }

    static func studentRow(_ values: [String: String?]) -> (columns: [String], row: [String?]) {
        row(columns: studentColumns, values)
    }

    static let staffColumns = [
        "MIT_ID", "EMAIL_ADDRESS", "KRB_NAME_UPPERCASE", "LIBRARY_ID", "PREFERRED_FIRST_NAME", "PREFERRED_MIDDLE_NAME",
        "PREFERRED_LAST_NAME", "LEGAL_FIRST_NAME", "LEGAL_MIDDLE_NAME", "LEGAL_LAST_NAME", "OFFICE_ADDRESS", "OFFICE_PHONE",
        "LIBRARY_PERSON_TYPE_CODE", "LIBRARY_PERSON_TYPE", "ORG_UNIT_ID", "ORG_UNIT_TITLE",
    ]

    static let studentColumns = [
        "MIT_ID", "EMAIL_ADDRESS", "KRB_NAME_UPPERCASE", "LIBRARY_ID", "PREFERRED_FIRST_NAME", "PREFERRED_MIDDLE_NAME",
        "PREFERRED_LAST_NAME", "LEGAL_FIRST_NAME", "LEGAL_MIDDLE_NAME", "LEGAL_LAST_NAME", "TERM_STREET1", "TERM_STREET2",
        "TERM_CITY", "TERM_STATE", "TERM_ZIP", "TERM_PHONE1", "TERM_PHONE2", "OFFICE_PHONE", "STUDENT_YEAR", "HOME_DEPARTMENT",
    ]

    private static func row(columns: [String], _ values: [String: String?]) -> (columns: [String], row: [String?]) {
        var defaults: [String: String?] = ["MIT_ID": "912345678", "KRB_NAME_UPPERCASE": "JDOE", "LEGAL_FIRST_NAME": "Jane", "LEGAL_LAST_NAME": "Doe"]
        defaults.merge(values) { $1 }
        return (columns, columns.map { defaults[$0] ?? nil })
    }

    static func map(_ type: String, _ values: [String: String?]) throws -> MappingOutcome {
        let (columns, row) = type == "staff" ? staffRow(values) : studentRow(values)
        let mapper = try PatronMapper(profile: profile, patronType: Self.type(type), columns: columns, today: Fixtures.dates.today)
        return mapper.map(row)
    }

    static func record(_ type: String, _ values: [String: String?]) throws -> PatronRecord {
        guard case .record(let record) = try map(type, values) else {
            throw ConfigurationError("expected a record")
        }
        return record
    }

    static func user(_ type: String, _ values: [String: String?]) throws -> AlmaUser {
        AlmaUserBuilder(profile: profile.profile, patronType: Self.type(type), dates: dates).user(try record(type, values))
    }
}
