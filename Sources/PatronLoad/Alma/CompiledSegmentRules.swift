/// A type's `segments`, compiled against the query's columns: each element's condition and
/// value rules, evaluated per row into `PatronRecord.Segments`.
struct CompiledSegmentRules {
    private struct Element {
        var condition: RowCondition?
        /// The element's values, in the order its kind reads them (main value first).
        var values: [RowValue?]
    }

    private let rules: PatronProfile.SegmentRules
    private let addresses: [Element]
    private let emails: [Element]
    private let phones: [Element]
    private let identifiers: [Element]
    private let statistics: [Element]
    private let notes: [Element]
    private let roles: [Element]

    var isEmpty: Bool {
        addresses.isEmpty && emails.isEmpty && phones.isEmpty && identifiers.isEmpty && statistics.isEmpty && notes.isEmpty && roles.isEmpty
    }

    init(_ rules: PatronProfile.SegmentRules?, path: String, today: AlmaDate, tables: [String: LookupTable],
         position: (String) throws(ProfileError) -> Int) throws(ProfileError) {
        let rules = rules ?? PatronProfile.SegmentRules()
        self.rules = rules
        func compile(_ name: String, _ index: Int, _ when: ProfileCondition?, _ sources: [(String, ValueRule?)]) throws(ProfileError) -> Element {
            var values: [RowValue?] = []
            for (field, rule) in sources {
                guard let rule else { values.append(nil); continue }
                values.append(try RowValue(rule, path: "\(path).\(name)[\(index)].\(field)", today: today, tables: tables, position: position))
            }
            return Element(condition: try when.map { condition throws(ProfileError) in try RowCondition(condition, today: today, position: position) }, values: values)
        }
        var addresses: [Element] = []
        for (index, element) in (rules.addresses ?? []).enumerated() {
            addresses.append(try compile("addresses", index, element.when, element.lineSources.map { ($0.name, $0.source?.valueRule) } + [("type", element.type.valueRule)]))
        }
        var emails: [Element] = []
        for (index, element) in (rules.emails ?? []).enumerated() {
            emails.append(try compile("emails", index, element.when, [("address", element.address.valueRule), ("type", element.type?.valueRule)]))
        }
        var phones: [Element] = []
        for (index, element) in (rules.phones ?? []).enumerated() {
            phones.append(try compile("phones", index, element.when, [("number", element.number.valueRule), ("type", element.type?.valueRule)]))
        }
        var identifiers: [Element] = []
        for (index, element) in (rules.identifiers ?? []).enumerated() {
            identifiers.append(try compile("identifiers", index, element.when, [("value", element.value.valueRule), ("type", element.type.valueRule)]))
        }
        var statistics: [Element] = []
        for (index, element) in (rules.statistics ?? []).enumerated() {
            statistics.append(try compile("statistics", index, element.when,
                                          [("category", element.category.valueRule), ("desc", element.desc?.valueRule), ("categoryType", element.categoryType?.valueRule)]))
        }
        var notes: [Element] = []
        for (index, element) in (rules.notes ?? []).enumerated() {
            notes.append(try compile("notes", index, element.when, [("text", element.text.valueRule), ("type", element.type.valueRule)]))
        }
        var roles: [Element] = []
        for (index, element) in (rules.roles ?? []).enumerated() {
            roles.append(try compile("roles", index, element.when,
                                     [("scope", element.scope.valueRule), ("type", element.type.valueRule), ("status", element.status?.valueRule)]))
        }
        self.addresses = addresses
        self.emails = emails
        self.phones = phones
        self.identifiers = identifiers
        self.statistics = statistics
        self.notes = notes
        self.roles = roles
    }

    /// The row's segments; nil when no element is written.
    func segments(_ row: [String?]) -> PatronRecord.Segments? {
        guard !isEmpty else { return nil }
        var segments = PatronRecord.Segments()
        // Each kind: the elements whose condition holds and whose main value is not empty.
        func written(_ elements: [Element], _ body: (Int, [String]) -> Void) {
            for (index, element) in elements.enumerated() where element.condition?.matches(row) ?? true {
                let values = element.values.map { $0?.value(row) ?? "" }
                if !values[0].isEmpty { body(index, values) }
            }
        }
        written(addresses) { index, values in
            let rule = rules.addresses![index]
            segments.addresses.append(.init(lines: Array(values[0..<7]), type: values[7], preferred: rule.preferred ?? false,
                                            note: rule.note ?? "", startDate: rule.startDate, endDate: rule.endDate))
        }
        written(emails) { index, values in
            segments.emails.append(.init(address: values[0], type: values[1], preferred: rules.emails![index].preferred ?? false))
        }
        written(phones) { index, values in
            segments.phones.append(.init(number: PatronMapper.formatPhone(values[0]), type: values[1], preferred: rules.phones![index].preferred ?? false))
        }
        // Alma's schema requires the codes of identifiers, notes and roles: without one, the element is not written.
        written(identifiers) { _, values in
            if !values[1].isEmpty { segments.identifiers.append(.init(type: values[1], value: values[0])) }
        }
        written(statistics) { _, values in segments.statistics.append(.init(category: values[0], desc: values[1], categoryType: values[2])) }
        written(notes) { index, values in
            let rule = rules.notes![index]
            guard !values[1].isEmpty else { return }
            segments.notes.append(.init(type: values[1], text: values[0], userViewable: rule.userViewable ?? false, popup: rule.popup ?? false))
        }
        written(roles) { _, values in
            if !values[1].isEmpty { segments.roles.append(.init(type: values[1], scope: values[0], status: values[2])) }
        }
        return segments.isEmpty ? nil : segments
    }

    /// For `explain`: each written element's deciding paths.
    func decisions(_ row: [String?]) -> [(field: String, path: String)] {
        var decisions: [(String, String)] = []
        for (name, elements) in [("addresses", addresses), ("emails", emails), ("phones", phones), ("identifiers", identifiers),
                                 ("statistics", statistics), ("notes", notes), ("roles", roles)] {
            for (index, element) in elements.enumerated() where element.condition?.matches(row) ?? true {
                for value in element.values.compactMap({ $0 }) where !value.value(row).isEmpty {
                    decisions.append(("segments.\(name)[\(index)]", value.decidingPath(row)))
                }
            }
        }
        return decisions
    }
}
