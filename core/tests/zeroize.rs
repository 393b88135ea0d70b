//! Secret hygiene of `SigningKey`: the derived key bytes and its HMAC pad midstates are wiped when
//! the key is dropped or explicitly zeroized.
//!
//! The drop test looks at the memory the key occupied after `drop_in_place`, through a raw pointer.
//! It is controlled: the key lives in a zero-filled heap allocation that this test owns and frees
//! only after reading it, and the region (253 bytes) and service (64 bytes) fill their fixed-capacity
//! buffers, so every byte read was written (the only exception can be a few bytes of struct padding,
//! which are part of the zero-filled allocation and are never compared against the key). The core
//! crate itself forbids `unsafe`; this integration test is a separate crate.
#![allow(unsafe_code)]

use hmac::{Hmac, Mac};
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, Settings, SigningKey};
use mongodb_aws_core::{AmzDate, Credentials, UnixTime};
use sha2::Sha256;
use std::mem::{size_of, MaybeUninit};
use zeroize::Zeroize;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// kSigning computed here, independently of the core (AWS: "Derive a signing key for SigV4").
fn expected_key(date: &str, region: &str, service: &str) -> [u8; 32] {
    let k = hmac(format!("AWS4{SECRET}").as_bytes(), date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    hmac(&k, b"aws4_request")
}

#[test]
fn aws_documented_signing_key() {
    // The AWS documentation's example: 20120215 / us-east-1 / iam.
    assert_eq!(
        hex::encode(expected_key("20120215", "us-east-1", "iam")),
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    );
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads `len` bytes at `p` one by one with volatile loads, so the compiler cannot assume anything
/// about memory that was dropped.
unsafe fn snapshot(p: *const u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| std::ptr::read_volatile(p.add(i)))
        .collect()
}

/// The SHA-256 state after the key's HMAC pad block (`K ⊕ pad`, RFC 2104), computed here with sha2's
/// compression function, as native-endian bytes (how the key stores it).
fn pad_midstate(key: &[u8; 32], pad: u8) -> Vec<u8> {
    use sha2::digest::generic_array::GenericArray;
    let mut block = [pad; 64];
    for (b, k) in block.iter_mut().zip(key) {
        *b ^= k;
    }
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    sha2::compress256(&mut state, &[GenericArray::from(block)]);
    state.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// Every secret the key holds: kSigning and its inner and outer HMAC pad midstates.
fn secrets(want: &[u8; 32]) -> [Vec<u8>; 3] {
    [
        want.to_vec(),
        pad_midstate(want, 0x36),
        pad_midstate(want, 0x5c),
    ]
}

#[test]
fn signing_key_is_wiped_on_drop() {
    let region = "r".repeat(253);
    let service = "s".repeat(64);
    let date = AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap();
    let scope = Scope::new(date, &region, &service).unwrap();
    let want = expected_key("20150830", &region, &service);

    let mut slot: Box<MaybeUninit<SigningKey>> = Box::new(MaybeUninit::zeroed());
    slot.write(SigningKey::derive(SECRET, &scope).unwrap());
    let p = slot.as_ptr() as *const u8;
    let n = size_of::<SigningKey>();

    // Before the drop every secret is there (so this test looks at the right memory).
    let before = unsafe { snapshot(p, n) };
    let places: Vec<usize> = secrets(&want)
        .iter()
        .map(|s| find(&before, s).expect("secret not found in the SigningKey's memory"))
        .collect();

    // Drop in place; the allocation stays ours until `slot` goes out of scope.
    unsafe { slot.assume_init_drop() };
    let after = unsafe { snapshot(p, n) };
    for (secret, at) in secrets(&want).iter().zip(&places) {
        assert_eq!(
            &after[*at..*at + secret.len()],
            &vec![0u8; secret.len()][..],
            "secret bytes survive the drop"
        );
        assert_eq!(find(&after, secret), None);
    }
    // The non-secret scope (date, region, service) is left alone.
    assert!(
        find(&after, region.as_bytes()).is_some() && find(&after, service.as_bytes()).is_some()
    );
    assert!(find(&after, b"20150830").is_some());
}

#[test]
fn clones_are_wiped_too() {
    let date = AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap();
    let scope = Scope::new(date, "us-east-1", "sts").unwrap();
    let want = expected_key("20150830", "us-east-1", "sts");
    let original = SigningKey::derive(SECRET, &scope).unwrap();
    let mut slot: Box<MaybeUninit<SigningKey>> = Box::new(MaybeUninit::zeroed());
    slot.write(original.clone());
    let p = slot.as_ptr() as *const u8;
    let n = size_of::<SigningKey>();
    let before = unsafe { snapshot(p, n) };
    let places: Vec<usize> = secrets(&want)
        .iter()
        .map(|s| find(&before, s).expect("secret not found"))
        .collect();
    unsafe { slot.assume_init_drop() };
    for (secret, at) in secrets(&want).iter().zip(places) {
        assert_eq!(
            unsafe { snapshot(p.add(at), secret.len()) },
            vec![0u8; secret.len()]
        );
    }
    drop(original);
}

#[test]
fn zeroize_leaves_an_all_zero_key() {
    // After zeroize() the key signs like an all-zero key: the secret-derived bytes are gone.
    let date = AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap();
    let scope = Scope::new(date, "us-east-1", "service").unwrap();
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None).unwrap();
    let req = Request {
        method: "GET",
        path: "/",
        query: "",
        headers: &[("Host", "example.amazonaws.com")],
        payload: Payload::Bytes(b""),
    };
    let settings = Settings::default();
    let mut key = SigningKey::derive(SECRET, &scope).unwrap();
    let mut sts = vec![0u8; 256];
    let n = sigv4::string_to_sign(&req, &creds, &scope, &settings, &mut sts).unwrap();
    let sts = &sts[..n];
    let live = sigv4::sign(&req, &creds, &scope, &settings, Some(&key)).unwrap();
    // AWS signing suite, get-vanilla.
    assert_eq!(
        live.hex().as_str(),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    let want = expected_key("20150830", "us-east-1", "service");
    let p = &key as *const SigningKey as *const u8;
    let before = unsafe { snapshot(p, size_of::<SigningKey>()) };
    let places: Vec<usize> = secrets(&want)
        .iter()
        .map(|s| find(&before, s).expect("secret not found"))
        .collect();
    key.zeroize();
    let after = unsafe { snapshot(p, size_of::<SigningKey>()) };
    for (secret, at) in secrets(&want).iter().zip(places) {
        assert_eq!(
            &after[at..at + secret.len()],
            &vec![0u8; secret.len()][..],
            "zeroize() left secret bytes"
        );
    }
    // The wiped key no longer produces the live signature (nor the live key's HMAC of anything).
    let wiped = sigv4::sign(&req, &creds, &scope, &settings, Some(&key)).unwrap();
    assert_ne!(wiped, live);
    assert_ne!(wiped.0, hmac(&want, sts));
    // Scope metadata is not secret and survives, so a wiped key is still recognised for its scope.
    assert_eq!(
        (key.date(), key.region(), key.service()),
        ("20150830", "us-east-1", "service")
    );
}
