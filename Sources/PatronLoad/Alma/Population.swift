extension PatronProfile {
    /// `"population"`: what is written for a person (same primary_id ignoring case, same
    /// institutional ID) found in several patron types.
    public struct Population: Sendable, Codable, Equatable {
        public enum Rule: String, Sendable, Codable, CaseIterable {
            /// The first type in load order that has the person (the reference loader's rule).
            case firstFeedWins
            /// The record whose user group weighs most; ties go to the earlier type.
            case precedence
            /// One user from every type's record, the `winner` type's values first.
            case merge
        }

        public var rule: Rule
        /// For `precedence`: user group code → weight.
        public var userGroupWeights: [String: Double]?
        /// For `precedence`: the weight of a group `userGroupWeights` does not list (default 0).
        public var otherwise: Double?
        /// For `merge`: the patron type whose values win and under which the person is written.
        public var winner: String?

        public init(rule: Rule, userGroupWeights: [String: Double]? = nil, otherwise: Double? = nil, winner: String? = nil) {
            self.rule = rule
            self.userGroupWeights = userGroupWeights
            self.otherwise = otherwise
            self.winner = winner
        }

        /// The weight `precedence` gives a user group.
        func weight(of userGroup: String) -> Double {
            userGroupWeights?[userGroup] ?? otherwise ?? 0
        }

        func problems(at path: String, typeNames: [String]) -> [ProfileProblem] {
            var problems: [ProfileProblem] = []
            if rule != .precedence {
                if userGroupWeights != nil { problems.append(ProfileProblem("\(path).userGroupWeights", "is read only by the precedence rule")) }
                if otherwise != nil { problems.append(ProfileProblem("\(path).otherwise", "is read only by the precedence rule")) }
            } else if userGroupWeights?.isEmpty ?? true {
                problems.append(ProfileProblem("\(path).userGroupWeights", "is missing or empty; precedence needs a weight for each user group that should win"))
            }
            if rule != .merge {
                if winner != nil { problems.append(ProfileProblem("\(path).winner", "is read only by the merge rule")) }
            } else if let winner {
                if !typeNames.contains(winner) {
                    problems.append(ProfileProblem("\(path).winner", "\(ProfileRules.quoted(winner)) is not the name of a patron type (\(typeNames.joined(separator: ", ")))"))
                }
            } else {
                problems.append(ProfileProblem("\(path).winner", "is missing; merge needs the patron type whose values win"))
            }
            return problems
        }
    }

    /// The population rule, first feed wins when the profile gives none.
    var populationRule: Population {
        population ?? Population(rule: .firstFeedWins)
    }
}
