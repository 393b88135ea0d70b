//! Fixtures shared by the Rust tests of the C API and its bench (`mod support;`, or `#[path]` from
//! `benches/`): the vectors' example credentials and time, and C structs built from Rust strings.
//! The views point into the strings: keep those alive while the struct is in use.

// Each test crate uses a part of it.
#![allow(dead_code)]

use mongodb_aws::*;
use std::ptr::null;

pub const AKID: &str = "AKIDEXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtoken";
/// 2015-08-30T12:36:00Z, the vectors' time.
pub const NOW: u64 = 1_440_938_160;

/// The example access key id and secret, with `token` as the session token when given.
pub fn creds(token: Option<&str>) -> mongodb_aws_credentials {
    credentials(AKID, token)
}

/// Access key id `id`, the example secret and `token` (NULL with length 0 when `None`).
pub fn credentials(id: &str, token: Option<&str>) -> mongodb_aws_credentials {
    mongodb_aws_credentials {
        access_key_id: id.as_ptr().cast(),
        access_key_id_len: id.len(),
        secret_access_key: SECRET.as_ptr().cast(),
        secret_access_key_len: SECRET.len(),
        session_token: token.map_or(null(), |t| t.as_ptr().cast()),
        session_token_len: token.map_or(0, str::len),
    }
}

pub fn header(name: &str, value: &str) -> mongodb_aws_header {
    mongodb_aws_header {
        name: name.as_ptr().cast(),
        name_len: name.len(),
        value: value.as_ptr().cast(),
        value_len: value.len(),
    }
}

/// The scope of `now` in `region` for STS.
pub fn scope(now: u64, region: &str) -> mongodb_aws_scope {
    mongodb_aws_scope {
        now_unix: now,
        region: region.as_ptr().cast(),
        region_len: region.len(),
        service: "sts".as_ptr().cast(),
        service_len: 3,
    }
}

/// The GetCallerIdentity body.
pub const GET_CALLER_IDENTITY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

/// `POST /` with `headers` and the GetCallerIdentity body.
pub fn post_request(headers: &[mongodb_aws_header]) -> mongodb_aws_request {
    mongodb_aws_request {
        method: "POST".as_ptr().cast(),
        method_len: 4,
        path: "/".as_ptr().cast(),
        path_len: 1,
        query: null(),
        query_len: 0,
        headers: headers.as_ptr(),
        headers_len: headers.len(),
        payload: GET_CALLER_IDENTITY.as_ptr(),
        payload_len: GET_CALLER_IDENTITY.len(),
        payload_hash: null(),
        payload_hash_len: 0,
    }
}

/// One variable of a chain's environment snapshot.
pub fn env_var(n: &'static str, v: &'static str) -> mongodb_aws_env_var {
    mongodb_aws_env_var {
        name: n.as_ptr().cast(),
        name_len: n.len(),
        value: v.as_ptr().cast(),
        value_len: v.len(),
    }
}
