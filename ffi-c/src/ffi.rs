//! Boundary helpers shared by every export: the panic guard, pointer + length inputs, and the
//! `(out, out_cap, out_len)` output convention.

use crate::status::mongodb_aws_status;
use core::ffi::c_char;
use mongodb_aws_core::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Shorthand used by every export.
pub(crate) type Status = mongodb_aws_status;

/// Result of the body of an export.
pub(crate) type R<T = ()> = Result<T, Status>;

pub(crate) const OK: Status = Status::MONGODB_AWS_OK;
pub(crate) const NULL_ARGUMENT: Status = Status::MONGODB_AWS_NULL_ARGUMENT;
pub(crate) const PANIC: Status = Status::MONGODB_AWS_PANIC;
pub(crate) const INVALID_UTF8: Status = Status::MONGODB_AWS_INVALID_UTF8;

impl From<core::str::Utf8Error> for Status {
    fn from(_: core::str::Utf8Error) -> Self {
        INVALID_UTF8
    }
}

/// Runs an export's body: `Ok` becomes `MONGODB_AWS_OK`, a panic becomes `MONGODB_AWS_PANIC`
/// (ARCHITECTURE.md "C ABI conventions": no panic crosses the boundary).
pub(crate) fn guard(f: impl FnOnce() -> R) -> Status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => OK,
        Ok(Err(s)) => s,
        Err(_) => PANIC,
    }
}

/// Like [`guard`] for exports that return a value rather than a status; `fallback` on panic.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Frees an object the library handed out as `Box::into_raw` (`NULL` is ignored); a panic while
/// dropping it is caught, as in every export.
///
/// # Safety
/// `ptr` must be NULL or from `Box::into_raw` of a `Box<T>`, not yet freed and not in use elsewhere.
pub(crate) unsafe fn free_boxed<T>(ptr: *mut T) {
    let _ = guard(|| {
        if !ptr.is_null() {
            // SAFETY: forwarded contract.
            drop(unsafe { Box::from_raw(ptr) });
        }
        Ok(())
    });
}

/// Largest length accepted for any input or output (what `slice::from_raw_parts` allows).
const MAX_LEN: usize = isize::MAX as usize;

/// Bytes from a pointer and a length. `NULL` is accepted with length 0 (empty input).
///
/// # Safety
/// Unless `len == 0`, `ptr` must point to `len` readable bytes that stay valid and unmodified for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> R<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(NULL_ARGUMENT);
    }
    if len > MAX_LEN {
        return Err(Error::LengthOverflow.into());
    }
    // SAFETY: non-null, length bounded, validity promised by the caller (documented in the header).
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// UTF-8 text from a pointer and a length (no NUL terminator needed; `NULL` + 0 is the empty string).
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const c_char, len: usize) -> R<&'a str> {
    // SAFETY: forwarded contract.
    let b = unsafe { bytes(ptr.cast::<u8>(), len)? };
    // Fast path for the common all-ASCII text (credentials, hosts, headers): an OR-reduction the
    // compiler vectorises is several times faster than `from_utf8` on a session token of hundreds of
    // bytes, and this runs on every signature (ffi-c/BENCH.md).
    if b.iter().fold(0u8, |acc, &c| acc | c) < 0x80 {
        // SAFETY: every byte is below 0x80, and ASCII is valid UTF-8.
        return Ok(unsafe { core::str::from_utf8_unchecked(b) });
    }
    Ok(core::str::from_utf8(b)?)
}

/// Optional text: `NULL` with length 0 is `None`; a non-NULL pointer with length 0 is `Some("")`.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn opt_text<'a>(ptr: *const c_char, len: usize) -> R<Option<&'a str>> {
    if ptr.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { text(ptr, len) }.map(Some)
}

/// An optional text as a C view: `NULL` with length 0 when absent.
pub(crate) fn opt_view(s: Option<&str>) -> (*const c_char, usize) {
    match s {
        Some(s) => (s.as_ptr().cast(), s.len()),
        None => (core::ptr::null(), 0),
    }
}

/// A required pointer to a caller struct.
///
/// # Safety
/// `ptr` must be NULL or point to a valid, initialised `T` for `'a`.
pub(crate) unsafe fn reference<'a, T>(ptr: *const T) -> R<&'a T> {
    // SAFETY: forwarded contract.
    unsafe { ptr.as_ref() }.ok_or(NULL_ARGUMENT)
}

/// A required pointer to caller storage we write into.
///
/// # Safety
/// `ptr` must be NULL or point to writable storage for a `T` for `'a`.
pub(crate) unsafe fn target<'a, T>(ptr: *mut T) -> R<&'a mut T> {
    // SAFETY: forwarded contract.
    unsafe { ptr.as_mut() }.ok_or(NULL_ARGUMENT)
}

/// An output buffer in the `(out, out_cap, out_len)` convention.
pub(crate) struct Out<'a> {
    /// `None`: the caller passed `out == NULL && out_cap == 0` to ask for the size.
    buf: Option<&'a mut [u8]>,
    len: &'a mut usize,
}

impl<'a> Out<'a> {
    /// Checks the three output arguments. `out_len` is required; `out == NULL` is allowed only with
    /// `out_cap == 0` (a size query).
    ///
    /// # Safety
    /// `out` must be NULL or point to `out_cap` writable bytes that do not overlap any input;
    /// `out_len` must be NULL or point to a writable `size_t`.
    pub(crate) unsafe fn new(out: *mut u8, out_cap: usize, out_len: *mut usize) -> R<Out<'a>> {
        // SAFETY: forwarded contract.
        let len = unsafe { target(out_len)? };
        let buf = if out.is_null() {
            if out_cap != 0 {
                return Err(NULL_ARGUMENT);
            }
            None
        } else if out_cap > MAX_LEN {
            return Err(Error::LengthOverflow.into());
        } else {
            // SAFETY: non-null, bounded, writable and not aliased per the documented contract.
            Some(unsafe { core::slice::from_raw_parts_mut(out, out_cap) })
        };
        Ok(Out { buf, len })
    }

    /// Whether the caller asked only for the size.
    pub(crate) fn is_size_query(&self) -> bool {
        self.buf.is_none()
    }

    /// Reports `needed` without writing: for a size query `MONGODB_AWS_OK`, otherwise
    /// `MONGODB_AWS_BUFFER_TOO_SMALL` when the buffer is shorter; `Some(buffer)` when it fits.
    fn check(&mut self, needed: usize) -> R<Option<&mut [u8]>> {
        match self.buf.as_deref_mut() {
            None => {
                *self.len = needed;
                Ok(None)
            }
            Some(b) if b.len() < needed => {
                *self.len = needed;
                Err(Error::BufferTooSmall { needed }.into())
            }
            Some(b) => Ok(Some(b)),
        }
    }

    /// Finishes a write that returned `r`.
    fn done(&mut self, r: Result<usize, Error>) -> R {
        match r {
            Ok(n) => {
                *self.len = n;
                Ok(())
            }
            Err(Error::BufferTooSmall { needed }) => {
                *self.len = needed;
                Err(Error::BufferTooSmall { needed }.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Output whose exact size `len` gives cheaply; `write` is only called with a buffer that fits.
    pub(crate) fn emit_sized(
        mut self,
        len: impl FnOnce() -> Result<usize, Error>,
        write: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
    ) -> R {
        let needed = len()?;
        match self.check(needed)? {
            None => Ok(()),
            Some(b) => {
                let r = write(b);
                self.done(r)
            }
        }
    }

    /// Output of a core function that may write part of its output before finding the buffer too
    /// small. It is first run on an empty buffer to learn the exact size, so a short caller buffer is
    /// never touched (STYLE.md 2: nothing is written on failure).
    pub(crate) fn emit_measured(
        self,
        mut write: impl FnMut(&mut [u8]) -> Result<usize, Error>,
    ) -> R {
        let mut measure = || match write(&mut []) {
            Ok(n) => Ok(n),
            Err(Error::BufferTooSmall { needed }) => Ok(needed),
            Err(e) => Err(e),
        };
        let needed = measure()?;
        self.emit_sized(|| Ok(needed), write)
    }

    /// Output of a core function that itself guarantees not to write when the buffer is too small
    /// (it returns `BufferTooSmall { needed }` first). `len` answers size queries.
    pub(crate) fn emit_checked(
        mut self,
        len: impl FnOnce() -> Result<usize, Error>,
        write: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
    ) -> R {
        match self.buf.as_deref_mut() {
            None => {
                *self.len = len()?;
                Ok(())
            }
            Some(b) => {
                let r = write(b);
                self.done(r)
            }
        }
    }

    /// Copies fixed bytes.
    pub(crate) fn emit_bytes(self, src: &[u8]) -> R {
        self.emit_sized(
            || Ok(src.len()),
            |b| {
                let dst = b
                    .get_mut(..src.len())
                    .ok_or(Error::BufferTooSmall { needed: src.len() })?;
                dst.copy_from_slice(src);
                Ok(src.len())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_status() {
        #[allow(clippy::panic)]
        let s = guard(|| panic!("boom"));
        assert_eq!(s, PANIC);
        assert_eq!(guard(|| Ok(())), OK);
        assert_eq!(guard(|| Err(NULL_ARGUMENT)), NULL_ARGUMENT);
        #[allow(clippy::panic)]
        let v = guard_value(7u32, || panic!("boom"));
        assert_eq!(v, 7);
    }

    #[test]
    fn inputs() {
        unsafe {
            assert_eq!(bytes(core::ptr::null(), 0), Ok(&[][..]));
            assert_eq!(bytes(core::ptr::null(), 1), Err(NULL_ARGUMENT));
            assert_eq!(text(b"\xff".as_ptr().cast(), 1), Err(INVALID_UTF8));
            assert_eq!(opt_text(core::ptr::null(), 0), Ok(None));
            assert_eq!(opt_text(b"".as_ptr().cast(), 0), Ok(Some("")));
            assert_eq!(opt_text(core::ptr::null(), 3), Err(NULL_ARGUMENT));
        }
    }

    #[test]
    fn outputs_follow_the_convention() {
        let mut len = 99usize;
        // Size query.
        let o = unsafe { Out::new(core::ptr::null_mut(), 0, &mut len) }.unwrap();
        assert_eq!(o.emit_bytes(b"abc"), Ok(()));
        assert_eq!(len, 3);
        // NULL with a capacity.
        assert!(matches!(
            unsafe { Out::new(core::ptr::null_mut(), 4, &mut len) },
            Err(NULL_ARGUMENT)
        ));
        // NULL out_len.
        let mut buf = [0xAAu8; 2];
        assert!(matches!(
            unsafe { Out::new(buf.as_mut_ptr(), 2, core::ptr::null_mut()) },
            Err(NULL_ARGUMENT)
        ));
        // Too small: nothing written, size reported, even for a function that writes partially.
        len = 0;
        let o = unsafe { Out::new(buf.as_mut_ptr(), 2, &mut len) }.unwrap();
        let r = o.emit_measured(|b| {
            let mut s = mongodb_aws_core::sigv4::sink::SliceSink::new(b);
            use mongodb_aws_core::sigv4::sink::Sink;
            s.put(b"abcdef");
            s.finish()
        });
        assert_eq!(r, Err(Error::BufferTooSmall { needed: 6 }.into()));
        assert_eq!((len, buf), (6, [0xAA; 2]));
    }
}
