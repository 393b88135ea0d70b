//! The MONGODB-AWS vectors in ../shared: the GetCallerIdentity conversation (with and without a session
//! token), the four driver signature vectors, the spec's wire example, and the host/region and nonce
//! cases of the derived vectors file.

use mongodb_aws_core::bson::Writer;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, Settings, SigningKey};
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::{sts, Credentials, Error};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn read(rel: &str) -> String {
    let p = shared().join(rel);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.trim()).unwrap()
}

fn derived() -> Value {
    serde_json::from_str(&read("spec-tests/derived/mongodb-aws-derived-vectors.json")).unwrap()
}

const GCI: &str = "vectors/mongodb-aws-getcalleridentity";

#[test]
fn getcalleridentity_conversation_byte_for_byte() {
    let inputs: Value = serde_json::from_str(&read(&format!("{GCI}/inputs.json"))).unwrap();
    let s = |k: &str| inputs[k].as_str().unwrap().to_string();
    let nonce: [u8; 32] = unhex(&s("client_nonce_hex")).try_into().unwrap();
    let conv = ClientConversation::new(nonce);
    assert_eq!(
        conv.client_first().to_vec(),
        unhex(&read(&format!("{GCI}/client-first.bson.hex")))
    );
    let server_first = unhex(&read(&format!("{GCI}/server-first.bson.hex")));
    let sf = conv.parse_server_first(&server_first).unwrap();
    assert_eq!(sf.host(), s("host"));
    assert_eq!(sf.region(), s("region"));
    assert_eq!(sf.server_nonce().to_vec(), unhex(&s("server_nonce_hex")));
    assert_eq!(
        std::str::from_utf8(&sf.server_nonce_base64()).unwrap(),
        s("server_nonce_base64")
    );

    let amz = AmzDate::parse(&s("amz_date")).unwrap();
    let now = amz.to_unix();
    let token = s("session_token");
    for (variant, tok) in [
        ("with-session-token", Some(token.as_str())),
        ("without-session-token", None),
    ] {
        let creds = Credentials::new(
            inputs["access_key_id"].as_str().unwrap(),
            inputs["secret_access_key"].as_str().unwrap(),
            tok,
        )
        .unwrap();
        let dir = format!("{GCI}/{variant}");
        let mut buf = vec![0u8; 4096];
        let n = conv
            .canonical_request(&server_first, &creds, now, &mut buf)
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            read(&format!("{dir}/canonical-request.txt")),
            "{variant}"
        );
        let n = conv
            .string_to_sign(&server_first, &creds, now, &mut buf)
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            read(&format!("{dir}/string-to-sign.txt")),
            "{variant}"
        );
        let expected = unhex(&read(&format!("{dir}/client-final.bson.hex")));
        let n = conv
            .finish(&server_first, &creds, now, None, &mut buf)
            .unwrap();
        assert_eq!(&buf[..n], &expected[..], "{variant}: client-final");
        assert_eq!(
            conv.client_final_len(&server_first, &creds).unwrap(),
            expected.len()
        );
        // With a cached key: identical bytes.
        let key = SigningKey::derive(creds.secret_access_key(), &sf.scope(amz).unwrap()).unwrap();
        let n = conv
            .finish(&server_first, &creds, now, Some(&key), &mut buf)
            .unwrap();
        assert_eq!(&buf[..n], &expected[..], "{variant}: cached key");
        // A key for another day is refused rather than producing a wrong signature.
        let other = AmzDate::from_unix(UnixTime(now.0 + 86_400)).unwrap();
        let stale =
            SigningKey::derive(creds.secret_access_key(), &sf.scope(other).unwrap()).unwrap();
        assert_eq!(
            conv.finish(&server_first, &creds, now, Some(&stale), &mut buf),
            Err(Error::SigningKeyMismatch)
        );
        // The signature inside `a` is the vector's.
        let authz = read(&format!("{dir}/authorization.txt"));
        assert!(authz.ends_with(read(&format!("{dir}/signature.txt")).trim()));

        // The general signer, given the same request, agrees byte for byte.
        let nonce_b64 = s("server_nonce_base64");
        let headers = [
            ("Content-Type", sts::CONTENT_TYPE),
            ("Content-Length", sts::CONTENT_LENGTH),
            ("Host", "sts.amazonaws.com"),
            ("X-MongoDB-Server-Nonce", nonce_b64.as_str()),
            ("X-MongoDB-GS2-CB-Flag", "n"),
        ];
        let req = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: Payload::Bytes(sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
        };
        let scope = Scope::new(amz, "us-east-1", "sts").unwrap();
        let sig = sigv4::sign(&req, &creds, &scope, &Settings::default(), None).unwrap();
        let n = sigv4::authorization(&req, &creds, &scope, &Settings::default(), &sig, &mut buf)
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            authz,
            "{variant}: general signer"
        );
    }
}

#[test]
fn driver_signature_vectors() {
    let d = derived();
    let vectors = d["signature_vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 4);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let s = |k: &str| v[k].as_str().unwrap();
        let token = v["session_token"].as_str();
        let creds = Credentials::new(s("access_key_id"), s("secret_access_key"), token).unwrap();
        let amz = AmzDate::parse(s("amz_date")).unwrap();
        let scope = Scope::new(amz, s("region"), "sts").unwrap();
        let headers = [
            ("Content-Length", sts::CONTENT_LENGTH),
            ("Content-Type", sts::CONTENT_TYPE),
            ("Host", s("host")),
            ("X-MongoDB-GS2-CB-Flag", "n"),
            ("X-MongoDB-Server-Nonce", s("x_mongodb_server_nonce_header")),
        ];
        let req = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: Payload::Bytes(sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
        };
        let st = Settings::default();
        let mut buf = vec![0u8; 4096];
        let n = sigv4::canonical_request(&req, &creds, &scope, &st, &mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            s("canonical_request"),
            "{name}"
        );
        let n = sigv4::string_to_sign(&req, &creds, &scope, &st, &mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            s("string_to_sign"),
            "{name}"
        );
        let sig = sigv4::sign(&req, &creds, &scope, &st, None).unwrap();
        let n = sigv4::authorization(&req, &creds, &scope, &st, &sig, &mut buf).unwrap();
        let authz = std::str::from_utf8(&buf[..n]).unwrap().to_string();
        assert_eq!(authz, s("authorization"), "{name}");
        // client-final BSON {a, d[, t]} built with our BSON writer matches the vector's bytes.
        let mut out = vec![0u8; 4096];
        let mut w = Writer::new(&mut out).unwrap();
        w.string("a", &authz).unwrap();
        w.string("d", s("amz_date")).unwrap();
        if let Some(t) = token {
            w.string("t", t).unwrap();
        }
        let n = w.finish().unwrap();
        assert_eq!(&out[..n], &unhex(s("client_final_bson_hex"))[..], "{name}");
    }
}

#[test]
fn spec_wire_example_layout() {
    let d = derived();
    let ex = &d["spec_conversation_example"];
    let client_first = unhex(ex["client_first_hex"].as_str().unwrap());
    let nonce: [u8; 32] = client_first[12..44].try_into().unwrap();
    let conv = ClientConversation::new(nonce);
    assert_eq!(conv.client_first().to_vec(), client_first);
    assert_eq!(
        d["client_first_field_order"]["r_then_p_hex"]
            .as_str()
            .unwrap(),
        hex::encode(conv.client_first())
    );
    let server_first = unhex(ex["server_first_hex"].as_str().unwrap());
    let sf = conv.parse_server_first(&server_first).unwrap();
    assert_eq!((sf.host(), sf.region()), ("sts.amazonaws.com", "us-east-1"));
    assert_eq!(
        server_first.len() as u64,
        ex["sizes_bytes"]["server_first"].as_u64().unwrap()
    );
    // Client-final of the example has the same size as ours for the same AKID length and no token.
    let creds = Credentials::new("AKIAICGVLKOKZVY3X3DA", "unknown-secret", None).unwrap();
    assert_eq!(
        conv.client_final_len(&server_first, &creds).unwrap() as u64,
        ex["sizes_bytes"]["client_final"].as_u64().unwrap()
    );
    let mut out = vec![0u8; 512];
    let now = AmzDate::parse("20191112T210122Z").unwrap().to_unix();
    let n = conv
        .finish(&server_first, &creds, now, None, &mut out)
        .unwrap();
    let expected = unhex(ex["client_final_hex"].as_str().unwrap());
    // Everything but the 64 signature hex digits is identical (the secret is not published).
    assert_eq!(n, expected.len());
    let sig_at = expected
        .windows(10)
        .position(|w| w == b"Signature=")
        .unwrap()
        + 10;
    assert_eq!(&out[..sig_at], &expected[..sig_at]);
    assert_eq!(&out[sig_at + 64..n], &expected[sig_at + 64..]);
}

#[test]
fn host_and_region_cases() {
    let d = derived();
    let cases = d["region_and_host_cases"]["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for c in cases {
        let host = match (&c["host"], &c["host_repeat"]) {
            (Value::String(h), _) => h.clone(),
            (_, Value::Object(r)) => r["char"]
                .as_str()
                .unwrap()
                .repeat(r["count"].as_u64().unwrap() as usize),
            _ => panic!("bad case {c}"),
        };
        let got = sts::region_for_host(&host);
        if c["error"].as_bool() == Some(true) {
            assert!(got.is_err(), "{host:?} must be rejected, got {got:?}");
            assert_eq!(sts::validate_host(&host), got.map(|_| ()));
        } else {
            assert_eq!(got, Ok(c["region"].as_str().unwrap()), "{host:?}");
        }
    }
}

#[test]
fn nonce_cases_through_the_conversation() {
    let d = derived();
    assert_eq!(
        d["server_nonce_cases"]["cases"].as_array().unwrap().len(),
        6
    );
    let nonce = [7u8; 32];
    let conv = ClientConversation::new(nonce);
    let build = |s: &[u8], subtype: u8, extra: bool| {
        let mut buf = vec![0u8; 512];
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("s", subtype, s).unwrap();
        w.string("h", "sts.amazonaws.com").unwrap();
        if extra {
            w.int32("u", 1).unwrap();
        }
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    };
    let mut good = vec![7u8; 32];
    good.extend([9u8; 32]);
    assert!(conv.parse_server_first(&build(&good, 0, false)).is_ok());
    let mut one_off = good.clone();
    one_off[0] ^= 0x80;
    assert_eq!(
        conv.parse_server_first(&build(&one_off, 0, false)),
        Err(Error::ServerNonceMismatch)
    );
    assert_eq!(
        conv.parse_server_first(&build(&good[..63], 0, false)),
        Err(Error::ServerNonceLength)
    );
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        conv.parse_server_first(&build(&long, 0, false)),
        Err(Error::ServerNonceLength)
    );
    assert_eq!(
        conv.parse_server_first(&build(&good[..2], 0, false)),
        Err(Error::ServerNonceLength)
    );
    // Implementation-defined cases: we reject (like Go for the subtype; like C, C#, Rust for fields).
    assert_eq!(
        conv.parse_server_first(&build(&good, 4, false)),
        Err(Error::ServerNonceSubtype)
    );
    assert_eq!(
        conv.parse_server_first(&build(&good, 0, true)),
        Err(Error::UnexpectedField)
    );
}

/// `finish_parsed` (a server-first parsed once, a key slot kept by the caller) writes the vector's
/// client-final: with an empty slot (the key is derived and kept), with the kept key, and with a
/// key for another day in the slot (replaced); a too-small buffer reports the size before the slot
/// is touched; a server-first parsed by another conversation is refused.
#[test]
fn finish_parsed_with_a_key_slot_matches_the_vector() {
    let inputs: Value = serde_json::from_str(&read(&format!("{GCI}/inputs.json"))).unwrap();
    let s = |k: &str| inputs[k].as_str().unwrap().to_string();
    let nonce: [u8; 32] = unhex(&s("client_nonce_hex")).try_into().unwrap();
    let conv = ClientConversation::new(nonce);
    let server_first = unhex(&read(&format!("{GCI}/server-first.bson.hex")));
    let sf = conv.parse_server_first(&server_first).unwrap();
    let now = AmzDate::parse(&s("amz_date")).unwrap().to_unix();
    let (id, secret, token) = (
        s("access_key_id"),
        s("secret_access_key"),
        s("session_token"),
    );
    let creds = Credentials::new(&id, &secret, Some(&token)).unwrap();
    let want = unhex(&read(&format!(
        "{GCI}/with-session-token/client-final.bson.hex"
    )));
    assert_eq!(
        conv.client_final_len_parsed(&sf, &creds).unwrap(),
        want.len()
    );

    let mut slot = None;
    let mut short = vec![0xAA; want.len() - 1];
    assert_eq!(
        conv.finish_parsed(&sf, &creds, now, &mut slot, &mut short),
        Err(Error::BufferTooSmall { needed: want.len() })
    );
    assert!(slot.is_none() && short.iter().all(|&b| b == 0xAA));

    let mut out = vec![0u8; want.len()];
    for _ in 0..2 {
        let n = conv
            .finish_parsed(&sf, &creds, now, &mut slot, &mut out)
            .unwrap();
        assert_eq!(out[..n], want[..]);
        let k = slot.as_ref().unwrap();
        assert_eq!(
            (k.date(), k.region(), k.service()),
            ("20150830", "us-east-1", "sts")
        );
    }

    let day_before = Scope::new(
        AmzDate::from_unix(UnixTime(now.0 - 86_400)).unwrap(),
        "us-east-1",
        "sts",
    )
    .unwrap();
    let mut slot = Some(SigningKey::derive(&secret, &day_before).unwrap());
    let n = conv
        .finish_parsed(&sf, &creds, now, &mut slot, &mut out)
        .unwrap();
    assert_eq!(out[..n], want[..]);
    assert_eq!(slot.as_ref().unwrap().date(), "20150830");

    let mut other_nonce = nonce;
    other_nonce[0] ^= 1;
    assert_eq!(
        ClientConversation::new(other_nonce).finish_parsed(&sf, &creds, now, &mut slot, &mut out),
        Err(Error::ServerNonceMismatch)
    );
}
