/// Small pieces the example shapes share.
enum DemoValues {
    /// Row `index` of table `kind`: its own stream, so rows are independent of each other.
    static func random(seed: UInt64, kind: UInt64, index: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (kind &* 0x1000_0000_01B3) ^ UInt64(index))
        return SplitMix64(seed: mixer.next())
    }

    static func digits(_ value: UInt64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// An ISO day in `years` (a range of calendar years), from the generator.
    static func day(in years: ClosedRange<Int>, random: inout SplitMix64) -> String {
        let year = years.lowerBound + Int(random.next() % UInt64(years.count))
        let month = Int(random.next() % 12) + 1
        let day = Int(random.next() % 28) + 1
        return "\(year)-\(digits(UInt64(month), 2))-\(digits(UInt64(day), 2))"
    }

    /// A login in the style of most campuses: initial and surname, ASCII, lower case, and a
    /// number that keeps it unique.
    static func login(first: String, last: String, number: Int) -> String {
        var login = ""
        login.unicodeScalars.append(contentsOf: (String(first.prefix(1)) + last).lowercased().unicodeScalars.filter { ("a"..."z").contains($0) }.prefix(8))
        return (login.isEmpty ? "u" : login) + String(number)
    }
}
