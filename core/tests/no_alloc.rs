//! Proof of the core's promises: zero heap allocations across the whole client conversation and the
//! signer (counted by a global allocator), and a whole conversation on a 16 KiB thread stack.

use mongodb_aws_core::bson::Writer;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, Settings, SigningKey};
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::{sts, Credentials};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

fn allocations_during(f: impl FnOnce()) -> usize {
    counting_alloc::counted(f).1
}

const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

/// A whole conversation with fixed buffers; returns the client-final length (checked by the callers).
fn whole_conversation(token: Option<&str>) -> usize {
    let nonce = [0x42u8; 32];
    let conv = ClientConversation::new(nonce);
    let first = conv.client_first();
    assert_eq!(first.len(), 52);
    // The "server" answers with our nonce followed by 32 bytes of its own.
    let mut s = [0x42u8; 64];
    s[32..].fill(7);
    let mut server_first = [0u8; 128];
    let mut w = Writer::new(&mut server_first).unwrap();
    w.binary("s", 0, &s).unwrap();
    w.string("h", "sts.us-west-2.amazonaws.com").unwrap();
    let n = w.finish().unwrap();
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token,
    )
    .unwrap();
    let mut out = [0u8; 1536];
    let len = conv.client_final_len(&server_first[..n], &creds).unwrap();
    let written = conv
        .finish(
            &server_first[..n],
            &creds,
            UnixTime(1_700_000_000),
            None,
            &mut out,
        )
        .unwrap();
    assert_eq!(len, written);
    written
}

fn diagnostics() {
    let conv = ClientConversation::new([0x42u8; 32]);
    let mut s = [0x42u8; 64];
    s[32..].fill(7);
    let mut server_first = [0u8; 128];
    let mut w = Writer::new(&mut server_first).unwrap();
    w.binary("s", 0, &s).unwrap();
    w.string("h", "sts.amazonaws.com").unwrap();
    let n = w.finish().unwrap();
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some(TOKEN),
    )
    .unwrap();
    let mut diag = [0u8; 2048];
    conv.canonical_request(
        &server_first[..n],
        &creds,
        UnixTime(1_700_000_000),
        &mut diag,
    )
    .unwrap();
    conv.string_to_sign(
        &server_first[..n],
        &creds,
        UnixTime(1_700_000_000),
        &mut diag,
    )
    .unwrap();
}

fn general_signer() {
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some(TOKEN),
    )
    .unwrap();
    let headers = [
        ("Host", "example.amazonaws.com"),
        ("My-Header1", " a   b "),
        ("my-header1", "c"),
        ("Content-Type", sts::CONTENT_TYPE),
    ];
    let req = Request {
        method: "POST",
        path: "/a/./b/../c d",
        query: "z=1&a=%E1%88%B4&a=0",
        headers: &headers,
        payload: Payload::Bytes(b"Param1=value1"),
    };
    let scope = Scope::new(
        AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap(),
        "us-east-1",
        "service",
    )
    .unwrap();
    let st = Settings::default();
    let key = SigningKey::derive(creds.secret_access_key(), &scope).unwrap();
    let sig = sigv4::sign(&req, &creds, &scope, &st, None).unwrap();
    assert_eq!(
        sigv4::sign(&req, &creds, &scope, &st, Some(&key)).unwrap(),
        sig
    );
    let mut buf = [0u8; 4096];
    sigv4::canonical_request(&req, &creds, &scope, &st, &mut buf).unwrap();
    sigv4::string_to_sign(&req, &creds, &scope, &st, &mut buf).unwrap();
    sigv4::authorization(&req, &creds, &scope, &st, &sig, &mut buf).unwrap();
    sigv4::presign(&req, &creds, &scope, &st, 3600, Some(&key), &mut buf).unwrap();
}

#[test]
fn zero_heap_allocations() {
    // Warm up anything lazily initialised by the runtime (e.g. stdout capture) outside the count.
    let _ = whole_conversation(None);
    let n = allocations_during(|| {
        assert_eq!(whole_conversation(None), 37 + 235 + 11 + 9);
    });
    assert_eq!(
        n, 0,
        "client conversation without token allocated {n} times"
    );
    let n = allocations_during(|| {
        assert_eq!(
            whole_conversation(Some(TOKEN)),
            37 + 235 + 11 + 9 + 21 + 8 + TOKEN.len()
        );
    });
    assert_eq!(n, 0, "client conversation with token allocated {n} times");
    let n = allocations_during(diagnostics);
    assert_eq!(n, 0, "conversation diagnostics allocated {n} times");
    let n = allocations_during(general_signer);
    assert_eq!(n, 0, "general signer allocated {n} times");
    // The counter works: a Vec allocates.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 10]))) >= 1);
}

#[test]
fn whole_conversation_fits_a_16_kib_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(16 * 1024)
        .spawn(|| (whole_conversation(None), whole_conversation(Some(TOKEN))))
        .unwrap();
    let (a, b) = handle
        .join()
        .expect("conversation overflowed a 16 KiB stack");
    assert!(a > 0 && b > a);
}
