import Foundation

/// `{LAST}, {FIRST}`: literal text and column names, parsed once.
enum Template {
    enum Piece: Equatable {
        case text(String)
        case column(String)
    }

    struct Problem: Error {
        var reason: String
    }

    static func parse(_ text: String) throws(Problem) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case "{":
                var lookahead = characters
                if lookahead.next() == "{" {
                    literal.append("{")
                    characters = lookahead
                    continue
                }
                var name = ""
                var closed = false
                while let inner = characters.next() {
                    if inner == "}" { closed = true; break }
                    if inner == "{" { throw Problem(reason: "has a { inside braces; write {{ for a literal brace") }
                    name.append(inner)
                }
                guard closed else { throw Problem(reason: "has a { without its }; write {{ for a literal brace") }
                let column = name.trimmingCharacters(in: .whitespaces)
                guard !column.isEmpty else { throw Problem(reason: "has empty braces {}; name a column inside them") }
                if !literal.isEmpty { pieces.append(.text(literal)); literal = "" }
                pieces.append(.column(column))
            case "}":
                var lookahead = characters
                guard lookahead.next() == "}" else { throw Problem(reason: "has a } without its {; write }} for a literal brace") }
                literal.append("}")
                characters = lookahead
            default:
                literal.append(character)
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return pieces
    }
}
