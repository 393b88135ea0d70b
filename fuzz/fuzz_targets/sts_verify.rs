//! The STS-side verifier (`verify::inspect` + `SignedRequest::verify`), what a local STS stand-in or a
//! proxy uses to check a forwarded GetCallerIdentity request.
//!
//! Two halves, chosen by the first input byte:
//! * arbitrary requests (header names/values biased to the protocol's tokens): `inspect` and `verify`
//!   never panic and fail only with typed errors;
//! * requests signed by the core's general SigV4 signer (itself checked against both AWS suites,
//!   botocore and aws-sigv4) from fuzzed credentials, host, time, nonce and header order/case: they must
//!   verify with the right secret, token and clock, and must be rejected with a wrong secret, a clock
//!   more than 15 minutes off, a different or missing token, or one flipped signature digit.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, Settings};
use mongodb_aws_core::verify::{inspect, IncomingRequest};
use mongodb_aws_core::{sts, AmzDate, Credentials, Error, UnixTime};
use mongodb_aws_fuzz::gen;
use mongodb_aws_fuzz::{stat, typed};

const NAMES: &[&str] = &[
    "Authorization",
    "authorization",
    "Host",
    "host",
    "X-Amz-Date",
    "x-amz-date",
    "X-Amz-Security-Token",
    "Content-Type",
    "Content-Length",
    "X-MongoDB-Server-Nonce",
    "X-MongoDB-GS2-CB-Flag",
    "x-other",
];
const TOKENS: &[&str] = &[
    "AWS4-HMAC-SHA256 ",
    "Credential=",
    "AKIDEXAMPLE",
    "/",
    "20150830",
    "us-east-1",
    "sts",
    "aws4_request",
    ", ",
    "SignedHeaders=",
    "content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
    ";x-amz-security-token",
    "Signature=",
    "0123456789abcdef",
    "20150830T123600Z",
    "sts.amazonaws.com",
    ".",
    "n",
];

fn arbitrary_request(u: &mut Unstructured<'_>) -> Result<()> {
    let n = u.int_in_range(0..=10)?;
    let mut headers = Vec::new();
    for _ in 0..n {
        let name = if u.ratio(1, 8)? {
            u.arbitrary::<String>()?
        } else {
            (*u.choose(NAMES)?).to_string()
        };
        headers.push((name, gen::from_tokens(u, TOKENS, 12)?));
    }
    let hs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let body = if u.ratio(7, 8)? {
        sts::GET_CALLER_IDENTITY_BODY.as_bytes().to_vec()
    } else {
        u.arbitrary()?
    };
    let req = IncomingRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &hs,
        body: &body,
    };
    match typed(inspect(req)) {
        Ok(signed) => {
            stat("arbitrary: inspected");
            let secret: String = gen::from_alphabet(u, gen::GRAPHIC, 0, 45)?;
            let _ = typed(signed.verify(
                &secret,
                None,
                UnixTime(u.int_in_range(0..=253_402_300_799)?),
            ));
        }
        Err(_) => stat("arbitrary: rejected by inspect"),
    }
    Ok(())
}

fn signed_request(u: &mut Unstructured<'_>) -> Result<()> {
    let akid = gen::from_alphabet(u, gen::ALNUM, 1, 24)?;
    let secret = gen::from_alphabet(u, gen::GRAPHIC, 1, 60)?;
    let token = if u.arbitrary()? {
        Some(gen::from_alphabet(u, gen::GRAPHIC, 1, 80)?)
    } else {
        None
    };
    let host = match u.int_in_range(0..=3)? {
        0 => "sts.amazonaws.com".to_string(),
        1 => format!(
            "sts.{}.amazonaws.com",
            gen::from_alphabet(u, b"abcdefghijklmnopqrstuvwxyz-0123456789", 1, 14)?
        ),
        2 => "localhost".to_string(),
        _ => gen::from_alphabet(u, b"abcdefghij.-", 1, 30)?,
    };
    let t = u.int_in_range(0..=4_102_444_800u64)?;
    let Ok(date) = AmzDate::from_unix(UnixTime(t)) else {
        return Ok(());
    };
    let Ok(region) = sts::region_for_host(&host) else {
        return Ok(());
    };
    let Ok(scope) = Scope::new(date, region, sts::SERVICE) else {
        return Ok(());
    };
    let creds = Credentials::new(&akid, &secret, token.as_deref())
        .expect("generated credentials are valid");
    let nonce: [u8; 64] = u.arbitrary()?;
    let nonce_b64 = base64_std(&nonce);
    let date_s = date.as_str().to_string();
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), sts::CONTENT_TYPE.into()),
        ("Content-Length".into(), sts::CONTENT_LENGTH.into()),
        ("Host".into(), host.clone()),
        ("X-Amz-Date".into(), date_s.clone()),
        ("X-MongoDB-Server-Nonce".into(), nonce_b64),
        ("X-MongoDB-GS2-CB-Flag".into(), "n".into()),
    ];
    if let Some(tok) = &token {
        headers.push(("X-Amz-Security-Token".into(), tok.clone()));
    }
    let hs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let sreq = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &hs,
        payload: Payload::Bytes(sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
    };
    let st = Settings::default();
    let sig = sigv4::sign(&sreq, &creds, &scope, &st, None).expect("signer accepts the request");
    let mut buf = vec![0u8; 4096];
    let n =
        sigv4::authorization(&sreq, &creds, &scope, &st, &sig, &mut buf).expect("authorization");
    let authz = String::from_utf8(buf[..n].to_vec()).expect("ascii");
    headers.push(("Authorization".into(), authz.clone()));
    // Header order and name case do not matter to the verifier.
    for _ in 0..u.int_in_range(0..=headers.len())? {
        let i = u.choose_index(headers.len())?;
        let j = u.choose_index(headers.len())?;
        headers.swap(i, j);
    }
    for h in headers.iter_mut() {
        if u.arbitrary()? {
            h.0 = h.0.to_ascii_uppercase();
        }
    }
    let body = sts::GET_CALLER_IDENTITY_BODY.as_bytes();
    let run = |headers: &[(String, String)],
               secret: &str,
               tok: Option<&str>,
               now: u64|
     -> std::result::Result<(), Error> {
        let hs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let signed = typed(inspect(IncomingRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &hs,
            body,
        }))?;
        typed(signed.verify(secret, tok, UnixTime(now)))
    };
    let tok = token.as_deref();
    assert_eq!(
        run(&headers, &secret, tok, t),
        Ok(()),
        "a correctly signed request must verify"
    );
    let skew = u.int_in_range(0..=900u64)?;
    assert_eq!(
        run(&headers, &secret, tok, t + skew),
        Ok(()),
        "within 15 minutes"
    );
    assert!(
        run(&headers, &secret, tok, t + 901 + skew).is_err(),
        "more than 15 minutes later"
    );
    if t > 901 {
        assert!(
            run(&headers, &secret, tok, t - 901).is_err(),
            "more than 15 minutes earlier"
        );
    }
    let mut wrong = secret.clone();
    wrong.push('x');
    assert!(run(&headers, &wrong, tok, t).is_err(), "wrong secret");
    match tok {
        Some(_) => assert!(
            run(&headers, &secret, None, t).is_err(),
            "token expected by nobody"
        ),
        None => assert!(
            run(&headers, &secret, Some("other"), t).is_err(),
            "token missing"
        ),
    }
    // Flip one digit of the signature.
    let k = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .expect("present");
    let pos = headers[k].1.len() - 1 - u.int_in_range(0..=63usize)?;
    let mut bytes = headers[k].1.clone().into_bytes();
    bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
    headers[k].1 = String::from_utf8(bytes).expect("ascii");
    assert!(
        run(&headers, &secret, tok, t).is_err(),
        "tampered signature"
    );
    stat(if tok.is_some() {
        "signed with token: verified, all tampering rejected"
    } else {
        "signed: verified, all tampering rejected"
    });
    Ok(())
}

fn base64_std(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        s.push(A[(n >> 18) as usize & 63] as char);
        s.push(A[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = match u.arbitrary::<u8>() {
        Ok(b) if b & 1 == 0 => arbitrary_request(&mut u),
        Ok(_) => signed_request(&mut u),
        Err(_) => Ok(()),
    };
});
