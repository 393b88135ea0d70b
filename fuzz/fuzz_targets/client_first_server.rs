//! Client-first (server side): `sasl::server::ClientFirst::parse` and `ServerConversation::new` on
//! arbitrary bytes, against a reference of the server's rules (PROTOCOL.md A1.7, A2: exactly `r`,
//! binary subtype 0 of 32 bytes, and `p`, int32 110 or 121, in any order, each once). Accepted
//! messages must round-trip through `bson::Writer`; the server-first the conversation then writes
//! must have its exact announced length and be accepted by the client side for the same nonce.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::bson::{Document, Value, Writer};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sasl::server::{ClientFirst, ServerConversation};
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::refbson::{self, RefValue};
use mongodb_aws_fuzz::{stat, typed};

/// The reference verdict: nonce and flag, or the error the rules give, checked in message order.
fn reference(data: &[u8]) -> Result<([u8; 32], &'static str), Error> {
    let fields = refbson::parse(data).map_err(|_| Error::BsonMalformed)?;
    let (mut r, mut p) = (None, None);
    for (name, v) in fields {
        match name.as_str() {
            "r" | "p" if (name == "r" && r.is_some()) || (name == "p" && p.is_some()) => {
                return Err(Error::DuplicateField)
            }
            "r" => match v {
                RefValue::Binary(0, b) => r = Some(b),
                _ => return Err(Error::ClientFirstWrongFieldType),
            },
            "p" => match v {
                RefValue::Int32(i) => p = Some(i),
                _ => return Err(Error::ClientFirstWrongFieldType),
            },
            _ => return Err(Error::ClientFirstUnexpectedField),
        }
    }
    let (Some(r), Some(p)) = (r, p) else {
        return Err(Error::ClientFirstMissingField);
    };
    let nonce: [u8; 32] = r.try_into().map_err(|_| Error::ClientNonceLength)?;
    let flag = match p {
        110 => "n",
        121 => "y",
        _ => return Err(Error::Gs2FlagUnsupported),
    };
    Ok((nonce, flag))
}

fn is_bson_error(e: Error) -> bool {
    matches!(
        e,
        Error::BsonTruncated | Error::BsonMalformed | Error::BsonTrailingBytes
    )
}

fuzz_target!(|data: &[u8]| {
    let got = typed(ClientFirst::parse(data));
    let cf = match (got, reference(data)) {
        (Ok(cf), Ok((nonce, flag))) => {
            assert_eq!(cf.nonce(), &nonce);
            assert_eq!(cf.gs2_flag(), flag);
            cf
        }
        (Err(e), Err(r)) => {
            assert!(
                e == r || is_bson_error(e) && is_bson_error(r),
                "core {e:?}, reference {r:?}"
            );
            stat(e.name());
            return;
        }
        (g, w) => panic!("core {g:?}, reference {w:?}"),
    };

    // Round trip through the writer, fields in input order.
    let doc = Document::parse(data).unwrap();
    let mut buf = vec![0u8; data.len()];
    let mut w = Writer::new(&mut buf).unwrap();
    for e in doc.iter() {
        let e = e.unwrap();
        match e.value {
            Value::Binary { subtype, bytes } => w.binary(e.name, subtype, bytes).unwrap(),
            Value::Int32(i) => w.int32(e.name, i).unwrap(),
            v => panic!("accepted client-first holds {v:?}"),
        }
    }
    let n = w.finish().unwrap();
    assert_eq!(&buf[..n], data, "client-first does not round-trip");

    // The conversation, and the client's view of its server-first.
    let random: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ data.len() as u8);
    for host in [
        "sts.amazonaws.com",
        "sts.us-west-2.amazonaws.com",
        "localhost",
    ] {
        let conv = ServerConversation::new(data, random, host).unwrap();
        assert_eq!(conv.client_first(), &cf);
        let len = conv.server_first_len();
        assert_eq!(
            len,
            85 + host.len(),
            "PROTOCOL.md A3: server-first = 85 + len(h)"
        );
        let mut small = vec![0u8; len - 1];
        assert_eq!(
            conv.server_first(&mut small),
            Err(Error::BufferTooSmall { needed: len })
        );
        let mut out = vec![0u8; len + 3];
        assert_eq!(conv.server_first(&mut out), Ok(len));
        let sf = ClientConversation::new(*cf.nonce())
            .parse_server_first(&out[..len])
            .expect("the client rejects our server-first");
        assert_eq!(sf.host(), host);
        assert_eq!(sf.region(), conv.region());
        assert_eq!(&sf.server_nonce()[32..], &random);
        assert_eq!(
            sf.server_nonce_base64()[..],
            conv.server_nonce_base64().as_bytes()[..]
        );
    }
    stat("accepted");
});
