//! SQLSTATE codes and PostgreSQL condition names (for `expect.error`), and the mapping of SQLite
//! result codes to SQLSTATE so tests can expect the same errors on every engine.

/// `(sqlstate, class, condition name)` from PostgreSQL 15's `errcodes.txt`, in file order.
/// Class is `S` (success), `W` (warning) or `E` (error).
///
/// Generated (no build script; re-run and paste when PostgreSQL adds codes) with:
/// ```sh
/// awk '$1 ~ /^[0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]$/ && NF == 4 \
///   {printf "    (\"%s\", \x27%s\x27, \"%s\"),\n", $1, $2, $4}' \
///   /usr/share/postgresql/15/errcodes.txt
/// ```
/// Lines without a condition name (aliases such as `ERRCODE_UNDEFINED_CURSOR`) are skipped.
const CODES: &[(&str, char, &str)] = &[
    ("00000", 'S', "successful_completion"),
    ("01000", 'W', "warning"),
    ("0100C", 'W', "dynamic_result_sets_returned"),
    ("01008", 'W', "implicit_zero_bit_padding"),
    ("01003", 'W', "null_value_eliminated_in_set_function"),
    ("01007", 'W', "privilege_not_granted"),
    ("01006", 'W', "privilege_not_revoked"),
    ("01004", 'W', "string_data_right_truncation"),
    ("01P01", 'W', "deprecated_feature"),
    ("02000", 'W', "no_data"),
    ("02001", 'W', "no_additional_dynamic_result_sets_returned"),
    ("03000", 'E', "sql_statement_not_yet_complete"),
    ("08000", 'E', "connection_exception"),
    ("08003", 'E', "connection_does_not_exist"),
    ("08006", 'E', "connection_failure"),
    ("08001", 'E', "sqlclient_unable_to_establish_sqlconnection"),
    (
        "08004",
        'E',
        "sqlserver_rejected_establishment_of_sqlconnection",
    ),
    ("08007", 'E', "transaction_resolution_unknown"),
    ("08P01", 'E', "protocol_violation"),
    ("09000", 'E', "triggered_action_exception"),
    ("0A000", 'E', "feature_not_supported"),
    ("0B000", 'E', "invalid_transaction_initiation"),
    ("0F000", 'E', "locator_exception"),
    ("0F001", 'E', "invalid_locator_specification"),
    ("0L000", 'E', "invalid_grantor"),
    ("0LP01", 'E', "invalid_grant_operation"),
    ("0P000", 'E', "invalid_role_specification"),
    ("0Z000", 'E', "diagnostics_exception"),
    (
        "0Z002",
        'E',
        "stacked_diagnostics_accessed_without_active_handler",
    ),
    ("20000", 'E', "case_not_found"),
    ("21000", 'E', "cardinality_violation"),
    ("22000", 'E', "data_exception"),
    ("2202E", 'E', "array_subscript_error"),
    ("22021", 'E', "character_not_in_repertoire"),
    ("22008", 'E', "datetime_field_overflow"),
    ("22012", 'E', "division_by_zero"),
    ("22005", 'E', "error_in_assignment"),
    ("2200B", 'E', "escape_character_conflict"),
    ("22022", 'E', "indicator_overflow"),
    ("22015", 'E', "interval_field_overflow"),
    ("2201E", 'E', "invalid_argument_for_logarithm"),
    ("22014", 'E', "invalid_argument_for_ntile_function"),
    ("22016", 'E', "invalid_argument_for_nth_value_function"),
    ("2201F", 'E', "invalid_argument_for_power_function"),
    ("2201G", 'E', "invalid_argument_for_width_bucket_function"),
    ("22018", 'E', "invalid_character_value_for_cast"),
    ("22007", 'E', "invalid_datetime_format"),
    ("22019", 'E', "invalid_escape_character"),
    ("2200D", 'E', "invalid_escape_octet"),
    ("22025", 'E', "invalid_escape_sequence"),
    ("22P06", 'E', "nonstandard_use_of_escape_character"),
    ("22010", 'E', "invalid_indicator_parameter_value"),
    ("22023", 'E', "invalid_parameter_value"),
    ("22013", 'E', "invalid_preceding_or_following_size"),
    ("2201B", 'E', "invalid_regular_expression"),
    ("2201W", 'E', "invalid_row_count_in_limit_clause"),
    ("2201X", 'E', "invalid_row_count_in_result_offset_clause"),
    ("2202H", 'E', "invalid_tablesample_argument"),
    ("2202G", 'E', "invalid_tablesample_repeat"),
    ("22009", 'E', "invalid_time_zone_displacement_value"),
    ("2200C", 'E', "invalid_use_of_escape_character"),
    ("2200G", 'E', "most_specific_type_mismatch"),
    ("22004", 'E', "null_value_not_allowed"),
    ("22002", 'E', "null_value_no_indicator_parameter"),
    ("22003", 'E', "numeric_value_out_of_range"),
    ("2200H", 'E', "sequence_generator_limit_exceeded"),
    ("22026", 'E', "string_data_length_mismatch"),
    ("22001", 'E', "string_data_right_truncation"),
    ("22011", 'E', "substring_error"),
    ("22027", 'E', "trim_error"),
    ("22024", 'E', "unterminated_c_string"),
    ("2200F", 'E', "zero_length_character_string"),
    ("22P01", 'E', "floating_point_exception"),
    ("22P02", 'E', "invalid_text_representation"),
    ("22P03", 'E', "invalid_binary_representation"),
    ("22P04", 'E', "bad_copy_file_format"),
    ("22P05", 'E', "untranslatable_character"),
    ("2200L", 'E', "not_an_xml_document"),
    ("2200M", 'E', "invalid_xml_document"),
    ("2200N", 'E', "invalid_xml_content"),
    ("2200S", 'E', "invalid_xml_comment"),
    ("2200T", 'E', "invalid_xml_processing_instruction"),
    ("22030", 'E', "duplicate_json_object_key_value"),
    (
        "22031",
        'E',
        "invalid_argument_for_sql_json_datetime_function",
    ),
    ("22032", 'E', "invalid_json_text"),
    ("22033", 'E', "invalid_sql_json_subscript"),
    ("22034", 'E', "more_than_one_sql_json_item"),
    ("22035", 'E', "no_sql_json_item"),
    ("22036", 'E', "non_numeric_sql_json_item"),
    ("22037", 'E', "non_unique_keys_in_a_json_object"),
    ("22038", 'E', "singleton_sql_json_item_required"),
    ("22039", 'E', "sql_json_array_not_found"),
    ("2203A", 'E', "sql_json_member_not_found"),
    ("2203B", 'E', "sql_json_number_not_found"),
    ("2203C", 'E', "sql_json_object_not_found"),
    ("2203D", 'E', "too_many_json_array_elements"),
    ("2203E", 'E', "too_many_json_object_members"),
    ("2203F", 'E', "sql_json_scalar_required"),
    ("2203G", 'E', "sql_json_item_cannot_be_cast_to_target_type"),
    ("23000", 'E', "integrity_constraint_violation"),
    ("23001", 'E', "restrict_violation"),
    ("23502", 'E', "not_null_violation"),
    ("23503", 'E', "foreign_key_violation"),
    ("23505", 'E', "unique_violation"),
    ("23514", 'E', "check_violation"),
    ("23P01", 'E', "exclusion_violation"),
    ("24000", 'E', "invalid_cursor_state"),
    ("25000", 'E', "invalid_transaction_state"),
    ("25001", 'E', "active_sql_transaction"),
    ("25002", 'E', "branch_transaction_already_active"),
    ("25008", 'E', "held_cursor_requires_same_isolation_level"),
    (
        "25003",
        'E',
        "inappropriate_access_mode_for_branch_transaction",
    ),
    (
        "25004",
        'E',
        "inappropriate_isolation_level_for_branch_transaction",
    ),
    (
        "25005",
        'E',
        "no_active_sql_transaction_for_branch_transaction",
    ),
    ("25006", 'E', "read_only_sql_transaction"),
    (
        "25007",
        'E',
        "schema_and_data_statement_mixing_not_supported",
    ),
    ("25P01", 'E', "no_active_sql_transaction"),
    ("25P02", 'E', "in_failed_sql_transaction"),
    ("25P03", 'E', "idle_in_transaction_session_timeout"),
    ("26000", 'E', "invalid_sql_statement_name"),
    ("27000", 'E', "triggered_data_change_violation"),
    ("28000", 'E', "invalid_authorization_specification"),
    ("28P01", 'E', "invalid_password"),
    ("2B000", 'E', "dependent_privilege_descriptors_still_exist"),
    ("2BP01", 'E', "dependent_objects_still_exist"),
    ("2D000", 'E', "invalid_transaction_termination"),
    ("2F000", 'E', "sql_routine_exception"),
    ("2F005", 'E', "function_executed_no_return_statement"),
    ("2F002", 'E', "modifying_sql_data_not_permitted"),
    ("2F003", 'E', "prohibited_sql_statement_attempted"),
    ("2F004", 'E', "reading_sql_data_not_permitted"),
    ("34000", 'E', "invalid_cursor_name"),
    ("38000", 'E', "external_routine_exception"),
    ("38001", 'E', "containing_sql_not_permitted"),
    ("38002", 'E', "modifying_sql_data_not_permitted"),
    ("38003", 'E', "prohibited_sql_statement_attempted"),
    ("38004", 'E', "reading_sql_data_not_permitted"),
    ("39000", 'E', "external_routine_invocation_exception"),
    ("39001", 'E', "invalid_sqlstate_returned"),
    ("39004", 'E', "null_value_not_allowed"),
    ("39P01", 'E', "trigger_protocol_violated"),
    ("39P02", 'E', "srf_protocol_violated"),
    ("39P03", 'E', "event_trigger_protocol_violated"),
    ("3B000", 'E', "savepoint_exception"),
    ("3B001", 'E', "invalid_savepoint_specification"),
    ("3D000", 'E', "invalid_catalog_name"),
    ("3F000", 'E', "invalid_schema_name"),
    ("40000", 'E', "transaction_rollback"),
    ("40002", 'E', "transaction_integrity_constraint_violation"),
    ("40001", 'E', "serialization_failure"),
    ("40003", 'E', "statement_completion_unknown"),
    ("40P01", 'E', "deadlock_detected"),
    ("42000", 'E', "syntax_error_or_access_rule_violation"),
    ("42601", 'E', "syntax_error"),
    ("42501", 'E', "insufficient_privilege"),
    ("42846", 'E', "cannot_coerce"),
    ("42803", 'E', "grouping_error"),
    ("42P20", 'E', "windowing_error"),
    ("42P19", 'E', "invalid_recursion"),
    ("42830", 'E', "invalid_foreign_key"),
    ("42602", 'E', "invalid_name"),
    ("42622", 'E', "name_too_long"),
    ("42939", 'E', "reserved_name"),
    ("42804", 'E', "datatype_mismatch"),
    ("42P18", 'E', "indeterminate_datatype"),
    ("42P21", 'E', "collation_mismatch"),
    ("42P22", 'E', "indeterminate_collation"),
    ("42809", 'E', "wrong_object_type"),
    ("428C9", 'E', "generated_always"),
    ("42703", 'E', "undefined_column"),
    ("42883", 'E', "undefined_function"),
    ("42P01", 'E', "undefined_table"),
    ("42P02", 'E', "undefined_parameter"),
    ("42704", 'E', "undefined_object"),
    ("42701", 'E', "duplicate_column"),
    ("42P03", 'E', "duplicate_cursor"),
    ("42P04", 'E', "duplicate_database"),
    ("42723", 'E', "duplicate_function"),
    ("42P05", 'E', "duplicate_prepared_statement"),
    ("42P06", 'E', "duplicate_schema"),
    ("42P07", 'E', "duplicate_table"),
    ("42712", 'E', "duplicate_alias"),
    ("42710", 'E', "duplicate_object"),
    ("42702", 'E', "ambiguous_column"),
    ("42725", 'E', "ambiguous_function"),
    ("42P08", 'E', "ambiguous_parameter"),
    ("42P09", 'E', "ambiguous_alias"),
    ("42P10", 'E', "invalid_column_reference"),
    ("42611", 'E', "invalid_column_definition"),
    ("42P11", 'E', "invalid_cursor_definition"),
    ("42P12", 'E', "invalid_database_definition"),
    ("42P13", 'E', "invalid_function_definition"),
    ("42P14", 'E', "invalid_prepared_statement_definition"),
    ("42P15", 'E', "invalid_schema_definition"),
    ("42P16", 'E', "invalid_table_definition"),
    ("42P17", 'E', "invalid_object_definition"),
    ("44000", 'E', "with_check_option_violation"),
    ("53000", 'E', "insufficient_resources"),
    ("53100", 'E', "disk_full"),
    ("53200", 'E', "out_of_memory"),
    ("53300", 'E', "too_many_connections"),
    ("53400", 'E', "configuration_limit_exceeded"),
    ("54000", 'E', "program_limit_exceeded"),
    ("54001", 'E', "statement_too_complex"),
    ("54011", 'E', "too_many_columns"),
    ("54023", 'E', "too_many_arguments"),
    ("55000", 'E', "object_not_in_prerequisite_state"),
    ("55006", 'E', "object_in_use"),
    ("55P02", 'E', "cant_change_runtime_param"),
    ("55P03", 'E', "lock_not_available"),
    ("55P04", 'E', "unsafe_new_enum_value_usage"),
    ("57000", 'E', "operator_intervention"),
    ("57014", 'E', "query_canceled"),
    ("57P01", 'E', "admin_shutdown"),
    ("57P02", 'E', "crash_shutdown"),
    ("57P03", 'E', "cannot_connect_now"),
    ("57P04", 'E', "database_dropped"),
    ("57P05", 'E', "idle_session_timeout"),
    ("58000", 'E', "system_error"),
    ("58030", 'E', "io_error"),
    ("58P01", 'E', "undefined_file"),
    ("58P02", 'E', "duplicate_file"),
    ("72000", 'E', "snapshot_too_old"),
    ("F0000", 'E', "config_file_error"),
    ("F0001", 'E', "lock_file_exists"),
    ("HV000", 'E', "fdw_error"),
    ("HV005", 'E', "fdw_column_name_not_found"),
    ("HV002", 'E', "fdw_dynamic_parameter_value_needed"),
    ("HV010", 'E', "fdw_function_sequence_error"),
    ("HV021", 'E', "fdw_inconsistent_descriptor_information"),
    ("HV024", 'E', "fdw_invalid_attribute_value"),
    ("HV007", 'E', "fdw_invalid_column_name"),
    ("HV008", 'E', "fdw_invalid_column_number"),
    ("HV004", 'E', "fdw_invalid_data_type"),
    ("HV006", 'E', "fdw_invalid_data_type_descriptors"),
    ("HV091", 'E', "fdw_invalid_descriptor_field_identifier"),
    ("HV00B", 'E', "fdw_invalid_handle"),
    ("HV00C", 'E', "fdw_invalid_option_index"),
    ("HV00D", 'E', "fdw_invalid_option_name"),
    ("HV090", 'E', "fdw_invalid_string_length_or_buffer_length"),
    ("HV00A", 'E', "fdw_invalid_string_format"),
    ("HV009", 'E', "fdw_invalid_use_of_null_pointer"),
    ("HV014", 'E', "fdw_too_many_handles"),
    ("HV001", 'E', "fdw_out_of_memory"),
    ("HV00P", 'E', "fdw_no_schemas"),
    ("HV00J", 'E', "fdw_option_name_not_found"),
    ("HV00K", 'E', "fdw_reply_handle"),
    ("HV00Q", 'E', "fdw_schema_not_found"),
    ("HV00R", 'E', "fdw_table_not_found"),
    ("HV00L", 'E', "fdw_unable_to_create_execution"),
    ("HV00M", 'E', "fdw_unable_to_create_reply"),
    ("HV00N", 'E', "fdw_unable_to_establish_connection"),
    ("P0000", 'E', "plpgsql_error"),
    ("P0001", 'E', "raise_exception"),
    ("P0002", 'E', "no_data_found"),
    ("P0003", 'E', "too_many_rows"),
    ("P0004", 'E', "assert_failure"),
    ("XX000", 'E', "internal_error"),
    ("XX001", 'E', "data_corrupted"),
    ("XX002", 'E', "index_corrupted"),
];

/// The SQLSTATE that `written` stands for: a known five-character code (any case) or a
/// PostgreSQL condition name (any case, e.g. `check_violation` → `23514`).
///
/// A few names stand for two codes in `errcodes.txt`; the error-class one wins
/// (`string_data_right_truncation` → `22001`, not the warning `01004`), then the first listed
/// (`null_value_not_allowed` → `22004`, not `39004`).
pub fn sqlstate_for(written: &str) -> Option<&'static str> {
    let written = written.trim();
    if written.len() == 5 {
        let upper = written.to_ascii_uppercase();
        if let Some((code, _, _)) = CODES.iter().find(|(code, _, _)| *code == upper) {
            return Some(code);
        }
    }
    let lower = written.to_ascii_lowercase();
    let mut named = CODES.iter().filter(|(_, _, name)| *name == lower);
    let first = named.clone().next();
    named
        .find(|(_, class, _)| *class == 'E')
        .or(first)
        .map(|(code, _, _)| *code)
}

/// The condition name of a SQLSTATE (`23505` → `unique_violation`), if PostgreSQL names it.
pub fn condition_name(sqlstate: &str) -> Option<&'static str> {
    let upper = sqlstate.trim().to_ascii_uppercase();
    CODES
        .iter()
        .find(|(code, _, _)| *code == upper)
        .map(|(_, _, name)| *name)
}

/// Every condition name, for "did you mean" suggestions.
pub fn condition_names() -> impl Iterator<Item = &'static str> {
    CODES.iter().map(|(_, _, name)| *name)
}

/// Whether `s` has the shape of an SQLSTATE: five digits or uppercase letters (any case
/// accepted), e.g. a user-defined code raised with `RAISE ... USING ERRCODE = 'P0042'`.
pub fn is_sqlstate_shaped(s: &str) -> bool {
    s.len() == 5 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The SQLSTATE for a SQLite error, from its extended result code and message.
///
/// Constraint codes map to PostgreSQL's integrity classes: UNIQUE (2067) and PRIMARYKEY (1555)
/// → `23505`, NOTNULL (1299) → `23502`, CHECK (275) → `23514`, FOREIGNKEY (787) → `23503`,
/// TRIGGER (1811, raised by `RAISE(ABORT|FAIL|ROLLBACK, ...)`) → `P0001` (`raise_exception`,
/// what PL/pgSQL's `RAISE EXCEPTION` gives), ROWID (2579) → `23505`, DATATYPE (3091, STRICT
/// tables) → `42804`, any other constraint → `23000`.
///
/// Generic `SQLITE_ERROR` (1, and its extended forms) is classified by message, since SQLite
/// reports most compile errors that way: "no such table" → `42P01`, "no such column" →
/// `42703`, "no such function" → `42883`, "syntax error" / "incomplete input" → `42601`,
/// "already exists" → `42P07`, "ambiguous column name" → `42702`, "integer overflow" →
/// `22003`; anything else → `42000` (`syntax_error_or_access_rule_violation`, the class of
/// statement errors).
///
/// Other primary codes: BUSY/LOCKED (5, 6) → `55P03`, READONLY (8) → `25006`, INTERRUPT (9) →
/// `57014`, TOOBIG (18) → `54000`, MISMATCH (20) → `42804`, RANGE (25) → `22023`. Codes with no
/// sensible SQLSTATE (I/O, corruption, misuse) give `None`.
pub fn sqlite_sqlstate(extended_code: i32, message: &str) -> Option<&'static str> {
    const SQLITE_ERROR: i32 = 1;
    const SQLITE_CONSTRAINT: i32 = 19;
    match extended_code {
        2067 | 1555 | 2579 => return Some("23505"),
        1299 => return Some("23502"),
        275 => return Some("23514"),
        787 => return Some("23503"),
        1811 => return Some("P0001"),
        3091 => return Some("42804"),
        _ => {}
    }
    match extended_code & 0xff {
        SQLITE_CONSTRAINT => Some("23000"),
        SQLITE_ERROR => {
            let m = message.to_ascii_lowercase();
            Some(if m.contains("no such table") {
                "42P01"
            } else if m.contains("no such column") {
                "42703"
            } else if m.contains("no such function") {
                "42883"
            } else if m.contains("syntax error") || m.contains("incomplete input") {
                "42601"
            } else if m.contains("already exists") {
                "42P07"
            } else if m.contains("ambiguous column name") {
                "42702"
            } else if m.contains("integer overflow") {
                "22003"
            } else {
                "42000"
            })
        }
        5 | 6 => Some("55P03"),
        8 => Some("25006"),
        9 => Some("57014"),
        18 => Some("54000"),
        20 => Some("42804"),
        25 => Some("22023"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_resolve_both_ways() {
        assert_eq!(sqlstate_for("check_violation"), Some("23514"));
        assert_eq!(sqlstate_for("Unique_Violation"), Some("23505"));
        assert_eq!(sqlstate_for("23514"), Some("23514"));
        assert_eq!(sqlstate_for("42p01"), Some("42P01"));
        assert_eq!(sqlstate_for("raise_exception"), Some("P0001"));
        assert_eq!(sqlstate_for("check_violaton"), None);
        assert_eq!(sqlstate_for("99999"), None);
        assert_eq!(condition_name("23505"), Some("unique_violation"));
        assert_eq!(condition_name("42p01"), Some("undefined_table"));
        assert_eq!(condition_name("ZZZZZ"), None);
    }

    #[test]
    fn ambiguous_names_prefer_the_error_class_then_the_first() {
        assert_eq!(sqlstate_for("string_data_right_truncation"), Some("22001"));
        assert_eq!(sqlstate_for("null_value_not_allowed"), Some("22004"));
        assert_eq!(
            CODES.len(),
            260,
            "the table holds every named code of errcodes.txt"
        );
    }

    #[test]
    fn sqlite_codes_map_to_postgres_sqlstates() {
        assert_eq!(
            sqlite_sqlstate(2067, "UNIQUE constraint failed: t.id"),
            Some("23505")
        );
        assert_eq!(
            sqlite_sqlstate(1555, "UNIQUE constraint failed: t.id"),
            Some("23505")
        );
        assert_eq!(
            sqlite_sqlstate(1299, "NOT NULL constraint failed: t.a"),
            Some("23502")
        );
        assert_eq!(
            sqlite_sqlstate(275, "CHECK constraint failed: a > 0"),
            Some("23514")
        );
        assert_eq!(
            sqlite_sqlstate(787, "FOREIGN KEY constraint failed"),
            Some("23503")
        );
        assert_eq!(sqlite_sqlstate(1811, "negative amount"), Some("P0001"));
        assert_eq!(sqlite_sqlstate(19, "constraint failed"), Some("23000"));
        assert_eq!(sqlite_sqlstate(1, "no such table: orders"), Some("42P01"));
        assert_eq!(sqlite_sqlstate(1, "no such column: amount"), Some("42703"));
        assert_eq!(
            sqlite_sqlstate(1, "near \"selec\": syntax error"),
            Some("42601")
        );
        assert_eq!(sqlite_sqlstate(1, "something else"), Some("42000"));
        assert_eq!(sqlite_sqlstate(10, "disk I/O error"), None);
    }
}
