//! BSON reader: `bson::Document::parse` on arbitrary bytes against the reference reader written from
//! the BSON specification. Errors must be typed BSON errors; accepted documents must iterate without
//! error, nested documents must parse on their own, and documents made only of the types
//! `bson::Writer` writes (string, binary, int32) must round-trip byte for byte, with an exact-size
//! buffer and `BufferTooSmall` for anything smaller.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::bson::{Document, Value, Writer};
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::refbson::{self, RefValue};
use mongodb_aws_fuzz::typed;

fn same(core: &Value<'_>, r: &RefValue) -> bool {
    match (core, r) {
        (Value::String(a), RefValue::String(b)) => a == b,
        (Value::Binary { subtype, bytes }, RefValue::Binary(s, b)) => subtype == s && bytes == b,
        (Value::Int32(a), RefValue::Int32(b)) => a == b,
        (Value::Double(d), RefValue::Other(0x01, raw)) => d.to_le_bytes()[..] == raw[..],
        (Value::Int64(i), RefValue::Other(0x12, raw)) => i.to_le_bytes()[..] == raw[..],
        (Value::Boolean(v), RefValue::Other(0x08, raw)) => raw[..] == [u8::from(*v)],
        (Value::Document(d), RefValue::Other(0x03, raw)) => d == raw,
        (Value::Array(d), RefValue::Other(0x04, raw)) => d == raw,
        (Value::Other { element_type, raw }, RefValue::Other(t, r)) => {
            element_type == t && raw == r
        }
        _ => false,
    }
}

fn check_nested(v: &Value<'_>) {
    if let Value::Document(raw) | Value::Array(raw) = v {
        // A nested document is valid on its own (the depth budget restarts at the top level).
        let d = Document::parse(raw).expect("nested document accepted inside but not alone");
        for e in d.iter() {
            check_nested(&e.unwrap().value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let got = typed(Document::parse(data));
    let want = refbson::parse(data);
    let doc = match (got, want) {
        (Err(e), Err(_)) => {
            assert!(
                matches!(
                    e,
                    Error::BsonTruncated | Error::BsonMalformed | Error::BsonTrailingBytes
                ),
                "non-BSON error {e:?}"
            );
            return;
        }
        (Ok(doc), Ok(r)) => {
            let elems: Vec<_> = doc
                .iter()
                .map(|e| e.expect("validated document failed to iterate"))
                .collect();
            assert_eq!(elems.len(), r.len());
            for (e, (name, v)) in elems.iter().zip(&r) {
                assert_eq!(e.name, name);
                assert!(same(&e.value, v), "{:?} vs {:?}", e.value, v);
                assert_eq!(
                    e.value.element_type(),
                    match v {
                        RefValue::String(_) => 0x02,
                        RefValue::Binary(..) => 0x05,
                        RefValue::Int32(_) => 0x10,
                        RefValue::Other(t, _) => *t,
                    }
                );
                check_nested(&e.value);
            }
            doc
        }
        (got, want) => panic!("core {got:?}, reference {want:?}"),
    };

    // Round trip through the writer for the types it writes.
    let writable = doc.iter().all(|e| {
        matches!(
            e.unwrap().value,
            Value::String(_) | Value::Binary { .. } | Value::Int32(_)
        )
    });
    let names_ok = doc.iter().all(|e| !e.unwrap().name.contains('\0'));
    if !(writable && names_ok) {
        return;
    }
    let write = |buf: &mut [u8]| -> Result<usize, Error> {
        let mut w = Writer::new(buf)?;
        for e in doc.iter() {
            let e = e.unwrap();
            match e.value {
                Value::String(s) => w.string(e.name, s)?,
                Value::Binary { subtype, bytes } => w.binary(e.name, subtype, bytes)?,
                Value::Int32(i) => w.int32(e.name, i)?,
                _ => unreachable!(),
            }
        }
        w.finish()
    };
    let mut buf = vec![0u8; data.len()];
    let n = write(&mut buf).expect("exact-size buffer");
    assert_eq!(
        &buf[..n],
        data,
        "writer output differs from the parsed input"
    );
    let mut small = vec![0u8; data.len() - 1];
    assert!(matches!(
        typed(write(&mut small)),
        Err(Error::BufferTooSmall { .. })
    ));
});
