//! The client side of the MONGODB-AWS SASL conversation (PROTOCOL.md A2, A3, A5, A6).

use crate::credentials::mongodb_aws_credentials_handle;
use crate::ffi::{bytes, guard, reference, target, Out, R};
use crate::sigv4::{mongodb_aws_signing_key, opt_key};
use crate::status::mongodb_aws_status;
use crate::types::mongodb_aws_credentials;
use core::ffi::c_char;
use mongodb_aws_core::sasl::client::{self, ClientConversation};
use mongodb_aws_core::{AmzDate, Credentials, Error, UnixTime};

/// Length of the client nonce `r` the caller draws from a CSPRNG.
pub const MONGODB_AWS_CLIENT_NONCE_LEN: usize = 32;
/// Length of the server nonce `s` (the client nonce followed by 32 server bytes).
pub const MONGODB_AWS_SERVER_NONCE_LEN: usize = 64;
/// Length of the client-first message (always 52 bytes).
pub const MONGODB_AWS_CLIENT_FIRST_LEN: usize = 52;
/// Largest valid server-first message (85 + 255 bytes); anything longer is rejected.
pub const MONGODB_AWS_MAX_SERVER_FIRST_LEN: usize = 340;
/// Bound of the client-final message: `MONGODB_AWS_CLIENT_FINAL_MAX_LEN + session_token_len` bytes
/// always hold it (any valid server-first, an access key id of up to 128 bytes; without a session
/// token, `MONGODB_AWS_CLIENT_FINAL_MAX_LEN` alone), so one call with such a buffer suffices. The
/// exact size: a size query.
pub const MONGODB_AWS_CLIENT_FINAL_MAX_LEN: usize = 682;

/// One client conversation: caller-owned, fixed size, no allocation, nothing to free.
///
/// Fill it with `mongodb_aws_client_conversation_init` before use. It holds only the 32-byte client
/// nonce: every function reads it and none changes it, so one conversation may be used from several
/// threads, copied, or kept across the network round-trip. Wipe it when the authentication is over if
/// the nonce matters to you (it is not a secret in the protocol: it is sent in client-first).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_client_conversation {
    /// The client nonce `r`, as given to `mongodb_aws_client_conversation_init`.
    pub nonce: [u8; MONGODB_AWS_CLIENT_NONCE_LEN],
}

/// A validated server-first message: views into the caller's server-first bytes (valid as long as
/// those bytes are), filled by `mongodb_aws_client_conversation_parse_server_first`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_server_first {
    /// The 64-byte server nonce `s` (`MONGODB_AWS_SERVER_NONCE_LEN`).
    pub server_nonce: *const u8,
    /// The STS host `h`, verbatim (not NUL-terminated).
    pub host: *const c_char,
    /// Length of `host` in bytes.
    pub host_len: usize,
    /// The signing region derived from the host (not NUL-terminated; may point to static storage).
    pub region: *const c_char,
    /// Length of `region` in bytes.
    pub region_len: usize,
}

impl mongodb_aws_client_conversation {
    fn core(&self) -> ClientConversation {
        ClientConversation::new(self.nonce)
    }
}

/// Starts a conversation: copies the client nonce (`nonce_len` must be
/// `MONGODB_AWS_CLIENT_NONCE_LEN`, else `MONGODB_AWS_INVALID_PARAMETER`) into `*conv`. Draw the nonce
/// from a CSPRNG (`getrandom`, `arc4random_buf`, `BCryptGenRandom`), once per authentication.
/// `*conv` is written only on success. Thread-safe.
///
/// # Safety
/// `conv` must be NULL or point to writable storage for a `mongodb_aws_client_conversation`; `nonce`
/// must point to `nonce_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_init(
    conv: *mut mongodb_aws_client_conversation,
    nonce: *const u8,
    nonce_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, nonce) = unsafe { (target(conv)?, bytes(nonce, nonce_len)?) };
        let nonce: [u8; MONGODB_AWS_CLIENT_NONCE_LEN] =
            nonce.try_into().map_err(|_| Error::InvalidParameter)?;
        *conv = mongodb_aws_client_conversation { nonce };
        Ok(())
    })
}

/// Writes the client-first payload `{r: BinData(0, nonce), p: 110}` (always
/// `MONGODB_AWS_CLIENT_FIRST_LEN` = 52 bytes): send it as the `saslStart` payload with mechanism
/// `MONGODB-AWS`. Output convention as everywhere (`out == NULL && out_cap == 0` asks for the size;
/// a short buffer gives `MONGODB_AWS_BUFFER_TOO_SMALL` and `*out_len` = 52, nothing else written).
/// Thread-safe.
///
/// # Safety
/// `conv` must be NULL or point to an initialised conversation; `out` to `out_cap` writable bytes
/// (or NULL with 0); `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_client_first(
    conv: *const mongodb_aws_client_conversation,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, out) = unsafe { (reference(conv)?, Out::new(out, out_cap, out_len)?) };
        out.emit_bytes(&conv.core().client_first())
    })
}

/// Validates the server's `saslStart` reply payload strictly (PROTOCOL.md A3): one BSON document with
/// exactly `s` (binary subtype 0, 64 bytes, starting with our nonce) and `h` (a valid STS host), each
/// once, nothing else, no trailing bytes. On success and if `out` is not NULL, fills `*out` with views
/// into `server_first` (host, derived region, server nonce). Errors: `MONGODB_AWS_BSON_*`,
/// `MONGODB_AWS_MISSING_FIELD`, `MONGODB_AWS_UNEXPECTED_FIELD`, `MONGODB_AWS_DUPLICATE_FIELD`,
/// `MONGODB_AWS_WRONG_FIELD_TYPE`, `MONGODB_AWS_SERVER_NONCE_*`, `MONGODB_AWS_HOST_*`,
/// `MONGODB_AWS_INVALID_REGION`. Calling it is optional: the functions below validate too.
/// Thread-safe.
///
/// # Safety
/// `conv` must be NULL or initialised; `server_first` must point to `server_first_len` readable
/// bytes; `out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_parse_server_first(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    out: *mut mongodb_aws_server_first,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (conv, sf) = unsafe { (reference(conv)?, bytes(server_first, server_first_len)?) };
        let conv = conv.core();
        let parsed = conv.parse_server_first(sf)?;
        // SAFETY: forwarded contract (NULL allowed).
        if let Some(out) = unsafe { out.as_mut() } {
            *out = mongodb_aws_server_first {
                server_nonce: parsed.server_nonce().as_ptr(),
                host: parsed.host().as_ptr().cast(),
                host_len: parsed.host().len(),
                region: parsed.region().as_ptr().cast(),
                region_len: parsed.region().len(),
            };
        }
        Ok(())
    })
}

/// Validates `server_first` and writes the client-final payload `{a, d[, t]}` (send it as the
/// `saslContinue` payload): the SigV4 signature of STS `GetCallerIdentity` for the server's host and
/// nonce, made with `creds` at `now_unix` (seconds since 1970; read the clock once).
///
/// - `key`: a signing key for this UTC day, the server-first's region (see
///   `mongodb_aws_client_conversation_parse_server_first`) and service `sts`, or NULL to derive one
///   (4 more HMACs). A key for another scope gives `MONGODB_AWS_SIGNING_KEY_MISMATCH`.
/// - Size: `MONGODB_AWS_CLIENT_FINAL_MAX_LEN + session_token_len` bytes are always enough (one
///   call). `out == NULL && out_cap == 0` sets `*out_len` to the exact size (it does not depend on
///   the time); a short buffer gives `MONGODB_AWS_BUFFER_TOO_SMALL` with `*out_len` = size needed
///   and nothing written. Both fail as the call would on an invalid input (server-first,
///   credentials, `MONGODB_AWS_INVALID_TIME`, `MONGODB_AWS_SIGNING_KEY_MISMATCH`). Any other
///   failure writes nothing.
///
/// Thread-safe; inputs and `out` must not overlap. No allocation.
///
/// # Safety
/// `conv`, `creds` must be NULL or valid; `server_first` must point to `server_first_len` readable
/// bytes; `key` NULL or live; `out` to `out_cap` writable bytes (or NULL with 0); `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_client_final(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    creds: *const mongodb_aws_credentials,
    now_unix: u64,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe {
        client_final(
            conv,
            server_first,
            server_first_len,
            || reference(creds)?.view(),
            now_unix,
            key,
            out,
            out_cap,
            out_len,
        )
    }
}

/// `mongodb_aws_client_conversation_client_final` with credentials from a handle: the same output,
/// errors and size rules, without checking the credentials again. With `key == NULL` it signs with
/// the handle's own cached signing key, derived (and kept, zeroized on free) on the first call of
/// each UTC day and region, so a caller needs no `mongodb_aws_signing_key` of its own; server-first
/// is parsed once. A non-NULL `key` is used as in `mongodb_aws_client_conversation_client_final`.
/// Thread-safe; no allocation.
///
/// # Safety
/// `conv` must be NULL or valid; `handle` NULL or live; `server_first` must point to
/// `server_first_len` readable bytes; `key` NULL or live; `out` to `out_cap` writable bytes (or NULL
/// with 0); `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_client_final_with_handle(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    handle: *const mongodb_aws_credentials_handle,
    now_unix: u64,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    if !key.is_null() {
        // SAFETY: forwarded contract.
        return unsafe {
            client_final(
                conv,
                server_first,
                server_first_len,
                || Ok(*reference(handle)?.credentials()?),
                now_unix,
                key,
                out,
                out_cap,
                out_len,
            )
        };
    }
    guard(|| {
        // SAFETY: forwarded contract (the same checks, in the same order, as `client_final`).
        let (conv, sf, handle, out) = unsafe {
            (
                reference(conv)?,
                bytes(server_first, server_first_len)?,
                reference(handle)?,
                Out::new(out, out_cap, out_len)?,
            )
        };
        handle.credentials()?;
        let conv = conv.core();
        let now = UnixTime(now_unix);
        let signing = handle.signing();
        let parsed = conv.parse_server_first(sf);
        // finish_parsed checks the time and the size before it derives or writes anything, so a
        // size query and a short buffer report what a large enough buffer would.
        out.emit_checked(
            || {
                let p = parsed?;
                AmzDate::from_unix(now)?;
                signing.client_final_len(&conv, &p)
            },
            |b| signing.client_final(&conv, &parsed?, now, b),
        )
    })
}

/// Shared body of the two client-final exports. `creds` resolves the credentials after the
/// conversation and server-first arguments are checked, so both report failures in the same order.
///
/// # Safety
/// The contract of the calling export; `creds` may dereference its pointer.
#[allow(clippy::too_many_arguments)]
unsafe fn client_final<'a>(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    creds: impl FnOnce() -> R<Credentials<'a>>,
    now_unix: u64,
    key: *const mongodb_aws_signing_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract of the calling export.
        let (conv, sf, creds, key, out) = unsafe {
            (
                reference(conv)?,
                bytes(server_first, server_first_len)?,
                creds()?,
                opt_key(key),
                Out::new(out, out_cap, out_len)?,
            )
        };
        let conv = conv.core();
        let now = UnixTime(now_unix);
        // The core's finish() checks the size before writing anything. A size query and a short
        // buffer report the input errors a large enough buffer would (an invalid time, a key for
        // another scope) instead of a size.
        out.emit_checked(
            || client_final_size(&conv, sf, &creds, now, key),
            |b| match conv.finish(sf, &creds, now, key, b) {
                Err(Error::BufferTooSmall { .. }) => client_final_size(&conv, sf, &creds, now, key)
                    .and_then(|needed| Err(Error::BufferTooSmall { needed })),
                r => r,
            },
        )
    })
}

/// The exact client-final size, or the error `finish` gives with a large enough buffer. `finish`
/// checks the server-first, the time and the credentials before it looks at the buffer, so it runs on
/// an empty one (nothing is signed); the key, checked by `finish` only when it signs, is compared
/// with the scope here.
fn client_final_size(
    conv: &ClientConversation,
    sf: &[u8],
    creds: &Credentials<'_>,
    now: UnixTime,
    key: Option<&mongodb_aws_core::sigv4::SigningKey>,
) -> Result<usize, Error> {
    let needed = match conv.finish(sf, creds, now, key, &mut []) {
        Err(Error::BufferTooSmall { needed }) => needed,
        r => return r,
    };
    if let Some(k) = key {
        let scope = conv
            .parse_server_first(sf)?
            .scope(AmzDate::from_unix(now)?)?;
        if !k.matches(&scope) {
            return Err(Error::SigningKeyMismatch);
        }
    }
    Ok(needed)
}

/// Writes the canonical request that `mongodb_aws_client_conversation_client_final` signs
/// (diagnostics and tests; signing never materialises it). Arguments as for that function without
/// the key; same output convention and thread-safety.
///
/// # Safety
/// As for `mongodb_aws_client_conversation_client_final`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_canonical_request(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    creds: *const mongodb_aws_credentials,
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe {
        diagnostic(
            conv,
            server_first,
            server_first_len,
            creds,
            now_unix,
            out,
            out_cap,
            out_len,
            |c, sf, cr, t, b| c.canonical_request(sf, cr, t, b),
        )
    }
}

/// Writes the string to sign of `mongodb_aws_client_conversation_client_final` (diagnostics and
/// tests). Arguments as for that function without the key; same output convention and thread-safety.
///
/// # Safety
/// As for `mongodb_aws_client_conversation_client_final`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_client_conversation_string_to_sign(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    creds: *const mongodb_aws_credentials,
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe {
        diagnostic(
            conv,
            server_first,
            server_first_len,
            creds,
            now_unix,
            out,
            out_cap,
            out_len,
            |c, sf, cr, t, b| c.string_to_sign(sf, cr, t, b),
        )
    }
}

type DiagFn = fn(
    &ClientConversation,
    &[u8],
    &mongodb_aws_core::Credentials<'_>,
    UnixTime,
    &mut [u8],
) -> Result<usize, Error>;

/// Shared body of the two diagnostic exports.
///
/// # Safety
/// The contract of the calling export.
#[allow(clippy::too_many_arguments)]
unsafe fn diagnostic(
    conv: *const mongodb_aws_client_conversation,
    server_first: *const u8,
    server_first_len: usize,
    creds: *const mongodb_aws_credentials,
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    f: DiagFn,
) -> mongodb_aws_status {
    guard(|| -> R {
        // SAFETY: forwarded contract of the calling export.
        let (conv, sf, creds, out) = unsafe {
            (
                reference(conv)?,
                bytes(server_first, server_first_len)?,
                reference(creds)?.view()?,
                Out::new(out, out_cap, out_len)?,
            )
        };
        let conv = conv.core();
        out.emit_measured(|b| f(&conv, sf, &creds, UnixTime(now_unix), b))
    })
}

const _: () = {
    assert!(MONGODB_AWS_CLIENT_NONCE_LEN == client::CLIENT_NONCE_LEN);
    assert!(MONGODB_AWS_SERVER_NONCE_LEN == client::SERVER_NONCE_LEN);
    assert!(MONGODB_AWS_CLIENT_FIRST_LEN == client::CLIENT_FIRST_LEN);
    assert!(MONGODB_AWS_MAX_SERVER_FIRST_LEN == client::MAX_SERVER_FIRST_LEN);
    assert!(MONGODB_AWS_CLIENT_FINAL_MAX_LEN == client::CLIENT_FINAL_MAX_LEN);
};
