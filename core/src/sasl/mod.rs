//! The MONGODB-AWS SASL conversation: [`client`] (what a driver does) and [`server`] (what a
//! MongoDB-compatible server or proxy does, up to the request it forwards to STS).

pub mod client;
pub mod server;

/// Standard base64 with padding (RFC 4648 section 4) of a 64-byte server nonce: the
/// `X-MongoDB-Server-Nonce` header value. Written out for this one size because it runs in every
/// client-final (the general `base64` engine costs twice as much here).
pub(crate) fn server_nonce_base64(
    nonce: &[u8; client::SERVER_NONCE_LEN],
) -> [u8; client::SERVER_NONCE_BASE64_LEN] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'=');
    let mut out = [b'='; client::SERVER_NONCE_BASE64_LEN];
    let groups = nonce.chunks_exact(3);
    let rest = groups.remainder();
    for (g, o) in groups.zip(out.chunks_exact_mut(4)) {
        if let ([a, b, c], [o0, o1, o2, o3]) = (g, o) {
            let v = u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*c);
            (*o0, *o1, *o2, *o3) = (sym(v >> 18), sym(v >> 12), sym(v >> 6), sym(v));
        }
    }
    // 64 = 21 * 3 + 1: the last byte makes two symbols and two '=' (already there).
    if let (Some(&b), Some(o)) = (rest.first(), out.get_mut(84..86)) {
        let v = u32::from(b) << 16;
        o.copy_from_slice(&[sym(v >> 18), sym(v >> 12)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    /// Against the `base64` crate for nonces of every byte value at every position.
    #[test]
    fn server_nonce_base64_equals_base64_crate() {
        for seed in 0..=255u8 {
            let nonce: [u8; 64] = core::array::from_fn(|i| {
                seed.wrapping_mul(31)
                    .wrapping_add((i as u8).wrapping_mul(7))
            });
            let want = base64::engine::general_purpose::STANDARD.encode(nonce);
            assert_eq!(
                super::server_nonce_base64(&nonce).as_slice(),
                want.as_bytes()
            );
        }
        for fill in [0x00, 0xff] {
            let want = base64::engine::general_purpose::STANDARD.encode([fill; 64]);
            assert_eq!(
                super::server_nonce_base64(&[fill; 64]).as_slice(),
                want.as_bytes()
            );
        }
    }
}
