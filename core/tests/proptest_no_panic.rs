//! Property tests: no input to any client-side parser or to the signer panics; every failure is a typed
//! `Error` from the frozen table; successful results keep their documented invariants.

use mongodb_aws_core::bson::{Document, Value, Writer};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::{
    self, Payload, Request, Scope, SessionTokenMode, Settings, UriEncoding,
};
use mongodb_aws_core::time::{parse_iso8601, AmzDate, UnixTime};
use mongodb_aws_core::{sts, Credentials, Error};
use proptest::prelude::*;

fn known(e: Error) -> bool {
    Error::ALL.iter().any(|k| k.code() == e.code())
}

/// Server-first-like documents: mostly well-formed with mutations, so the deep checks are reached.
fn server_first_bytes() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        (
            Just("s"),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..70)
        )
            .prop_map(|(n, st, b)| (n.to_string(), 0u8, st, b)),
        (Just("h"), "[a-z.\\-]{0,20}").prop_map(|(n, h)| (n.to_string(), 1u8, 0, h.into_bytes())),
        ("[a-z]{1,2}", any::<i32>()).prop_map(|(n, i)| (n, 2u8, 0, i.to_le_bytes().to_vec())),
    ];
    (
        prop::collection::vec(field, 0..4),
        prop::collection::vec(any::<(u16, u8)>(), 0..3),
    )
        .prop_map(|(fields, muts)| {
            let mut buf = vec![0u8; 1024];
            let mut w = Writer::new(&mut buf).unwrap();
            for (name, kind, st, bytes) in &fields {
                match kind {
                    0 => w.binary(name, *st, bytes).unwrap(),
                    1 => w.string(name, std::str::from_utf8(bytes).unwrap()).unwrap(),
                    _ => w
                        .int32(name, i32::from_le_bytes(bytes[..4].try_into().unwrap()))
                        .unwrap(),
                }
            }
            let n = w.finish().unwrap();
            buf.truncate(n);
            for (at, val) in muts {
                if !buf.is_empty() {
                    let i = at as usize % buf.len();
                    buf[i] = val;
                }
            }
            buf
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn bson_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match Document::parse(&bytes) {
            Ok(doc) => {
                // A parsed document's elements are all Ok and its length prefix equals the input.
                prop_assert_eq!(i32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize, bytes.len());
                for e in doc.iter() { prop_assert!(e.is_ok()); }
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn server_first_never_panics(bytes in server_first_bytes(), nonce in any::<[u8; 32]>()) {
        let conv = ClientConversation::new(nonce);
        match conv.parse_server_first(&bytes) {
            Ok(sf) => {
                prop_assert_eq!(&sf.server_nonce()[..32], &nonce[..]);
                prop_assert!(sts::validate_host(sf.host()).is_ok());
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn finish_never_panics_and_matches_its_length(
        host in "[a-zA-Z0-9.\\-:]{0,40}",
        tail in any::<[u8; 32]>(),
        token in proptest::option::of("[!-~]{0,64}"),
        now in any::<u64>(),
        cap in 0usize..1200,
    ) {
        let nonce = [3u8; 32];
        let conv = ClientConversation::new(nonce);
        let mut s = [3u8; 64];
        s[32..].copy_from_slice(&tail);
        let mut buf = vec![0u8; 512];
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("s", 0, &s).unwrap();
        w.string("h", &host).unwrap();
        let n = w.finish().unwrap();
        let creds = Credentials::new("AKIDEXAMPLE", "secret/KEY+x", token.as_deref()).unwrap();
        let mut out = vec![0u8; cap];
        match conv.finish(&buf[..n], &creds, UnixTime(now), None, &mut out) {
            Ok(len) => {
                prop_assert_eq!(Ok(len), conv.client_final_len(&buf[..n], &creds));
                let doc = Document::parse(&out[..len]).unwrap();
                let names: Vec<&str> = doc.iter().map(|e| e.unwrap().name).collect();
                let expect: &[&str] = if creds.session_token().is_some() { &["a", "d", "t"] } else { &["a", "d"] };
                prop_assert_eq!(names, expect);
            }
            Err(Error::BufferTooSmall { needed }) => {
                prop_assert!(needed > cap);
                prop_assert!(out.iter().all(|&b| b == 0), "nothing written on BufferTooSmall");
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn host_rule_never_panics(host in "\\PC{0,300}") {
        match sts::region_for_host(&host) {
            Ok(r) => {
                prop_assert!(!r.is_empty());
                prop_assert!(host.len() <= 255 && !host.split('.').any(str::is_empty));
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn time_parsers_never_panic(s in "\\PC{0,40}", digits in "[0-9]{8}T[0-9]{6}Z") {
        if let Err(e) = parse_iso8601(&s) { prop_assert!(known(e)); }
        match AmzDate::parse(&digits) {
            Ok(d) => prop_assert_eq!(AmzDate::from_unix(d.to_unix()).unwrap(), d),
            Err(e) => prop_assert_eq!(e, Error::InvalidAmzDate),
        }
    }

    #[test]
    fn amz_date_roundtrips(t in 0u64..=253_402_300_799) {
        let d = AmzDate::from_unix(UnixTime(t)).unwrap();
        prop_assert_eq!(AmzDate::parse(d.as_str()), Ok(d));
        prop_assert_eq!(d.to_unix(), UnixTime(t));
    }

    #[test]
    fn signer_never_panics(
        method in "\\PC{0,8}",
        path in "\\PC{0,40}",
        query in "\\PC{0,40}",
        headers in prop::collection::vec(("\\PC{0,12}", "\\PC{0,20}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..64),
        region in "\\PC{0,12}",
        normalize in any::<bool>(),
        single in any::<bool>(),
        omit in any::<bool>(),
        content in any::<bool>(),
        expires in any::<u32>(),
    ) {
        let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("tok")).unwrap();
        let hs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).chain([("host", "h")]).collect();
        let req = Request { method: &method, path: &path, query: &query, headers: &hs, payload: Payload::Bytes(&body) };
        let settings = Settings {
            normalize_path: normalize,
            uri_encoding: if single { UriEncoding::Single } else { UriEncoding::Double },
            session_token: if omit { SessionTokenMode::Omitted } else { SessionTokenMode::Signed },
            content_sha256_header: content,
        };
        let scope = match Scope::new(AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap(), &region, "service") {
            Ok(s) => s,
            Err(e) => { prop_assert_eq!(e, Error::InvalidRegion); return Ok(()); }
        };
        let mut buf = vec![0u8; 8192];
        match sigv4::sign(&req, &creds, &scope, &settings, None) {
            Ok(sig) => {
                let n = sigv4::canonical_request(&req, &creds, &scope, &settings, &mut buf).unwrap();
                prop_assert_eq!(sigv4::canonical_request_len(&req, &creds, &scope, &settings), Ok(n));
                prop_assert!(std::str::from_utf8(&buf[..n]).is_ok());
                prop_assert!(sigv4::authorization(&req, &creds, &scope, &settings, &sig, &mut buf).is_ok());
            }
            Err(e) => prop_assert!(known(e)),
        }
        if let Err(e) = sigv4::presign(&req, &creds, &scope, &settings, expires, None, &mut buf) { prop_assert!(known(e)); }
    }

    #[test]
    fn credentials_never_panic(id in proptest::option::of("\\PC{0,20}"), secret in proptest::option::of("\\PC{0,20}"), token in proptest::option::of("\\PC{0,20}")) {
        if let Err(e) = Credentials::from_parts(id.as_deref(), secret.as_deref(), token.as_deref()) { prop_assert!(known(e)); }
    }

    #[test]
    fn bson_roundtrip(bin in prop::collection::vec(any::<u8>(), 0..80), sub in any::<u8>(), s in "\\PC{0,30}", i in any::<i32>()) {
        let mut buf = vec![0u8; 512];
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("b", sub, &bin).unwrap();
        w.string("s", &s).unwrap();
        w.int32("i", i).unwrap();
        let n = w.finish().unwrap();
        let doc = Document::parse(&buf[..n]).unwrap();
        let v: Vec<_> = doc.iter().map(|e| e.unwrap().value).collect();
        prop_assert_eq!(v, vec![Value::Binary { subtype: sub, bytes: &bin }, Value::String(&s), Value::Int32(i)]);
    }
}
