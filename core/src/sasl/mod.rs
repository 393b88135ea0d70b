//! The MONGODB-AWS SASL conversation: [`client`] (what a driver does) and [`server`] (what a
//! MongoDB-compatible server or proxy does, up to the request it forwards to STS).

pub mod client;
pub mod server;

/// Standard base64 with padding (RFC 4648 section 4) of a 64-byte server nonce: the
/// `X-MongoDB-Server-Nonce` header value (88 characters).
pub(crate) fn server_nonce_base64(
    nonce: &[u8; client::SERVER_NONCE_LEN],
) -> [u8; client::SERVER_NONCE_BASE64_LEN] {
    use base64::Engine as _;
    let mut out = [0u8; client::SERVER_NONCE_BASE64_LEN];
    // 64 bytes always encode to exactly 88 characters, so this cannot fail.
    let _ = base64::engine::general_purpose::STANDARD.encode_slice(nonce, &mut out);
    out
}
