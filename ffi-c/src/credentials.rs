//! Credentials the library keeps: checked once, then used for many signatures (PROTOCOL.md A7).
//!
//! A `mongodb_aws_credentials` struct is borrowed for one call, so every call that takes one checks
//! its three strings again (UTF-8, then the core's credential rules: about 5% of a client-final with
//! a session token, ffi-c/BENCH.md). A driver authenticates every connection of its pool with the same
//! credentials until they expire; `mongodb_aws_credentials_handle` lets it pay for the checks once,
//! as the Python and Node `Credentials` objects do.

use crate::ffi::{free_boxed, guard, reference, target, R};
use crate::status::mongodb_aws_status;
use crate::types::mongodb_aws_credentials;
use mongodb_aws_core::Credentials;
use runtime::owned::SigningCredentials;
use std::sync::Arc;

/// Credentials checked once and kept by the library, with the signing key of their last signature:
/// an opaque handle over the runtime's owned layer (`mongodb_aws::owned::SigningCredentials`).
///
/// Created by `mongodb_aws_credentials_handle_new` from a `mongodb_aws_credentials` struct (the same
/// rules as everywhere: id + secret, optional token, empty strings count as unset), which copies the
/// three strings; released by `mongodb_aws_credentials_handle_free`, which zeroes that copy and the
/// cached key. Pass it to `mongodb_aws_client_conversation_client_final_with_handle` instead of the
/// struct to skip the per-call checks, with a NULL key to sign with the handle's cached key (derived
/// on the first call of each UTC day and region). One handle may be used by many threads at once,
/// as long as none of them frees it meanwhile.
///
/// `mongodb_aws_owned_credentials_handle` gives one for credentials the library resolved
/// (`mongodb_aws_get_credentials`) without copying them; that one belongs to its
/// `mongodb_aws_owned_credentials` and is never passed to `mongodb_aws_credentials_handle_free`.
///
/// Opaque for the same reason as `mongodb_aws_signing_key`: it holds a secret, so the library decides
/// where it lives and wipes it on free.
pub struct mongodb_aws_credentials_handle {
    inner: SigningCredentials,
}

impl mongodb_aws_credentials_handle {
    /// Copies the strings `raw` points to, checked with the rules every call applies
    /// (`mongodb_aws_credentials::view`); the copy is checked again by the owned layer, so what the
    /// handle holds is exactly what was checked.
    ///
    /// # Safety
    /// `raw`'s pointers must satisfy the struct's documented contract for this call.
    unsafe fn new(raw: &mongodb_aws_credentials) -> R<Box<Self>> {
        // SAFETY: forwarded contract.
        let c = unsafe { raw.view()? };
        let inner = SigningCredentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token(),
            None,
        )?;
        Ok(Box::new(Self { inner }))
    }

    /// A handle over credentials the runtime resolved, without copying them.
    pub(crate) fn shared(c: Arc<runtime::Credentials>) -> R<Self> {
        let inner = SigningCredentials::shared(c);
        inner.core()?;
        Ok(Self { inner })
    }

    /// The validated credentials, borrowed from the handle.
    pub(crate) fn credentials(&self) -> R<&Credentials<'_>> {
        Ok(self.inner.core()?)
    }

    /// The owned layer: the credentials and their signing-key cache.
    pub(crate) fn signing(&self) -> &SigningCredentials {
        &self.inner
    }
}

/// Checks `creds` (as `mongodb_aws_credentials_check` does) and stores a new handle holding a copy of
/// them in `*out`; release it with `mongodb_aws_credentials_handle_free`. `*out` is written only on
/// success; the struct's strings are not used after the call. Allocates six times with a session
/// token, five without (the copied strings, the runtime credentials that own them, the owned layer's
/// cell, the handle), and never again until `mongodb_aws_credentials_handle_free`; thread-safe.
///
/// # Safety
/// `creds` must be NULL or point to a valid `mongodb_aws_credentials` whose pointers satisfy its
/// documented contract; `out` must be NULL or point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_credentials_handle_new(
    creds: *const mongodb_aws_credentials,
    out: *mut *mut mongodb_aws_credentials_handle,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (raw, out) = unsafe { (reference(creds)?, target(out)?) };
        // SAFETY: forwarded contract.
        *out = Box::into_raw(unsafe { mongodb_aws_credentials_handle::new(raw)? });
        Ok(())
    })
}

/// Zeroes and frees a handle from `mongodb_aws_credentials_handle_new`. `NULL` is ignored. The handle
/// must not be in use by another thread, and must not be used or freed again afterwards.
///
/// # Safety
/// `handle` must be NULL or a pointer returned by `mongodb_aws_credentials_handle_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_credentials_handle_free(
    handle: *mut mongodb_aws_credentials_handle,
) {
    // SAFETY: created by Box::into_raw in mongodb_aws_credentials_handle_new, not yet freed
    // (documented contract). Dropping it zeroes the copied strings and the cached key.
    unsafe { free_boxed(handle) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::mongodb_aws_status as S;
    use core::ffi::c_char;

    fn raw(id: &str, secret: &str, token: Option<&str>) -> mongodb_aws_credentials {
        let (t, tl) = token.map_or((core::ptr::null(), 0), |t| {
            (t.as_ptr().cast::<c_char>(), t.len())
        });
        mongodb_aws_credentials {
            access_key_id: id.as_ptr().cast(),
            access_key_id_len: id.len(),
            secret_access_key: secret.as_ptr().cast(),
            secret_access_key_len: secret.len(),
            session_token: t,
            session_token_len: tl,
        }
    }

    #[test]
    fn a_handle_holds_its_own_copy_of_what_was_checked() {
        let mut id = String::from("AKIDEXAMPLE");
        let mut secret = String::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let mut token = String::from("token/with+graphic=chars");
        let mut h = core::ptr::null_mut();
        let st =
            unsafe { mongodb_aws_credentials_handle_new(&raw(&id, &secret, Some(&token)), &mut h) };
        assert_eq!(st, S::MONGODB_AWS_OK);
        // The caller's strings may change or go away: the handle is unaffected.
        id.clear();
        secret.clear();
        token.clear();
        let c = unsafe { &*h }.credentials().unwrap();
        assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(
            c.secret_access_key(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(c.session_token(), Some("token/with+graphic=chars"));
        unsafe { mongodb_aws_credentials_handle_free(h) };

        // Empty token: absent, as everywhere.
        let mut h = core::ptr::null_mut();
        let st = unsafe { mongodb_aws_credentials_handle_new(&raw("AKID", "s", Some("")), &mut h) };
        assert_eq!(st, S::MONGODB_AWS_OK);
        assert_eq!(unsafe { &*h }.credentials().unwrap().session_token(), None);
        unsafe { mongodb_aws_credentials_handle_free(h) };
        unsafe { mongodb_aws_credentials_handle_free(core::ptr::null_mut()) };
    }

    #[test]
    fn refusals_write_nothing() {
        let sentinel = core::ptr::NonNull::<mongodb_aws_credentials_handle>::dangling().as_ptr();
        for (creds, want) in [
            (
                raw("AKID-1", "s", None),
                S::MONGODB_AWS_INVALID_ACCESS_KEY_ID,
            ),
            (
                raw("AKID", "s s", None),
                S::MONGODB_AWS_INVALID_SECRET_ACCESS_KEY,
            ),
            (
                raw("AKID", "s", Some("a\nb")),
                S::MONGODB_AWS_INVALID_SESSION_TOKEN,
            ),
            (
                raw("AKID", "", None),
                S::MONGODB_AWS_MISSING_SECRET_ACCESS_KEY,
            ),
            (raw("", "", None), S::MONGODB_AWS_NO_CREDENTIALS),
            (
                raw("\u{e9}", "s", None),
                S::MONGODB_AWS_INVALID_ACCESS_KEY_ID,
            ),
        ] {
            let mut h = sentinel;
            assert_eq!(
                unsafe { mongodb_aws_credentials_handle_new(&creds, &mut h) },
                want
            );
            assert_eq!(h, sentinel);
        }
        let mut h = sentinel;
        let ok = raw("AKID", "s", None);
        assert_eq!(
            unsafe { mongodb_aws_credentials_handle_new(core::ptr::null(), &mut h) },
            S::MONGODB_AWS_NULL_ARGUMENT
        );
        assert_eq!(
            unsafe { mongodb_aws_credentials_handle_new(&ok, core::ptr::null_mut()) },
            S::MONGODB_AWS_NULL_ARGUMENT
        );
        assert_eq!(h, sentinel);
    }
}
