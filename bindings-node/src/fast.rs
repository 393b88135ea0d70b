//! The fast path of `ClientConversation.finish`: one native call with two Buffer arguments.
//!
//! A napi call costs about 10 ns, and every argument adds to it: about 20 ns for a Buffer or a
//! number, about 40 ns to unwrap a class instance (a private-property lookup in V8). The general
//! `finishInto(serverFirst, credentials, now, out, offset)` therefore spends some 150 ns in argument
//! passing around a client-final that the core computes in under 1 µs. Here `index.js` instead
//! writes the small inputs into a module-private scratch Buffer — the clock, the server-first
//! length, the credentials' registry slot, the output offset, the client nonce and the server-first
//! bytes, at the offsets of [`scratch_layout`] — and passes only the scratch and the output slab.
//!
//! Credentials are found by slot in a per-thread registry instead of being unwrapped: each
//! `NativeCredentials` registers its state on construction and leaves the registry when it is
//! garbage-collected. Each Node worker thread loads its own instance of the module, hence per thread.
//!
//! Nothing here is `unsafe`: both Buffers are read through napi's views, and a call whose scratch
//! and output share memory is refused before the output is borrowed mutably.

use crate::{js_err, Code, CredentialsState};
use mongodb_aws_core::sasl::client::{
    ClientConversation as CoreConversation, CLIENT_NONCE_LEN, MAX_SERVER_FIRST_LEN,
};
use mongodb_aws_core::Error;
use napi::JsBuffer;
use napi_derive::napi;
use std::cell::RefCell;
use std::rc::Rc;

const NOW_AT: usize = 0;
const SERVER_FIRST_LEN_AT: usize = 8;
const SLOT_AT: usize = 12;
const OUT_OFFSET_AT: usize = 16;
const NONCE_AT: usize = 24;
const SERVER_FIRST_AT: usize = NONCE_AT + CLIENT_NONCE_LEN;
const SCRATCH_LEN: usize = SERVER_FIRST_AT + MAX_SERVER_FIRST_LEN;

/// Byte offsets of the scratch Buffer's fields (numbers in the platform's byte order, as
/// `Float64Array`/`Uint32Array` views write them).
#[napi(object)]
pub struct ScratchLayout {
    /// `f64`: the clock, milliseconds since the epoch.
    pub now: u32,
    /// `u32`: length of the server-first bytes.
    pub server_first_len: u32,
    /// `u32`: the credentials' registry slot (`NativeCredentials.slot`).
    pub slot: u32,
    /// `u32`: where in the output Buffer client-final starts.
    pub out_offset: u32,
    /// 32 bytes: the client nonce.
    pub nonce: u32,
    /// The server-first bytes (at most `maxServerFirst`).
    pub server_first: u32,
    /// Longest server-first the scratch holds (the core's maximum valid length); longer input
    /// takes the general path, which reports the core's error for it.
    pub max_server_first: u32,
    /// Size of the scratch Buffer.
    pub size: u32,
}

/// The scratch layout `finishScratch` reads.
#[napi(catch_unwind)]
pub fn scratch_layout() -> ScratchLayout {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    ScratchLayout {
        now: n(NOW_AT),
        server_first_len: n(SERVER_FIRST_LEN_AT),
        slot: n(SLOT_AT),
        out_offset: n(OUT_OFFSET_AT),
        nonce: n(NONCE_AT),
        server_first: n(SERVER_FIRST_AT),
        max_server_first: n(MAX_SERVER_FIRST_LEN),
        size: n(SCRATCH_LEN),
    }
}

#[derive(Default)]
struct Registry {
    slots: Vec<Option<Rc<CredentialsState>>>,
    free: Vec<u32>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Adds credentials to this thread's registry; returns their slot.
pub(crate) fn register(state: &Rc<CredentialsState>) -> u32 {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let entry = Some(Rc::clone(state));
        match r.free.pop() {
            Some(slot) => {
                if let Some(s) = r.slots.get_mut(slot as usize) {
                    *s = entry;
                }
                slot
            }
            None => {
                r.slots.push(entry);
                u32::try_from(r.slots.len() - 1).unwrap_or(u32::MAX)
            }
        }
    })
}

/// Removes a slot (its `NativeCredentials` is being collected).
pub(crate) fn unregister(slot: u32) {
    // `try_with`: during thread teardown the registry may already be gone.
    let _ = REGISTRY.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(s) = r.slots.get_mut(slot as usize) {
                if s.take().is_some() {
                    r.free.push(slot);
                }
            }
        }
    });
}

fn lookup(slot: u32) -> Option<Rc<CredentialsState>> {
    REGISTRY.with(|r| r.borrow().slots.get(slot as usize).cloned().flatten())
}

fn field<const N: usize>(scratch: &[u8], at: usize) -> Result<[u8; N], Error> {
    scratch
        .get(at..at + N)
        .and_then(|b| b.try_into().ok())
        .ok_or(Error::InvalidParameter)
}

/// `finishInto` with its inputs in `scratch` (layout: [`scratch_layout`]): writes client-final
/// into `out` at the scratch's offset and returns its length; a value larger than the room after the
/// offset is the size needed, and then nothing was written. Errors as `finishInto`.
#[napi(catch_unwind)]
pub fn finish_scratch(scratch: JsBuffer, out: JsBuffer) -> napi::Result<u32, Code> {
    let scratch = scratch
        .into_value()
        .map_err(|_| js_err(Error::InvalidParameter))?;
    let mut out = out
        .into_value()
        .map_err(|_| js_err(Error::InvalidParameter))?;
    // The scratch is read while `out` is written: they must not share memory (index.js passes two
    // separate Buffers; anything else is refused before `out` is borrowed mutably).
    let (s, o) = (scratch.as_ptr_range(), out.as_ptr_range());
    if s.start < o.end && o.start < s.end {
        return Err(js_err(Error::InvalidParameter));
    }
    let read = || -> Result<_, Error> {
        let now_ms = f64::from_ne_bytes(field(&scratch, NOW_AT)?);
        let sf_len = u32::from_ne_bytes(field(&scratch, SERVER_FIRST_LEN_AT)?) as usize;
        let slot = u32::from_ne_bytes(field(&scratch, SLOT_AT)?);
        let offset = u32::from_ne_bytes(field(&scratch, OUT_OFFSET_AT)?) as usize;
        let nonce: [u8; CLIENT_NONCE_LEN] = field(&scratch, NONCE_AT)?;
        let server_first = scratch
            .get(SERVER_FIRST_AT..SERVER_FIRST_AT.saturating_add(sf_len))
            .ok_or(Error::InvalidParameter)?;
        Ok((now_ms, slot, offset, nonce, server_first))
    };
    let (now_ms, slot, offset, nonce, server_first) = read().map_err(js_err)?;
    let credentials = lookup(slot).ok_or_else(|| js_err(Error::InvalidParameter))?;
    let out = out
        .get_mut(offset..)
        .ok_or_else(|| js_err(Error::InvalidParameter))?;
    credentials
        .finish_into(&CoreConversation::new(nonce), server_first, now_ms, out)
        .map_err(js_err)
}
