//! Byte sinks: everything the signer produces is streamed into one of these, so the same code computes
//! a length, fills a caller buffer, or feeds SHA-256/HMAC without buffering.

use crate::Error;
use hmac::Mac;
use sha2::Digest;

/// Something that accepts bytes.
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
}

/// Counts bytes (for the exact-length functions).
#[derive(Default, Debug)]
pub struct Counter(pub usize);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl Sink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for hmac::Hmac<sha2::Sha256> {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Writes into a caller buffer; remembers overflow instead of failing mid-way, so the caller can
/// report [`Error::BufferTooSmall`] with the full size needed.
#[derive(Debug)]
pub struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
    overflow: bool,
}

impl<'b> SliceSink<'b> {
    /// A sink over `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        SliceSink {
            buf,
            len: 0,
            overflow: false,
        }
    }

    /// Bytes written (or needed, if the buffer overflowed).
    pub fn finish(self) -> Result<usize, Error> {
        if self.overflow {
            Err(Error::BufferTooSmall { needed: self.len })
        } else {
            Ok(self.len)
        }
    }
}

impl Sink for SliceSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        match self.buf.get_mut(self.len..end) {
            Some(dst) if !self.overflow => dst.copy_from_slice(bytes),
            _ => self.overflow = true,
        }
        self.len = end;
    }
}

/// Writes the lower-case hex of `bytes`.
pub fn put_hex<S: Sink + ?Sized>(s: &mut S, bytes: &[u8]) {
    let mut chunk = [0u8; 64];
    for part in bytes.chunks(32) {
        let n = part.len().saturating_mul(2);
        if let Some(dst) = chunk.get_mut(..n) {
            if hex::encode_to_slice(part, dst).is_ok() {
                s.put(dst);
            }
        }
    }
}
