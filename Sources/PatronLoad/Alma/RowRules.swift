extension PatronProfile.RowRules {
    /// What stops the rules from compiling, each with its JSON path (`patronTypes[1].rows.exclude.matches`).
    func problems(at path: String) -> [ProfileProblem] {
        var problems = (include?.problems(at: "\(path).include") ?? []) + (exclude?.problems(at: "\(path).exclude") ?? [])
        for (index, column) in (requiredColumns ?? []).enumerated() where column.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ProfileProblem("\(path).requiredColumns[\(index)]", "is empty; name a column of the query"))
        }
        return problems
    }
}

/// A type's row rules compiled against its query's columns: which rule, if any, keeps a row out.
struct CompiledRowRules {
    private let include: RowCondition?
    private let exclude: RowCondition?
    private let path: String
    /// Columns (name, position) that must hold a value, the login ID's not among them.
    let required: [(column: String, position: Int)]

    init(_ rules: PatronProfile.RowRules?, path: String, today: AlmaDate, loginID: Int,
         position: (String) throws(ProfileError) -> Int) throws(ProfileError) {
        self.path = path
        var include: RowCondition?
        var exclude: RowCondition?
        if let condition = rules?.include { include = try RowCondition(condition, today: today, position: position) }
        if let condition = rules?.exclude { exclude = try RowCondition(condition, today: today, position: position) }
        self.include = include
        self.exclude = exclude
        var required: [(String, Int)] = []
        for column in rules?.requiredColumns ?? [] {
            let index = try position(column)
            if index != loginID && !required.contains(where: { $0.1 == index }) { required.append((column, index)) }
        }
        self.required = required
    }

    /// The JSON path of the rule that keeps the row out (`patronTypes[1].rows.exclude`), or nil.
    func exclusion(_ row: [String?]) -> String? {
        if let include, !include.matches(row) { return "\(path).include" }
        if let exclude, exclude.matches(row) { return "\(path).exclude" }
        return nil
    }
}
