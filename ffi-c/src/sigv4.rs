//! The general SigV4 signer and the cacheable signing key.

use crate::ffi::{free_boxed, guard, reference, target, text, Out, R};
use crate::status::mongodb_aws_status;
use crate::types::{
    mongodb_aws_credentials, mongodb_aws_request, mongodb_aws_scope, settings, HeaderBuf,
};
use core::ffi::c_char;
use mongodb_aws_core::sigv4::{self, SigningKey};
use mongodb_aws_core::Error;

/// Length of a hex signature (`MONGODB_AWS_SIGNATURE_HEX_LEN` bytes, not NUL-terminated).
pub const MONGODB_AWS_SIGNATURE_HEX_LEN: usize = 64;
/// Length of an `X-Amz-Date` value (`YYYYMMDD'T'HHMMSS'Z'`).
pub const MONGODB_AWS_AMZ_DATE_LEN: usize = 16;

/// A derived SigV4 signing key for one date (UTC day), region and service: an opaque handle.
///
/// Deriving costs 4 HMACs; a caller that signs often keeps the key for the day and passes it to the
/// signing functions (a key for another day, region or service is refused with
/// `MONGODB_AWS_SIGNING_KEY_MISMATCH`, never used silently). Created by
/// `mongodb_aws_signing_key_new`, released by `mongodb_aws_signing_key_free`, which zeroes the key
/// bytes. Immutable after creation: one key may be used by many threads at once, as long as none of
/// them frees it meanwhile.
///
/// An opaque handle (not a caller-owned struct) because the key is secret: the library decides where
/// it lives and wipes it on free, and a C caller cannot leave stray unwiped copies by assigning the
/// struct; its layout (date, region up to 253 bytes, service) also stays private.
pub struct mongodb_aws_signing_key {
    key: SigningKey,
}

/// Derives a signing key for `scope` (its UTC day, region and service) from a secret access key
/// (`secret`, `secret_len` bytes, 1 to 128 printable ASCII characters) and stores a new handle in
/// `*out`. Release it with `mongodb_aws_signing_key_free`. `*out` is written only on success.
/// Allocates once; thread-safe.
///
/// # Safety
/// `secret` must point to `secret_len` readable bytes; `scope` must be NULL or point to a valid
/// `mongodb_aws_scope`; `out` must be NULL or point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_signing_key_new(
    secret: *const c_char,
    secret_len: usize,
    scope: *const mongodb_aws_scope,
    out: *mut *mut mongodb_aws_signing_key,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (secret, scope, out) = unsafe {
            (
                text(secret, secret_len)?,
                reference(scope)?.view()?,
                target(out)?,
            )
        };
        let key = SigningKey::derive(secret, &scope)?;
        *out = Box::into_raw(Box::new(mongodb_aws_signing_key { key }));
        Ok(())
    })
}

/// Zeroes and frees a key from `mongodb_aws_signing_key_new`. `NULL` is ignored. The key must not be
/// in use by another thread, and must not be used or freed again afterwards.
///
/// # Safety
/// `key` must be NULL or a pointer returned by `mongodb_aws_signing_key_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_signing_key_free(key: *mut mongodb_aws_signing_key) {
    // SAFETY: created by Box::into_raw in mongodb_aws_signing_key_new, not yet freed
    // (documented contract). Dropping the SigningKey zeroes it (ZeroizeOnDrop).
    unsafe { free_boxed(key) }
}

/// Sets `*out_matches` to 1 when `key` was derived for `scope`'s UTC day, region and service, else
/// 0, so a cache can decide to derive a new one. Thread-safe.
///
/// # Safety
/// `key` must be NULL or a live key; `scope` NULL or valid; `out_matches` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_signing_key_matches(
    key: *const mongodb_aws_signing_key,
    scope: *const mongodb_aws_scope,
    out_matches: *mut u8,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (key, scope, out) = unsafe {
            (
                reference(key)?,
                reference(scope)?.view()?,
                target(out_matches)?,
            )
        };
        *out = u8::from(key.key.matches(&scope));
        Ok(())
    })
}

/// Optional key argument.
///
/// # Safety
/// `key` must be NULL or a live key.
pub(crate) unsafe fn opt_key<'a>(key: *const mongodb_aws_signing_key) -> Option<&'a SigningKey> {
    // SAFETY: forwarded contract.
    unsafe { key.as_ref() }.map(|k| &k.key)
}

/// The body of a general signing export: under [`guard`], the inputs (request, credentials, scope,
/// flags) and the output (`out`, `out_cap`, `out_len`) converted and checked in that order, then
/// `$body` with them.
macro_rules! signing {
    ($req:ident, $creds:ident, $scope:ident, $flags:ident => $out:ident, $out_cap:ident, $out_len:ident,
     |$r:ident, $c:ident, $s:ident, $st:ident, $o:ident| $body:expr) => {
        guard(|| {
            let mut headers: HeaderBuf<'_> = [("", ""); crate::types::MONGODB_AWS_MAX_HEADERS];
            // SAFETY: forwarded contract of the calling export.
            let ($r, $c, $s, $st, $o) = unsafe {
                (
                    reference($req)?.view(&mut headers)?,
                    reference($creds)?.view()?,
                    reference($scope)?.view()?,
                    settings($flags)?,
                    Out::new($out, $out_cap, $out_len)?,
                )
            };
            $body
        })
    };
}

/// Signs `req` for header authentication (SigV4) and writes the signature as 64 lower-case hex
/// characters (`MONGODB_AWS_SIGNATURE_HEX_LEN`, not NUL-terminated).
///
/// - `req`: method, path, query, headers (must include `host`), payload or payload hash. The signer
///   adds `x-amz-date` (from `scope->now_unix`) and, unless `MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN`,
///   `x-amz-security-token` to what it signs, unless present: send those headers too.
/// - `creds`, `scope`: see their types. `flags`: `MONGODB_AWS_SIGN_*` bits or 0 for AWS defaults.
/// - `key`: a cached key for `scope`, or NULL to derive one for this call.
///
/// Output convention: `out == NULL && out_cap == 0` asks for the size; a short buffer gives
/// `MONGODB_AWS_BUFFER_TOO_SMALL` with `*out_len` = size needed; nothing is written on failure.
/// Thread-safe; inputs and `out` must not overlap.
///
/// # Safety
/// Every pointer must be NULL or valid as its type documents; `out` must point to `out_cap`
/// writable bytes (or be NULL with 0) and `out_len` to a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sign(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        // SAFETY: forwarded contract.
        let key = unsafe { fitting_key(key, &s)? };
        // A size query or a short buffer does not sign, but still reports invalid inputs.
        if out.is_size_query() || out_cap < MONGODB_AWS_SIGNATURE_HEX_LEN {
            validate(&r, &c, &s, &st)?;
        }
        out.emit_sized(
            || Ok(MONGODB_AWS_SIGNATURE_HEX_LEN),
            |b| {
                copy(
                    b,
                    sigv4::sign(&r, &c, &s, &st, key)?.hex().as_str().as_bytes(),
                )
            },
        )
    })
}

/// Signs `req` like `mongodb_aws_sign` and writes the complete `Authorization` header value
/// (`AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...`,
/// not NUL-terminated). Send it with the request's headers plus `X-Amz-Date` (see
/// `mongodb_aws_amz_date`) and, with a session token, `X-Amz-Security-Token`.
/// Same arguments, output convention and thread-safety as `mongodb_aws_sign`.
///
/// # Safety
/// As for `mongodb_aws_sign`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sign_authorization(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        // SAFETY: forwarded contract.
        let key = unsafe { fitting_key(key, &s)? };
        out.emit_sized(
            || sigv4::authorization_len(&r, &c, &s, &st),
            |b| {
                let sig = sigv4::sign(&r, &c, &s, &st, key)?;
                sigv4::authorization(&r, &c, &s, &st, &sig, b)
            },
        )
    })
}

/// Writes the canonical request that `mongodb_aws_sign` hashes (diagnostics and tests; signing never
/// materialises it). Same inputs (no key), output convention and thread-safety as `mongodb_aws_sign`.
///
/// # Safety
/// As for `mongodb_aws_sign`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sign_canonical_request(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        out.emit_sized(
            || sigv4::canonical_request_len(&r, &c, &s, &st),
            |b| sigv4::canonical_request(&r, &c, &s, &st, b),
        )
    })
}

/// Writes the string to sign of `mongodb_aws_sign` (diagnostics and tests). Same inputs (no key),
/// output convention and thread-safety as `mongodb_aws_sign`.
///
/// # Safety
/// As for `mongodb_aws_sign`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sign_string_to_sign(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        out.emit_measured(|b| sigv4::string_to_sign(&r, &c, &s, &st, b))
    })
}

/// Presigns `req` (query authentication) valid for `expires_seconds` (1 to 604800) and writes the
/// query parameters to append to the URL's query (after `&`, or after `?` when it has none):
/// `X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...[&X-Amz-Security-Token=...]&X-Amz-SignedHeaders=...&X-Amz-Signature=...`,
/// URI-encoded, not NUL-terminated. `MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER` is ignored here.
/// Same other arguments, output convention and thread-safety as `mongodb_aws_sign`.
///
/// # Safety
/// As for `mongodb_aws_sign`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_presign(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    expires_seconds: u32,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        // SAFETY: forwarded contract.
        let key = unsafe { fitting_key(key, &s)? };
        let st = query_settings(st);
        // Derive once for both passes (measure, write).
        let derived;
        let key = match key {
            Some(k) => k,
            None => {
                derived = SigningKey::derive(c.secret_access_key(), &s)?;
                &derived
            }
        };
        out.emit_measured(|b| {
            sigv4::presign(&r, &c, &s, &st, expires_seconds, Some(key), b).map(|(n, _)| n)
        })
    })
}

/// Writes the canonical request of a presigned request (diagnostics and tests). Arguments as for
/// `mongodb_aws_presign` without the key; same output convention and thread-safety.
///
/// # Safety
/// As for `mongodb_aws_sign`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_presign_canonical_request(
    req: *const mongodb_aws_request,
    creds: *const mongodb_aws_credentials,
    scope: *const mongodb_aws_scope,
    flags: u32,
    expires_seconds: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    signing!(req, creds, scope, flags => out, out_cap, out_len, |r, c, s, st, out| {
        let st = query_settings(st);
        out.emit_measured(|b| {
            sigv4::presign_canonical_request(&r, &c, &s, &st, expires_seconds, b)
        })
    })
}

/// The settings of query signing: `MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER` does not apply.
fn query_settings(st: sigv4::Settings) -> sigv4::Settings {
    sigv4::Settings {
        content_sha256_header: false,
        ..st
    }
}

/// The caller's optional key, which must be for the request's scope; signing would refuse it
/// anyway, but only after the buffer check, and a size query or a short buffer must report what a
/// large buffer would.
///
/// # Safety
/// `key` must be NULL or a live key.
unsafe fn fitting_key<'a>(
    key: *const mongodb_aws_signing_key,
    scope: &sigv4::Scope<'_>,
) -> R<Option<&'a SigningKey>> {
    // SAFETY: forwarded contract.
    match unsafe { opt_key(key) } {
        Some(k) if !k.matches(scope) => Err(Error::SigningKeyMismatch.into()),
        key => Ok(key),
    }
}

/// Validates a request without signing (for size queries of `mongodb_aws_sign`).
fn validate(
    r: &sigv4::Request<'_>,
    c: &mongodb_aws_core::Credentials<'_>,
    s: &sigv4::Scope<'_>,
    st: &sigv4::Settings,
) -> R {
    sigv4::canonical_request_len(r, c, s, st)?;
    Ok(())
}

fn copy(dst: &mut [u8], src: &[u8]) -> Result<usize, Error> {
    let d = dst
        .get_mut(..src.len())
        .ok_or(Error::BufferTooSmall { needed: src.len() })?;
    d.copy_from_slice(src);
    Ok(src.len())
}
