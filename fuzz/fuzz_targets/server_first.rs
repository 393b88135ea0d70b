//! Server-first (client side): `ClientConversation::parse_server_first` and `finish` on arbitrary
//! bytes. Errors must be typed and the one the reference model (PROTOCOL.md A3/A4) predicts; an
//! accepted message must re-encode byte for byte with `bson::Writer`, and `finish` must produce a
//! client-final of exactly `client_final_len` bytes that parses back to `{a, d[, t]}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::bson::{self, Document, Value};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::{Credentials, UnixTime};
use mongodb_aws_fuzz::{refclient, typed};

/// The client nonce: bytes 0..32, as in testdata/vectors/mongodb-aws-getcalleridentity.
const NONCE: [u8; 32] = {
    let mut n = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        n[i] = i as u8;
        i += 1;
    }
    n
};

fuzz_target!(|data: &[u8]| {
    let conv = ClientConversation::new(NONCE);
    let got = typed(conv.parse_server_first(data));
    let want = refclient::parse_server_first(&NONCE, data);
    let sf = match (got, want) {
        (Ok(sf), Ok(r)) => {
            assert_eq!(sf.server_nonce()[..], r.nonce[..]);
            assert_eq!(sf.host(), r.host);
            assert_eq!(sf.region(), r.region);
            sf
        }
        (Err(e), Err(r)) => {
            assert!(refclient::same_error(e, r), "core {e:?}, reference {r:?}");
            return;
        }
        (got, want) => panic!("core {got:?}, reference {want:?}"),
    };

    // Round trip: write the fields back in input order; the strict reader accepts only this encoding.
    let doc = Document::parse(data).expect("parse_server_first accepted it");
    let mut buf = vec![0u8; data.len()];
    let mut w = bson::Writer::new(&mut buf).unwrap();
    for e in doc.iter() {
        let e = e.unwrap();
        match e.value {
            Value::Binary { subtype, bytes } => w.binary(e.name, subtype, bytes).unwrap(),
            Value::String(s) => w.string(e.name, s).unwrap(),
            v => panic!("accepted server-first holds {v:?}"),
        }
    }
    let n = w.finish().unwrap();
    assert_eq!(&buf[..n], data, "server-first does not round-trip");

    // finish(): exact length, parseable client-final, token present iff given.
    for token in [None, Some("AQoDYXdzEPT//////////wEXAMPLE=")] {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token,
        )
        .unwrap();
        let len = conv.client_final_len(data, &creds).unwrap();
        let mut out = vec![0u8; len];
        let written = conv
            .finish(data, &creds, UnixTime(1_440_938_160), None, &mut out)
            .unwrap();
        assert_eq!(written, len);
        let cf = Document::parse(&out).unwrap();
        let names: Vec<&str> = cf.iter().map(|e| e.unwrap().name).collect();
        let expect: &[&str] = if token.is_some() {
            &["a", "d", "t"]
        } else {
            &["a", "d"]
        };
        assert_eq!(names, expect);
        let a = match cf.iter().next().unwrap().unwrap().value {
            Value::String(a) => a,
            v => panic!("a is {v:?}"),
        };
        let region_part = format!("/20150830/{}/sts/aws4_request, ", sf.region());
        assert!(
            a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{a}"
        );
        assert!(a.contains(&region_part), "{a}");
    }
});
