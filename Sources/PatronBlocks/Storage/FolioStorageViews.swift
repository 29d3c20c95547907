/// Views of mod-patron-blocks' own tables (`user_summary`, `patron_block_conditions`,
/// `patron_block_limits`: `id uuid`, `jsonb jsonb`) over this service's tables, for FOLIO's Lists
/// app, which reads them directly. Their JSON follows `Representation` field for field; the
/// tests compare each view row with the API's answer.
enum FolioStorageViews {
    /// A timestamp as `FolioDate.format` writes it: UTC, milliseconds, `+00:00`.
    private static func folioDate(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"')"#
    }

    static func sql(_ s: String) -> String {
        """
        CREATE VIEW \(s).user_summary AS
          SELECT summary.id, jsonb_build_object(
            'id', summary.id,
            'userId', summary.user_id,
            'openLoans', COALESCE((
              SELECT jsonb_agg(jsonb_build_object(
                  'loanId', loan.loan_id, 'dueDate', \(folioDate("loan.due_date")), 'recall', loan.recall,
                  'itemLost', loan.item_lost, 'itemClaimedReturned', loan.claimed_returned)
                || CASE WHEN loan.grace_duration IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('gracePeriod', jsonb_build_object('duration', loan.grace_duration, 'intervalId', loan.grace_interval)) END
                ORDER BY loan.position)
              FROM \(s).summary_loans loan WHERE loan.user_id = summary.user_id), '[]'::jsonb),
            'openFeesFines', COALESCE((
              SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                  'feeFineId', fee.fee_fine_id, 'balance', fee.balance, 'feeFineTypeId', fee.fee_fine_type_id, 'loanId', fee.loan_id))
                ORDER BY fee.position)
              FROM \(s).summary_fees fee WHERE fee.user_id = summary.user_id), '[]'::jsonb)
          ) AS jsonb
          FROM \(s).summaries summary;
        CREATE VIEW \(s).patron_block_conditions AS
          SELECT id, jsonb_build_object(
            'id', id, 'name', name, 'blockBorrowing', block_borrowing, 'blockRenewals', block_renewals,
            'blockRequests', block_requests, 'valueType', value_type, 'message', message) AS jsonb
          FROM \(s).block_conditions;
        CREATE VIEW \(s).patron_block_limits AS
          SELECT id, jsonb_build_object('id', id, 'patronGroupId', patron_group_id, 'conditionId', condition_id, 'value', value) AS jsonb
          FROM \(s).block_limits;
        """
    }
}
