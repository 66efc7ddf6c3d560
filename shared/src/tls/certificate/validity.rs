//! The validity period: RFC 5280's UTCTime and GeneralizedTime as UNIX
//! seconds.

use super::super::der::{self, DerError, Reader};

/// Reads Validity: (notBefore, notAfter) in UNIX seconds.
pub(super) fn validity(reader: &mut Reader<'_>) -> Result<(i64, i64), DerError> {
    let mut validity = Reader::new(reader.expect(der::SEQUENCE)?);
    let not_before = time(validity.read()?)?;
    let not_after = time(validity.read()?)?;
    validity.finish()?;
    Ok((not_before, not_after))
}

/// A Time in RFC 5280's forms: UTCTime `YYMMDDHHMMSSZ` (YY < 50 is 20YY)
/// or GeneralizedTime `YYYYMMDDHHMMSSZ`, as UNIX seconds.
/// <https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5>
fn time(tlv: der::Tlv<'_>) -> Result<i64, DerError> {
    let (year, rest) = match tlv.tag {
        der::UTC_TIME if tlv.value.len() == 13 => {
            let yy = digits(&tlv.value[..2])?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &tlv.value[2..])
        }
        der::GENERALIZED_TIME if tlv.value.len() == 15 => {
            (digits(&tlv.value[..4])?, &tlv.value[4..])
        }
        der::UTC_TIME | der::GENERALIZED_TIME => return Err(DerError::BadValue),
        found => {
            return Err(DerError::UnexpectedTag {
                expected: der::UTC_TIME,
                found,
            })
        }
    };
    // `rest` is MMDDHHMMSSZ: 11 bytes, by the lengths matched above.
    if rest.get(10) != Some(&b'Z') {
        return Err(DerError::BadValue);
    }
    let field = |i: usize| {
        rest.get(i..i + 2)
            .ok_or(DerError::BadValue)
            .and_then(digits)
    };
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(DerError::BadValue);
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// ASCII decimal digits as a number (at most 4 of them here).
fn digits(bytes: &[u8]) -> Result<i64, DerError> {
    bytes.iter().try_fold(0, |acc, &b| {
        if b.is_ascii_digit() {
            Ok(acc * 10 + i64::from(b - b'0'))
        } else {
            Err(DerError::BadValue)
        }
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`, the inverse of the report's date formatting).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn times_follow_rfc5280() {
        let utc = |s: &str| {
            time(der::Tlv {
                tag: der::UTC_TIME,
                value: s.as_bytes(),
            })
        };
        let general = |s: &str| {
            time(der::Tlv {
                tag: der::GENERALIZED_TIME,
                value: s.as_bytes(),
            })
        };
        assert_eq!(utc("491231235959Z"), Ok(2_524_607_999));
        assert_eq!(utc("500101000000Z"), Ok(-631_152_000));
        assert_eq!(general("20240229120000Z"), Ok(1_709_208_000));
        for bad in [
            "250230000000Z",
            "251301000000Z",
            "250101240000Z",
            "250101000060Z",
            "2501010000Z",
            "250101000000+",
            "2501010000-0Z",
        ] {
            assert_eq!(utc(bad), Err(DerError::BadValue), "{bad}");
        }
        for bad in ["21000229000000Z", "20250101000000.5Z", "2025010100000Z"] {
            assert_eq!(general(bad), Err(DerError::BadValue), "{bad}");
        }
        assert!(matches!(
            time(der::Tlv {
                tag: der::INTEGER,
                value: b""
            }),
            Err(DerError::UnexpectedTag { .. })
        ));
    }
}
