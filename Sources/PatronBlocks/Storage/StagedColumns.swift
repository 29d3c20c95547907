/// The columns a staged loan and a staged fee are read back from, in the order both backends'
/// row readers (`SQLiteStagedRows`, `PostgresStagedRows`) decode them: one list for the
/// rebuild's ordered read and an audit's read of one patron.
enum StagedColumns {
    /// Qualified by the alias `l` every read gives the loans table (the rebuild joins the grace
    /// periods, which have a `loan_id` too).
    static let loans = "l.user_id, l.loan_id, l.created_at, l.due_date, l.item_status, l.recall"

    static let fees = "user_id, fee_fine_id, created_at, fee_fine_type_id, loan_id, balance"
}
