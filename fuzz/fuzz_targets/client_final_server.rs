//! Client-final (server side): `ServerConversation::client_final` on arbitrary bytes for a fixed
//! conversation (the shared vector's nonces; the STS host picked by the first input byte). Errors must
//! be typed and from the server-side set; an accepted message must satisfy the server's rules as the
//! derived vectors state them (checked here independently), round-trip through `bson::Writer`, and give
//! an STS request whose HTTP bytes httparse reads back with exactly the headers PROTOCOL.md A5 lists.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::bson::{Document, Value, Writer};
use mongodb_aws_core::sasl::server::ServerConversation;
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::{stat, typed};

const HOSTS: [&str; 3] = [
    "sts.amazonaws.com",
    "sts.us-west-2.amazonaws.com",
    "localhost",
];
const ALLOWED: [&str; 8] = [
    "content-length",
    "content-type",
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "x-mongodb-gs2-cb-flag",
    "x-mongodb-optional-data",
    "x-mongodb-server-nonce",
];

fn conversation(host: &str) -> ServerConversation {
    let mut cf = vec![0x34, 0, 0, 0, 0x05, b'r', 0, 0x20, 0, 0, 0, 0];
    cf.extend(0u8..32);
    cf.extend([0x10, b'p', 0, 0x6e, 0, 0, 0, 0]);
    ServerConversation::new(&cf, core::array::from_fn(|i| 32 + i as u8), host).unwrap()
}

fn server_side(e: Error) -> bool {
    matches!(
        e,
        Error::BsonTruncated
            | Error::BsonMalformed
            | Error::BsonTrailingBytes
            | Error::DuplicateField
            | Error::InvalidAccessKeyId
            | Error::InvalidAmzDate
            | Error::InvalidSessionToken
    ) || (510..=526).contains(&e.code())
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, data)) = input.split_first() else {
        return;
    };
    let host = HOSTS[usize::from(sel) % HOSTS.len()];
    let conv = conversation(host);
    let cf = match typed(conv.client_final(data)) {
        Ok(cf) => cf,
        Err(e) => {
            assert!(server_side(e), "unexpected error kind {e:?}");
            return stat(e.name());
        }
    };

    // The rules, checked independently of the implementation.
    let a = cf.authorization().as_str();
    let list = cf.authorization().signed_headers();
    let idx: Vec<usize> = list
        .split(';')
        .map(|n| {
            ALLOWED
                .iter()
                .position(|x| *x == n)
                .expect("SignedHeaders name not allowed")
        })
        .collect();
    assert!(
        idx.windows(2).all(|w| w[0] < w[1]),
        "SignedHeaders out of order: {list}"
    );
    assert!(
        idx.contains(&5) && idx.contains(&7),
        "x-mongodb-* missing: {list}"
    );
    assert_eq!(
        cf.session_token().is_some(),
        idx.contains(&4),
        "t iff token signed"
    );
    let d = cf.date().as_str();
    let scope = format!(
        "Credential={}/{}/{}/sts/aws4_request",
        cf.access_key_id(),
        &d[..8],
        conv.region()
    );
    assert!(
        a.starts_with("AWS4-HMAC-SHA256 ") && a.contains(&scope),
        "{a} lacks {scope}"
    );
    assert!(cf
        .access_key_id()
        .bytes()
        .all(|b| b.is_ascii_alphanumeric()));

    // Round trip.
    let doc = Document::parse(data).unwrap();
    let mut buf = vec![0u8; data.len()];
    let mut w = Writer::new(&mut buf).unwrap();
    let mut has_doc = false;
    for e in doc.iter() {
        let e = e.unwrap();
        match e.value {
            Value::String(s) => w.string(e.name, s).unwrap(),
            Value::Document(_) => has_doc = true,
            v => panic!("accepted client-final holds {v:?}"),
        }
    }
    if !has_doc {
        let n = w.finish().unwrap();
        assert_eq!(&buf[..n], data, "client-final does not round-trip");
    }

    // The forwarded request, read back by httparse.
    let req = conv.sts_request(&cf);
    let len = req.http_len();
    let mut small = vec![0u8; len - 1];
    assert_eq!(
        req.write_http(&mut small),
        Err(Error::BufferTooSmall { needed: len })
    );
    let mut out = vec![0u8; len];
    assert_eq!(req.write_http(&mut out), Ok(len));
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Request::new(&mut headers);
    let body_at = match parsed
        .parse(&out)
        .expect("httparse rejects the STS request")
    {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => panic!("partial STS request"),
    };
    assert_eq!((parsed.method, parsed.path), (Some("POST"), Some("/")));
    assert_eq!(
        &out[body_at..],
        b"Action=GetCallerIdentity&Version=2011-06-15"
    );
    let get = |n: &str| {
        let v: Vec<&[u8]> = parsed
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(n))
            .map(|h| h.value)
            .collect();
        assert!(v.len() <= 1, "{n} repeated");
        v.first()
            .map(|v| std::str::from_utf8(v).unwrap().to_string())
    };
    let nonce: Vec<u8> = (0u8..64).collect();
    assert_eq!(get("content-length").as_deref(), Some("43"));
    assert_eq!(
        get("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(get("host").as_deref(), Some(host));
    assert_eq!(get("x-amz-date").as_deref(), Some(d));
    assert_eq!(
        get("x-amz-security-token").as_deref(),
        cf.session_token().map(str::trim)
    );
    assert_eq!(
        get("x-mongodb-server-nonce"),
        Some(base64::engine::general_purpose::STANDARD.encode(&nonce))
    );
    assert_eq!(get("x-mongodb-gs2-cb-flag").as_deref(), Some("n"));
    assert_eq!(get("authorization").as_deref(), Some(a.trim()));
    assert_eq!(
        parsed.headers.len(),
        7 + usize::from(cf.session_token().is_some())
    );
    stat(if cf.session_token().is_some() {
        "accepted (token)"
    } else {
        "accepted"
    });
});
