//! HMAC-SHA256 under a fixed 32-byte key with the key's pad blocks compressed once.
//!
//! HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The first block of each hash depends only on the key,
//! so [`PadStates`] keeps the two SHA-256 states after those blocks ("midstates"). Every signature then
//! saves two compressions, and — unlike cloning a keyed `hmac::Hmac`, whose internals cannot be wiped
//! without `unsafe` — the midstates are plain arrays that are zeroized on drop (they are as secret as
//! the key: they allow computing the MAC).

use super::sink::Sink;
use sha2::digest::generic_array::{typenum::U64, GenericArray};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SHA-256 initial hash value (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let b: GenericArray<u8, U64> = (*block).into();
    sha2::compress256(state, core::slice::from_ref(&b));
}

/// The SHA-256 states after the key's inner and outer pad blocks.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct PadStates {
    inner: [u32; 8],
    outer: [u32; 8],
}

/// One-shot HMAC-SHA256 of the concatenated `parts` under the key made of the concatenated
/// `key_parts` (any length; RFC 2104: keys longer than the 64-byte block are hashed first). The key is
/// never assembled in a separate buffer, and all intermediate state is zeroized.
pub(crate) fn hmac(key_parts: &[&[u8]], parts: &[&[u8]]) -> [u8; 32] {
    let pads = PadStates::from_key_parts(key_parts);
    let mut inner = pads.start();
    for p in parts {
        inner.put(p);
    }
    pads.finish(inner)
}

impl PadStates {
    /// Compresses `K ⊕ ipad` and `K ⊕ opad` (RFC 2104; a 32-byte key is zero-padded to 64 bytes).
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self::from_key_parts(&[key])
    }

    /// As [`PadStates::new`] for the key made of the concatenated `key_parts`, of any length.
    pub(crate) fn from_key_parts(key_parts: &[&[u8]]) -> Self {
        let len = key_parts
            .iter()
            .fold(0usize, |a, p| a.saturating_add(p.len()));
        // One block buffer holds K ⊕ ipad, then K ⊕ opad, and is wiped once.
        let mut block = [0u8; 64];
        if len > 64 {
            let mut h = Hasher {
                state: IV,
                buf: [0; 64],
                buf_len: 0,
                total: 0,
            };
            for p in key_parts {
                h.put(p);
            }
            let digest = h.finalize_mut();
            if let Some(dst) = block.get_mut(..32) {
                dst.copy_from_slice(&digest);
            }
        } else {
            let mut at = 0usize;
            for p in key_parts {
                let end = at.saturating_add(p.len());
                if let Some(dst) = block.get_mut(at..end) {
                    dst.copy_from_slice(p);
                }
                at = end;
            }
        }
        for b in block.iter_mut() {
            *b ^= 0x36;
        }
        let mut inner = IV;
        compress(&mut inner, &block);
        for b in block.iter_mut() {
            *b ^= 0x36 ^ 0x5c;
        }
        let mut outer = IV;
        compress(&mut outer, &block);
        block.zeroize();
        PadStates { inner, outer }
    }

    /// Starts the inner hash; stream the message into it, then call [`PadStates::finish`].
    pub(crate) fn start(&self) -> Hasher {
        Hasher {
            state: self.inner,
            buf: [0; 64],
            buf_len: 0,
            total: 64,
        }
    }

    /// Completes HMAC from the inner hash of the message, reusing the hasher for the outer hash.
    pub(crate) fn finish(&self, mut h: Hasher) -> [u8; 32] {
        let mut inner_hash = h.finalize_mut();
        h.state = self.outer;
        h.buf_len = 0;
        h.total = 64;
        h.put(&inner_hash);
        inner_hash.zeroize();
        h.finalize_mut()
    }
}

/// Streaming SHA-256 resumed from a midstate (FIPS 180-4 padding applied by [`Hasher::finalize`]).
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Hasher {
    state: [u32; 8],
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes hashed so far, including the pad block already in `state`.
    total: u64,
}

impl Sink for Hasher {
    fn put(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = data.len().min(64usize.saturating_sub(self.buf_len));
            let end = self.buf_len.saturating_add(take);
            if let (Some(dst), Some(src)) = (self.buf.get_mut(self.buf_len..end), data.get(..take))
            {
                dst.copy_from_slice(src);
            }
            self.buf_len = end;
            data = data.get(take..).unwrap_or(&[]);
            if self.buf_len == 64 {
                compress(&mut self.state, &self.buf);
                self.buf_len = 0;
            }
        }
        while let Some((block, rest)) = data.split_first_chunk::<64>() {
            compress(&mut self.state, block);
            data = rest;
        }
        // Here either the buffer is empty or all data went into it (then `data` is empty).
        if !data.is_empty() {
            if let Some(dst) = self.buf.get_mut(..data.len()) {
                dst.copy_from_slice(data);
                self.buf_len = data.len();
            }
        }
    }
}

impl Hasher {
    /// Pads (0x80, zeros, 64-bit big-endian bit length) and returns the digest. The hasher must be
    /// reset before further use (the caller owns it; it is zeroized on drop).
    fn finalize_mut(&mut self) -> [u8; 32] {
        let bit_len = self.total.wrapping_mul(8);
        let pad_len = if self.buf_len < 56 {
            56 - self.buf_len
        } else {
            120 - self.buf_len
        };
        let mut pad = [0u8; 64];
        pad[0] = 0x80;
        self.put(pad.get(..pad_len).unwrap_or(&[]));
        self.put(&bit_len.to_be_bytes());
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    /// Against the `hmac` crate for messages around every block boundary.
    #[test]
    fn equals_hmac_crate() {
        let key: [u8; 32] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        let pads = PadStates::new(&key);
        let msg: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 31 % 251) as u8).collect();
        for len in 0..msg.len() {
            for split in [0, 1, len / 2, len.saturating_sub(1)] {
                let split = split.min(len);
                let mut h = pads.start();
                h.put(&msg[..split]);
                h.put(&msg[split..len]);
                let ours = pads.finish(h);
                let mut m = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
                m.update(&msg[..len]);
                let theirs: [u8; 32] = m.finalize().into_bytes().into();
                assert_eq!(ours, theirs, "len {len} split {split}");
            }
        }
    }

    /// Keys of every length up to 200 bytes (longer than a block are hashed first), against `hmac`.
    #[test]
    fn any_key_length_equals_hmac_crate() {
        let key: std::vec::Vec<u8> = (0..200u32).map(|i| (i * 13 + 1) as u8).collect();
        for n in 0..key.len() {
            let ours = hmac(
                &[&key[..n / 3], &key[n / 3..n]],
                &[b"date", b"", b"20150830"],
            );
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(&key[..n]).unwrap();
            m.update(b"date20150830");
            let theirs: [u8; 32] = m.finalize().into_bytes().into();
            assert_eq!(ours, theirs, "key length {n}");
        }
    }

    /// RFC 4231 test case 2 does not use a 32-byte key; use the SigV4 suite's known kSigning instead:
    /// HMAC(kSigning, string to sign of get-vanilla) is the suite's signature.
    #[test]
    fn aws_suite_signature() {
        let k = hex::decode("938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75")
            .unwrap();
        let pads = PadStates::new(&k.try_into().unwrap());
        let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
        let mut h = pads.start();
        h.put(sts.as_bytes());
        assert_eq!(
            hex::encode(pads.finish(h)),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }
}
