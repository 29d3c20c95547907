import Foundation

/// Turns a profile's JSON into a `PatronProfile`, or into one problem that names the JSON path.
/// Foundation's decoder reports a number where an integer belongs as "not valid JSON" with no
/// path; the path is found here by trying each such number as an integer.
enum ProfileDecoding {
    static func decode(_ data: Data) throws(ProfileProblem) -> PatronProfile {
        do {
            return try JSONDecoder().decode(PatronProfile.self, from: data)
        } catch let error as DecodingError {
            throw explain(error, in: data)
        } catch {
            throw ProfileProblem("", "\(error)")
        }
    }

    static func explain(_ error: DecodingError, in data: Data) -> ProfileProblem {
        let parsed = Result { try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
        let tree = try? parsed.get()
        switch error {
        case .keyNotFound(let key, let context):
            return ProfileProblem(path(context.codingPath + [key]), "is missing")
        case .typeMismatch(let type, let context):
            let found = tree.flatMap { value(at: context.codingPath, in: $0) }.map(describe) ?? "something else"
            return ProfileProblem(path(context.codingPath), "expected \(expected(type)), found \(found)")
        case .valueNotFound(let type, let context):
            return ProfileProblem(path(context.codingPath), "expected \(expected(type)), found null")
        case .dataCorrupted(let context):
            if case .failure(let failure) = parsed {
                // The parser's own detail says where ("Invalid value around character 30.").
                let failure = failure as NSError
                return ProfileProblem("", "is not valid JSON (\(failure.userInfo["NSDebugDescription"] as? String ?? failure.localizedDescription))")
            }
            if context.codingPath.isEmpty, let tree, let culprit = numberNotAnInteger(in: tree) {
                return ProfileProblem(path(culprit.path), "expected an integer, found \(culprit.value)")
            }
            return ProfileProblem(path(context.codingPath), context.debugDescription)
        @unknown default:
            return ProfileProblem("", "\(error)")
        }
    }

    /// `patronTypes[0].columns.email`.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { text, key in
            // A table's key that reads as a number ("12", a user group) carries an intValue too;
            // only a list's index has a stringValue other than its number.
            if let index = key.intValue, key.stringValue != String(index) {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }

    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is FieldSource.Type: "a column name or a value rule ({\"value\": \"…\"}, {\"firstNonEmpty\": […]}, …)"
        case is CodeSource.Type: "a code or a value rule ({\"rules\": […]}, {\"lookup\": …}, …)"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case let text as String: "a string \(ProfileRules.quoted(text))"
        // JSONSerialization gives true and false as a boolean kind of NSNumber.
        case let number as NSNumber where !String(describing: type(of: number)).contains("Boolean"): "\(number)"
        case is NSNumber, is Bool: "true or false"
        case is [Any]: "a list"
        default: "an object"
        }
    }

    private static func value(at keys: [any CodingKey], in tree: Any) -> Any? {
        var current: Any = tree
        for key in keys {
            if let index = key.intValue, let list = current as? [Any], list.indices.contains(index) {
                current = list[index]
            } else if let object = current as? [String: Any], let next = object[key.stringValue] {
                current = next
            } else {
                return nil
            }
        }
        return current
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
    }

    /// A number that is not a whole `Int` where the profile needs one.
    private static func numberNotAnInteger(in tree: Any) -> (path: [any CodingKey], value: NSNumber)? {
        var candidates: [([any CodingKey], NSNumber)] = []
        func walk(_ value: Any, _ path: [any CodingKey]) {
            switch value {
            case let object as [String: Any]:
                for key in object.keys.sorted() { walk(object[key]!, path + [Key(stringValue: key)]) }
            case let list as [Any]:
                for (index, item) in list.enumerated() { walk(item, path + [Key(intValue: index)]) }
            case let number as NSNumber where (number as? Int) == nil:
                candidates.append((path, number))
            default:
                break
            }
        }
        walk(tree, [])
        // Each number in turn becomes 0, and stays 0: the one after which the decoder stops
        // calling the JSON invalid is one the profile needs as an integer.
        var patched = tree
        for (path, number) in candidates {
            guard let next = replacing(path[...], in: patched, with: 0),
                  let data = try? JSONSerialization.data(withJSONObject: next) else { continue }
            patched = next
            do {
                _ = try JSONDecoder().decode(PatronProfile.self, from: data)
                return (path, number)
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                continue
            } catch {
                return (path, number)
            }
        }
        return nil
    }

    private static func replacing(_ path: ArraySlice<any CodingKey>, in tree: Any, with replacement: Any) -> Any? {
        guard let key = path.first else { return replacement }
        if let index = key.intValue, var list = tree as? [Any], list.indices.contains(index) {
            guard let inner = replacing(path.dropFirst(), in: list[index], with: replacement) else { return nil }
            list[index] = inner
            return list
        }
        if var object = tree as? [String: Any], let next = object[key.stringValue] {
            guard let inner = replacing(path.dropFirst(), in: next, with: replacement) else { return nil }
            object[key.stringValue] = inner
            return object
        }
        return nil
    }
}
