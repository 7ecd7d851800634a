//! Orderings for migration files: version numbers compared part by part, and natural file-name
//! order (`2` before `10`). Both compare digit runs as strings, so no number overflows.

use std::cmp::Ordering;

/// Compares two digit strings numerically, of any length: leading zeros aside, a longer number
/// is larger, and equal lengths compare lexically.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The digit runs of a version.
fn version_parts(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Compares versions such as `1`, `1.1`, `2.0.3` or `20240101120000` part by part; parts are the
/// digit runs (separators `.` and `_` alike), and a missing part counts as zero, so `1` equals
/// `1.0` (as in Flyway) and `001` equals `1` (as in sqlx).
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (version_parts(a), version_parts(b));
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or("0");
        let y = b.get(i).copied().unwrap_or("0");
        match cmp_digits(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

/// Natural order of names: runs of ASCII digits compare as numbers, everything else byte by
/// byte (case-sensitive, like `ls` in the C locale). Names that tie (`01` and `1`) fall back to
/// plain byte order, so the order is total and deterministic.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let i_end = i + x[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let j_end = j + y[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            // Digit runs are ASCII, so these slices are on char boundaries.
            match cmp_digits(&a[i..i_end], &b[j..j_end]) {
                Ordering::Equal => {}
                other => return other,
            }
            (i, j) = (i_end, j_end);
        } else {
            match x[i].cmp(&y[j]) {
                Ordering::Equal => {}
                other => return other,
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically_part_by_part() {
        assert_eq!(version_cmp("2", "10"), Ordering::Less);
        assert_eq!(version_cmp("1", "1.1"), Ordering::Less);
        assert_eq!(version_cmp("1.1", "2"), Ordering::Less);
        assert_eq!(version_cmp("1.10", "1.9"), Ordering::Greater);
        assert_eq!(version_cmp("1_1", "1.1"), Ordering::Equal);
        assert_eq!(version_cmp("1", "1.0.0"), Ordering::Equal);
        assert_eq!(version_cmp("001", "1"), Ordering::Equal);
        assert_eq!(version_cmp("2.0.3", "2.0.10"), Ordering::Less);
    }

    #[test]
    fn huge_versions_do_not_overflow() {
        let big = "123456789012345678901234567890";
        let bigger = "123456789012345678901234567891";
        assert_eq!(version_cmp(big, bigger), Ordering::Less);
        assert_eq!(version_cmp(&format!("9{big}"), bigger), Ordering::Greater);
        assert_eq!(
            natural_cmp(&format!("{big}_a.sql"), "9_a.sql"),
            Ordering::Greater
        );
    }

    #[test]
    fn natural_order_puts_2_before_10() {
        let mut names = vec![
            "10-x.sql", "2-x.sql", "1-x.sql", "b.sql", "a10.sql", "a9.sql", "01-y.sql",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            vec![
                "1-x.sql", "01-y.sql", "2-x.sql", "10-x.sql", "a9.sql", "a10.sql", "b.sql"
            ]
        );
    }

    #[test]
    fn natural_order_is_total_on_ties_and_prefixes() {
        assert_eq!(natural_cmp("01", "1"), Ordering::Less);
        assert_eq!(natural_cmp("1", "01"), Ordering::Greater);
        assert_eq!(natural_cmp("a", "a1"), Ordering::Less);
        assert_eq!(natural_cmp("é2", "é10"), Ordering::Less);
        assert_eq!(natural_cmp("same", "same"), Ordering::Equal);
    }
}
