//! Differential client conversation: `ClientConversation` (client_first, finish, client_final_len,
//! canonical_request, string_to_sign, cached signing keys, BufferTooSmall) against the reference model
//! in `src/refclient.rs`, written from PROTOCOL.md with sha2/hmac/base64/chrono and String/Vec.
//!
//! The input describes a server-first message (fields, types, order, nonce prefix, host), an optional
//! byte-level mutation of its encoding, credentials, the clock, the output capacity and an optional
//! cached key. Every outcome must match: the same bytes on success, the predicted error otherwise
//! (BSON errors by family), and nothing written on error.
#![no_main]

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::{Scope, SigningKey};
use mongodb_aws_core::time::MAX_UNIX_SECONDS;
use mongodb_aws_core::{AmzDate, Credentials, Error, UnixTime};
use mongodb_aws_fuzz::refbson::{self, RefValue};
use mongodb_aws_fuzz::refclient::{self, RefError};
use mongodb_aws_fuzz::{gen, stat, typed};

#[derive(Debug)]
enum Mutation {
    None,
    Truncate(usize),
    Append(u8),
    Set(usize, u8),
}

#[derive(Debug)]
enum KeyChoice {
    None,
    Right,
    OtherDay,
    OtherRegion,
}

#[derive(Debug)]
struct Input {
    nonce: [u8; 32],
    fields: Vec<(String, RefValue)>,
    mutation: Mutation,
    id: String,
    secret: String,
    token: Option<String>,
    time: u64,
    cap: isize,
    key: KeyChoice,
}

fn field_value(u: &mut Unstructured<'_>, nonce: &[u8; 32], name: &str) -> AResult<RefValue> {
    let pick = u.int_in_range(0..=15)?;
    Ok(match (name, pick) {
        ("s", 0..=11) | (_, 0) => {
            let mut s = nonce.to_vec();
            let tail: [u8; 32] = u.arbitrary()?;
            s.extend_from_slice(&tail);
            if u.ratio(1, 8)? {
                let cut = u.int_in_range(0..=s.len())?;
                s.truncate(cut);
            }
            if u.ratio(1, 16)? {
                s.push(u.arbitrary()?);
            }
            if u.ratio(1, 16)? {
                let k = u.int_in_range(0..=31)?;
                if let Some(b) = s.get_mut(k) {
                    *b ^= 1;
                }
            }
            let sub = if u.ratio(7, 8)? { 0 } else { u.arbitrary()? };
            RefValue::Binary(sub, s)
        }
        ("h", 0..=11) | (_, 1..=3) => RefValue::String(if u.ratio(1, 2)? {
            u.choose(&[
                "sts.amazonaws.com",
                "sts.us-west-2.amazonaws.com",
                "localhost",
                "example.com",
            ])?
            .to_string()
        } else {
            gen::from_tokens(u, gen::HOST_TOKENS, 8)?
        }),
        (_, 4..=5) => RefValue::Int32(u.arbitrary()?),
        (_, 6..=7) => RefValue::Binary(u.arbitrary()?, u.arbitrary()?),
        (_, 8) => RefValue::Other(0x08, vec![u.int_in_range(0..=1)?]),
        (_, 9) => RefValue::Other(0x0A, vec![]),
        (_, 10) => RefValue::Other(0x12, u.arbitrary::<[u8; 8]>()?.to_vec()),
        (_, 11) => RefValue::Other(0x03, vec![5, 0, 0, 0, 0]),
        _ => RefValue::Other(0x01, u.arbitrary::<[u8; 8]>()?.to_vec()),
    })
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        let nonce: [u8; 32] = u.arbitrary()?;
        let mut fields = Vec::new();
        if u.ratio(3, 4)? {
            for name in ["s", "h"] {
                fields.push((name.to_string(), field_value(u, &nonce, name)?));
            }
            if u.arbitrary()? {
                fields.reverse();
            }
        } else {
            let n = u.int_in_range(0..=4)?;
            for _ in 0..n {
                let name = u
                    .choose(&["s", "h", "s", "h", "x", "S", "", "hh", "é"])?
                    .to_string();
                let v = field_value(u, &nonce, &name)?;
                fields.push((name, v));
            }
        }
        // Choice 0 (what an exhausted input yields) is always the plain case.
        let mutation = match u.int_in_range(0..=15)? {
            13 => Mutation::Truncate(u.arbitrary()?),
            14 => Mutation::Append(u.arbitrary()?),
            11 | 12 => Mutation::Set(u.arbitrary()?, u.arbitrary()?),
            _ => Mutation::None,
        };
        let id = if u.ratio(15, 16)? {
            gen::from_alphabet(u, gen::ALNUM, 1, 32)?
        } else {
            u.arbitrary()?
        };
        let secret = if u.ratio(15, 16)? {
            gen::from_alphabet(u, gen::GRAPHIC, 1, 48)?
        } else {
            u.arbitrary()?
        };
        let token = match u.int_in_range(0..=7)? {
            0..=3 => None,
            4 => Some(u.arbitrary()?),
            5 => Some(String::new()),
            _ => Some(gen::from_alphabet(u, gen::GRAPHIC, 1, 300)?),
        };
        let time = if u.ratio(15, 16)? {
            u.int_in_range(0..=MAX_UNIX_SECONDS)?
        } else {
            u.arbitrary()?
        };
        let cap = match u.int_in_range(0..=7)? {
            6 => -(u.int_in_range(1..=64)? as isize),
            7 => u.int_in_range(1..=8)? as isize,
            _ => 0,
        };
        let key = match u.int_in_range(0..=7)? {
            0 | 1 => KeyChoice::Right,
            2 => KeyChoice::OtherDay,
            3 => KeyChoice::OtherRegion,
            _ => KeyChoice::None,
        };
        Ok(Input {
            nonce,
            fields,
            mutation,
            id,
            secret,
            token,
            time,
            cap,
            key,
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(i) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let conv = ClientConversation::new(i.nonce);
    assert_eq!(
        conv.client_first().to_vec(),
        refclient::client_first(&i.nonce)
    );

    let mut sf = refbson::encode(&i.fields);
    match i.mutation {
        Mutation::None => {}
        Mutation::Truncate(n) => sf.truncate(n % (sf.len() + 1)),
        Mutation::Append(b) => sf.push(b),
        Mutation::Set(k, b) => {
            let k = k % sf.len();
            sf[k] = b;
        }
    }

    // Credentials (A7).
    let creds = typed(Credentials::new(&i.id, &i.secret, i.token.as_deref()));
    let rcreds = refclient::credentials(Some(&i.id), Some(&i.secret), i.token.as_deref());
    let (creds, (akid, secret, token)) = match (creds, rcreds) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), Err(r)) => {
            assert!(
                refclient::same_error(e, r),
                "credentials: core {e:?}, reference {r:?}"
            );
            return stat("credentials rejected by both");
        }
        (c, r) => panic!("credentials: core {c:?}, reference {r:?}"),
    };

    // Reference outcome, in the order the conversation checks: server-first, clock, buffer, key.
    let rsf = refclient::parse_server_first(&i.nonce, &sf);
    let expected: Result<(refclient::RefServerFirst, String), RefError> =
        rsf.and_then(|s| refclient::amz_date(i.time).map(|d| (s, d)));

    let got_len = typed(conv.client_final_len(&sf, &creds));
    let rfinal = match &expected {
        Ok((s, d)) => Some(refclient::client_final(
            s,
            &akid,
            &secret,
            token.as_deref(),
            d,
        )),
        Err(_) => None,
    };
    match (
        &got_len,
        &rsf_len(&i.nonce, &sf, &akid, &secret, token.as_deref()),
    ) {
        (Ok(n), Ok(m)) => assert_eq!(n, m, "client_final_len"),
        (Err(e), Err(r)) => assert!(
            refclient::same_error(*e, *r),
            "len: core {e:?}, reference {r:?}"
        ),
        (g, w) => panic!("client_final_len: core {g:?}, reference {w:?}"),
    }

    let cap = match (&rfinal, i.cap) {
        (Some(f), c) if c < 0 => f.client_final.len().saturating_sub(c.unsigned_abs()),
        (Some(f), c) => f.client_final.len() + c as usize,
        (None, _) => 1024,
    };
    let scope_for = |time: u64, region: &str| -> Option<SigningKey> {
        let d = AmzDate::from_unix(UnixTime(time)).ok()?;
        let s = Scope::new(d, region, "sts").ok()?;
        SigningKey::derive(&secret, &s).ok()
    };
    let key = match (&expected, &i.key) {
        (Ok((s, _)), KeyChoice::Right) => scope_for(i.time, &s.region),
        (Ok((s, _)), KeyChoice::OtherDay) => {
            scope_for(i.time.wrapping_add(86_400) % MAX_UNIX_SECONDS, &s.region)
        }
        (Ok(_), KeyChoice::OtherRegion) => scope_for(i.time, "zz-nowhere-9"),
        _ => None,
    };
    let key_mismatch = match (&key, &expected) {
        (Some(k), Ok((s, d))) => {
            k.date() != &d[..8] || k.region() != s.region || k.service() != "sts"
        }
        _ => false,
    };

    let mut out = vec![0xA5u8; cap];
    let got = typed(conv.finish(&sf, &creds, UnixTime(i.time), key.as_ref(), &mut out));
    match (&got, &expected, &rfinal) {
        (Ok(n), Ok(_), Some(f)) => {
            assert!(!key_mismatch, "a key for another scope was accepted");
            assert_eq!(&out[..*n], &f.client_final[..], "client-final differs");
            // Diagnostics agree with the reference too.
            let mut buf = vec![0u8; f.canonical_request.len()];
            let n = conv
                .canonical_request(&sf, &creds, UnixTime(i.time), &mut buf)
                .unwrap();
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), f.canonical_request);
            let mut buf = vec![0u8; f.string_to_sign.len()];
            let n = conv
                .string_to_sign(&sf, &creds, UnixTime(i.time), &mut buf)
                .unwrap();
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), f.string_to_sign);
            stat(if token.is_some() {
                "client-final equal (token)"
            } else {
                "client-final equal"
            });
        }
        (Err(Error::BufferTooSmall { needed }), Ok(_), Some(f)) => {
            assert!(cap < f.client_final.len(), "BufferTooSmall with room");
            assert_eq!(*needed, f.client_final.len());
            assert!(out.iter().all(|&b| b == 0xA5), "bytes written on error");
            stat("BufferTooSmall, needed = reference length");
        }
        (Err(Error::SigningKeyMismatch), Ok(_), Some(f)) => {
            assert!(key_mismatch, "right key rejected");
            assert!(cap >= f.client_final.len());
            assert!(out.iter().all(|&b| b == 0xA5), "bytes written on error");
            stat("SigningKeyMismatch as predicted");
        }
        (Err(e), Err(r), _) => {
            assert!(refclient::same_error(*e, *r), "core {e:?}, reference {r:?}");
            assert!(out.iter().all(|&b| b == 0xA5), "bytes written on error");
            stat(e.name());
        }
        (g, w, _) => panic!("finish: core {g:?}, reference {w:?}"),
    }
});

/// The reference's length of client-final: independent of the clock (any valid date is 16 bytes).
fn rsf_len(
    nonce: &[u8; 32],
    sf: &[u8],
    akid: &str,
    secret: &str,
    token: Option<&str>,
) -> Result<usize, RefError> {
    let s = refclient::parse_server_first(nonce, sf)?;
    Ok(
        refclient::client_final(&s, akid, secret, token, "19700101T000000Z")
            .client_final
            .len(),
    )
}
