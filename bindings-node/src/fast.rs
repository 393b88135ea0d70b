//! `ClientConversation.finish`: one native call with two Buffer arguments.
//!
//! A napi call costs about 10 ns, and every argument adds to it: about 20 ns for a Buffer or a
//! number, about 40 ns to unwrap a class instance (a private-property lookup in V8). Passing
//! `(serverFirst, credentials, now, out, offset)` would therefore spend some 150 ns in argument
//! passing around a client-final that the core computes in under 1 µs. `index.js` instead writes the
//! inputs into a module-private scratch Buffer — the clock, the server-first length, the
//! credentials' registry slot, the output offset, the client nonce and the server-first bytes, at the
//! offsets of [`Field`] (defined here only; `index.js` reads them from [`scratch_layout`]) — and
//! passes only the scratch and the output slab.
//!
//! Credentials are found by slot in a per-thread registry instead of being unwrapped: each
//! `NativeCredentials` registers its [`SigningCredentials`] on construction and leaves the registry
//! when it is garbage-collected. Each Node worker thread loads its own instance of the module, hence
//! per thread.
//!
//! Nothing here is `unsafe`: both Buffers are read through napi's views, and a call whose scratch
//! and output share memory is refused before the output is borrowed mutably.

use crate::{js_err, unix_from_ms, Code};
use mongodb_aws::owned::SigningCredentials;
use mongodb_aws_core::sasl::client::{
    ClientConversation as CoreConversation, CLIENT_NONCE_LEN, MAX_SERVER_FIRST_LEN,
};
use mongodb_aws_core::Error;
use napi::JsBuffer;
use napi_derive::napi;
use std::cell::RefCell;
use std::rc::Rc;

/// The scratch Buffer's fields: byte offset and size, in order. Numbers are in the platform's byte
/// order, as `Float64Array`/`Uint32Array` views write them; every offset is a multiple of its size,
/// so that `index.js` can put one typed-array view on each.
#[derive(Clone, Copy)]
enum Field {
    /// `f64`: the clock, milliseconds since the epoch.
    Now,
    /// `u32`: length of the server-first bytes.
    ServerFirstLen,
    /// `u32`: the credentials' registry slot (`NativeCredentials.slot`).
    Slot,
    /// `u32`: where in the output Buffer client-final starts.
    OutOffset,
    /// 32 bytes: the client nonce.
    Nonce,
    /// The server-first bytes, to the end of the scratch.
    ServerFirst,
}

impl Field {
    const fn at(self) -> usize {
        match self {
            Field::Now => 0,
            Field::ServerFirstLen => 8,
            Field::Slot => 12,
            Field::OutOffset => 16,
            Field::Nonce => 24,
            Field::ServerFirst => 24 + CLIENT_NONCE_LEN,
        }
    }
}

/// Size of the module's scratch: room for the longest valid server-first. A longer one goes
/// through a scratch made for it, and the core reports its error.
const SCRATCH_LEN: usize = Field::ServerFirst.at() + MAX_SERVER_FIRST_LEN;

const _: () = {
    assert!(Field::Now.at().is_multiple_of(8));
    assert!(Field::ServerFirstLen.at().is_multiple_of(4) && Field::ServerFirstLen.at() >= 8);
    assert!(
        Field::Slot.at().is_multiple_of(4) && Field::Slot.at() >= Field::ServerFirstLen.at() + 4
    );
    assert!(
        Field::OutOffset.at().is_multiple_of(4) && Field::OutOffset.at() >= Field::Slot.at() + 4
    );
    assert!(Field::Nonce.at() >= Field::OutOffset.at() + 4);
    assert!(Field::ServerFirst.at() >= Field::Nonce.at() + CLIENT_NONCE_LEN);
};

/// Byte offsets of the scratch Buffer's fields (defined once, by `Field` in `src/fast.rs`).
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
    /// The server-first bytes, to the end of the scratch.
    pub server_first: u32,
    /// Size of the module's scratch Buffer (room for the longest valid server-first).
    pub size: u32,
}

/// The scratch layout `finish` reads.
#[napi(catch_unwind)]
pub fn scratch_layout() -> ScratchLayout {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    ScratchLayout {
        now: n(Field::Now.at()),
        server_first_len: n(Field::ServerFirstLen.at()),
        slot: n(Field::Slot.at()),
        out_offset: n(Field::OutOffset.at()),
        nonce: n(Field::Nonce.at()),
        server_first: n(Field::ServerFirst.at()),
        size: n(SCRATCH_LEN),
    }
}

#[derive(Default)]
struct Registry {
    slots: Vec<Option<Rc<SigningCredentials>>>,
    free: Vec<u32>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Adds credentials to this thread's registry; returns their slot.
pub(crate) fn register(state: &Rc<SigningCredentials>) -> u32 {
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

fn lookup(slot: u32) -> Option<Rc<SigningCredentials>> {
    REGISTRY.with(|r| r.borrow().slots.get(slot as usize).cloned().flatten())
}

fn field<const N: usize>(scratch: &[u8], f: Field) -> Result<[u8; N], Error> {
    scratch
        .get(f.at()..f.at() + N)
        .and_then(|b| b.try_into().ok())
        .ok_or(Error::InvalidParameter)
}

/// Client-final with its inputs in `scratch` (layout: [`scratch_layout`]): validates server-first
/// once and writes client-final into `out` at the scratch's offset, signed with the credentials'
/// cached key (or a new one, then cached); returns its length. When the room after the offset is
/// less than the longest client-final the credentials can sign (682 bytes plus the token), it
/// returns that room instead, larger than the room there is, having read, signed and written
/// nothing: the caller gives it a new output Buffer.
#[napi(catch_unwind)]
pub fn finish(scratch: JsBuffer, out: JsBuffer) -> napi::Result<u32, Code> {
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
        let now = unix_from_ms(f64::from_ne_bytes(field(&scratch, Field::Now)?))?;
        let sf_len = u32::from_ne_bytes(field(&scratch, Field::ServerFirstLen)?) as usize;
        let slot = u32::from_ne_bytes(field(&scratch, Field::Slot)?);
        let offset = u32::from_ne_bytes(field(&scratch, Field::OutOffset)?) as usize;
        let nonce: [u8; CLIENT_NONCE_LEN] = field(&scratch, Field::Nonce)?;
        let at = Field::ServerFirst.at();
        let server_first = scratch
            .get(at..at.saturating_add(sf_len))
            .ok_or(Error::InvalidParameter)?;
        Ok((now, slot, offset, nonce, server_first))
    };
    let (now, slot, offset, nonce, server_first) = read().map_err(js_err)?;
    let credentials = lookup(slot).ok_or_else(|| js_err(Error::InvalidParameter))?;
    let out = out
        .get_mut(offset..)
        .ok_or_else(|| js_err(Error::InvalidParameter))?;
    // Less room than the longest client-final these credentials can sign: the room needed, before
    // anything is parsed, signed or written (`index.js` then calls again with a new slab).
    let room = credentials.client_final_max_len();
    if out.len() < room {
        return Ok(u32::try_from(room).unwrap_or(u32::MAX));
    }
    (|| {
        let conv = CoreConversation::new(nonce);
        let sf = conv.parse_server_first(server_first)?;
        let n = credentials.client_final(&conv, &sf, now, out)?;
        u32::try_from(n).map_err(|_| Error::LengthOverflow)
    })()
    .map_err(js_err)
}
