//! Time parsing: `time::parse_iso8601` (credential `Expiration`) against chrono's RFC 3339 parser,
//! `AmzDate::parse` against a chrono-based reference, and `AmzDate::from_unix` against chrono's
//! formatting. Successful parses must round-trip through the writer (`AmzDate::from_unix`).
//!
//! Deliberate differences from chrono, all documented in the core: years before 1970 or after 9999
//! are rejected, at most 9 fraction digits, and a leap second `:60` counts as the next second
//! (chrono folds it into `:59`).
#![no_main]

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::time::{parse_iso8601, AmzDate, UnixTime, MAX_UNIX_SECONDS};
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::{refclient, typed};

/// `YYYYMMDD'T'HHMMSS'Z'`, years 1970-9999, by chrono.
fn ref_amz_parse(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || !s.is_ascii() || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = &s[r];
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let y = digits(0..4)?;
    let d = NaiveDate::from_ymd_opt(y as i32, digits(4..6)?, digits(6..8)?)?;
    let t = NaiveTime::from_hms_opt(digits(9..11)?, digits(11..13)?, digits(13..15)?)?;
    if y < 1970 {
        return None;
    }
    Some(NaiveDateTime::new(d, t).and_utc().timestamp() as u64)
}

fn fraction_digits(s: &str) -> usize {
    s.get(19..)
        .and_then(|r| r.strip_prefix('.'))
        .map(|f| f.bytes().take_while(u8::is_ascii_digit).count())
        .unwrap_or(0)
}

fuzz_target!(|data: &[u8]| {
    // AmzDate::from_unix vs chrono, on the first 8 bytes as a number.
    if let Some(n) = data.get(..8) {
        let t = u64::from_le_bytes(n.try_into().unwrap());
        // Bias towards the valid range half of the time.
        let t = if t & 1 == 0 {
            t % (MAX_UNIX_SECONDS + 2)
        } else {
            t
        };
        match (
            typed(AmzDate::from_unix(UnixTime(t))),
            refclient::amz_date(t),
        ) {
            (Ok(d), Ok(r)) => {
                assert_eq!(d.as_str(), r);
                assert_eq!(d.date(), &r[..8]);
                assert_eq!(d.to_unix(), UnixTime(t));
                assert_eq!(AmzDate::parse(d.as_str()), Ok(d));
            }
            (Err(e), Err(_)) => assert_eq!(e, Error::InvalidTime),
            (got, want) => panic!("{t}: core {got:?}, chrono {want:?}"),
        }
    }

    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    // AmzDate::parse vs the chrono reference.
    match (typed(AmzDate::parse(s)), ref_amz_parse(s)) {
        (Ok(d), Some(t)) => {
            assert_eq!(d.to_unix(), UnixTime(t));
            assert_eq!(AmzDate::from_unix(UnixTime(t)).unwrap().as_str(), s);
        }
        (Err(e), None) => assert_eq!(e, Error::InvalidAmzDate),
        (got, want) => panic!("{s:?}: core {got:?}, reference {want:?}"),
    }

    // parse_iso8601 vs chrono's RFC 3339 parser.
    let got = typed(parse_iso8601(s));
    if let Err(e) = got {
        assert_eq!(e, Error::InvalidTimestamp);
    }
    let want = DateTime::parse_from_rfc3339(s);
    match (got, want) {
        (Ok(t), Ok(c)) => {
            let ct = c.timestamp();
            let leap = c.nanosecond() >= 1_000_000_000;
            if leap {
                assert_eq!(t.0 as i64, ct + 1, "{s:?}: leap second");
            } else {
                assert_eq!(t.0 as i64, ct, "{s:?}");
            }
            // Round trip through the writer: the instant formats and parses back.
            let d = AmzDate::from_unix(t).unwrap();
            assert_eq!(d.to_unix(), t);
        }
        (Ok(t), Err(err)) => panic!("{s:?}: core accepts ({t:?}), chrono rejects: {err}"),
        (Err(_), Ok(c)) => {
            // Allowed only for the documented restrictions.
            let utc = c.naive_utc();
            let leap = c.nanosecond() >= 1_000_000_000;
            let local_year = c.year();
            assert!(
                utc.year() < 1970
                    || utc.year() > 9999
                    || local_year < 1970
                    || fraction_digits(s) > 9
                    || (leap && c.timestamp() + 1 > MAX_UNIX_SECONDS as i64),
                "{s:?}: chrono accepts ({c}), core rejects"
            );
        }
        (Err(_), Err(_)) => {}
    }
});
