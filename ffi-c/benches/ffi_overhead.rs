//! Per-call overhead of the C API: `mongodb_aws_client_conversation_client_final` and
//! `mongodb_aws_client_conversation_client_final_with_handle` (through the `extern "C"` functions, as
//! C calls them) against `ClientConversation::finish` called directly, on the GetCallerIdentity vector
//! with a session token, with and without a cached signing key.
//!
//! `cargo bench -p mongodb-aws-ffi --bench ffi_overhead`; results in ffi-c/BENCH.md.

use mongodb_aws::*;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::{Scope, SigningKey};
use mongodb_aws_core::{AmzDate, Credentials, UnixTime};
use std::hint::black_box;
use std::time::Instant;

const NOW: u64 = 1_440_938_160; // 20150830T123600Z, the vector's time
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn vector(rel: &str) -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/vectors/mongodb-aws-getcalleridentity/"
    );
    std::fs::read_to_string(format!("{p}{rel}")).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn bench() {
    let inputs = vector("inputs.json");
    let field = |k: &str| {
        let at = inputs.find(&format!("\"{k}\": \"")).unwrap() + k.len() + 5;
        inputs[at..at + inputs[at..].find('"').unwrap()].to_string()
    };
    let token = field("session_token");
    let nonce: [u8; 32] = unhex(&field("client_nonce_hex")).try_into().unwrap();
    let server_first = unhex(&vector("server-first.bson.hex"));
    let expected = unhex(&vector("with-session-token/client-final.bson.hex"));

    // Core, as a Rust host calls it (credentials validated once, outside the loop).
    let conv = ClientConversation::new(nonce);
    let creds = Credentials::new(AKID, SECRET, Some(&token)).unwrap();
    let scope = Scope::new(
        AmzDate::from_unix(UnixTime(NOW)).unwrap(),
        "us-east-1",
        "sts",
    )
    .unwrap();
    let key = SigningKey::derive(SECRET, &scope).unwrap();

    // C API, as a C host calls it.
    let mut cconv = mongodb_aws_client_conversation { nonce: [0; 32] };
    let ccreds = mongodb_aws_credentials {
        access_key_id: AKID.as_ptr().cast(),
        access_key_id_len: AKID.len(),
        secret_access_key: SECRET.as_ptr().cast(),
        secret_access_key_len: SECRET.len(),
        session_token: token.as_ptr().cast(),
        session_token_len: token.len(),
    };
    let cscope = mongodb_aws_scope {
        now_unix: NOW,
        region: "us-east-1".as_ptr().cast(),
        region_len: 9,
        service: "sts".as_ptr().cast(),
        service_len: 3,
    };
    let mut ckey: *mut mongodb_aws_signing_key = std::ptr::null_mut();
    let mut chandle: *mut mongodb_aws_credentials_handle = std::ptr::null_mut();
    unsafe {
        assert_eq!(
            mongodb_aws_credentials_handle_new(&ccreds, &mut chandle),
            mongodb_aws_status::MONGODB_AWS_OK
        );
        assert_eq!(
            mongodb_aws_client_conversation_init(&mut cconv, nonce.as_ptr(), 32),
            mongodb_aws_status::MONGODB_AWS_OK
        );
        assert_eq!(
            mongodb_aws_signing_key_new(SECRET.as_ptr().cast(), SECRET.len(), &cscope, &mut ckey),
            mongodb_aws_status::MONGODB_AWS_OK
        );
    }

    // Every path produces the vector's bytes (the C paths are checked below, once defined).
    let mut out = vec![0u8; 1024];
    let n = conv
        .finish(&server_first, &creds, UnixTime(NOW), Some(&key), &mut out)
        .unwrap();
    assert_eq!(&out[..n], &expected[..]);

    let c_handle_call = |k: *const mongodb_aws_signing_key, out: &mut [u8]| {
        let mut n = 0usize;
        let st = unsafe {
            mongodb_aws_client_conversation_client_final_with_handle(
                black_box(&cconv),
                black_box(server_first.as_ptr()),
                server_first.len(),
                black_box(chandle),
                NOW,
                k,
                out.as_mut_ptr(),
                out.len(),
                &mut n,
            )
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_OK);
        n
    };

    let c_call = |k: *const mongodb_aws_signing_key, out: &mut [u8]| {
        let mut n = 0usize;
        let st = unsafe {
            mongodb_aws_client_conversation_client_final(
                black_box(&cconv),
                black_box(server_first.as_ptr()),
                server_first.len(),
                black_box(&ccreds),
                NOW,
                k,
                out.as_mut_ptr(),
                out.len(),
                &mut n,
            )
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_OK);
        n
    };

    let n = c_call(ckey, &mut out);
    assert_eq!(&out[..n], &expected[..]);
    out.fill(0);
    let n = c_handle_call(ckey, &mut out);
    assert_eq!(&out[..n], &expected[..]);
    out.fill(0);
    let n = c_handle_call(std::ptr::null(), &mut out);
    assert_eq!(&out[..n], &expected[..]);

    println!("client-final with a session token (GetCallerIdentity vector), per call:");
    for (label, cached) in [
        ("cached signing key", true),
        ("key derived per call", false),
    ] {
        let k = if cached { Some(&key) } else { None };
        let ck = if cached {
            ckey as *const _
        } else {
            std::ptr::null()
        };
        let mut core_direct = || {
            conv.finish(
                black_box(&server_first),
                black_box(&creds),
                UnixTime(NOW),
                k,
                &mut out,
            )
            .unwrap()
        };
        let mut out2 = vec![0u8; 1024];
        let mut core_with_creds = || {
            let creds =
                Credentials::new(black_box(AKID), black_box(SECRET), Some(black_box(&token)))
                    .unwrap();
            conv.finish(
                black_box(&server_first),
                &creds,
                UnixTime(NOW),
                k,
                &mut out2,
            )
            .unwrap()
        };
        let mut out3 = vec![0u8; 1024];
        let mut c_api = || c_call(ck, &mut out3);
        let mut out4 = vec![0u8; 1024];
        let mut c_handle = || c_handle_call(ck, &mut out4);
        // With a NULL key the handle signs with its own cached key (the owned layer), whatever
        // the section: the cost of keeping the key in the handle instead of next to it.
        let mut out5 = vec![0u8; 1024];
        let mut c_handle_own_key = || c_handle_call(std::ptr::null(), &mut out5);
        let [a, b, c, d, e] = interleaved([
            &mut core_direct,
            &mut core_with_creds,
            &mut c_api,
            &mut c_handle,
            &mut c_handle_own_key,
        ]);
        let pct = |x: f64, base: f64| (x / base - 1.0) * 100.0;
        println!("  {label}:");
        println!("    [1] core finish, credentials validated once                 {a:8.1} ns");
        println!("    [2] core Credentials::new + finish each call                {b:8.1} ns");
        println!(
            "    [3] C client_final (credentials struct, checked each call)   {c:8.1} ns  \
             {:+.1}% vs [2] (same work), {:+.1}% vs [1]",
            pct(c, b),
            pct(c, a)
        );
        if cached {
            println!(
                "    [4] C client_final_with_handle (checked once)                {d:8.1} ns  \
                 {:+.1}% vs [1] (same work)",
                pct(d, a)
            );
            println!(
                "    [5] C client_final_with_handle, key NULL (the handle's own key) {e:8.1} ns  \
                 {:+.1}% vs [1] (same work)",
                pct(e, a)
            );
        }
    }
    unsafe {
        mongodb_aws_signing_key_free(ckey);
        mongodb_aws_credentials_handle_free(chandle);
    }
}

/// Runs the closures in turn, `ROUNDS` times `BATCH` calls each, and returns each one's fastest batch
/// per call in nanoseconds. Interleaving and taking the minimum make the comparison robust to the
/// load of a shared machine (every variant sees the same conditions, noise only adds time).
fn interleaved<const N: usize>(mut fs: [&mut dyn FnMut() -> usize; N]) -> [f64; N] {
    const ROUNDS: usize = 300;
    const BATCH: usize = 2000;
    let mut best = [f64::MAX; N];
    for _ in 0..20 {
        for f in fs.iter_mut() {
            black_box(f());
        }
    }
    for _ in 0..ROUNDS {
        for (i, f) in fs.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..BATCH {
                black_box(f());
            }
            let per = t.elapsed().as_nanos() as f64 / BATCH as f64;
            best[i] = best[i].min(per);
        }
    }
    best
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    bench();
}
