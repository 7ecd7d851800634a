//! Temporary: replaced by the loader branch's generated table.
pub fn sqlite_sqlstate(code: i32, _message: &str) -> Option<&'static str> {
    match code {
        2067 | 1555 => Some("23505"),
        1299 => Some("23502"),
        275 => Some("23514"),
        787 => Some("23503"),
        _ => None,
    }
}
