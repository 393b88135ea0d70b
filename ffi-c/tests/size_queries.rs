//! Every function with an `(out, out_cap, out_len)` output answers the three ways of calling it
//! consistently (ARCHITECTURE.md "C ABI conventions"):
//!
//! - a large enough buffer gives `OK` and `n` bytes, or an input error `E`;
//! - the size query (`out == NULL && out_cap == 0`) gives `OK` with the same `n`, or the same `E`;
//! - a buffer one byte short gives `BUFFER_TOO_SMALL` with `*out_len == n`, or the same `E`, and in
//!   both cases leaves the buffer untouched.
//!
//! So a caller that asks for the size first learns every input error then (an invalid time, a
//! signing key for another day or region, bad flags), not only after allocating. Each function runs
//! with valid inputs and with each kind of invalid input it can get.

#![allow(clippy::undocumented_unsafe_blocks)]

use core::ptr::{null, null_mut};
use mongodb_aws::*;

mod support;
use support::{credentials, creds, header, post_request, scope, AKID, NOW, SECRET, TOKEN};

const OK: u32 = 0;
const BUFFER_TOO_SMALL: u32 = 100;
const INVALID_TIME: u32 = 110;
const SIGNING_KEY_MISMATCH: u32 = 115;

/// Past 9999-12-31: every signing call refuses it.
const BAD_TIME: u64 = u64::MAX;

/// One output call: `(out, out_cap, out_len) -> status`.
type Call<'a> = &'a dyn Fn(*mut u8, usize, *mut usize) -> mongodb_aws_status;

/// Calls `f` the three ways and checks they agree; returns the status of the large-buffer call.
fn consistent(name: &str, f: Call<'_>) -> u32 {
    let mut big = vec![0u8; 1 << 16];
    let mut n_big = usize::MAX;
    let s_big = f(big.as_mut_ptr(), big.len(), &mut n_big) as u32;
    assert_ne!(s_big, BUFFER_TOO_SMALL, "{name}: 64 KiB is enough");

    let mut n_query = usize::MAX;
    let s_query = f(null_mut(), 0, &mut n_query) as u32;
    assert_eq!(s_query, s_big, "{name}: the size query fails like the call");

    // One byte short (or a 1-byte buffer for a failing call): untouched, same answer.
    let cap = if s_big == OK {
        n_big.saturating_sub(1)
    } else {
        1
    };
    let mut short = vec![0xA5u8; cap.max(1)];
    let mut n_short = usize::MAX;
    let s_short = f(short.as_mut_ptr(), cap, &mut n_short) as u32;
    assert!(
        short.iter().all(|&b| b == 0xA5),
        "{name}: a failing call wrote into the buffer"
    );
    if s_big == OK {
        assert_eq!(n_query, n_big, "{name}: size query vs written length");
        if n_big > 0 {
            assert_eq!(s_short, BUFFER_TOO_SMALL, "{name}: one byte short");
            assert_eq!(n_short, n_big, "{name}: BUFFER_TOO_SMALL reports the size");
        }
    } else {
        assert_eq!(s_short, s_big, "{name}: a short buffer fails like the call");
        assert_eq!(
            n_query,
            usize::MAX,
            "{name}: *out_len is written only for a size"
        );
    }
    s_big
}

struct Key(*mut mongodb_aws_signing_key);
impl Key {
    fn new(now: u64, region: &'static str) -> Key {
        let mut k = null_mut();
        let s = scope(now, region);
        let st = unsafe {
            mongodb_aws_signing_key_new(SECRET.as_ptr().cast(), SECRET.len(), &s, &mut k)
        };
        assert_eq!(st as u32, OK);
        Key(k)
    }
}
impl Drop for Key {
    fn drop(&mut self) {
        unsafe { mongodb_aws_signing_key_free(self.0) }
    }
}

/// `{s: BinData(0, nonce 0..31 ++ 32..63), h: host}`.
fn server_first(host: &str) -> Vec<u8> {
    let mut doc = vec![0u8; 4];
    doc.extend_from_slice(&[0x05, b's', 0]);
    doc.extend_from_slice(&64i32.to_le_bytes());
    doc.push(0);
    doc.extend((0u8..64).collect::<Vec<_>>());
    doc.extend_from_slice(&[0x02, b'h', 0]);
    doc.extend_from_slice(&(host.len() as i32 + 1).to_le_bytes());
    doc.extend_from_slice(host.as_bytes());
    doc.extend_from_slice(&[0, 0]);
    let len = doc.len() as i32;
    doc[..4].copy_from_slice(&len.to_le_bytes());
    doc
}

fn conversation() -> mongodb_aws_client_conversation {
    let nonce: Vec<u8> = (0u8..32).collect();
    let mut conv = mongodb_aws_client_conversation { nonce: [0; 32] };
    let st = unsafe { mongodb_aws_client_conversation_init(&mut conv, nonce.as_ptr(), 32) };
    assert_eq!(st as u32, OK);
    conv
}

/// `mongodb_aws_client_conversation_client_final` of `sf` at `NOW` without a key into `out`: the
/// status and `*out_len`.
fn client_final_now(
    conv: &mongodb_aws_client_conversation,
    sf: &[u8],
    cr: &mongodb_aws_credentials,
    out: &mut [u8],
) -> (u32, usize) {
    let mut n = 0;
    let st = unsafe {
        mongodb_aws_client_conversation_client_final(
            conv,
            sf.as_ptr(),
            sf.len(),
            cr,
            NOW,
            null(),
            out.as_mut_ptr(),
            out.len(),
            &mut n,
        )
    };
    (st as u32, n)
}

#[test]
fn client_conversation() {
    let conv = conversation();
    let us_east = Key::new(NOW, "us-east-1");
    let other_day = Key::new(NOW + 86_400, "us-east-1");
    let other_region = Key::new(NOW, "us-west-2");
    let first = |o, c, n| unsafe { mongodb_aws_client_conversation_client_first(&conv, o, c, n) };
    assert_eq!(consistent("client_first", &first), OK);

    for host in [
        "sts.amazonaws.com",
        "sts.us-west-2.amazonaws.com",
        "bad..host",
    ] {
        let sf = server_first(host);
        for token in [None, Some(TOKEN)] {
            let cr = creds(token);
            let mut handle = null_mut();
            assert_eq!(
                unsafe { mongodb_aws_credentials_handle_new(&cr, &mut handle) } as u32,
                OK
            );
            for (now, key, what) in [
                (NOW, null(), "derived key"),
                (BAD_TIME, null(), "invalid time"),
                (NOW, us_east.0.cast_const(), "us-east-1 key"),
                (NOW, other_day.0.cast_const(), "key of another day"),
                (NOW, other_region.0.cast_const(), "key of another region"),
                (BAD_TIME, us_east.0.cast_const(), "invalid time and a key"),
            ] {
                let name = format!("client_final {host} token={} {what}", token.is_some());
                let f = |o, c, n| unsafe {
                    mongodb_aws_client_conversation_client_final(
                        &conv,
                        sf.as_ptr(),
                        sf.len(),
                        &cr,
                        now,
                        key,
                        o,
                        c,
                        n,
                    )
                };
                let s = consistent(&name, &f);
                let h = |o, c, n| unsafe {
                    mongodb_aws_client_conversation_client_final_with_handle(
                        &conv,
                        sf.as_ptr(),
                        sf.len(),
                        handle,
                        now,
                        key,
                        o,
                        c,
                        n,
                    )
                };
                assert_eq!(consistent(&format!("{name} (handle)"), &h), s, "{name}");
                if host.starts_with("bad") {
                    assert_ne!(s, OK, "{name}");
                } else if now == BAD_TIME {
                    assert_eq!(s, INVALID_TIME, "{name}");
                } else if what == "key of another day"
                    || (what == "us-east-1 key" && host.contains("west"))
                    || (what == "key of another region" && !host.contains("west"))
                {
                    assert_eq!(s, SIGNING_KEY_MISMATCH, "{name}");
                } else {
                    assert_eq!(s, OK, "{name}");
                }
            }
            for now in [NOW, BAD_TIME] {
                let cr_ = |o, c, n| unsafe {
                    mongodb_aws_client_conversation_canonical_request(
                        &conv,
                        sf.as_ptr(),
                        sf.len(),
                        &cr,
                        now,
                        o,
                        c,
                        n,
                    )
                };
                consistent(&format!("canonical_request {host} {now}"), &cr_);
                let sts = |o, c, n| unsafe {
                    mongodb_aws_client_conversation_string_to_sign(
                        &conv,
                        sf.as_ptr(),
                        sf.len(),
                        &cr,
                        now,
                        o,
                        c,
                        n,
                    )
                };
                consistent(&format!("string_to_sign {host} {now}"), &sts);
            }
            unsafe { mongodb_aws_credentials_handle_free(handle) };
        }
    }
}

#[test]
fn general_signing() {
    let us_east = Key::new(NOW, "us-east-1");
    let other_day = Key::new(NOW + 86_400, "us-east-1");
    let good = [header("host", "sts.amazonaws.com")];
    let no_host = [header("x-thing", "1")];
    let bad_value = [header("host", "sts.amazonaws.com"), header("x-bad", "a\nb")];
    for (headers, hname) in [
        (&good[..], "good"),
        (&no_host[..], "no host"),
        (&bad_value[..], "bad header value"),
    ] {
        let req = post_request(headers);
        for token in [None, Some(TOKEN)] {
            let cr = creds(token);
            for (now, region, key, what) in [
                (NOW, "us-east-1", null(), "derived"),
                (BAD_TIME, "us-east-1", null(), "invalid time"),
                (NOW, "bad region!", null(), "invalid region"),
                (NOW, "us-east-1", us_east.0.cast_const(), "key"),
                (
                    NOW,
                    "us-east-1",
                    other_day.0.cast_const(),
                    "key of another day",
                ),
                (
                    NOW,
                    "us-west-2",
                    us_east.0.cast_const(),
                    "key of another region",
                ),
            ] {
                let sc = scope(now, region);
                for flags in [0u32, MONGODB_AWS_SIGN_S3, 1 << 20] {
                    for expires in [3600u32, 0] {
                        let name = format!(
                            "{hname} token={} {what} flags={flags} expires={expires}",
                            token.is_some()
                        );
                        let sign = |o, c, n| unsafe {
                            mongodb_aws_sign(&req, &cr, &sc, flags, key, o, c, n)
                        };
                        let s = consistent(&format!("sign {name}"), &sign);
                        if hname == "good"
                            && flags != 1 << 20
                            && now == NOW
                            && region != "bad region!"
                        {
                            let want = if what.contains("another") {
                                SIGNING_KEY_MISMATCH
                            } else {
                                OK
                            };
                            assert_eq!(s, want, "sign {name}");
                        } else {
                            assert_ne!(s, OK, "sign {name}");
                        }
                        let auth = |o, c, n| unsafe {
                            mongodb_aws_sign_authorization(&req, &cr, &sc, flags, key, o, c, n)
                        };
                        assert_eq!(consistent(&format!("authorization {name}"), &auth), s);
                        let canon = |o, c, n| unsafe {
                            mongodb_aws_sign_canonical_request(&req, &cr, &sc, flags, o, c, n)
                        };
                        consistent(&format!("canonical {name}"), &canon);
                        let sts = |o, c, n| unsafe {
                            mongodb_aws_sign_string_to_sign(&req, &cr, &sc, flags, o, c, n)
                        };
                        consistent(&format!("string_to_sign {name}"), &sts);
                        let pre = |o, c, n| unsafe {
                            mongodb_aws_presign(&req, &cr, &sc, flags, expires, key, o, c, n)
                        };
                        consistent(&format!("presign {name}"), &pre);
                        let pre_c = |o, c, n| unsafe {
                            mongodb_aws_presign_canonical_request(
                                &req, &cr, &sc, flags, expires, o, c, n,
                            )
                        };
                        consistent(&format!("presign canonical {name}"), &pre_c);
                    }
                }
            }
        }
    }
}

#[test]
fn small_outputs() {
    for now in [0, NOW, 253_402_300_799, 253_402_300_800, BAD_TIME] {
        let f = |o, c, n| unsafe { mongodb_aws_amz_date(now, o, c, n) };
        consistent(&format!("amz_date {now}"), &f);
    }
    for arn in [
        "arn:aws:iam::123456789012:user/example",
        "arn:aws:sts::123456789012:assumed-role/R/session",
        "not an arn",
        "",
    ] {
        let f = |o, c, n| unsafe {
            mongodb_aws_user_name_for_arn(arn.as_ptr().cast(), arn.len(), o, c, n)
        };
        consistent(&format!("user_name_for_arn {arn:?}"), &f);
    }
    let f = |o, c, n| unsafe { mongodb_aws_last_error_message(o, c, n) };
    consistent("last_error_message", &f);
}

#[test]
fn get_caller_identity_request() {
    for token in [None, Some(TOKEN)] {
        let cr = creds(token);
        for now in [NOW, BAD_TIME] {
            let f = |o, c, n| unsafe {
                mongodb_aws_get_caller_identity_request(&cr, null(), now, o, c, n, null_mut())
            };
            let s = consistent(&format!("get_caller_identity_request {now}"), &f);
            assert_eq!(s, if now == NOW { OK } else { INVALID_TIME });
        }
    }
}

#[test]
fn server_side() {
    let conv = conversation();
    let mut cf = [0u8; 52];
    let mut n = 0;
    unsafe { mongodb_aws_client_conversation_client_first(&conv, cf.as_mut_ptr(), 52, &mut n) };
    let random: Vec<u8> = (32u8..64).collect();
    let host = "sts.amazonaws.com";
    let mut server = core::mem::MaybeUninit::<mongodb_aws_server_conversation>::zeroed();
    let st = unsafe {
        mongodb_aws_server_conversation_init(
            server.as_mut_ptr(),
            cf.as_ptr(),
            52,
            random.as_ptr(),
            32,
            host.as_ptr().cast(),
            host.len(),
        )
    };
    assert_eq!(st as u32, OK);
    let server = unsafe { server.assume_init() };
    let f = |o, c, n| unsafe { mongodb_aws_server_conversation_server_first(&server, o, c, n) };
    assert_eq!(consistent("server_first", &f), OK);

    let sf = server_first(host);
    let cr = creds(Some(TOKEN));
    let mut client_final = vec![0u8; 4096];
    let (st, len) = client_final_now(&conv, &sf, &cr, &mut client_final);
    assert_eq!(st, OK);
    client_final.truncate(len);
    let mut broken = client_final.clone();
    broken[10] ^= 0x55;
    for (bytes, what) in [(&client_final, "valid"), (&broken, "broken")] {
        let f = |o, c, n| unsafe {
            mongodb_aws_server_conversation_sts_request(
                &server,
                bytes.as_ptr(),
                bytes.len(),
                o,
                c,
                n,
            )
        };
        let s = consistent(&format!("sts_request {what}"), &f);
        assert_eq!(s == OK, what == "valid");
    }
}

/// `MONGODB_AWS_CLIENT_FINAL_MAX_LEN + token length` is reached by the longest access key id (128)
/// and region (253: host `x.<region>` of 255 bytes) with a token, and never exceeded.
#[test]
fn client_final_max_len_is_the_bound() {
    let conv = conversation();
    let long_region = "r".repeat(253);
    let longest_host = format!("x.{long_region}");
    assert_eq!(longest_host.len(), 255);
    let long_id = "A".repeat(128);
    let tokens = ["", "t", TOKEN, &"T".repeat(5000)];
    let mut reached = false;
    for host in [
        "sts.amazonaws.com",
        "localhost",
        "sts.us-west-2.amazonaws.com",
        &longest_host,
    ] {
        let sf = server_first(host);
        for id in ["AKID", AKID, &long_id] {
            for token in tokens {
                let cr = credentials(id, Some(token));
                let cap = MONGODB_AWS_CLIENT_FINAL_MAX_LEN + token.len();
                let mut out = vec![0u8; cap];
                let (st, n) = client_final_now(&conv, &sf, &cr, &mut out);
                assert_eq!(st, OK, "{host} {id} {}", token.len());
                assert!(n <= cap);
                reached |= n == cap;
            }
        }
    }
    assert!(reached, "the bound is exact for the longest inputs");
}
