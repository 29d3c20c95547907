extension PatronProfile.PatronType {
    /// Every column this patron type reads, with the JSON path that names it (within the type):
    /// what `check-profile` looks for in the query's columns.
    public var columnReferences: [(path: String, column: String)] {
        var references: [(String, String)] = [
            ("columns.institutionalID", columns.institutionalID), ("columns.loginID", columns.loginID),
            ("columns.email", columns.email), ("columns.barcode", columns.barcode),
            ("columns.legalFirstName", columns.legalFirstName), ("columns.legalMiddleName", columns.legalMiddleName),
            ("columns.legalLastName", columns.legalLastName), ("columns.preferredFirstName", columns.preferredFirstName),
            ("columns.preferredMiddleName", columns.preferredMiddleName), ("columns.preferredLastName", columns.preferredLastName),
            ("userGroup.column", userGroup.column),
        ]
        if let column = userGroup.descColumn { references.append(("userGroup.descColumn", column)) }
        for (index, rule) in (userGroupRules ?? []).enumerated() {
            references += rule.when.columnReferences(at: "userGroupRules[\(index)].when")
        }
        for (index, override) in (userGroup.overrides ?? []).enumerated() {
            references.append(("userGroup.overrides[\(index)].column", override.column))
        }
        for case let (name, .column(column)?) in addressSources { references.append(("address.\(name)", column)) }
        for (index, column) in phones.preferred.enumerated() { references.append(("phones.preferred[\(index)]", column)) }
        if let secondary = phones.secondary { references.append(("phones.secondary.column", secondary.column)) }
        if let statistic = statisticCategory {
            references.append(("statisticCategory.column", statistic.column))
            if let column = statistic.descColumn { references.append(("statisticCategory.descColumn", column)) }
        }
        if let rows {
            references += rows.include?.columnReferences(at: "rows.include") ?? []
            references += rows.exclude?.columnReferences(at: "rows.exclude") ?? []
            for (index, column) in (rows.requiredColumns ?? []).enumerated() { references.append(("rows.requiredColumns[\(index)]", column)) }
        }
        references += (segments?.columnReferences ?? []).map { ("segments.\($0.path)", $0.column) }
        for (path, rule) in ownValueRules {
            references += rule.columnReferences(at: path)
        }
        references += expiry?.columnReferences(at: "expiry") ?? []
        return references
    }
}
