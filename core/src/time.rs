//! Time: unix seconds to and from `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`), and ISO-8601 `Expiration`
//! parsing.
//!
//! The core never reads a clock: the caller passes unix seconds (PROTOCOL.md A5: "take the clock once").

use crate::Error;

/// Seconds since 1970-01-01T00:00:00Z, supplied by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

/// Largest supported instant: 9999-12-31T23:59:59Z.
pub const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// An `X-Amz-Date` value, `YYYYMMDD'T'HHMMSS'Z'` (always 16 ASCII bytes, UTC).
///
/// ```
/// use mongodb_aws_core::time::{AmzDate, UnixTime};
/// let d = AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap();
/// assert_eq!(d.as_str(), "20150830T123600Z");
/// assert_eq!(d.date(), "20150830");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AmzDate([u8; 16]);

impl AmzDate {
    /// Formats unix seconds as an `X-Amz-Date`. Errors with [`Error::InvalidTime`] after 9999-12-31.
    pub fn from_unix(t: UnixTime) -> Result<AmzDate, Error> {
        if t.0 > MAX_UNIX_SECONDS {
            return Err(Error::InvalidTime);
        }
        let days = t.0 / 86_400;
        let rem = t.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
        let mut out = [0u8; 16];
        let digits = [
            (y / 1000) % 10,
            (y / 100) % 10,
            (y / 10) % 10,
            y % 10,
            m / 10,
            m % 10,
            d / 10,
            d % 10,
        ];
        for (o, v) in out.iter_mut().zip(digits) {
            *o = b'0' + v as u8;
        }
        let tail = [
            b'T',
            digit(hh / 10),
            digit(hh % 10),
            digit(mm / 10),
            digit(mm % 10),
            digit(ss / 10),
            digit(ss % 10),
            b'Z',
        ];
        for (o, v) in out.iter_mut().skip(8).zip(tail) {
            *o = v;
        }
        Ok(AmzDate(out))
    }

    /// Parses and validates an `X-Amz-Date` (calendar date and time checked; errors with
    /// [`Error::InvalidAmzDate`]).
    pub fn parse(s: &str) -> Result<AmzDate, Error> {
        let b: [u8; 16] = s.as_bytes().try_into().map_err(|_| Error::InvalidAmzDate)?;
        let [y0, y1, y2, y3, m0, m1, d0, d1, t, h0, h1, n0, n1, s0, s1, z] = b;
        if t != b'T' || z != b'Z' {
            return Err(Error::InvalidAmzDate);
        }
        let num = |ds: &[u8]| -> Result<u64, Error> {
            ds.iter().try_fold(0u64, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u64::from(c - b'0'))
                } else {
                    Err(Error::InvalidAmzDate)
                }
            })
        };
        let (y, m, d) = (num(&[y0, y1, y2, y3])?, num(&[m0, m1])?, num(&[d0, d1])?);
        let (hh, mm, ss) = (num(&[h0, h1])?, num(&[n0, n1])?, num(&[s0, s1])?);
        days_from_civil(y, m, d).ok_or(Error::InvalidAmzDate)?;
        if hh > 23 || mm > 59 || ss > 59 {
            return Err(Error::InvalidAmzDate);
        }
        Ok(AmzDate(b))
    }

    /// The unix seconds this date stands for.
    pub fn to_unix(&self) -> UnixTime {
        let n = |a: u8, b: u8| u64::from(a - b'0') * 10 + u64::from(b - b'0');
        let [y0, y1, y2, y3, m0, m1, d0, d1, _, h0, h1, n0, n1, s0, s1, _] = self.0;
        let y = n(y0, y1) * 100 + n(y2, y3);
        let days = days_from_civil(y, n(m0, m1), n(d0, d1)).unwrap_or(0);
        UnixTime(days * 86_400 + n(h0, h1) * 3600 + n(n0, n1) * 60 + n(s0, s1))
    }

    /// The whole value, e.g. `20150830T123600Z`.
    pub fn as_str(&self) -> &str {
        // Always ASCII digits, 'T' and 'Z' by construction.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The 16 ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The date part as bytes, `YYYYMMDD` (no UTF-8 re-validation; for hot paths).
    pub fn date_bytes(&self) -> &[u8; 8] {
        // Always Some: the value is 16 bytes long.
        self.0.first_chunk::<8>().unwrap_or(&[b'0'; 8])
    }

    /// The date part, `YYYYMMDD`, used in the credential scope.
    pub fn date(&self) -> &str {
        self.as_str().get(..8).unwrap_or("")
    }
}

fn digit(v: u64) -> u8 {
    b'0' + (v % 10) as u8
}

/// Days since 1970-01-01 to (year, month, day). Howard Hinnant's `civil_from_days`, for days >= 0.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: u64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// (year, month, day) to days since 1970-01-01; `None` if the date is invalid or before 1970.
fn days_from_civil(y: u64, m: u64, d: u64) -> Option<u64> {
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let mdays = match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d > mdays {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// Parses an ISO-8601 / RFC 3339 UTC timestamp as AWS endpoints send it in `Expiration`:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00|±HH:MM)`. Fractions are truncated; offsets are applied.
///
/// ```
/// use mongodb_aws_core::time::{parse_iso8601, UnixTime};
/// assert_eq!(parse_iso8601("2023-02-07T20:04:27Z"), Ok(UnixTime(1_675_800_267)));
/// assert_eq!(parse_iso8601("2023-02-07T21:04:27.123+01:00"), Ok(UnixTime(1_675_800_267)));
/// ```
pub fn parse_iso8601(s: &str) -> Result<UnixTime, Error> {
    let b = s.as_bytes();
    let head: &[u8; 19] = b
        .get(..19)
        .and_then(|h| h.try_into().ok())
        .ok_or(Error::InvalidTimestamp)?;
    let [y0, y1, y2, y3, dash1, m0, m1, dash2, d0, d1, t, h0, h1, c1, n0, n1, c2, s0, s1] = *head;
    if dash1 != b'-'
        || dash2 != b'-'
        || !(t == b'T' || t == b't' || t == b' ')
        || c1 != b':'
        || c2 != b':'
    {
        return Err(Error::InvalidTimestamp);
    }
    let num = |ds: &[u8]| -> Result<u64, Error> {
        ds.iter().try_fold(0u64, |acc, &c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + u64::from(c - b'0'))
            } else {
                Err(Error::InvalidTimestamp)
            }
        })
    };
    let days = days_from_civil(num(&[y0, y1, y2, y3])?, num(&[m0, m1])?, num(&[d0, d1])?)
        .ok_or(Error::InvalidTimestamp)?;
    let (hh, mm, ss) = (num(&[h0, h1])?, num(&[n0, n1])?, num(&[s0, s1])?);
    if hh > 23 || mm > 59 || ss > 60 {
        return Err(Error::InvalidTimestamp);
    }
    let mut rest = b.get(19..).unwrap_or(&[]);
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(Error::InvalidTimestamp);
        }
        rest = frac.get(n..).unwrap_or(&[]);
    }
    let base = days * 86_400 + hh * 3600 + mm * 60 + ss;
    let t = match rest {
        b"Z" | b"z" => base,
        [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1] => {
            let (oh, om) = (num(&[*oh0, *oh1])?, num(&[*om0, *om1])?);
            if oh > 23 || om > 59 {
                return Err(Error::InvalidTimestamp);
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' {
                base.checked_sub(off).ok_or(Error::InvalidTimestamp)?
            } else {
                base + off
            }
        }
        _ => return Err(Error::InvalidTimestamp),
    };
    if t > MAX_UNIX_SECONDS {
        return Err(Error::InvalidTimestamp);
    }
    Ok(UnixTime(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_known_values() {
        // Values from the AWS SigV4 suite (20150830T123600Z) and the MongoDB spec example.
        assert_eq!(
            AmzDate::from_unix(UnixTime(1_440_938_160)).map(|d| *d.as_bytes()),
            Ok(*b"20150830T123600Z")
        );
        assert_eq!(
            AmzDate::from_unix(UnixTime(0)).map(|d| *d.as_bytes()),
            Ok(*b"19700101T000000Z")
        );
        assert_eq!(
            AmzDate::from_unix(UnixTime(951_782_400)).map(|d| *d.as_bytes()),
            Ok(*b"20000229T000000Z")
        );
        assert_eq!(
            AmzDate::from_unix(UnixTime(MAX_UNIX_SECONDS)).map(|d| *d.as_bytes()),
            Ok(*b"99991231T235959Z")
        );
        assert_eq!(
            AmzDate::from_unix(UnixTime(MAX_UNIX_SECONDS + 1)),
            Err(Error::InvalidTime)
        );
    }

    #[test]
    fn amz_date_parse_roundtrip_and_rejects() {
        for t in [
            0u64,
            1,
            59,
            86_399,
            951_782_400,
            1_440_938_160,
            4_102_444_800,
            MAX_UNIX_SECONDS,
        ] {
            let d = AmzDate::from_unix(UnixTime(t)).unwrap();
            assert_eq!(AmzDate::parse(d.as_str()), Ok(d));
            assert_eq!(d.to_unix(), UnixTime(t));
        }
        for bad in [
            "",
            "20150830T123600",
            "20150830X123600Z",
            "20150230T123600Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "2015083OT123600Z",
            "19691231T235959Z",
            "20150830T123600Z ",
        ] {
            assert_eq!(AmzDate::parse(bad), Err(Error::InvalidAmzDate), "{bad}");
        }
    }

    #[test]
    fn iso8601() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Ok(UnixTime(0)));
        assert_eq!(
            parse_iso8601("2015-08-30T12:36:00Z"),
            Ok(UnixTime(1_440_938_160))
        );
        assert_eq!(
            parse_iso8601("2015-08-30T12:36:00.000000Z"),
            Ok(UnixTime(1_440_938_160))
        );
        assert_eq!(
            parse_iso8601("2015-08-30T14:36:00+02:00"),
            Ok(UnixTime(1_440_938_160))
        );
        assert_eq!(
            parse_iso8601("2015-08-30T10:36:00-02:00"),
            Ok(UnixTime(1_440_938_160))
        );
        for bad in [
            "",
            "2015-08-30",
            "2015-08-30T12:36:00",
            "2015-08-30T12:36:00ZZ",
            "2015-02-30T12:36:00Z",
            "2015-08-30T12:36:00.Z",
            "2015-08-30T12:36:00+2:00",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_iso8601(bad), Err(Error::InvalidTimestamp), "{bad}");
        }
    }
}
