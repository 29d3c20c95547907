/// Which of a person's rows, one per patron type, is written under the profile's population rule.
/// Pure: the feed analysis gathers the candidates, this picks.
enum PopulationChoice {
    struct Candidate: Sendable, Equatable {
        var type: Int
        /// Read only by `precedence`.
        var userGroup: String
    }

    /// The index of the candidate written. Candidates come in load order.
    static func chosen(_ candidates: [Candidate], population: PatronProfile.Population, winnerType: Int?) -> Int {
        switch population.rule {
        case .firstFeedWins:
            return 0
        case .precedence:
            var best = 0
            // Strictly greater: on a tie the earlier type keeps the person.
            for index in candidates.indices.dropFirst()
            where population.weight(of: candidates[index].userGroup) > population.weight(of: candidates[best].userGroup) {
                best = index
            }
            return best
        case .merge:
            return candidates.firstIndex { $0.type == winnerType } ?? 0
        }
    }
}
