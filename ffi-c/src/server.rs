//! The server side of MONGODB-AWS (what a MongoDB-compatible server or proxy does): client-first
//! checks, server-first, client-final checks, the request to forward to STS, STS's reply and the
//! ARN-to-user mapping (core `sasl::server`, `caller_identity`).

use crate::ffi::{bytes, guard, opt_view, reference, target, text, Out, R};
use crate::status::mongodb_aws_status;
use core::ffi::c_char;
use mongodb_aws_core::caller_identity::{self, StsReply};
use mongodb_aws_core::providers::sts_response;
use mongodb_aws_core::sasl::server::{ClientFinal, ServerConversation};
use mongodb_aws_core::{sts, Error, UnixTime};

/// Length of the server's random half of the nonce.
pub const MONGODB_AWS_SERVER_RANDOM_LEN: usize = 32;
/// Pass as `max_skew_seconds` to skip the clock check (the MongoDB server leaves it to STS).
pub const MONGODB_AWS_NO_TIME_CHECK: u64 = u64::MAX;
/// What STS allows between `X-Amz-Date` and its clock (15 minutes), for `max_skew_seconds`.
pub const MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS: u64 = 900;

/// One server conversation: caller-owned, fixed size (340 bytes), no allocation, nothing to free.
///
/// Filled by `mongodb_aws_server_conversation_init` from the client's `saslStart` payload, 32 random
/// bytes and the STS host; keep it until `saslContinue`. Treat the fields as private: the functions
/// re-check them on every call. Only read by the other functions, so it may be shared between threads.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_server_conversation {
    /// The client-first message as received (always 52 bytes once checked).
    pub client_first: [u8; 52],
    /// The server's random half of the nonce.
    pub server_random: [u8; MONGODB_AWS_SERVER_RANDOM_LEN],
    /// The STS host, `sts_host_len` bytes.
    pub sts_host: [u8; 255],
    /// Length of `sts_host`.
    pub sts_host_len: u8,
}

impl mongodb_aws_server_conversation {
    fn core(&self) -> R<ServerConversation> {
        let host = self
            .sts_host
            .get(..usize::from(self.sts_host_len))
            .ok_or(Error::InvalidParameter)?;
        let host = core::str::from_utf8(host)?;
        Ok(ServerConversation::new(
            &self.client_first,
            self.server_random,
            host,
        )?)
    }
}

/// A checked client-final: views into the caller's client-final bytes, filled by
/// `mongodb_aws_server_conversation_client_final`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_client_final {
    /// The access key id from `Credential=` (not NUL-terminated).
    pub access_key_id: *const c_char,
    /// Length of `access_key_id`.
    pub access_key_id_len: usize,
    /// `t`, the session token, or NULL when the client sent none (a non-NULL pointer with length 0
    /// is an empty `t`, which some drivers send and STS rejects).
    pub session_token: *const c_char,
    /// Length of `session_token`.
    pub session_token_len: usize,
    /// `d`, the signed `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`), copied.
    pub amz_date: [u8; 16],
    /// `d` in seconds since 1970.
    pub date_unix: u64,
}

/// Checks the client's `saslStart` payload (client-first: exactly `r`, 32 bytes of binary subtype 0,
/// and `p`, int32 110 or 121) and the STS host this server announces (the host rules of
/// `mongodb_aws_sts_validate_host`), and fills `*conv`. `server_random`: 32 bytes from a CSPRNG
/// (`server_random_len` must be 32, else `MONGODB_AWS_INVALID_PARAMETER`). Errors:
/// `MONGODB_AWS_BSON_*`, `MONGODB_AWS_CLIENT_FIRST_*`, `MONGODB_AWS_DUPLICATE_FIELD`,
/// `MONGODB_AWS_CLIENT_NONCE_LENGTH`, `MONGODB_AWS_GS2_FLAG_UNSUPPORTED`, `MONGODB_AWS_HOST_*`.
/// `*conv` is written only on success. Thread-safe; no allocation.
///
/// # Safety
/// `conv` must be NULL or writable; the other pointers must point to their lengths of readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_server_conversation_init(
    conv: *mut mongodb_aws_server_conversation,
    client_first: *const u8,
    client_first_len: usize,
    server_random: *const u8,
    server_random_len: usize,
    sts_host: *const c_char,
    sts_host_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, cf, random, host) = unsafe {
            (
                target(conv)?,
                bytes(client_first, client_first_len)?,
                bytes(server_random, server_random_len)?,
                text(sts_host, sts_host_len)?,
            )
        };
        let random: [u8; 32] = random.try_into().map_err(|_| Error::InvalidParameter)?;
        ServerConversation::new(cf, random, host)?;
        let client_first: [u8; 52] = cf.try_into().map_err(|_| Error::BsonMalformed)?;
        let mut h = [0u8; 255];
        h.get_mut(..host.len())
            .ok_or(Error::HostTooLong)?
            .copy_from_slice(host.as_bytes());
        *conv = mongodb_aws_server_conversation {
            client_first,
            server_random: random,
            sts_host: h,
            sts_host_len: u8::try_from(host.len()).map_err(|_| Error::HostTooLong)?,
        };
        Ok(())
    })
}

/// Writes server-first `{s: BinData(0, client nonce + server random), h: STS host}` (85 + host
/// length bytes): the `saslStart` reply payload. Output convention as everywhere. Thread-safe.
///
/// # Safety
/// `conv` NULL or initialised; `out` to `out_cap` writable bytes (or NULL with 0); `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_server_conversation_server_first(
    conv: *const mongodb_aws_server_conversation,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, out) = unsafe { (reference(conv)?.core()?, Out::new(out, out_cap, out_len)?) };
        out.emit_sized(|| Ok(conv.server_first_len()), |b| conv.server_first(b))
    })
}

/// Checks the client's `saslContinue` payload (client-final `{a, d[, t]}`) with the MongoDB
/// server's rules: SignedHeaders an in-order subset of the allowed names containing both
/// `x-mongodb-*` headers, `Credential=` scope `<date of d>/<region of the STS host>/sts/aws4_request`,
/// `t` present exactly when `x-amz-security-token` is signed. Then, unless `max_skew_seconds` is
/// `MONGODB_AWS_NO_TIME_CHECK`, that `d` is within `max_skew_seconds` of `now_unix`
/// (`MONGODB_AWS_REQUEST_TIME_SKEWED`). On success and if `out` is not NULL, fills `*out` with views
/// into `client_final`. Errors: `MONGODB_AWS_BSON_*`, `MONGODB_AWS_CLIENT_FINAL_*`,
/// `MONGODB_AWS_AUTHORIZATION_*`, `MONGODB_AWS_SIGNED_HEADERS_*`, `MONGODB_AWS_CREDENTIAL_*`,
/// `MONGODB_AWS_INVALID_AMZ_DATE`, `MONGODB_AWS_SESSION_TOKEN_SIGNING`, ... Thread-safe.
///
/// # Safety
/// `conv` NULL or initialised; `client_final` must point to `client_final_len` readable bytes; `out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_server_conversation_client_final(
    conv: *const mongodb_aws_server_conversation,
    client_final: *const u8,
    client_final_len: usize,
    now_unix: u64,
    max_skew_seconds: u64,
    out: *mut mongodb_aws_client_final,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, cf) = unsafe {
            (
                reference(conv)?.core()?,
                bytes(client_final, client_final_len)?,
            )
        };
        let checked = conv.client_final(cf)?;
        checked.check_time(UnixTime(now_unix), max_skew_seconds)?;
        // SAFETY: forwarded contract (NULL allowed).
        if let Some(out) = unsafe { out.as_mut() } {
            *out = view(&checked);
        }
        Ok(())
    })
}

fn view(c: &ClientFinal<'_>) -> mongodb_aws_client_final {
    let (token, token_len) = opt_view(c.session_token());
    mongodb_aws_client_final {
        access_key_id: c.access_key_id().as_ptr().cast(),
        access_key_id_len: c.access_key_id().len(),
        session_token: token,
        session_token_len: token_len,
        amz_date: *c.date().as_bytes(),
        date_unix: c.date().to_unix().0,
    }
}

/// Checks `client_final` like `mongodb_aws_server_conversation_client_final` (no clock check) and
/// writes the HTTP/1.1 request to forward to STS: `POST /` with `Content-Length: 43`, `Content-Type`,
/// `Host: <STS host>`, the client's `X-Amz-Date`, `X-Amz-Security-Token` (if `t` was sent),
/// `X-MongoDB-Server-Nonce`, `X-MongoDB-GS2-CB-Flag`, the client's `Authorization`, a blank line and
/// the 43-byte body `MONGODB_AWS_GET_CALLER_IDENTITY_BODY`. Send it to the address serving the STS
/// host (TLS for a real STS); the Host header must stay as is. Output convention as everywhere.
/// Thread-safe.
///
/// # Safety
/// As for `mongodb_aws_server_conversation_client_final`, with `out`/`out_len` as everywhere.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_server_conversation_sts_request(
    conv: *const mongodb_aws_server_conversation,
    client_final: *const u8,
    client_final_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, cf, out) = unsafe {
            (
                reference(conv)?.core()?,
                bytes(client_final, client_final_len)?,
                Out::new(out, out_cap, out_len)?,
            )
        };
        let checked = conv.client_final(cf)?;
        let req = conv.sts_request(&checked);
        out.emit_checked(|| Ok(req.http_len()), |b| req.write_http(b))
    })
}

/// What STS said about the caller: views into the reply body or the scratch buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_caller_identity {
    /// The caller's ARN (`arn:aws:iam::ACCT:user/NAME`, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`).
    pub arn: *const c_char,
    /// Length of `arn`.
    pub arn_len: usize,
    /// `UserId`, or NULL if absent.
    pub user_id: *const c_char,
    /// Length of `user_id`.
    pub user_id_len: usize,
    /// `Account`, or NULL if absent.
    pub account: *const c_char,
    /// Length of `account`.
    pub account_len: usize,
}

/// An STS error document's fields: views into the body or the scratch buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_sts_error {
    /// `Sender` or `Receiver`, or NULL if absent.
    pub kind: *const c_char,
    /// Length of `kind`.
    pub kind_len: usize,
    /// The error code (`SignatureDoesNotMatch`, `InvalidClientTokenId`, `AccessDenied`, ...).
    pub code: *const c_char,
    /// Length of `code`.
    pub code_len: usize,
    /// The message (may be empty).
    pub message: *const c_char,
    /// Length of `message`.
    pub message_len: usize,
}

/// Parses STS's reply to the forwarded GetCallerIdentity (`http_status` and body, XML or JSON).
/// `MONGODB_AWS_OK` and `*out` filled when STS identified the caller; `MONGODB_AWS_STS_REJECTED`
/// when it refused (read the reason with `mongodb_aws_parse_sts_error`); `MONGODB_AWS_STS_REPLY_*`,
/// `MONGODB_AWS_XML_*`, `MONGODB_AWS_JSON_*` for a malformed reply. `scratch` receives decoded text
/// when the body has escapes or entities: pass `body_len` bytes (or NULL/0 if the body has none);
/// views may point into it. Thread-safe.
///
/// # Safety
/// `body` must point to `body_len` readable bytes; `scratch` to `scratch_len` writable bytes not
/// overlapping `body` (or NULL with 0); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_parse_caller_identity(
    http_status: u32,
    body: *const u8,
    body_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut mongodb_aws_caller_identity,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (body, scratch, out) =
            unsafe { reply_args(body, body_len, scratch, scratch_len, out)? };
        let status = u16::try_from(http_status).map_err(|_| Error::InvalidParameter)?;
        match caller_identity::parse_reply(status, body, scratch)? {
            StsReply::Identity(i) => {
                let (user_id, user_id_len) = opt_view(i.user_id);
                let (account, account_len) = opt_view(i.account);
                *out = mongodb_aws_caller_identity {
                    arn: i.arn.as_ptr().cast(),
                    arn_len: i.arn.len(),
                    user_id,
                    user_id_len,
                    account,
                    account_len,
                };
                Ok(())
            }
            StsReply::Rejected(_) => Err(Error::StsRejected.into()),
        }
    })
}

/// Parses an STS error document (XML `ErrorResponse`, or JSON) into views (see
/// `mongodb_aws_parse_caller_identity` for `scratch`). Thread-safe.
///
/// # Safety
/// As for `mongodb_aws_parse_caller_identity`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_parse_sts_error(
    body: *const u8,
    body_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut mongodb_aws_sts_error,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (body, scratch, out) =
            unsafe { reply_args(body, body_len, scratch, scratch_len, out)? };
        let e = sts_response::parse_error(body, scratch)?;
        let (kind, kind_len) = opt_view(e.kind);
        *out = mongodb_aws_sts_error {
            kind,
            kind_len,
            code: e.code.as_ptr().cast(),
            code_len: e.code.len(),
            message: e.message.as_ptr().cast(),
            message_len: e.message.len(),
        };
        Ok(())
    })
}

/// Writes the MongoDB `$external` user name for an ARN: the ARN itself, or for an assumed-role
/// session its prefix `arn:aws:sts::ACCT:assumed-role/ROLE/` followed by `*` (any session).
/// `MONGODB_AWS_INVALID_ARN` for a malformed ARN.
/// Output convention as everywhere. Thread-safe.
///
/// # Safety
/// `arn` must point to `arn_len` readable bytes; `out`/`out_len` as everywhere.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_user_name_for_arn(
    arn: *const c_char,
    arn_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (arn, out) = unsafe { (text(arn, arn_len)?, Out::new(out, out_cap, out_len)?) };
        let name = caller_identity::user_name(arn)?;
        out.emit_sized(|| Ok(name.len()), |b| name.write(b))
    })
}

/// The arguments of the two STS reply parsers: the body, the scratch buffer for decoded text and
/// the struct to fill, checked in that order.
///
/// # Safety
/// As for `mongodb_aws_parse_caller_identity`.
unsafe fn reply_args<'a, T>(
    body: *const u8,
    body_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut T,
) -> R<(&'a [u8], &'a mut [u8], &'a mut T)> {
    // SAFETY: forwarded contract.
    unsafe {
        Ok((
            bytes(body, body_len)?,
            scratch_buf(scratch, scratch_len)?,
            target(out)?,
        ))
    }
}

/// A writable scratch buffer (NULL with 0 is an empty one).
///
/// # Safety
/// `ptr` must point to `len` writable bytes not aliased elsewhere, or be NULL with 0.
pub(crate) unsafe fn scratch_buf<'a>(ptr: *mut u8, len: usize) -> R<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(crate::ffi::NULL_ARGUMENT);
    }
    if len > isize::MAX as usize {
        return Err(Error::LengthOverflow.into());
    }
    // SAFETY: non-null, bounded, writable and unaliased per the documented contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

const _: () = {
    assert!(
        MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS
            == mongodb_aws_core::sasl::server::MAX_CLOCK_SKEW_SECONDS
    );
    assert!(sts::MAX_HOST_LEN == 255);
};

// ---- STS side: verifying a forwarded GetCallerIdentity request (core `verify`) -----------------

/// A GetCallerIdentity request that passed `mongodb_aws_sts_inspect`: views into the request.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_signed_request {
    /// The access key id from `Credential=` (look up its secret with it).
    pub access_key_id: *const c_char,
    /// Length of `access_key_id`.
    pub access_key_id_len: usize,
    /// The `Host` header.
    pub host: *const c_char,
    /// Length of `host`.
    pub host_len: usize,
    /// The region the host implies (may point to static storage).
    pub region: *const c_char,
    /// Length of `region`.
    pub region_len: usize,
    /// `X-Amz-Security-Token`, or NULL when absent.
    pub session_token: *const c_char,
    /// Length of `session_token`.
    pub session_token_len: usize,
    /// `X-MongoDB-Server-Nonce`, or NULL when absent (check it against replays).
    pub server_nonce: *const c_char,
    /// Length of `server_nonce`.
    pub server_nonce_len: usize,
    /// `X-Amz-Date`, copied.
    pub amz_date: [u8; 16],
    /// `X-Amz-Date` in seconds since 1970.
    pub date_unix: u64,
}

/// The core view of a received request: `req->payload` is the body; `req->payload_hash` must be NULL.
///
/// # Safety
/// `req`'s documented contract.
unsafe fn incoming<'a>(
    req: &'a crate::types::mongodb_aws_request,
    headers: &'a mut crate::types::HeaderBuf<'a>,
) -> R<mongodb_aws_core::verify::IncomingRequest<'a>> {
    if !req.payload_hash.is_null() || req.payload_hash_len != 0 {
        return Err(Error::InvalidParameter.into());
    }
    // SAFETY: forwarded contract.
    let r = unsafe { req.view(headers)? };
    let body = match r.payload {
        mongodb_aws_core::sigv4::Payload::Bytes(b) => b,
        _ => return Err(Error::InvalidParameter.into()),
    };
    Ok(mongodb_aws_core::verify::IncomingRequest {
        method: r.method,
        path: r.path,
        query: r.query,
        headers: r.headers,
        body,
    })
}

/// For an STS stand-in: checks what needs no secret in a received GetCallerIdentity request
/// (`POST /` with the 43-byte body, one `Authorization` whose scope matches `X-Amz-Date` and the
/// region of `Host`, the signed headers present, a token only if signed) and, if `out` is not NULL,
/// fills `*out` with views into the request. `req->payload` is the body; `req->payload_hash` must be
/// NULL. Errors: `MONGODB_AWS_NOT_GET_CALLER_IDENTITY`, `MONGODB_AWS_MISSING_AUTHORIZATION`,
/// `MONGODB_AWS_DUPLICATE_HEADER`, `MONGODB_AWS_AUTHORIZATION_*`, `MONGODB_AWS_SIGNED_HEADERS_INVALID`,
/// `MONGODB_AWS_SIGNED_HEADER_ABSENT`, `MONGODB_AWS_CREDENTIAL_SCOPE_*`, ... Thread-safe.
///
/// # Safety
/// `req` NULL or valid (as for `mongodb_aws_sign`); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sts_inspect(
    req: *const crate::types::mongodb_aws_request,
    out: *mut mongodb_aws_signed_request,
) -> mongodb_aws_status {
    guard(|| {
        let mut headers: crate::types::HeaderBuf<'_> =
            [("", ""); crate::types::MONGODB_AWS_MAX_HEADERS];
        // SAFETY: forwarded contract.
        let incoming = unsafe { incoming(reference(req)?, &mut headers)? };
        let s = mongodb_aws_core::verify::inspect(incoming)?;
        // SAFETY: forwarded contract (NULL allowed).
        if let Some(out) = unsafe { out.as_mut() } {
            let (token, token_len) = opt_view(s.session_token());
            let (nonce, nonce_len) = opt_view(s.server_nonce());
            *out = mongodb_aws_signed_request {
                access_key_id: s.access_key_id().as_ptr().cast(),
                access_key_id_len: s.access_key_id().len(),
                host: s.host().as_ptr().cast(),
                host_len: s.host().len(),
                region: s.region().as_ptr().cast(),
                region_len: s.region().len(),
                session_token: token,
                session_token_len: token_len,
                server_nonce: nonce,
                server_nonce_len: nonce_len,
                amz_date: *s.date().as_bytes(),
                date_unix: s.date().to_unix().0,
            };
        }
        Ok(())
    })
}

/// For an STS stand-in: `mongodb_aws_sts_inspect`, then the secret-dependent checks:
/// `MONGODB_AWS_REQUEST_TIME_SKEWED` if `X-Amz-Date` is more than 15 minutes from `now_unix`;
/// `MONGODB_AWS_SESSION_TOKEN_MISMATCH` unless the request's token equals `expected_token`
/// (NULL/0: the key has no token; both absent match); `MONGODB_AWS_SIGNATURE_MISMATCH` unless the
/// signature recomputed with `secret` equals the request's. Token and signature comparisons are
/// constant-time. Replay of `X-MongoDB-Server-Nonce` is the caller's to check. Thread-safe.
///
/// # Safety
/// `req` NULL or valid; `secret` and `expected_token` must point to their lengths of readable bytes
/// (or be NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sts_verify(
    req: *const crate::types::mongodb_aws_request,
    secret: *const c_char,
    secret_len: usize,
    expected_token: *const c_char,
    expected_token_len: usize,
    now_unix: u64,
) -> mongodb_aws_status {
    guard(|| {
        let mut headers: crate::types::HeaderBuf<'_> =
            [("", ""); crate::types::MONGODB_AWS_MAX_HEADERS];
        // SAFETY: forwarded contract.
        let (incoming, secret, token) = unsafe {
            (
                incoming(reference(req)?, &mut headers)?,
                text(secret, secret_len)?,
                crate::ffi::opt_text(expected_token, expected_token_len)?,
            )
        };
        let s = mongodb_aws_core::verify::inspect(incoming)?;
        Ok(s.verify(secret, token, UnixTime(now_unix))?)
    })
}
