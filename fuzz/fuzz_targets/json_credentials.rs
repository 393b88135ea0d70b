//! JSON reader and the ECS / container / IMDS credential parsers on arbitrary bytes.
//!
//! * `json::parse` against serde_json: the same documents are valid, except for the documented limits
//!   (nesting deeper than 64 is `JsonTooDeep`; numbers beyond f64 range, which serde_json refuses, are
//!   valid JSON text). Every string decodes to serde_json's text; integers read as epoch seconds equal
//!   serde_json's.
//! * `ecs::parse`, `container::parse`, `imds::parse_credentials` against a reference of the response
//!   rules (PROTOCOL.md A7 and the providers' documented field rules) built on serde_json with duplicate
//!   keys kept: the same credentials and expiry, or the same error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::json::{self, Kind, Scratch};
use mongodb_aws_core::providers::{container, ecs, imds, FetchedCredentials};
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::{stat, typed};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value as J;

/// An object with its members in order, duplicates kept.
struct Pairs(Vec<(String, J)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut v = Vec::new();
                while let Some((k, val)) = m.next_entry::<String, J>()? {
                    v.push((k, val));
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(V)
    }
}

fn depth(v: &J) -> usize {
    match v {
        J::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        J::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn compare(v: json::Value<'_>, s: &J) {
    let kind = match s {
        J::Null => Kind::Null,
        J::Bool(_) => Kind::Bool,
        J::Number(_) => Kind::Number,
        J::String(_) => Kind::String,
        J::Array(_) => Kind::Array,
        J::Object(_) => Kind::Object,
    };
    assert_eq!(v.kind(), kind);
    match s {
        J::String(t) => {
            let mut buf = vec![0u8; v.raw().len()];
            let mut sc = Scratch::new(&mut buf);
            assert_eq!(v.as_str(&mut sc).unwrap(), t.as_str());
            assert!(v.key_equals(t).unwrap());
        }
        J::Number(n) => {
            let raw = std::str::from_utf8(v.raw()).unwrap();
            if let (Some(n), true) = (n.as_u64(), raw.bytes().all(|b| b.is_ascii_digit())) {
                assert_eq!(v.as_epoch_seconds(), Ok(n), "{raw}");
            }
        }
        J::Object(o) => {
            let members: Vec<_> = v.members().unwrap().map(|m| m.unwrap()).collect();
            assert!(members.len() >= o.len());
            let unique = members.len() == o.len();
            for (k, val) in members {
                let mut buf = vec![0u8; k.raw().len()];
                let key = k.as_str(&mut Scratch::new(&mut buf)).unwrap().to_string();
                let sv = o.get(&key).expect("key missing in serde_json's map");
                if unique {
                    compare(val, sv);
                    assert_eq!(v.get(&key).unwrap(), Some(val));
                } else if v.get(&key).is_err() {
                    assert_eq!(v.get(&key), Err(Error::DuplicateResponseField));
                }
            }
        }
        _ => {}
    }
}

/// What the reference expects from a credentials endpoint body.
#[derive(Debug, PartialEq)]
struct Expect {
    id: String,
    secret: String,
    token: Option<String>,
    expiration: Option<u64>, // None: a string (checked by the time target)
    arn: Option<String>,
    account: Option<String>,
}

/// The reference outcome, and whether a string `Expiration` was reached (the core parses it at that
/// point; the reference leaves ISO-8601 to the time target, so a later reference error may show up
/// as the core's InvalidTimestamp instead).
fn reference(data: &[u8], check_code: bool) -> (Result<Expect, Error>, bool) {
    let mut string_exp = false;
    let r = reference_inner(data, check_code, &mut string_exp);
    (r, string_exp)
}

fn reference_inner(data: &[u8], check_code: bool, string_exp: &mut bool) -> Result<Expect, Error> {
    let Ok(pairs) = serde_json::from_slice::<Pairs>(data) else {
        return Err(Error::UnexpectedResponseShape);
    };
    let get = |k: &str| -> Result<Option<&J>, Error> {
        let mut it = pairs.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v);
        let first = it.next();
        if it.next().is_some() {
            return Err(Error::DuplicateResponseField);
        }
        Ok(first)
    };
    let opt_str = |k: &str| -> Result<Option<String>, Error> {
        match get(k)? {
            None | Some(J::Null) => Ok(None),
            Some(J::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            Some(_) => Err(Error::WrongResponseFieldType),
        }
    };
    if check_code {
        if let Some(c) = opt_str("Code")? {
            if c != "Success" {
                return Err(Error::ImdsCodeNotSuccess);
            }
        }
    }
    let id = opt_str("AccessKeyId")?.ok_or(Error::MissingResponseField)?;
    let secret = opt_str("SecretAccessKey")?.ok_or(Error::MissingResponseField)?;
    let token = opt_str("Token")?;
    let expiration = match get("Expiration")?.ok_or(Error::MissingResponseField)? {
        J::Number(n) => match n.as_u64() {
            Some(n) => Some(n),
            // Not a plain integer (fraction, exponent such as 1.6758E9, negative): whether it is a
            // valid epoch is the core's rule (its unit tests); like a string, the core decides here,
            // and the reference goes on checking the later fields (a regression seed keeps the
            // case of a whole-number exponent followed by a duplicate AccountId).
            None => {
                *string_exp = true;
                None
            }
        },
        J::String(_) => {
            *string_exp = true;
            None
        }
        _ => return Err(Error::WrongResponseFieldType),
    };
    let arn = opt_str("RoleArn")?;
    let account = opt_str("AccountId")?;
    Ok(Expect {
        id,
        secret,
        token,
        expiration,
        arn,
        account,
    })
}

fn check(
    name: &'static str,
    got: Result<FetchedCredentials<'_>, Error>,
    (want, string_exp): (Result<Expect, Error>, bool),
) {
    match (got, want) {
        (Err(Error::InvalidTimestamp), Err(_)) if string_exp => {}
        (Ok(f), Ok(w)) => {
            assert_eq!(f.credentials.access_key_id(), w.id);
            assert_eq!(f.credentials.secret_access_key(), w.secret);
            assert_eq!(f.credentials.session_token(), w.token.as_deref());
            if let Some(e) = w.expiration {
                assert_eq!(f.expiration.map(|t| t.0), Some(e));
            }
            assert_eq!(f.arn, w.arn.as_deref());
            assert_eq!(f.account_id, w.account.as_deref());
            stat(name);
        }
        // The reference stops at the field rules; credential validity, timestamp syntax and
        // fractional epoch seconds are the core's own (typed) checks.
        (Err(e), Ok(_)) => assert!(
            (200..300).contains(&e.code())
                || e == Error::InvalidTimestamp
                || e == Error::JsonTooDeep,
            "{name}: core {e:?}, reference accepts"
        ),
        // A negative or fractional epoch number: the reference does not model the core's
        // truncation rule (checked in the core's unit tests), so any of these outcomes is fine.
        (Ok(f), Err(Error::InvalidTimestamp)) => {
            assert!(f.expiration.is_some(), "{name}");
        }
        (Err(e), Err(Error::InvalidTimestamp))
            if (200..300).contains(&e.code()) || e == Error::InvalidTimestamp => {}
        (Err(e), Err(r)) => {
            let syntax = matches!(e, Error::JsonMalformed | Error::JsonTooDeep);
            assert!(
                e == r || syntax && r == Error::UnexpectedResponseShape,
                "{name}: core {e:?}, reference {r:?}"
            );
        }
        (g, w) => panic!("{name}: core {g:?}, reference {w:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let got = typed(json::parse(data));
    let want = serde_json::from_slice::<J>(data);
    match (&got, &want) {
        (Ok(v), Ok(s)) => compare(*v, s),
        (Err(e), Err(_)) => assert!(
            matches!(e, Error::JsonMalformed | Error::JsonTooDeep),
            "{e:?}"
        ),
        (Err(e), Ok(s)) => assert!(
            *e == Error::JsonTooDeep && depth(s) > 64,
            "core {e:?}, serde_json accepts"
        ),
        (Ok(_), Err(se)) => assert!(
            se.to_string().contains("number out of range")
                || se.to_string().contains("recursion limit"),
            "core accepts, serde_json: {se}"
        ),
    }

    if got.is_ok() && want.is_err() {
        return; // serde_json cannot serve as the reference for this document
    }
    let mut buf = vec![0u8; data.len()];
    check(
        "ecs",
        typed(ecs::parse(data, &mut buf)),
        reference(data, false),
    );
    let mut buf = vec![0u8; data.len()];
    check(
        "container",
        typed(container::parse(data, &mut buf)),
        reference(data, false),
    );
    let mut buf = vec![0u8; data.len()];
    check(
        "imds",
        typed(imds::parse_credentials(data, &mut buf)),
        reference(data, true),
    );
});
