//! Differential C ABI: the `extern "C"` functions of mongodb-aws-ffi (called from Rust through their
//! C signatures: raw pointers, lengths, out-parameters) against the core on the same inputs — the
//! client conversation (init, client_first, parse_server_first, client_final with size queries,
//! short and exact buffers, canonical_request, string_to_sign), credential checking, the STS
//! host/region rule, ISO-8601 parsing and X-Amz-Date formatting.
//!
//! Every status must be the core's error number (0 for success; 3 `INVALID_UTF8` for text that is
//! not UTF-8, which only the C ABI can receive), every output byte-identical, `*out_len` the written
//! or needed size, and nothing written on failure. Runs under AddressSanitizer like every target.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mongodb_aws::*;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::time::{parse_iso8601, AmzDate};
use mongodb_aws_core::{sts, Credentials, Error, UnixTime};
use mongodb_aws_fuzz::refbson::{self, RefValue};
use mongodb_aws_fuzz::{gen, stat};
use std::ptr;

#[derive(Debug, Arbitrary)]
enum Cap {
    SizeQuery,
    Exact,
    Short(u8),
    Long(u8),
}

#[derive(Debug)]
struct Input {
    nonce: Vec<u8>,
    server_first: Vec<u8>,
    id: Vec<u8>,
    secret: Vec<u8>,
    token: Option<Vec<u8>>,
    now: u64,
    cap: Cap,
    host: Vec<u8>,
    timestamp: Vec<u8>,
}

fn text(u: &mut Unstructured<'_>, alphabet: &[u8], max: usize) -> arbitrary::Result<Vec<u8>> {
    Ok(if u.ratio(7, 8)? {
        gen::from_alphabet(u, alphabet, 1, max)?.into_bytes()
    } else {
        u.arbitrary()?
    })
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let nonce: Vec<u8> = if u.ratio(15, 16)? {
            u.arbitrary::<[u8; 32]>()?.to_vec()
        } else {
            u.arbitrary()?
        };
        let host = if u.ratio(3, 4)? {
            gen::from_tokens(u, gen::HOST_TOKENS, 6)?.into_bytes()
        } else {
            u.arbitrary()?
        };
        let server_first = if u.ratio(3, 4)? {
            let mut s = nonce.clone();
            s.resize(32, 0);
            s.extend_from_slice(&u.arbitrary::<[u8; 32]>()?);
            let h = String::from_utf8_lossy(&host).into_owned();
            refbson::encode(&[
                ("s".into(), RefValue::Binary(0, s)),
                ("h".into(), RefValue::String(h)),
            ])
        } else {
            u.arbitrary()?
        };
        Ok(Input {
            nonce,
            server_first,
            id: text(u, gen::ALNUM, 24)?,
            secret: text(u, gen::GRAPHIC, 48)?,
            token: if u.arbitrary()? {
                Some(text(u, gen::GRAPHIC, 64)?)
            } else {
                None
            },
            now: if u.ratio(7, 8)? {
                u.int_in_range(0..=253_402_300_799)?
            } else {
                u.arbitrary()?
            },
            cap: u.arbitrary()?,
            host,
            timestamp: if u.arbitrary()? {
                gen::from_tokens(
                    u,
                    &["2023-02-07", "T", "20:04:27", "Z", ".5", "+01:00", "x"],
                    5,
                )?
                .into_bytes()
            } else {
                u.arbitrary()?
            },
        })
    }
}

fn code(r: Result<(), Error>) -> u32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

const INVALID_UTF8: u32 = 3;

/// Calls an output function with the capacity the input asks for and checks it against the core's
/// `expected` (bytes, or the error). `len_of_ok` is the size the core reports for a size query.
fn check_out(
    what: &str,
    cap: &Cap,
    expected: Result<Vec<u8>, Error>,
    call: &mut dyn FnMut(*mut u8, usize, *mut usize) -> u32,
) {
    let want_len = match &expected {
        Ok(v) => v.len(),
        Err(Error::BufferTooSmall { needed }) => *needed,
        Err(_) => 0,
    };
    let capacity = match cap {
        Cap::SizeQuery => None,
        Cap::Exact => Some(want_len),
        Cap::Short(k) => Some(want_len.saturating_sub(usize::from(*k) + 1)),
        Cap::Long(k) => Some(want_len + usize::from(*k)),
    };
    let mut out_len: usize = usize::MAX;
    match capacity {
        None => {
            let s = call(ptr::null_mut(), 0, &mut out_len);
            match &expected {
                Ok(v) => assert_eq!((s, out_len), (0, v.len()), "{what}: size query"),
                Err(e) => assert_eq!(s, e.code(), "{what}: size query status"),
            }
        }
        Some(c) => {
            let mut buf = vec![0xA5u8; c];
            let s = call(buf.as_mut_ptr(), c, &mut out_len);
            match &expected {
                Ok(v) if c >= v.len() => {
                    assert_eq!((s, out_len), (0, v.len()), "{what}");
                    assert_eq!(&buf[..v.len()], &v[..], "{what}: bytes");
                }
                Ok(v) => {
                    assert_eq!(
                        s,
                        Error::BufferTooSmall { needed: 0 }.code(),
                        "{what}: short"
                    );
                    assert_eq!(out_len, v.len(), "{what}: needed");
                    assert!(buf.iter().all(|&b| b == 0xA5), "{what}: written on error");
                }
                Err(e) => {
                    assert_eq!(s, e.code(), "{what}: status");
                    assert!(buf.iter().all(|&b| b == 0xA5), "{what}: written on error");
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(i) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };

    // ---- STS host / region
    let mut region: *const std::ffi::c_char = ptr::null();
    let mut region_len = 0usize;
    let s = unsafe {
        mongodb_aws_sts_region_for_host(
            i.host.as_ptr().cast(),
            i.host.len(),
            &mut region,
            &mut region_len,
        )
    } as u32;
    let v = unsafe { mongodb_aws_sts_validate_host(i.host.as_ptr().cast(), i.host.len()) } as u32;
    match std::str::from_utf8(&i.host) {
        Err(_) => assert_eq!((s, v), (INVALID_UTF8, INVALID_UTF8)),
        Ok(h) => {
            let want = sts::region_for_host(h);
            assert_eq!(s, code(want.map(|_| ())));
            assert_eq!(v, code(sts::validate_host(h)));
            if let Ok(r) = want {
                let got = unsafe { std::slice::from_raw_parts(region.cast::<u8>(), region_len) };
                assert_eq!(got, r.as_bytes());
            }
        }
    }

    // ---- time
    let mut unix = 7u64;
    let s = unsafe {
        mongodb_aws_parse_iso8601(i.timestamp.as_ptr().cast(), i.timestamp.len(), &mut unix)
    } as u32;
    match std::str::from_utf8(&i.timestamp) {
        Err(_) => assert_eq!((s, unix), (INVALID_UTF8, 7)),
        Ok(t) => match parse_iso8601(t) {
            Ok(w) => assert_eq!((s, unix), (0, w.0)),
            Err(e) => assert_eq!((s, unix), (e.code(), 7)),
        },
    }
    let want = AmzDate::from_unix(UnixTime(i.now)).map(|d| d.as_bytes().to_vec());
    check_out("amz_date", &i.cap, want, &mut |o, c, l| unsafe {
        mongodb_aws_amz_date(i.now, o, c, l) as u32
    });

    // ---- credentials
    let creds_c = mongodb_aws_credentials {
        access_key_id: i.id.as_ptr().cast(),
        access_key_id_len: i.id.len(),
        secret_access_key: i.secret.as_ptr().cast(),
        secret_access_key_len: i.secret.len(),
        session_token: i.token.as_ref().map_or(ptr::null(), |t| t.as_ptr().cast()),
        session_token_len: i.token.as_ref().map_or(0, Vec::len),
    };
    let s = unsafe { mongodb_aws_credentials_check(&creds_c) } as u32;
    fn utf8(b: &[u8]) -> Option<&str> {
        std::str::from_utf8(b).ok()
    }
    let (id, secret) = (utf8(&i.id), utf8(&i.secret));
    let token = i.token.as_deref().map(utf8);
    let creds = if id.is_none() || secret.is_none() || token == Some(None) {
        assert_eq!(s, INVALID_UTF8);
        None
    } else {
        let c = Credentials::from_parts(id, secret, token.flatten());
        assert_eq!(s, code(c.map(|_| ())));
        c.ok()
    };

    // ---- client conversation
    let mut conv = mongodb_aws_client_conversation { nonce: [0; 32] };
    let s =
        unsafe { mongodb_aws_client_conversation_init(&mut conv, i.nonce.as_ptr(), i.nonce.len()) }
            as u32;
    let Ok(nonce) = <[u8; 32]>::try_from(&i.nonce[..]) else {
        assert_eq!(s, Error::InvalidParameter.code());
        return stat("nonce length refused");
    };
    assert_eq!(s, 0);
    let core = ClientConversation::new(nonce);
    check_out(
        "client_first",
        &i.cap,
        Ok(core.client_first().to_vec()),
        &mut |o, c, l| unsafe {
            mongodb_aws_client_conversation_client_first(&conv, o, c, l) as u32
        },
    );

    let sf = &i.server_first;
    let mut parsed = mongodb_aws_server_first {
        server_nonce: ptr::null(),
        host: ptr::null(),
        host_len: 0,
        region: ptr::null(),
        region_len: 0,
    };
    let s = unsafe {
        mongodb_aws_client_conversation_parse_server_first(
            &conv,
            sf.as_ptr(),
            sf.len(),
            &mut parsed,
        )
    } as u32;
    match core.parse_server_first(sf) {
        Ok(p) => {
            assert_eq!(s, 0);
            unsafe {
                assert_eq!(
                    std::slice::from_raw_parts(parsed.server_nonce, 64),
                    &p.server_nonce()[..]
                );
                assert_eq!(
                    std::slice::from_raw_parts(parsed.host.cast::<u8>(), parsed.host_len),
                    p.host().as_bytes()
                );
                assert_eq!(
                    std::slice::from_raw_parts(parsed.region.cast::<u8>(), parsed.region_len),
                    p.region().as_bytes()
                );
            }
        }
        Err(e) => {
            assert_eq!(s, e.code());
            assert!(
                parsed.server_nonce.is_null() && parsed.host_len == 0,
                "written on error"
            );
        }
    }

    let Some(creds) = creds else {
        return stat("credentials refused");
    };
    // A size query fails exactly as the call would (the C ABI's rule: an invalid time, a key for
    // another day or region), so size queries and buffers both get finish()'s result.
    let expected = |f: &dyn Fn(&mut [u8]) -> Result<usize, Error>| -> Result<Vec<u8>, Error> {
        let mut big = vec![0u8; 1 << 16];
        f(&mut big).map(|n| big[..n].to_vec())
    };
    let want = expected(&|b| core.finish(sf, &creds, UnixTime(i.now), None, b));
    let size_query = matches!(i.cap, Cap::SizeQuery);
    let mut call = |o: *mut u8, c: usize, l: *mut usize| unsafe {
        mongodb_aws_client_conversation_client_final(
            &conv,
            sf.as_ptr(),
            sf.len(),
            &creds_c,
            i.now,
            ptr::null(),
            o,
            c,
            l,
        ) as u32
    };
    if size_query {
        let mut out_len = 0usize;
        let s = call(ptr::null_mut(), 0, &mut out_len);
        match want {
            Ok(v) => assert_eq!((s, out_len), (0, v.len())),
            Err(e) => assert_eq!(s, e.code()),
        }
    } else {
        check_out("client_final", &i.cap, want.clone(), &mut call);
        if want.is_ok() {
            stat("client_final equal");
        }
    }
    let want = expected(&|b| core.canonical_request(sf, &creds, UnixTime(i.now), b));
    check_out("canonical_request", &i.cap, want, &mut |o, c, l| unsafe {
        mongodb_aws_client_conversation_canonical_request(
            &conv,
            sf.as_ptr(),
            sf.len(),
            &creds_c,
            i.now,
            o,
            c,
            l,
        ) as u32
    });
    let want = expected(&|b| core.string_to_sign(sf, &creds, UnixTime(i.now), b));
    check_out("string_to_sign", &i.cap, want, &mut |o, c, l| unsafe {
        mongodb_aws_client_conversation_string_to_sign(
            &conv,
            sf.as_ptr(),
            sf.len(),
            &creds_c,
            i.now,
            o,
            c,
            l,
        ) as u32
    });
});
