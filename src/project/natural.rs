//! Natural ordering of names: runs of digits compare by their numeric value (`2` before `10`).

use std::cmp::Ordering;

/// Compares `a` and `b` so that digit runs compare numerically: `v2.sql` < `v10.sql`,
/// `seed-9` < `seed-10`. Everything else compares by character. The order is total: strings
/// that compare equal numerically (`01` and `1`) fall back to plain string order, so sorting is
/// deterministic.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(cx), Some(cy)) if cx.is_ascii_digit() && cy.is_ascii_digit() => {
                let (dx, rx) = split_digits(x);
                let (dy, ry) = split_digits(y);
                match cmp_digit_runs(dx, dy) {
                    Ordering::Equal => (x, y) = (rx, ry),
                    other => return other,
                }
            }
            (Some(cx), Some(cy)) => match cx.cmp(&cy) {
                Ordering::Equal => (x, y) = (&x[cx.len_utf8()..], &y[cy.len_utf8()..]),
                other => return other,
            },
        }
    }
}

/// Splits off the leading run of ASCII digits.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// Compares two digit runs by value without parsing, so runs longer than any integer type work.
fn cmp_digit_runs(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_compare_numerically() {
        let mut names = vec![
            "seed10.sql",
            "seed2.sql",
            "seed1.sql",
            "a.sql",
            "seed02.sql",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "a.sql",
                "seed1.sql",
                "seed02.sql",
                "seed2.sql",
                "seed10.sql"
            ]
        );
    }

    #[test]
    fn long_digit_runs_and_prefixes() {
        assert_eq!(natural_cmp("20240101000000_a", "99_b"), Ordering::Greater);
        assert_eq!(natural_cmp("V1__x", "V1_1__y"), Ordering::Greater);
        assert_eq!(natural_cmp("a", "ab"), Ordering::Less);
        assert_eq!(
            natural_cmp("x99999999999999999999999", "x100000000000000000000000"),
            Ordering::Less
        );
        assert_eq!(natural_cmp("é2", "é10"), Ordering::Less);
        assert_eq!(natural_cmp("same", "same"), Ordering::Equal);
    }
}
