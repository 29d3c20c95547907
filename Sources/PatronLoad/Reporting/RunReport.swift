import Foundation

/// The run's report as people read it: a subject, a plain-text body with the counts and the log,
/// and an HTML table of the counts for email.
public struct RunReport: Sendable, Equatable {
    public var subject: String
    public var summary: RunSummary
    public var logLines: [String]

    public init(summary: RunSummary, workspace: String, logLines: [String]) {
        self.summary = summary
        self.logLines = logLines
        let day = String(summary.runID.prefix(10))
        let status = switch summary.outcome {
        case .failed: " FAILED"
        case .dryRun: " DRY RUN"
        case .delivered, .connectionTested: ""
        }
        self.subject = "\(workspace.uppercased()) Patronload file creation \(day)\(status)"
    }

    /// The summary as the report (file, email) carries it: patrons named by their IDs.
    public var summaryText: String { summaryText(namingPatrons: true) }

    /// The summary; without `namingPatrons` it holds counts only, no primary_id or barcode: what
    /// standard output (a container's log, kept and read more widely than the report) shows.
    /// Institutional IDs of rejected rows stay: they are opaque numbers an operator needs.
    public func summaryText(namingPatrons: Bool) -> String {
        var lines: [String] = []
        let s = summary
        lines.append("patronload run \(s.runID): \(Self.describe(s.outcome))")
        lines.append("Warehouse: \(s.warehouse)" + (s.serverVersion.map { " (\($0))" } ?? ""))
        lines.append("Destination: \(s.destination)")
        lines.append("Profile: \(s.profile)")
        lines.append(String(format: "Elapsed: %.1f s", s.elapsed))
        if !s.types.isEmpty {
            lines.append("")
            lines.append(Self.table(s.types))
            if s.types.contains(where: { $0.skippedAsEarlierType > 0 }) {
                lines.append(Self.skippedAsEarlierTypeNote)
            }
            for counts in s.types {
                for (winner, count) in counts.outranked.sorted(by: { $0.key < $1.key }) {
                    lines.append("\(counts.patronType): skipped: same person with a higher-weight group in \(winner): \(count)")
                }
                for (winner, count) in counts.mergedInto.sorted(by: { $0.key < $1.key }) {
                    lines.append("\(counts.patronType): merged into the same person's \(winner) user: \(count)")
                }
            }
            for counts in s.types where counts.excludedByRule > 0 {
                lines.append("\(counts.patronType): excluded by the profile's rows rules: \(counts.excludedByRule)")
            }
            for counts in s.types where counts.rejected > 0 {
                let more = counts.rejected > counts.rejectedExamples.count ? " (and \(counts.rejected - counts.rejectedExamples.count) more in the log)" : ""
                lines.append("Rejected \(counts.patronType) rows (institutional ID): \(counts.rejectedExamples.joined(separator: ", "))\(more)")
            }
        }
        if s.preflightTotal > 0 {
            lines.append("")
            lines.append("Pre-flight: \(s.preflightTotal) patron(s) left out of the files (Alma would reject or confuse them)" + (namingPatrons ? ":" : "; the report names them, with their reasons"))
            if namingPatrons { lines += s.preflight.map { "  \($0)" } }
            if namingPatrons && s.preflightTotal > s.preflight.count {
                lines.append("  … and \(s.preflightTotal - s.preflight.count) more")
            }
        }
        if let changes = s.changes {
            lines.append("")
            lines += Self.changeLines(changes, previous: s.previousRunID, loadKind: s.loadKind, namingPatrons: namingPatrons)
        }
        if !s.zips.isEmpty {
            lines.append("")
            lines.append("Files built:")
            for zip in s.zips {
                let files = zip.xmlFiles.count == 1 ? "1 XML file" : "\(zip.xmlFiles.count) XML files"
                lines.append("  \(zip.fileName)  \(Self.bytes(zip.bytes))  \(files)  \(zip.users) users")
            }
        }
        if s.outcome == .dryRun {
            lines.append("Dry run: nothing was removed or delivered; " + (s.dryRunFiles.map { "the files are in \($0)" } ?? "the files were checked and removed (keep them with --dry-run-output)"))
        }
        if !s.removed.isEmpty {
            lines.append("Removed \(s.removed.count) old zip(s): \(s.removed.joined(separator: ", "))")
        }
        if !s.delivered.isEmpty {
            lines.append("Delivered \(s.delivered.count) zip(s) to \(s.destination)")
        }
        if let stored = s.historyStored {
            lines.append("Run history stored (\(stored))")
        }
        for warning in s.warnings {
            lines.append("Warning: \(warning)")
        }
        return lines.joined(separator: "\n")
    }

    /// The summary followed by the run's log lines: the file the file notifier writes and the
    /// plain-text body of the email.
    public var text: String {
        var body = summaryText
        if !logLines.isEmpty {
            body += "\n\nLog:\n" + logLines.joined(separator: "\n")
        }
        return body + "\n"
    }

    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var rows = ""
        for t in summary.types {
            let change = summary.changes?.first { $0.patronType == t.patronType }
            let changeCells = change.map { "<td align=\"right\">\($0.new)</td><td align=\"right\">\($0.changed)</td><td align=\"right\">\($0.gone)</td>" } ?? "<td></td><td></td><td></td>"
            rows += "<tr><td>\(escape(t.patronType))</td><td align=\"right\">\(t.read)</td><td align=\"right\">\(t.written)</td>"
                + "<td align=\"right\">\(t.rejected)</td><td align=\"right\">\(t.skippedAsEarlierType)</td><td align=\"right\">\(t.skippedAsRepeat)</td>"
                + "<td align=\"right\">\(t.leftOut)</td>\(changeCells)</tr>\n"
        }
        return """
        <html><body>
        <h2>\(escape(subject))</h2>
        <p><strong>\(escape(Self.describe(summary.outcome)))</strong></p>
        <table border="1" cellpadding="4" cellspacing="0">
        <tr><th>Patron type</th><th>Read</th><th>Written</th><th>Rejected</th><th>Skipped (earlier type)</th><th>Skipped (repeat)</th><th>Left out</th><th>New</th><th>Changed</th><th>Gone</th></tr>
        \(rows)</table>
        <pre>\(escape(text))</pre>
        </body></html>
        """
    }

    static func changeLines(_ changes: [TypeChanges], previous: String?, loadKind: LoadKind, namingPatrons: Bool = true) -> [String] {
        var lines: [String] = []
        switch loadKind {
        case .full(let reason): lines.append("Load: full (\(reason))")
        case .changesOnly(let last): lines.append("Load: changes only (the last full load was \(last))")
        }
        guard let previous else {
            lines.append("Changes: no earlier delivered run to compare with; every patron counts as new")
            return lines
        }
        lines.append("Changes since run \(previous):")
        let header = ["Patron type", "New", "Changed", "Unchanged", "Gone"]
        let rows = changes.map { [$0.patronType, "\($0.new)", "\($0.changed)", "\($0.unchanged)", "\($0.gone)"] }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            lines.append(row.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  "))
        }
        for type in changes {
            if !type.changedFields.isEmpty {
                lines.append("  \(type.patronType) changed fields: " + type.changedFields.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            for (label, examples, total) in [("new", type.newExamples, type.new), ("changed", type.changedExamples, type.changed), ("gone", type.goneExamples, type.gone)] where namingPatrons && !examples.isEmpty {
                lines.append("  \(type.patronType) \(label): \(examples.joined(separator: ", "))\(total > examples.count ? ", … (\(total - examples.count) more)" : "")")
            }
            if type.leaversExpired > 0 {
                lines.append("  \(type.patronType) leavers written once more to expire: \(type.leaversExpired)")
            }
            if namingPatrons && !type.leaversNotFound.isEmpty {
                lines.append("  \(type.patronType) leavers with no archived record (not expired, forgotten): \(type.leaversNotFound.prefix(10).joined(separator: ", "))")
            }
        }
        return lines
    }

    /// What the column counts, `FeedAnalysis` step 2: the row of the same person that is written
    /// is usually of an earlier type, but is of a later one when the earlier row broke a rule.
    static let skippedAsEarlierTypeNote = "Skipped (earlier type): rows not written because the same person (same primary_id ignoring case, "
        + "same institutional ID) is written from another type's row: usually an earlier type's (a student employee is written as staff); "
        + "when the pre-flight left the earlier type's row out, the later type's row is written and the earlier one is counted here."

    static func describe(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .dryRun: "dry run (nothing removed or delivered)"
        case .connectionTested: "connection tested"
        case .failed(let stage, let message): "FAILED during \(stage.rawValue): \(message)"
        }
    }

    static func table(_ types: [TypeCounts]) -> String {
        let header = ["Patron type", "Read", "Written", "Rejected", "Skipped (earlier type)", "Skipped (repeat)", "Left out"]
        let rows = types.map { [$0.patronType, "\($0.read)", "\($0.written)", "\($0.rejected)", "\($0.skippedAsEarlierType)", "\($0.skippedAsRepeat)", "\($0.leftOut)"] }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func bytes(_ count: UInt64) -> String {
        if count >= 1 << 20 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        if count >= 1 << 10 { return String(format: "%.1f KiB", Double(count) / 1024) }
        return "\(count) bytes"
    }
}
