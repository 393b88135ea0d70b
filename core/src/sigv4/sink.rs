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

/// Lower-case hex digits of `bytes` into `out` (two per byte; stops at the shorter of the two).
pub(crate) fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |v: u8| DIGITS.get(usize::from(v & 15)).copied().unwrap_or(b'0');
    for (b, o) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        if let [hi, lo] = o {
            (*hi, *lo) = (digit(b >> 4), digit(*b));
        }
    }
}

/// Writes the lower-case hex of `bytes`.
pub fn put_hex<S: Sink + ?Sized>(s: &mut S, bytes: &[u8]) {
    let mut chunk = [0u8; 64];
    for part in bytes.chunks(32) {
        let n = part.len().saturating_mul(2);
        if let Some(dst) = chunk.get_mut(..n) {
            hex_into(part, dst);
            s.put(dst);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Against the `hex` crate for every byte value and lengths around the 32-byte chunks.
    #[test]
    fn hex_equals_hex_crate() {
        let all: std::vec::Vec<u8> = (0..=255u8).collect();
        let mut out = [0u8; 512];
        super::hex_into(&all, &mut out);
        assert_eq!(&out[..], hex::encode(&all).as_bytes());
        for n in [0usize, 1, 31, 32, 33, 64, 100] {
            let mut c = super::Counter::default();
            super::put_hex(&mut c, &all[..n]);
            assert_eq!(c.0, 2 * n);
            let mut buf = [0u8; 200];
            let mut s = super::SliceSink::new(&mut buf);
            super::put_hex(&mut s, &all[..n]);
            assert_eq!(s.finish().unwrap(), 2 * n);
            assert_eq!(&buf[..2 * n], hex::encode(&all[..n]).as_bytes());
        }
    }
}
