//! Exact decimal numbers for comparison: `108` equals `108.00`, `1e3` equals `1000`.
//!
//! A number is normalised to `digits × 10^exponent` with no leading or trailing zeros in
//! `digits`, so two spellings of one value compare equal structurally, without rounding.

/// A number parsed from text, normalised so that equal values are equal structs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Num {
    /// `digits × 10^exponent`, negated when `negative`. Zero is `digits: ""`, never negative.
    Finite {
        negative: bool,
        digits: String,
        exponent: i64,
    },
    /// Not-a-number; equal to itself here, because a test expecting `NaN` should pass on `NaN`.
    NaN,
    Infinity,
    NegInfinity,
}

impl Num {
    /// Parses decimal text: an optional sign, digits with an optional point, an optional
    /// exponent (`1.5e-3`), or `NaN` / `Infinity` / `inf` / `.inf` in any case.
    /// Surrounding whitespace is ignored. Anything else is `None`.
    pub(crate) fn parse(text: &str) -> Option<Num> {
        let text = text.trim();
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        match body.to_ascii_lowercase().as_str() {
            "nan" | ".nan" => return Some(Num::NaN),
            "inf" | "infinity" | ".inf" => {
                return Some(if negative {
                    Num::NegInfinity
                } else {
                    Num::Infinity
                });
            }
            _ => {}
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(at) => (&body[..at], body[at + 1..].parse::<i64>().ok()?),
            None => (body, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return None;
        }
        let frac_len = i64::try_from(frac_part.len()).ok()?;
        let digits = format!("{int_part}{frac_part}");
        normalise(negative, &digits, exponent.checked_sub(frac_len)?)
    }

    /// The number a JSON (YAML) number stands for.
    pub(crate) fn from_json(number: &serde_json::Number) -> Option<Num> {
        Num::parse(&number.to_string())
    }

    /// The exact value of an integer.
    pub(crate) fn from_i64(value: i64) -> Option<Num> {
        normalise(value < 0, &value.unsigned_abs().to_string(), 0)
    }

    /// The shortest decimal that reads back as `value` (what PostgreSQL and SQLite print).
    pub(crate) fn from_f64(value: f64) -> Option<Num> {
        if value.is_nan() {
            Some(Num::NaN)
        } else if value.is_infinite() {
            Some(if value > 0.0 {
                Num::Infinity
            } else {
                Num::NegInfinity
            })
        } else {
            Num::parse(&format!("{value:e}"))
        }
    }
}

fn normalise(negative: bool, digits: &str, exponent: i64) -> Option<Num> {
    let digits = digits.trim_start_matches('0');
    let kept = digits.trim_end_matches('0');
    if kept.is_empty() {
        // Zero has no sign: `-0` and `0.000` are the same value.
        return Some(Num::Finite {
            negative: false,
            digits: String::new(),
            exponent: 0,
        });
    }
    let trailing = i64::try_from(digits.len() - kept.len()).ok()?;
    Some(Num::Finite {
        negative,
        digits: kept.to_string(),
        exponent: exponent.checked_add(trailing)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Num {
        Num::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn equal_values_written_differently_are_equal() {
        assert_eq!(num("108"), num("108.00"));
        assert_eq!(num("1e3"), num("1000"));
        assert_eq!(num("1E+3"), num("1000.0"));
        assert_eq!(num("0.5"), num(".5"));
        assert_eq!(num("5."), num("5"));
        assert_eq!(num("00012.3400"), num("12.34"));
        assert_eq!(num("1.5e-3"), num("0.0015"));
        assert_eq!(num("+7"), num("7"));
        assert_eq!(num(" 42 "), num("42"));
    }

    #[test]
    fn zero_has_no_sign() {
        assert_eq!(num("-0"), num("0"));
        assert_eq!(num("-0.000"), num("0e10"));
    }

    #[test]
    fn different_values_differ() {
        assert_ne!(num("108"), num("108.01"));
        assert_ne!(num("-1"), num("1"));
        assert_ne!(num("10"), num("1"));
        assert_ne!(num("0.1"), num("0.01"));
        // Beyond f64 precision: still exact.
        assert_ne!(
            num("12345678901234567890.12"),
            num("12345678901234567890.13")
        );
    }

    #[test]
    fn special_values() {
        assert_eq!(num("NaN"), Num::NaN);
        assert_eq!(num(".nan"), Num::NaN);
        assert_eq!(num("Infinity"), Num::Infinity);
        assert_eq!(num("inf"), Num::Infinity);
        assert_eq!(num("-Infinity"), Num::NegInfinity);
        assert_eq!(num("-.inf"), Num::NegInfinity);
        assert_ne!(num("Infinity"), num("-Infinity"));
    }

    #[test]
    fn rejects_non_numbers() {
        for s in [
            "", "-", ".", "abc", "1.2.3", "1e", "e5", "0x10", "1,000", "12a", "$5", "1 2",
        ] {
            assert_eq!(Num::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn huge_exponents_do_not_overflow() {
        assert_eq!(Num::parse("1e99999999999999999999"), None);
        assert_eq!(Num::parse(&format!("1.5e{}", i64::MIN)), None);
        assert_eq!(Num::parse(&format!("10e{}", i64::MAX)), None);
    }

    #[test]
    fn from_other_representations() {
        assert_eq!(Num::from_i64(-120), Some(num("-1.2e2")));
        assert_eq!(Num::from_i64(i64::MIN), Some(num("-9223372036854775808")));
        assert_eq!(Num::from_f64(108.0), Some(num("108.00")));
        assert_eq!(Num::from_f64(0.1), Some(num("0.1")));
        assert_eq!(Num::from_f64(f64::NAN), Some(Num::NaN));
        assert_eq!(Num::from_f64(f64::NEG_INFINITY), Some(Num::NegInfinity));
        let json: serde_json::Value = serde_json::from_str("[1e21, 108.5, -3]").unwrap_or_default();
        let parsed: Vec<Option<Num>> = json
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_number())
            .map(Num::from_json)
            .collect();
        assert_eq!(
            parsed,
            vec![
                Some(num("1000000000000000000000")),
                Some(num("108.50")),
                Some(num("-3"))
            ]
        );
    }
}
