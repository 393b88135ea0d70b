//! The credential chain as a state machine, for drivers that bring their own HTTP stack
//! (libmongoc-style): the core's `providers::chain::Chain` on the heap, its actions as a flat C
//! struct, its events as functions. Every rule (source order, steps, deadlines, retries, expiry,
//! error mapping) is the core's; the driver only reads files, sends requests, waits and keeps its
//! cache, as `mongodb_aws_get_credentials` does inside the library.

use crate::blocking::mongodb_aws_credentials_info;
use crate::ffi::{
    bytes, free_boxed, guard, guard_value, opt_text, reference, target, text, Out, R,
};
use crate::providers::MONGODB_AWS_SCHEME_HTTPS;
use crate::providers::{emit_plan, mongodb_aws_http_request, MONGODB_AWS_SCHEME_HTTP};
use crate::status::mongodb_aws_status;
use crate::types::{mongodb_aws_credentials, mongodb_aws_header};
use core::ffi::c_char;
use core::fmt::{self, Write as _};
use mongodb_aws_core::cache::is_fresh;
use mongodb_aws_core::providers::chain::{Action, Chain, Env, Failure, IoError, Plan, VARS};
use mongodb_aws_core::providers::Scheme;
use mongodb_aws_core::providers::MAX_HOST_LEN;
use mongodb_aws_core::{Error, UnixTime};
use std::ffi::CString;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Action: read the file `path` completely (it was named by the variable `variable`) and answer with
/// `mongodb_aws_chain_on_file`, or `mongodb_aws_chain_on_io_error` with `MONGODB_AWS_IO_NOT_FOUND`
/// or `MONGODB_AWS_IO_UNREADABLE`.
pub const MONGODB_AWS_ACTION_READ_FILE: u32 = 1;
/// Action: send the request `mongodb_aws_chain_request` writes (to `scheme://host:port`), within
/// `connect_timeout_ms` to connect and `timeout_ms` for the whole exchange (connect, send and the
/// complete answer, from its start); answer with `mongodb_aws_chain_on_response` or
/// `mongodb_aws_chain_on_io_error`. Do not follow redirects, do not use a proxy.
pub const MONGODB_AWS_ACTION_HTTP: u32 = 2;
/// Action: wait `wait_ms` milliseconds (a retry's backoff), then call `mongodb_aws_chain_on_wake`.
pub const MONGODB_AWS_ACTION_WAIT: u32 = 3;
/// Action: call the application's custom provider; answer with `mongodb_aws_chain_on_provided` or
/// `mongodb_aws_chain_on_provider_failed`.
pub const MONGODB_AWS_ACTION_CALL_PROVIDER: u32 = 4;
/// Action: finished; use the credentials in the driver's cache (they are fresh).
pub const MONGODB_AWS_ACTION_USE_CACHE: u32 = 5;
/// Action: finished with `credentials`; store them in the driver's cache when `cache` is 1.
pub const MONGODB_AWS_ACTION_DONE: u32 = 6;
/// Action: finished with the error `error` (a status); `mongodb_aws_chain_error_message` gives the
/// full message (`message_len` bytes).
pub const MONGODB_AWS_ACTION_FAILED: u32 = 7;
/// Action: run a profile's `credential_process`: the program `path` with `arg_count` arguments
/// (`mongodb_aws_chain_process_arg` gives each; already split by the library, run it without a
/// shell), stdin closed, stdout and stderr captured (up to `MONGODB_AWS_MAX_PROCESS_OUTPUT` bytes
/// each), killed and reaped after `timeout_ms`. Answer with `mongodb_aws_chain_on_process_exit`,
/// or `mongodb_aws_chain_on_io_error` with `MONGODB_AWS_IO_NOT_FOUND` / `_UNREADABLE` (cannot be
/// started) or `MONGODB_AWS_IO_TIMEOUT` (killed at the deadline).
pub const MONGODB_AWS_ACTION_RUN_PROCESS: u32 = 8;
/// Action: ask the application for the current code of the MFA device `path` (a profile's
/// `mfa_serial`), needed by the role of the profile `variable`, within `timeout_ms` (300 s, or
/// `MONGODB_AWS_MFA_TIMEOUT` seconds). Answer with `mongodb_aws_chain_on_mfa_code`,
/// `mongodb_aws_chain_on_mfa_unavailable` (no callback), or `mongodb_aws_chain_on_mfa_failed`
/// (the callback failed, or gave its code after `timeout_ms`).
pub const MONGODB_AWS_ACTION_ASK_MFA: u32 = 9;
/// Action: replace the file `path` with `content` (`content_len` bytes; the SSO token cache after a
/// refresh, secret): write a temporary file beside it readable by the user only, then rename it.
/// Answer with `mongodb_aws_chain_on_written` or `mongodb_aws_chain_on_io_error` (not fatal).
pub const MONGODB_AWS_ACTION_WRITE_FILE: u32 = 10;

/// Largest stdout and stderr to keep from a `credential_process` (each), in bytes.
pub const MONGODB_AWS_MAX_PROCESS_OUTPUT: usize =
    mongodb_aws_core::providers::chain::MAX_PROCESS_OUTPUT;

/// `mongodb_aws_chain_new` flag: the application configured a custom provider (it runs first; its
/// answer is never cached).
pub const MONGODB_AWS_CHAIN_CUSTOM_PROVIDER: u32 = 1;
/// `mongodb_aws_chain_new` flag: the driver's cache holds endpoint credentials (from an earlier
/// `MONGODB_AWS_ACTION_DONE` with `cache` 1) expiring at `cached_expiration_unix`; the chain decides
/// whether they are still fresh.
pub const MONGODB_AWS_CHAIN_CACHED: u32 = 2;

/// I/O failure: the file does not exist.
pub const MONGODB_AWS_IO_NOT_FOUND: u32 = 1;
/// I/O failure: the file exists but cannot be read (permissions, a directory, an I/O error).
pub const MONGODB_AWS_IO_UNREADABLE: u32 = 2;
/// I/O failure: the connection was refused, or the host has no route or no address.
pub const MONGODB_AWS_IO_REFUSED: u32 = 3;
/// I/O failure: no connection within `connect_timeout_ms`.
pub const MONGODB_AWS_IO_CONNECT_TIMEOUT: u32 = 4;
/// I/O failure: `timeout_ms` passed before the answer was complete.
pub const MONGODB_AWS_IO_TIMEOUT: u32 = 5;
/// I/O failure: the connection was reset or closed before a complete answer.
pub const MONGODB_AWS_IO_CLOSED: u32 = 6;
/// I/O failure: the answer is not HTTP/1.x, is shorter than its Content-Length or chunking says, or
/// its body is longer than `MONGODB_AWS_MAX_RESPONSE_LEN`.
pub const MONGODB_AWS_IO_BAD_RESPONSE: u32 = 7;

const _: () = {
    assert!(MONGODB_AWS_IO_NOT_FOUND == IoError::NotFound.code());
    assert!(MONGODB_AWS_IO_UNREADABLE == IoError::Unreadable.code());
    assert!(MONGODB_AWS_IO_REFUSED == IoError::Refused.code());
    assert!(MONGODB_AWS_IO_CONNECT_TIMEOUT == IoError::ConnectTimeout.code());
    assert!(MONGODB_AWS_IO_TIMEOUT == IoError::Timeout.code());
    assert!(MONGODB_AWS_IO_CLOSED == IoError::Closed.code());
    assert!(MONGODB_AWS_IO_BAD_RESPONSE == IoError::BadResponse.code());
};

/// One environment variable for `mongodb_aws_chain_new`: a name and its value, pointer + length.
/// A NULL value with length 0 is unset; an empty value counts as unset too.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_env_var {
    /// The name (`AWS_ACCESS_KEY_ID`, ...).
    pub name: *const c_char,
    /// Length of `name`.
    pub name_len: usize,
    /// The value, or NULL/0 when unset. May be secret.
    pub value: *const c_char,
    /// Length of `value`.
    pub value_len: usize,
}

/// The credential chain (opaque, about 230 KiB, on the heap): made by `mongodb_aws_chain_new`,
/// driven with `mongodb_aws_chain_poll` and the `mongodb_aws_chain_on_*` events, released by
/// `mongodb_aws_chain_free` (which wipes the secrets it holds). One chain resolves credentials
/// once. Not thread-safe: one thread at a time may use a chain (it may move between threads).
pub struct mongodb_aws_chain {
    /// Borrows `_env` and `_profile` (declared first, so dropped first).
    chain: Chain<'static>,
    /// The copied values of the variables the chain reads, in `VARS` order (only kept alive: the
    /// chain reads them through its snapshot).
    _env: Box<[Option<Zeroizing<String>>]>,
    /// The copied explicit profile name (only kept alive: the chain's plan borrows it).
    _profile: Option<Box<str>>,
    /// The host of the current HTTP action (the request plan is a temporary: its host is copied).
    host: [u8; MAX_HOST_LEN],
    host_len: usize,
}

/// What the chain asks for: filled by `mongodb_aws_chain_poll`. Only the fields of `kind` are set
/// (the others are 0/NULL). Pointers are views into the chain: valid until its next event or free.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_chain_action {
    /// A `MONGODB_AWS_ACTION_*`.
    pub kind: u32,
    /// READ_FILE, WRITE_FILE: the path; RUN_PROCESS: the program; ASK_MFA: the MFA serial.
    pub path: *const c_char,
    /// Length of `path`.
    pub path_len: usize,
    /// READ_FILE: the variable (or profile key) that named the file; ASK_MFA: the profile.
    pub variable: *const c_char,
    /// Length of `variable`.
    pub variable_len: usize,
    /// HTTP: `MONGODB_AWS_SCHEME_HTTP` or `MONGODB_AWS_SCHEME_HTTPS`.
    pub scheme: u32,
    /// HTTP: the port to connect to.
    pub port: u16,
    /// HTTP: the host to connect to (an IPv6 address without brackets).
    pub host: *const c_char,
    /// Length of `host`.
    pub host_len: usize,
    /// HTTP: exact length of the request `mongodb_aws_chain_request` writes.
    pub request_len: usize,
    /// HTTP: deadline to connect, in milliseconds.
    pub connect_timeout_ms: u32,
    /// HTTP: deadline for the whole exchange from its start, in milliseconds. RUN_PROCESS: when to
    /// kill the program. ASK_MFA: how long the application's callback may take.
    pub timeout_ms: u32,
    /// HTTP: which attempt this is (1-based).
    pub attempt: u32,
    /// HTTP: what the request is for (`IMDSv2 token`, `ECS credentials`, ...), for logs.
    pub step: *const c_char,
    /// Length of `step`.
    pub step_len: usize,
    /// WAIT: milliseconds.
    pub wait_ms: u32,
    /// RUN_PROCESS: number of arguments (`mongodb_aws_chain_process_arg`).
    pub arg_count: usize,
    /// WRITE_FILE: the new content (secret).
    pub content: *const u8,
    /// Length of `content`.
    pub content_len: usize,
    /// DONE: the credentials and their details.
    pub credentials: mongodb_aws_credentials_info,
    /// DONE: 1 when the driver must store them in its cache (endpoint credentials), else 0.
    pub cache: u8,
    /// DONE, from the AWS shared files: the profile that supplied them (else NULL/0).
    pub origin_profile: *const c_char,
    /// Length of `origin_profile`.
    pub origin_profile_len: usize,
    /// DONE, from the AWS shared files: the file of the profile's section.
    pub origin_file: *const c_char,
    /// Length of `origin_file`.
    pub origin_file_len: usize,
    /// DONE, from the AWS shared files: line of the section header (1-based; 0 otherwise).
    pub origin_line: u32,
    /// FAILED: the error, a status (`MONGODB_AWS_ENDPOINT_TIMEOUT`, ...).
    pub error: u32,
    /// FAILED: length of the full message (`mongodb_aws_chain_error_message`).
    pub message_len: usize,
}

fn empty_action() -> mongodb_aws_chain_action {
    mongodb_aws_chain_action {
        kind: 0,
        path: core::ptr::null(),
        path_len: 0,
        variable: core::ptr::null(),
        variable_len: 0,
        scheme: 0,
        port: 0,
        host: core::ptr::null(),
        host_len: 0,
        request_len: 0,
        connect_timeout_ms: 0,
        timeout_ms: 0,
        attempt: 0,
        step: core::ptr::null(),
        step_len: 0,
        wait_ms: 0,
        arg_count: 0,
        content: core::ptr::null(),
        content_len: 0,
        credentials: mongodb_aws_credentials_info {
            credentials: mongodb_aws_credentials {
                access_key_id: core::ptr::null(),
                access_key_id_len: 0,
                secret_access_key: core::ptr::null(),
                secret_access_key_len: 0,
                session_token: core::ptr::null(),
                session_token_len: 0,
            },
            expiration_unix: 0,
            source: 0,
            has_session_token: 0,
            has_expiration: 0,
            from_cache: 0,
        },
        cache: 0,
        origin_profile: core::ptr::null(),
        origin_profile_len: 0,
        origin_file: core::ptr::null(),
        origin_file_len: 0,
        origin_line: 0,
        error: 0,
        message_len: 0,
    }
}

fn str_view(s: &str) -> (*const c_char, usize) {
    (s.as_ptr().cast(), s.len())
}

/// Counts what `Display` writes.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// Writes `Display` output into a slice (fails when it does not fit).
struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn message_len(f: &Failure<'_>) -> usize {
    let mut c = Counter(0);
    let _ = write!(c, "{f}");
    c.0
}

/// The names of the variables the chain reads, NUL-terminated (made once per process).
fn var_names() -> &'static [CString] {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    NAMES.get_or_init(|| VARS.iter().filter_map(|n| CString::new(*n).ok()).collect())
}

/// Number of environment variables the chain reads (`mongodb_aws_chain_var_name` lists them).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_chain_var_count() -> usize {
    guard_value(0, || var_names().len())
}

/// The name of the `index`-th variable the chain reads (`AWS_ACCESS_KEY_ID`, ...), NUL-terminated,
/// static storage (never free it); NULL when `index >= mongodb_aws_chain_var_count()`. Snapshot
/// exactly these for `mongodb_aws_chain_new`. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_chain_var_name(index: usize) -> *const c_char {
    guard_value(core::ptr::null(), || {
        var_names()
            .get(index)
            .map_or(core::ptr::null(), |c| c.as_ptr())
    })
}

/// `s` with the lifetime of the chain that keeps its owner alive.
///
/// # Safety
/// The bytes behind `s` must stay valid and unmodified for as long as the result is used.
unsafe fn extend(s: &str) -> &'static str {
    // SAFETY: forwarded contract; the bytes came from a `&str`, so they are UTF-8.
    unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(s.as_ptr(), s.len())) }
}

/// The caller's variable list (NULL with 0 is empty).
///
/// # Safety
/// `vars` must point to `vars_len` valid entries (or be NULL with 0).
unsafe fn var_list<'v>(
    vars: *const mongodb_aws_env_var,
    vars_len: usize,
) -> R<&'v [mongodb_aws_env_var]> {
    if vars_len == 0 {
        Ok(&[])
    } else if vars.is_null() {
        Err(crate::ffi::NULL_ARGUMENT)
    } else {
        // SAFETY: forwarded contract.
        Ok(unsafe { core::slice::from_raw_parts(vars, vars_len) })
    }
}

/// Calls `set(index in VARS, value)` for every entry of `list` whose name the chain reads, in
/// order (so for a name given twice the last wins). A value that is not UTF-8 is
/// `MONGODB_AWS_INVALID_UTF8`.
///
/// # Safety
/// The entries' pointers must be as `mongodb_aws_env_var` documents, valid for `'v`.
unsafe fn each_var<'v>(
    list: &[mongodb_aws_env_var],
    mut set: impl FnMut(usize, Option<&'v str>),
) -> R {
    for v in list {
        // SAFETY: forwarded contract.
        let name = unsafe { bytes(v.name.cast(), v.name_len)? };
        let Some(i) = VARS.iter().position(|n| n.as_bytes() == name) else {
            continue;
        };
        // SAFETY: forwarded contract.
        set(i, unsafe { opt_text(v.value, v.value_len)? });
    }
    Ok(())
}

/// Writes into `(out, out_cap, out_len)` the name of the profile of the AWS shared files that a
/// chain made by `mongodb_aws_chain_new` with the same `vars` and `profile` would use: the explicit
/// `profile` (NULL with 0: none), else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE` (set but empty
/// counts, as in botocore), else `default` — the library's rule. `*named` (when not NULL; written
/// on success, size queries included) is 1 when the option or one of the variables named it, 0
/// for the implicit `default`.
///
/// A driver keys its cache with it, as the library does in `mongodb_aws_get_credentials`: one
/// cache per named profile and one for the implicit default (keep `named` in the key), checked
/// before `mongodb_aws_chain_new` (`MONGODB_AWS_CHAIN_CACHED`) and filled from a
/// `MONGODB_AWS_ACTION_DONE` with `cache` 1. Not UTF-8 is `MONGODB_AWS_INVALID_UTF8`. Never
/// allocates; thread-safe.
///
/// # Safety
/// `vars` as for `mongodb_aws_chain_new` (NULL with 0); `profile` `profile_len` readable bytes
/// (NULL with 0); `out` NULL or `out_cap` writable bytes; `out_len` NULL or writable; `named` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_selected_profile(
    vars: *const mongodb_aws_env_var,
    vars_len: usize,
    profile: *const c_char,
    profile_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    named: *mut u8,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (list, option, o) = unsafe {
            (
                var_list(vars, vars_len)?,
                opt_text(profile, profile_len)?,
                Out::new(out, out_cap, out_len)?,
            )
        };
        let mut env = Env::new();
        // SAFETY: forwarded contract; the values are only read during this call.
        unsafe {
            each_var(list, |i, value| {
                if let Some(name) = VARS.get(i) {
                    env.set(name, value);
                }
            })?;
        }
        let (name, by) = env.selected_profile(option);
        o.emit_bytes(name.as_bytes())?;
        if !named.is_null() {
            // SAFETY: non-null and writable per the documented contract.
            unsafe { *named = u8::from(by.is_some()) };
        }
        Ok(())
    })
}

/// Makes a chain that resolves credentials once, as a driver does, and stores it in `*out` (release
/// it with `mongodb_aws_chain_free`).
///
/// - `vars`, `vars_len`: the environment snapshot, names and values (copied: the caller's strings
///   are not used after the call). Names the chain does not read are ignored; for a name given twice
///   the last wins. Snapshot the names `mongodb_aws_chain_var_name` lists. A value that is not UTF-8
///   is `MONGODB_AWS_INVALID_UTF8`.
/// - `profile`, `profile_len`: the explicit profile of the AWS shared files (copied), or NULL with 0
///   for none. Like `Resolver::profile` in Rust, boto3's `Session(profile_name=)` and `aws
///   --profile`: it wins over `AWS_PROFILE` / `AWS_DEFAULT_PROFILE` and switches the environment's
///   keys and web identity variables off; a name in neither file is `MONGODB_AWS_PROFILE_NOT_FOUND`.
///   Not UTF-8 is `MONGODB_AWS_INVALID_UTF8`.
/// - `now_unix`: the time (seconds since 1970) for expiry checks and signatures.
/// - `random`: 16 bytes from a CSPRNG (a generated role session name).
/// - `flags`: `MONGODB_AWS_CHAIN_CUSTOM_PROVIDER`, `MONGODB_AWS_CHAIN_CACHED` (then
///   `cached_expiration_unix` is the cached set's `Expiration`; ignored otherwise). Unknown bits are
///   `MONGODB_AWS_INVALID_PARAMETER`.
///
/// Then loop: `mongodb_aws_chain_poll`, carry out the action, report its outcome with the matching
/// `mongodb_aws_chain_on_*` event, until `MONGODB_AWS_ACTION_USE_CACHE`, `_DONE` or `_FAILED`.
/// Allocates the chain and the copies of the values; thread-safe.
///
/// # Safety
/// `vars` must point to `vars_len` valid entries (or be NULL with 0), their pointers as documented;
/// `profile` to `profile_len` readable bytes (or be NULL with 0); `random` to 16 readable bytes;
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_new(
    vars: *const mongodb_aws_env_var,
    vars_len: usize,
    profile: *const c_char,
    profile_len: usize,
    now_unix: u64,
    random: *const u8,
    flags: u32,
    cached_expiration_unix: u64,
    out: *mut *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (list, profile, random, out) = unsafe {
            let random: [u8; 16] = bytes(random, 16)?
                .try_into()
                .map_err(|_| Error::InvalidParameter)?;
            let profile: Option<Box<str>> = opt_text(profile, profile_len)?.map(Into::into);
            (var_list(vars, vars_len)?, profile, random, target(out)?)
        };
        if flags & !(MONGODB_AWS_CHAIN_CUSTOM_PROVIDER | MONGODB_AWS_CHAIN_CACHED) != 0 {
            return Err(Error::InvalidParameter.into());
        }
        let mut env: Box<[Option<Zeroizing<String>>]> = VARS.iter().map(|_| None).collect();
        // SAFETY: forwarded contract.
        unsafe {
            each_var(list, |i, value| {
                if let Some(slot) = env.get_mut(i) {
                    *slot = value.map(|s| Zeroizing::new(s.to_string()));
                }
            })?;
        }
        let mut values = env.iter();
        let snapshot = Env::from_fn(|_| {
            values.next().and_then(|v| {
                v.as_ref().map(|s| {
                    // SAFETY: the values are heap buffers owned by `env`, which the chain object
                    // keeps (and never modifies) until after `chain` is dropped (field order).
                    unsafe { extend(s) }
                })
            })
        });
        let now = UnixTime(now_unix);
        let fresh_cache = flags & MONGODB_AWS_CHAIN_CACHED != 0
            && is_fresh(Some(UnixTime(cached_expiration_unix)), now);
        let plan = Plan::Default {
            custom_provider: flags & MONGODB_AWS_CHAIN_CUSTOM_PROVIDER != 0,
            fresh_cache,
            // SAFETY: a heap buffer owned by `_profile`, which the chain object keeps (and never
            // modifies) until after `chain` is dropped (field order).
            profile: profile.as_deref().map(|p| unsafe { extend(p) }),
        };
        // Built in its box (Chain::new is always inlined): never on the driver's thread's stack,
        // which may be musl's 128 KiB (tests/small_stack.rs).
        *out = Box::into_raw(Box::write(
            Box::new_uninit(),
            mongodb_aws_chain {
                chain: Chain::new(snapshot, plan, now, random),
                _env: env,
                _profile: profile,
                host: [0; MAX_HOST_LEN],
                host_len: 0,
            },
        ));
        Ok(())
    })
}

/// Frees a chain (`NULL` is ignored), wiping the secrets it holds (environment values, tokens,
/// credentials). Views from its actions become invalid.
///
/// # Safety
/// `chain` NULL or from `mongodb_aws_chain_new`, not yet freed, not in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_free(chain: *mut mongodb_aws_chain) {
    // SAFETY: created by Box::into_raw in mongodb_aws_chain_new, not yet freed (documented
    // contract). The chain's buffers and the Zeroizing values wipe themselves on drop.
    unsafe { free_boxed(chain) }
}

/// Fills `*action` with what the chain asks for now (see `mongodb_aws_chain_action` and the
/// `MONGODB_AWS_ACTION_*` constants). Calling it again without an event gives the same action.
/// Never allocates.
///
/// # Safety
/// `chain` NULL or a live chain; `action` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_poll(
    chain: *mut mongodb_aws_chain,
    action: *mut mongodb_aws_chain_action,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, out) = unsafe { (target(chain)?, target(action)?) };
        let mut a = empty_action();
        match w.chain.poll() {
            Action::ReadFile { path, variable } => {
                a.kind = MONGODB_AWS_ACTION_READ_FILE;
                (a.path, a.path_len) = str_view(path);
                (a.variable, a.variable_len) = str_view(variable);
            }
            Action::Http(h) => {
                a.kind = MONGODB_AWS_ACTION_HTTP;
                let ep = h.request.endpoint();
                let host = ep.host().as_bytes();
                let n = host.len().min(w.host.len());
                if let (Some(dst), Some(src)) = (w.host.get_mut(..n), host.get(..n)) {
                    dst.copy_from_slice(src);
                }
                w.host_len = n;
                a.host = w.host.as_ptr().cast();
                a.host_len = n;
                a.scheme = match ep.scheme() {
                    Scheme::Http => MONGODB_AWS_SCHEME_HTTP,
                    Scheme::Https => MONGODB_AWS_SCHEME_HTTPS,
                };
                a.port = ep.port();
                a.request_len = h.request.len();
                a.connect_timeout_ms = h.connect_timeout_ms;
                a.timeout_ms = h.timeout_ms;
                a.attempt = u32::from(h.attempt);
                (a.step, a.step_len) = str_view(h.step);
            }
            Action::Wait { millis } => {
                a.kind = MONGODB_AWS_ACTION_WAIT;
                a.wait_ms = millis;
            }
            Action::RunProcess(p) => {
                a.kind = MONGODB_AWS_ACTION_RUN_PROCESS;
                (a.path, a.path_len) = str_view(p.program);
                a.arg_count = p.args.count();
                a.timeout_ms = p.timeout_ms;
            }
            Action::AskMfa {
                serial,
                profile,
                timeout_ms,
            } => {
                a.kind = MONGODB_AWS_ACTION_ASK_MFA;
                (a.path, a.path_len) = str_view(serial);
                (a.variable, a.variable_len) = str_view(profile);
                a.timeout_ms = timeout_ms;
            }
            Action::WriteFile { path, content } => {
                a.kind = MONGODB_AWS_ACTION_WRITE_FILE;
                (a.path, a.path_len) = str_view(path);
                (a.content, a.content_len) = (content.as_ptr(), content.len());
            }
            Action::CallProvider => a.kind = MONGODB_AWS_ACTION_CALL_PROVIDER,
            Action::UseCache => a.kind = MONGODB_AWS_ACTION_USE_CACHE,
            Action::Done(o) => {
                a.kind = MONGODB_AWS_ACTION_DONE;
                let f = &o.fetched;
                a.credentials = mongodb_aws_credentials_info::new(
                    &f.credentials,
                    f.expiration,
                    f.source,
                    false,
                );
                a.cache = u8::from(o.cache);
                if let Some(origin) = o.origin {
                    (a.origin_profile, a.origin_profile_len) = str_view(origin.profile);
                    (a.origin_file, a.origin_file_len) = str_view(origin.file);
                    a.origin_line = origin.line;
                }
            }
            Action::Failed(f) => {
                a.kind = MONGODB_AWS_ACTION_FAILED;
                a.error = mongodb_aws_status::from(f.error).code();
                a.message_len = message_len(&f);
            }
        }
        *out = a;
        Ok(())
    })
}

/// For a `MONGODB_AWS_ACTION_HTTP`: writes the HTTP/1.1 request (`request_len` bytes: request line,
/// `Host`, the headers, `Content-Length` for PUT and POST, `Connection: close`, blank line, body)
/// into `(out, out_cap, out_len)` (the output convention as everywhere) and, when `view` is not
/// NULL, its parts (method, target, headers, body: views into `out`) for HTTP libraries; raw-socket
/// drivers send the bytes. The request may hold secrets (tokens): wipe `out` after sending.
/// `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` when the action is not HTTP. Never allocates.
///
/// # Safety
/// `chain` NULL or a live chain; `out` NULL or `out_cap` writable bytes; `out_len` NULL or
/// writable; `view` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_request(
    chain: *mut mongodb_aws_chain,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let w = unsafe { target(chain)? };
        match w.chain.poll() {
            // SAFETY: forwarded contract.
            Action::Http(h) => unsafe { emit_plan(&h.request, out, out_cap, out_len, view) },
            _ => Err(Error::UnexpectedChainEvent.into()),
        }
    })
}

/// For a `MONGODB_AWS_ACTION_FAILED`: writes the full message (UTF-8, `message_len` bytes, not
/// NUL-terminated: the error's text, then the source, step, URL without query, file, variable,
/// HTTP status, STS Code and Message, field, attempts; never a secret) into `(out, out_cap,
/// out_len)`. `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` when the chain has not failed. Never allocates.
///
/// # Safety
/// `chain` NULL or a live chain; `out` NULL or `out_cap` writable bytes; `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_error_message(
    chain: *mut mongodb_aws_chain,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, o) = unsafe { (target(chain)?, Out::new(out, out_cap, out_len)?) };
        match w.chain.poll() {
            Action::Failed(f) => o.emit_sized(
                || Ok(message_len(&f)),
                |buf| {
                    let mut s = SliceWriter { buf, len: 0 };
                    write!(s, "{f}").map_err(|_| Error::BufferTooSmall {
                        needed: message_len(&f),
                    })?;
                    Ok(s.len)
                },
            ),
            _ => Err(Error::UnexpectedChainEvent.into()),
        }
    })
}

/// Delivers an event; `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` when it was not the answer to the
/// current action: the chain had finished, or it failed with that error because of the event.
fn deliver(w: &mut mongodb_aws_chain, event: impl FnOnce(&mut Chain<'static>)) -> R {
    let finished = matches!(
        w.chain.poll(),
        Action::UseCache | Action::Done(_) | Action::Failed(_)
    );
    event(&mut w.chain);
    match w.chain.poll() {
        _ if finished => Err(Error::UnexpectedChainEvent.into()),
        Action::Failed(f) if f.error == Error::UnexpectedChainEvent => Err(f.error.into()),
        _ => Ok(()),
    }
}

/// Delivers an event without arguments to `chain` under [`guard`] (see [`deliver`]).
///
/// # Safety
/// `chain` NULL or a live chain.
unsafe fn deliver_to(
    chain: *mut mongodb_aws_chain,
    event: impl FnOnce(&mut Chain<'static>),
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let w = unsafe { target(chain)? };
        deliver(w, event)
    })
}

/// Answers `MONGODB_AWS_ACTION_READ_FILE` with the file's whole content (at most 20 KiB is
/// accepted; pass a longer file as it is, the chain refuses it). The content is copied (it may be
/// secret: wipe your buffer). `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain; `content` `content_len` readable bytes (NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_file(
    chain: *mut mongodb_aws_chain,
    content: *const u8,
    content_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, content) = unsafe { (target(chain)?, bytes(content, content_len)?) };
        deliver(w, |c| c.on_file(content))
    })
}

/// Answers `MONGODB_AWS_ACTION_HTTP` with a complete response: its status (100 to 999), headers
/// (only `Retry-After` is read; headers that are not UTF-8 are skipped) and body (longer than
/// `MONGODB_AWS_MAX_RESPONSE_LEN` is refused by the chain; read at most one byte more). Nothing is
/// kept after the call except the credentials parsed from the body. `MONGODB_AWS_INVALID_PARAMETER`
/// for a status outside 100..=999; `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain; `headers` `headers_len` valid entries (NULL with 0), their
/// pointers as documented; `body` `body_len` readable bytes (NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_response(
    chain: *mut mongodb_aws_chain,
    status: u32,
    headers: *const mongodb_aws_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, list, body) = unsafe {
            let list: &[mongodb_aws_header] = if headers_len == 0 {
                &[]
            } else if headers.is_null() {
                return Err(crate::ffi::NULL_ARGUMENT);
            } else {
                core::slice::from_raw_parts(headers, headers_len)
            };
            (target(chain)?, list, bytes(body, body_len)?)
        };
        let status = u16::try_from(status)
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or(Error::InvalidParameter)?;
        // SAFETY: forwarded contract.
        let pair = |h: &mongodb_aws_header| unsafe {
            match (text(h.name, h.name_len), text(h.value, h.value_len)) {
                (Ok(n), Ok(v)) => Ok(Some((n, v))),
                (Err(crate::ffi::NULL_ARGUMENT), _) | (_, Err(crate::ffi::NULL_ARGUMENT)) => {
                    Err(crate::ffi::NULL_ARGUMENT)
                }
                _ => Ok(None),
            }
        };
        // Most answers have a handful of headers: a stack array, the heap only beyond it.
        let mut small = [("", ""); 32];
        let mut n = 0;
        let mut big = Vec::new();
        for h in list {
            let Some(p) = pair(h)? else { continue };
            if !big.is_empty() {
                big.push(p);
            } else if let Some(slot) = small.get_mut(n) {
                *slot = p;
                n += 1;
            } else {
                big.extend_from_slice(&small);
                big.push(p);
            }
        }
        let pairs: &[(&str, &str)] = if big.is_empty() {
            small.get(..n).unwrap_or(&[])
        } else {
            &big
        };
        deliver(w, |c| c.on_response(status, pairs, body))
    })
}

/// Answers `MONGODB_AWS_ACTION_READ_FILE` or `MONGODB_AWS_ACTION_HTTP` with a failure: a
/// `MONGODB_AWS_IO_*` (`MONGODB_AWS_INVALID_PARAMETER` for another number). The chain decides whether
/// to retry and which error it is. `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_io_error(
    chain: *mut mongodb_aws_chain,
    kind: u32,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let w = unsafe { target(chain)? };
        let io = IoError::from_code(kind).ok_or(Error::InvalidParameter)?;
        deliver(w, |c| c.on_io_error(io))
    })
}

/// For a `MONGODB_AWS_ACTION_RUN_PROCESS`: argument `index` (0-based, below `arg_count`) as a view
/// into the chain (`*arg`, `*arg_len`; valid until the next event), UTF-8, not NUL-terminated.
/// `MONGODB_AWS_INVALID_PARAMETER` for an index out of range; `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT`
/// when the action is another.
///
/// # Safety
/// `chain` NULL or a live chain; `arg` and `arg_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_process_arg(
    chain: *mut mongodb_aws_chain,
    index: usize,
    arg: *mut *const c_char,
    arg_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, arg, arg_len) = unsafe { (target(chain)?, target(arg)?, target(arg_len)?) };
        match w.chain.poll() {
            Action::RunProcess(mut p) => {
                let s = p.args.nth(index).ok_or(Error::InvalidParameter)?;
                (*arg, *arg_len) = str_view(s);
                Ok(())
            }
            _ => Err(Error::UnexpectedChainEvent.into()),
        }
    })
}

/// Answers `MONGODB_AWS_ACTION_RUN_PROCESS`: the process exited with `exit_code` (`has_exit_code`
/// 0 when a signal ended it), having written `stdout` and `stderr` (pass at most
/// `MONGODB_AWS_MAX_PROCESS_OUTPUT` bytes of each; copied only as needed: stdout holds secrets,
/// wipe your buffer). `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain; `stdout`/`stderr` their length in readable bytes (NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_process_exit(
    chain: *mut mongodb_aws_chain,
    has_exit_code: u8,
    exit_code: i32,
    stdout: *const u8,
    stdout_len: usize,
    stderr: *const u8,
    stderr_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, out, err) = unsafe {
            (
                target(chain)?,
                bytes(stdout, stdout_len)?,
                bytes(stderr, stderr_len)?,
            )
        };
        let code = (has_exit_code != 0).then_some(exit_code);
        deliver(w, |c| c.on_process_exit(code, out, err))
    })
}

/// Answers `MONGODB_AWS_ACTION_ASK_MFA` with the code the application gave (UTF-8; copied, secret:
/// wipe your buffer). `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain; `code` `code_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_mfa_code(
    chain: *mut mongodb_aws_chain,
    code: *const c_char,
    code_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, code) = unsafe { (target(chain)?, text(code, code_len)?) };
        deliver(w, |c| c.on_mfa_code(code))
    })
}

/// Answers `MONGODB_AWS_ACTION_ASK_MFA`: no code, because the application has no MFA callback (the
/// chain fails with `MONGODB_AWS_MFA_CODE_REQUIRED`). `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_mfa_unavailable(
    chain: *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { deliver_to(chain, |c| c.on_mfa_unavailable()) }
}

/// Answers `MONGODB_AWS_ACTION_ASK_MFA`: the application's MFA callback failed (the chain fails
/// with `MONGODB_AWS_MFA_CODE_UNAVAILABLE`; report the callback's own error beside it).
/// `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_mfa_failed(
    chain: *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { deliver_to(chain, |c| c.on_mfa_failed()) }
}

/// Answers `MONGODB_AWS_ACTION_WRITE_FILE`: the file was replaced.
/// `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_written(
    chain: *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { deliver_to(chain, |c| c.on_written()) }
}

/// Answers `MONGODB_AWS_ACTION_WAIT` once the time has passed.
/// `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_wake(
    chain: *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { deliver_to(chain, |c| c.on_wake()) }
}

/// Answers `MONGODB_AWS_ACTION_CALL_PROVIDER` with what the application's provider returned
/// (copied; checked by the chain: a refusal makes it fail with the credential error), and their
/// expiry when known (`has_expiration` non-zero; expired or within 5 minutes of it is
/// `MONGODB_AWS_CREDENTIALS_EXPIRED`). `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was
/// another.
///
/// # Safety
/// `chain` NULL or a live chain; `creds` NULL or valid, its pointers as documented.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_provided(
    chain: *mut mongodb_aws_chain,
    creds: *const mongodb_aws_credentials,
    has_expiration: u8,
    expiration_unix: u64,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (w, id, secret, token) = unsafe {
            let c = reference(creds)?;
            (
                target(chain)?,
                opt_text(c.access_key_id, c.access_key_id_len)?,
                opt_text(c.secret_access_key, c.secret_access_key_len)?,
                opt_text(c.session_token, c.session_token_len)?,
            )
        };
        let expiration = (has_expiration != 0).then_some(UnixTime(expiration_unix));
        deliver(w, |c| {
            c.on_provided(id.unwrap_or(""), secret.unwrap_or(""), token, expiration)
        })
    })
}

/// Answers `MONGODB_AWS_ACTION_CALL_PROVIDER`: the provider failed (the chain fails with
/// `MONGODB_AWS_CUSTOM_PROVIDER_FAILED`; report the provider's own error beside it).
/// `MONGODB_AWS_UNEXPECTED_CHAIN_EVENT` if the action was another.
///
/// # Safety
/// `chain` NULL or a live chain.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_on_provider_failed(
    chain: *mut mongodb_aws_chain,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { deliver_to(chain, |c| c.on_provider_failed()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{
        MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS, MONGODB_AWS_SOURCE_ENVIRONMENT,
        MONGODB_AWS_SOURCE_PROFILE,
    };
    use crate::status::mongodb_aws_status as S;

    fn var(name: &'static str, value: &'static str) -> mongodb_aws_env_var {
        mongodb_aws_env_var {
            name: name.as_ptr().cast(),
            name_len: name.len(),
            value: value.as_ptr().cast(),
            value_len: value.len(),
        }
    }

    fn new_chain(vars: &[mongodb_aws_env_var], flags: u32, cached: u64) -> *mut mongodb_aws_chain {
        with_profile(vars, None, flags, cached)
    }

    fn with_profile(
        vars: &[mongodb_aws_env_var],
        profile: Option<&str>,
        flags: u32,
        cached: u64,
    ) -> *mut mongodb_aws_chain {
        let mut c = core::ptr::null_mut();
        let random = [7u8; 16];
        let (profile, profile_len) = profile.map_or((core::ptr::null(), 0), str_view);
        let st = unsafe {
            mongodb_aws_chain_new(
                vars.as_ptr(),
                vars.len(),
                profile,
                profile_len,
                1_700_000_000,
                random.as_ptr(),
                flags,
                cached,
                &mut c,
            )
        };
        assert_eq!(st, S::MONGODB_AWS_OK);
        c
    }

    fn poll(c: *mut mongodb_aws_chain) -> mongodb_aws_chain_action {
        let mut a = empty_action();
        assert_eq!(
            unsafe { mongodb_aws_chain_poll(c, &mut a) },
            S::MONGODB_AWS_OK
        );
        a
    }

    fn view(p: *const c_char, n: usize) -> &'static str {
        unsafe { core::str::from_utf8(core::slice::from_raw_parts(p.cast(), n)).unwrap() }
    }

    #[test]
    fn the_variable_names_are_the_cores() {
        assert_eq!(mongodb_aws_chain_var_count(), VARS.len());
        for (i, n) in VARS.iter().enumerate() {
            let got = unsafe { std::ffi::CStr::from_ptr(mongodb_aws_chain_var_name(i)) };
            assert_eq!(got.to_str().unwrap(), *n);
        }
        assert!(mongodb_aws_chain_var_name(VARS.len()).is_null());
    }

    #[test]
    fn environment_credentials_need_no_io_and_the_copy_outlives_the_callers_strings() {
        let mut id = String::from("AKIDEXAMPLE");
        let vars = [
            mongodb_aws_env_var {
                name: "AWS_ACCESS_KEY_ID".as_ptr().cast(),
                name_len: 17,
                value: id.as_ptr().cast(),
                value_len: id.len(),
            },
            var("AWS_SECRET_ACCESS_KEY", "secret"),
            var("UNRELATED", "ignored"),
        ];
        let c = new_chain(&vars, 0, 0);
        id.clear();
        id.push_str("XXXXXXXXXXX");
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_DONE);
        let cr = a.credentials.credentials;
        assert_eq!(view(cr.access_key_id, cr.access_key_id_len), "AKIDEXAMPLE");
        assert_eq!(a.credentials.source, 2);
        assert_eq!((a.cache, a.credentials.has_expiration), (0, 0));
        unsafe { mongodb_aws_chain_free(c) };
    }

    #[test]
    fn failures_carry_the_chains_message_and_wrong_events_are_refused() {
        let c = new_chain(&[var("AWS_EC2_METADATA_DISABLED", "true")], 0, 0);
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_FAILED);
        assert_eq!(a.error, S::MONGODB_AWS_NO_CREDENTIALS.code());
        let mut buf = vec![0u8; a.message_len];
        let mut n = 0;
        let st = unsafe { mongodb_aws_chain_error_message(c, buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!((st, n), (S::MONGODB_AWS_OK, a.message_len));
        let msg = String::from_utf8(buf).unwrap();
        assert!(msg.contains("AWS_EC2_METADATA_DISABLED"), "{msg}");
        assert_eq!(
            unsafe { mongodb_aws_chain_on_wake(c) },
            S::MONGODB_AWS_UNEXPECTED_CHAIN_EVENT
        );
        unsafe { mongodb_aws_chain_free(c) };
    }

    /// Answers the two READ_FILEs (`config`, then no credentials file) and polls.
    fn after_files(c: *mut mongodb_aws_chain, config: &[u8]) -> mongodb_aws_chain_action {
        for answer in [Some(config), None] {
            assert_eq!(poll(c).kind, MONGODB_AWS_ACTION_READ_FILE);
            let st = match answer {
                Some(b) => unsafe { mongodb_aws_chain_on_file(c, b.as_ptr(), b.len()) },
                None => unsafe { mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND) },
            };
            assert_eq!(st, S::MONGODB_AWS_OK);
        }
        poll(c)
    }

    #[test]
    fn an_explicit_profile_wins_over_aws_profile_and_switches_the_environment_off() {
        // botocore: AWS_PROFILE leaves the environment's keys first; profile_name (boto3
        // Session(profile_name=), aws --profile) turns them off and is itself the profile.
        let vars = [
            var("HOME", "/h"),
            var("AWS_PROFILE", "p"),
            var("AWS_ACCESS_KEY_ID", "AKIDENVIRON"),
            var("AWS_SECRET_ACCESS_KEY", "envsecret"),
        ];
        let config = b"[profile p]\naws_access_key_id = AKIDP\naws_secret_access_key = ps\n\n\
                       [profile q]\naws_access_key_id = AKIDQ\naws_secret_access_key = qs\n";
        let key = |a: &mongodb_aws_chain_action| {
            let c = &a.credentials.credentials;
            view(c.access_key_id, c.access_key_id_len).to_string()
        };
        let c = new_chain(&vars, 0, 0);
        let a = after_files(c, config);
        assert_eq!(
            (a.kind, a.credentials.source),
            (MONGODB_AWS_ACTION_DONE, MONGODB_AWS_SOURCE_ENVIRONMENT)
        );
        assert_eq!(key(&a), "AKIDENVIRON");
        unsafe { mongodb_aws_chain_free(c) };
        let c = with_profile(&vars, Some("q"), 0, 0);
        let a = after_files(c, config);
        assert_eq!(
            (a.kind, a.credentials.source),
            (MONGODB_AWS_ACTION_DONE, MONGODB_AWS_SOURCE_PROFILE)
        );
        assert_eq!(key(&a), "AKIDQ");
        assert_eq!(view(a.origin_profile, a.origin_profile_len), "q");
        assert_eq!(a.origin_line, 5);
        unsafe { mongodb_aws_chain_free(c) };
        let c = with_profile(&vars, Some("ghost"), 0, 0);
        let a = after_files(c, config);
        assert_eq!(
            (a.kind, a.error),
            (
                MONGODB_AWS_ACTION_FAILED,
                S::MONGODB_AWS_PROFILE_NOT_FOUND.code()
            )
        );
        unsafe { mongodb_aws_chain_free(c) };
        // Pointer + length: a length without a pointer, and bytes that are not UTF-8.
        let random = [7u8; 16];
        for (p, n, want) in [
            (core::ptr::null(), 3, S::MONGODB_AWS_NULL_ARGUMENT),
            (b"\xff".as_ptr().cast(), 1, S::MONGODB_AWS_INVALID_UTF8),
        ] {
            let mut c = core::ptr::null_mut();
            let st = unsafe {
                mongodb_aws_chain_new(core::ptr::null(), 0, p, n, 1, random.as_ptr(), 0, 0, &mut c)
            };
            assert_eq!((st, c.is_null()), (want, true));
        }
    }

    #[test]
    fn profile_actions_process_arguments_mfa_and_origin() {
        let c = new_chain(&[var("HOME", "/h"), var("AWS_PROFILE", "p")], 0, 0);
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_READ_FILE);
        assert_eq!(view(a.path, a.path_len), "/h/.aws/config");
        assert_eq!(view(a.variable, a.variable_len), "HOME");
        let config = b"[profile p]\ncredential_process = /bin/helper 'a b' c\n";
        assert_eq!(
            unsafe { mongodb_aws_chain_on_file(c, config.as_ptr(), config.len()) },
            S::MONGODB_AWS_OK
        );
        assert_eq!(poll(c).kind, MONGODB_AWS_ACTION_READ_FILE);
        assert_eq!(
            unsafe { mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND) },
            S::MONGODB_AWS_OK
        );
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_RUN_PROCESS);
        assert_eq!((view(a.path, a.path_len), a.arg_count), ("/bin/helper", 2));
        let (mut p, mut n) = (core::ptr::null(), 0usize);
        for (i, want) in ["a b", "c"].iter().enumerate() {
            assert_eq!(
                unsafe { mongodb_aws_chain_process_arg(c, i, &mut p, &mut n) },
                S::MONGODB_AWS_OK
            );
            assert_eq!(view(p, n), *want);
        }
        assert_eq!(
            unsafe { mongodb_aws_chain_process_arg(c, 2, &mut p, &mut n) },
            S::MONGODB_AWS_INVALID_PARAMETER
        );
        let out = br#"{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "s"}"#;
        let st = unsafe {
            mongodb_aws_chain_on_process_exit(
                c,
                1,
                0,
                out.as_ptr(),
                out.len(),
                core::ptr::null(),
                0,
            )
        };
        assert_eq!(st, S::MONGODB_AWS_OK);
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_DONE);
        assert_eq!(
            (a.credentials.source, a.cache),
            (MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS, 0)
        );
        assert_eq!(view(a.origin_profile, a.origin_profile_len), "p");
        assert_eq!(view(a.origin_file, a.origin_file_len), "/h/.aws/config");
        assert_eq!(a.origin_line, 1);
        unsafe { mongodb_aws_chain_free(c) };
        // A role with mfa_serial: ASK_MFA names the serial and the profile.
        let c = new_chain(&[var("HOME", "/h"), var("AWS_PROFILE", "r")], 0, 0);
        let _ = poll(c);
        let config = b"[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\nmfa_serial = SERIAL1\n\
                       [profile k]\naws_access_key_id = AKIDK\naws_secret_access_key = s\n";
        unsafe { mongodb_aws_chain_on_file(c, config.as_ptr(), config.len()) };
        let _ = poll(c);
        unsafe { mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND) };
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_ASK_MFA);
        assert_eq!(view(a.path, a.path_len), "SERIAL1");
        assert_eq!(view(a.variable, a.variable_len), "r");
        assert_eq!(
            unsafe { mongodb_aws_chain_on_mfa_failed(c) },
            S::MONGODB_AWS_OK
        );
        let a = poll(c);
        assert_eq!(
            (a.kind, a.error),
            (
                MONGODB_AWS_ACTION_FAILED,
                S::MONGODB_AWS_MFA_CODE_UNAVAILABLE.code()
            )
        );
        unsafe { mongodb_aws_chain_free(c) };
    }

    fn selected(vars: &[mongodb_aws_env_var], profile: Option<&str>) -> (String, u8) {
        let (p, pn) = profile.map_or((core::ptr::null(), 0), str_view);
        let (mut buf, mut n, mut named) = ([0u8; 16], 0usize, 9u8);
        let st = unsafe {
            mongodb_aws_chain_selected_profile(
                vars.as_ptr(),
                vars.len(),
                p,
                pn,
                buf.as_mut_ptr(),
                buf.len(),
                &mut n,
                &mut named,
            )
        };
        assert_eq!(st, S::MONGODB_AWS_OK);
        (String::from_utf8(buf[..n].to_vec()).unwrap(), named)
    }

    #[test]
    fn the_selected_profile_follows_botocores_order() {
        // botocore (configprovider.py, BOTOCORE_DEFAULT_SESSION_VARIABLES "profile", read by
        // Session.profile): the explicit profile, else AWS_DEFAULT_PROFILE,
        // else AWS_PROFILE, else "default".
        let both = [var("AWS_PROFILE", "p"), var("AWS_DEFAULT_PROFILE", "d")];
        assert_eq!(selected(&[], None), ("default".to_string(), 0));
        assert_eq!(selected(&both[..1], None), ("p".to_string(), 1));
        assert_eq!(selected(&both, None), ("d".to_string(), 1));
        assert_eq!(selected(&both, Some("x")), ("x".to_string(), 1));
        assert_eq!(
            selected(&[var("AWS_PROFILE", "default")], None),
            ("default".to_string(), 1)
        );
        // For a name given twice the last wins; names the chain does not read are ignored.
        let twice = [
            var("AWS_PROFILE", "a"),
            var("AWS_PROFILE", "b"),
            var("PROFILE", "c"),
        ];
        assert_eq!(selected(&twice, None), ("b".to_string(), 1));
        // The output convention: a size query, a short buffer (nothing written, not even `named`).
        let (mut n, mut named) = (0usize, 9u8);
        let v = [var("AWS_PROFILE", "longer-name")];
        let query = |out: *mut u8, cap: usize, n: &mut usize, named: &mut u8| unsafe {
            mongodb_aws_chain_selected_profile(
                v.as_ptr(),
                1,
                core::ptr::null(),
                0,
                out,
                cap,
                n,
                named,
            )
        };
        assert_eq!(
            query(core::ptr::null_mut(), 0, &mut n, &mut named),
            S::MONGODB_AWS_OK
        );
        assert_eq!((n, named), (11, 1));
        let (mut small, mut named) = ([0u8; 4], 9u8);
        assert_eq!(
            query(small.as_mut_ptr(), 4, &mut n, &mut named),
            S::MONGODB_AWS_BUFFER_TOO_SMALL
        );
        assert_eq!((n, named, small), (11, 9, [0; 4]));
        let st = unsafe {
            mongodb_aws_chain_selected_profile(
                core::ptr::null(),
                0,
                b"\xff".as_ptr().cast(),
                1,
                core::ptr::null_mut(),
                0,
                &mut n,
                core::ptr::null_mut(),
            )
        };
        assert_eq!(st, S::MONGODB_AWS_INVALID_UTF8);
    }

    #[test]
    fn a_fresh_cached_set_is_used_and_a_stale_one_is_not() {
        let now = 1_700_000_000u64;
        let c = new_chain(&[], MONGODB_AWS_CHAIN_CACHED, now + 301);
        assert_eq!(poll(c).kind, MONGODB_AWS_ACTION_USE_CACHE);
        unsafe { mongodb_aws_chain_free(c) };
        let c = new_chain(&[], MONGODB_AWS_CHAIN_CACHED, now + 300);
        let a = poll(c);
        assert_eq!(a.kind, MONGODB_AWS_ACTION_HTTP);
        assert_eq!(view(a.host, a.host_len), "169.254.169.254");
        assert_eq!((a.port, a.timeout_ms, a.attempt), (80, 1000, 1));
        unsafe { mongodb_aws_chain_free(c) };
    }
}
