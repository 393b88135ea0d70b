//! HMAC-SHA256 under a fixed 32-byte key with the key's pad blocks compressed once.
//!
//! HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The first block of each hash depends only on the key,
//! so [`PadStates`] keeps the two SHA-256 states after those blocks ("midstates"). Every signature then
//! saves two compressions, and — unlike cloning a keyed `hmac::Hmac`, whose internals cannot be wiped
//! without `unsafe` — the midstates are plain arrays that are zeroized on drop (they are as secret as
//! the key: they allow computing the MAC).

use super::sha256::{compress_block, Sha256Blocks, IV};
use super::sink::Sink;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Blocks buffered by a signature's inner hash: the string to sign (at most 3 blocks with its
/// padding for regions of ordinary length) is compressed in one call.
pub(crate) const MESSAGE_BLOCKS: usize = 4;

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
    let mut inner = pads.start::<1>();
    for p in parts {
        inner.put(p);
    }
    pads.finish(&mut inner)
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
            let mut h = Sha256Blocks::<1>::new();
            for p in key_parts {
                h.put(p);
            }
            let digest = Zeroizing::new(h.finalize());
            h.wipe();
            if let Some(dst) = block.get_mut(..32) {
                dst.copy_from_slice(&*digest);
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
        compress_block(&mut inner, &block);
        for b in block.iter_mut() {
            *b ^= 0x36 ^ 0x5c;
        }
        let mut outer = IV;
        compress_block(&mut outer, &block);
        block.zeroize();
        PadStates { inner, outer }
    }

    /// Starts the inner hash (buffering `N` blocks); stream the message into it, then call
    /// [`PadStates::finish`].
    #[inline(always)]
    pub(crate) fn start<const N: usize>(&self) -> Sha256Blocks<N> {
        Sha256Blocks::resume(self.inner, 64)
    }

    /// Completes HMAC from the inner hash of the message: `H((K ⊕ opad) ‖ inner)`.
    ///
    /// The chaining states resumed from the pad midstates are wiped when the hashers drop. The inner
    /// hash is not: without the outer midstate it yields no MAC, as the MAC yields no key.
    pub(crate) fn finish<const N: usize>(&self, inner: &mut Sha256Blocks<N>) -> [u8; 32] {
        let inner_hash = inner.finalize();
        let mut outer = Sha256Blocks::<1>::resume(self.outer, 64);
        outer.put(&inner_hash);
        outer.finalize()
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
                let mut h = pads.start::<2>();
                h.put(&msg[..split]);
                h.put(&msg[split..len]);
                let ours = pads.finish(&mut h);
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
        let mut h = pads.start::<2>();
        h.put(sts.as_bytes());
        assert_eq!(
            hex::encode(pads.finish(&mut h)),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }
}
