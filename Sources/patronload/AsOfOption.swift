import ArgumentParser

/// `--as-of`, declared once for the run and `explain`. ArgumentParser hands an option that a
/// command and its subcommand both declare to the parent, so `explain`'s own `--as-of` never
/// reached it; an option group both hold is decoded once and shared.
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "Run as if today were this date (YYYY-MM-DD, UTC): dates, expiry and purge, file names, the history's comparisons, and the profile's rules on today. To reproduce a run.")
    var asOf: String?
}
