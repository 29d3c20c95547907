/// The columns a staged loan and a staged fee are read back from, in the order both backends'
/// row readers (`SQLiteStagedRows`, `PostgresStagedRows`) decode them: one list for the
/// rebuild's ordered read and an audit's read of one patron.
enum StagedColumns {
    /// Qualified by `table` (the rebuild joins the grace periods, which have a `loan_id` too).
    static func loans(_ table: String) -> String {
        ["user_id", "loan_id", "created_at", "due_date", "item_status", "recall"].map { "\(table).\($0)" }.joined(separator: ", ")
    }

    static let fees = "user_id, fee_fine_id, created_at, fee_fine_type_id, loan_id, balance"
}
