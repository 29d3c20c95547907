/// The institutions the demo warehouse can imitate; each example profile in `examples/profiles/`
/// reads the tables of the shape of the same name.
public enum DemoShape: String, CaseIterable, Sendable {
    /// MIT's two views, read by the bundled reference profile.
    case reference
    /// One view of every person, with an eligibility flag and dates from HR and the registrar.
    case singleView = "single-view"
    /// A consortium member's HR and SIS extracts, with home countries and term-based expiry.
    case consortiumMember = "consortium-member"
    /// HR and registrar tables with student employees in both, merged into one user.
    case twoFeedsMerged = "two-feeds-merged"

    /// The shape's tables: `staff` employee rows and `students` student rows, from `seed`.
    public func tables(staff: Int, students: Int, seed: UInt64) -> [DemoTable] {
        switch self {
        case .reference:
            return DemoPatronGenerator(spec: .init(staff: staff, students: students, seed: seed)).tables
        case .singleView:
            let generator = SingleViewGenerator(employees: staff, students: students, seed: seed)
            return [DemoTable(name: SingleViewGenerator.table, columns: SingleViewGenerator.columns, count: generator.count) { generator.row($0) }]
        case .consortiumMember:
            let generator = ConsortiumMemberGenerator(seed: seed)
            return [
                DemoTable(name: ConsortiumMemberGenerator.employeeTable, columns: ConsortiumMemberGenerator.employeeColumns, count: staff) { generator.employeeRow($0) },
                DemoTable(name: ConsortiumMemberGenerator.studentTable, columns: ConsortiumMemberGenerator.studentColumns, count: students) { generator.studentRow($0) },
            ]
        case .twoFeedsMerged:
            let generator = TwoFeedsMergedGenerator(seed: seed)
            return [
                DemoTable(name: TwoFeedsMergedGenerator.employeeTable, columns: TwoFeedsMergedGenerator.employeeColumns, count: staff) { generator.employeeRow($0) },
                DemoTable(name: TwoFeedsMergedGenerator.studentTable, columns: TwoFeedsMergedGenerator.studentColumns, count: students) { generator.studentRow($0) },
            ]
        }
    }
}
