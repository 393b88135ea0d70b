//! The client side of MONGODB-AWS (PROTOCOL.md A2, A3, A5, A6): client-first from a caller nonce,
//! strict server-first validation, and client-final `{a, d, t}` signed with SigV4.
//!
//! ```
//! use mongodb_aws_core::{sasl::client::ClientConversation, Credentials, UnixTime};
//! # let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/mongodb-aws-getcalleridentity");
//! # let server_first = hex::decode(std::fs::read_to_string(format!("{vectors}/server-first.bson.hex")).unwrap().trim()).unwrap();
//! let mut nonce = [0u8; 32];
//! for (i, b) in nonce.iter_mut().enumerate() { *b = i as u8; } // use a CSPRNG in real code
//! let conv = ClientConversation::new(nonce);
//! let first: [u8; 52] = conv.client_first(); // send as the saslStart payload
//! // ... server answers with `server_first` ...
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)?;
//! let mut out = [0u8; 512];
//! let n = conv.finish(&server_first, &creds, UnixTime(1_440_938_160), None, &mut out)?;
//! assert_eq!(n, conv.client_final_len(&server_first, &creds)?);
//! // send out[..n] as the saslContinue payload
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

use crate::bson::{self, Document, Value};
use crate::sigv4::sink::{Sink, SliceSink};
use crate::sigv4::{self, Scope, Signature, SigningKey};
use crate::{sts, AmzDate, Credentials, Error, UnixTime};
use sha2::{Digest, Sha256};

/// Length of the client nonce `r`.
pub const CLIENT_NONCE_LEN: usize = 32;
/// Length of the server nonce `s` (client nonce followed by 32 server bytes).
pub const SERVER_NONCE_LEN: usize = 64;
/// Length of the client-first message (always 52 bytes).
pub const CLIENT_FIRST_LEN: usize = 52;
/// Largest valid server-first message: 85 + 255 bytes.
pub const MAX_SERVER_FIRST_LEN: usize = 340;
/// The gs2 channel-binding flag a client sends (`n`, 110: no channel binding).
pub const GS2_CB_FLAG: i32 = 110;
/// Length of the base64 `x-mongodb-server-nonce` header value.
pub const SERVER_NONCE_BASE64_LEN: usize = 88;
/// Bound of the client-final message: `CLIENT_FINAL_MAX_LEN + session token length` bytes always
/// hold it (any valid server-first, an access key id of up to 128 bytes; without a session token,
/// `CLIENT_FINAL_MAX_LEN` alone). The exact size: [`ClientConversation::client_final_len`].
pub const CLIENT_FINAL_MAX_LEN: usize = 682;

/// The signed headers (the merged constants below contain them; their test checks that).
#[cfg(test)]
const SIGNED_HEADERS: &str =
    "content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce";
#[cfg(test)]
const SIGNED_HEADERS_WITH_TOKEN: &str =
    "content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce";

/// A validated server-first message, borrowing from the server's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerFirst<'a> {
    server_nonce: &'a [u8; SERVER_NONCE_LEN],
    host: &'a str,
    region: &'a str,
}

impl<'a> ServerFirst<'a> {
    /// The 64-byte server nonce `s`.
    pub fn server_nonce(&self) -> &'a [u8; SERVER_NONCE_LEN] {
        self.server_nonce
    }

    /// The STS host `h`, verbatim.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The signing region derived from the host (PROTOCOL.md A4).
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The credential scope for a signature made at `time`.
    pub fn scope(&self, time: AmzDate) -> Result<Scope<'a>, Error> {
        // The region was checked with `sigv4::validate_region` when server-first was parsed (the
        // only way to obtain a `ServerFirst`), and `sts` is valid.
        Ok(Scope::from_validated(time, self.region, sts::SERVICE))
    }

    /// Standard base64 (with padding) of the server nonce: the `x-mongodb-server-nonce` value.
    pub fn server_nonce_base64(&self) -> [u8; SERVER_NONCE_BASE64_LEN] {
        super::server_nonce_base64(self.server_nonce)
    }
}

/// One MONGODB-AWS authentication, client side. Holds only the client nonce; it is `Copy`-free but
/// cheap, and every method is pure.
#[derive(Clone, Debug)]
pub struct ClientConversation {
    nonce: [u8; CLIENT_NONCE_LEN],
}

impl ClientConversation {
    /// Starts a conversation with a 32-byte nonce from a CSPRNG (the caller draws it).
    pub fn new(nonce: [u8; CLIENT_NONCE_LEN]) -> Self {
        ClientConversation { nonce }
    }

    /// The client nonce.
    pub fn nonce(&self) -> &[u8; CLIENT_NONCE_LEN] {
        &self.nonce
    }

    /// The client-first payload `{r: BinData(0, nonce), p: 110}` (fields in spec order, 52 bytes).
    pub fn client_first(&self) -> [u8; CLIENT_FIRST_LEN] {
        // 34000000 05 7200 20000000 00 <32 bytes> 10 7000 6e000000 00
        let mut out = [0u8; CLIENT_FIRST_LEN];
        let head = [0x34, 0, 0, 0, 0x05, b'r', 0, 0x20, 0, 0, 0, 0x00];
        let tail = [0x10, b'p', 0, 0x6e, 0, 0, 0, 0x00];
        for (o, b) in out
            .iter_mut()
            .zip(head.iter().chain(self.nonce.iter()).chain(tail.iter()))
        {
            *o = *b;
        }
        out
    }

    /// Validates server-first strictly (PROTOCOL.md A3): a single BSON document with exactly the fields
    /// `s` (binary subtype 0, 64 bytes, starting with our nonce) and `h` (valid STS host), each once,
    /// nothing else and no trailing bytes.
    pub fn parse_server_first<'a>(&self, server_first: &'a [u8]) -> Result<ServerFirst<'a>, Error> {
        let (s, h) = match canonical_server_first(server_first) {
            Some((s, h)) => (s.as_slice(), h),
            None => Self::server_first_fields(server_first)?,
        };
        let server_nonce: &'a [u8; SERVER_NONCE_LEN] =
            s.try_into().map_err(|_| Error::ServerNonceLength)?;
        let prefix = server_nonce
            .get(..CLIENT_NONCE_LEN)
            .ok_or(Error::ServerNonceLength)?;
        if !nonce_matches(prefix, &self.nonce) {
            return Err(Error::ServerNonceMismatch);
        }
        let region = sts::region_for_host(h)?;
        // The region must also be usable in a credential scope.
        sigv4::validate_region(region)?;
        Ok(ServerFirst {
            server_nonce,
            host: h,
            region,
        })
    }

    /// The `s` and `h` fields of any valid layout of server-first (the general BSON reader).
    fn server_first_fields(server_first: &[u8]) -> Result<(&[u8], &str), Error> {
        let mut s: Option<&[u8]> = None;
        let mut h: Option<&str> = None;
        Document::parse_each(server_first, |e| {
            match e.name {
                "s" => {
                    if s.is_some() {
                        return Err(Error::DuplicateField);
                    }
                    match e.value {
                        Value::Binary { subtype: 0, bytes } => s = Some(bytes),
                        Value::Binary { .. } => return Err(Error::ServerNonceSubtype),
                        _ => return Err(Error::WrongFieldType),
                    }
                }
                "h" => {
                    if h.is_some() {
                        return Err(Error::DuplicateField);
                    }
                    match e.value {
                        Value::String(v) => h = Some(v),
                        _ => return Err(Error::WrongFieldType),
                    }
                }
                _ => return Err(Error::UnexpectedField),
            }
            Ok(())
        })?;
        match (s, h) {
            (Some(s), Some(h)) => Ok((s, h)),
            _ => Err(Error::MissingField),
        }
    }

    /// Exact length of the client-final message for these inputs (the time does not change it).
    pub fn client_final_len(
        &self,
        server_first: &[u8],
        creds: &Credentials<'_>,
    ) -> Result<usize, Error> {
        let sf = self.parse_server_first(server_first)?;
        client_final_len_for(&sf, creds)
    }

    /// Validates `server_first` and writes client-final `{a, d[, t]}` into `out`; returns its length.
    ///
    /// `now` is the caller's clock (unix seconds), read once. `key`: a cached [`SigningKey`] for this
    /// date/region (`sts`); `None` derives one. Nothing is written on error; a too-small `out` gives
    /// [`Error::BufferTooSmall`] with the exact size.
    pub fn finish(
        &self,
        server_first: &[u8],
        creds: &Credentials<'_>,
        now: UnixTime,
        key: Option<&SigningKey>,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let sf = self.parse_server_first(server_first)?;
        let time = AmzDate::from_unix(now)?;
        let lengths = client_final_lengths_for(&sf, creds)?;
        if out.len() < lengths.1 {
            return Err(Error::BufferTooSmall { needed: lengths.1 });
        }
        let sig = sign(&sf, creds, &time, key)?;
        write_client_final(out, &sf, creds, &time, &sig, lengths)
    }

    /// [`finish`](Self::finish) for a server-first already validated by
    /// [`parse_server_first`](Self::parse_server_first) (nothing is parsed again), with a key slot
    /// that the caller keeps across calls: the key in `key` is used when it is for this date and
    /// region (`sts`); otherwise a new one is derived and stored in `key`, replacing the old one.
    ///
    /// A `server_first` parsed by a conversation with another nonce is
    /// [`Error::ServerNonceMismatch`]. A too-small `out` gives [`Error::BufferTooSmall`] with the
    /// exact size before anything is derived or written; on any error `out` is not written.
    pub fn finish_parsed(
        &self,
        server_first: &ServerFirst<'_>,
        creds: &Credentials<'_>,
        now: UnixTime,
        key: &mut Option<SigningKey>,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let prefix = server_first
            .server_nonce
            .get(..CLIENT_NONCE_LEN)
            .ok_or(Error::ServerNonceLength)?;
        if !nonce_matches(prefix, &self.nonce) {
            return Err(Error::ServerNonceMismatch);
        }
        let time = AmzDate::from_unix(now)?;
        let lengths = client_final_lengths_for(server_first, creds)?;
        if out.len() < lengths.1 {
            return Err(Error::BufferTooSmall { needed: lengths.1 });
        }
        let scope = server_first.scope(time)?;
        let key = match key {
            Some(k) if k.matches(&scope) => k,
            slot => slot.insert(SigningKey::derive(creds.secret_access_key(), &scope)?),
        };
        let sig = sign_with(key, &scope, server_first, creds, &time);
        write_client_final(out, server_first, creds, &time, &sig, lengths)
    }

    /// Exact length of the client-final message for a parsed server-first (the time does not
    /// change it).
    pub fn client_final_len_parsed(
        &self,
        server_first: &ServerFirst<'_>,
        creds: &Credentials<'_>,
    ) -> Result<usize, Error> {
        client_final_len_for(server_first, creds)
    }

    /// Writes the canonical request that [`finish`](Self::finish) signs (diagnostics). Returns its length.
    pub fn canonical_request(
        &self,
        server_first: &[u8],
        creds: &Credentials<'_>,
        now: UnixTime,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let sf = self.parse_server_first(server_first)?;
        let time = AmzDate::from_unix(now)?;
        let mut s = SliceSink::new(out);
        put_canonical_request(&mut s, &sf, &time, creds.session_token());
        s.finish()
    }

    /// Writes the string to sign that [`finish`](Self::finish) signs (diagnostics). Returns its length.
    pub fn string_to_sign(
        &self,
        server_first: &[u8],
        creds: &Credentials<'_>,
        now: UnixTime,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let sf = self.parse_server_first(server_first)?;
        let time = AmzDate::from_unix(now)?;
        let scope = sf.scope(time)?;
        let mut h = Sha256::new();
        put_canonical_request(&mut h, &sf, &time, creds.session_token());
        let mut s = SliceSink::new(out);
        sigv4::put_string_to_sign_for(&mut s, &scope, &h.finalize().into());
        s.finish()
    }
}

/// Writes client-final into `out` (already checked to hold `lengths.1` bytes); returns its length.
fn write_client_final(
    out: &mut [u8],
    sf: &ServerFirst<'_>,
    creds: &Credentials<'_>,
    time: &AmzDate,
    sig: &Signature,
    lengths: (usize, usize),
) -> Result<usize, Error> {
    let mut s = SliceSink::new(out);
    client_final_into(&mut s, sf, creds, time, sig, lengths)?;
    s.finish()
}

/// The layout every MongoDB server sends — `{s: BinData(0, 64 bytes), h: "<host>"}`, in this
/// order, as one document and nothing after it — read in one pass: `(s, h)`, or `None` for any
/// other bytes, which the general BSON reader then takes (with its errors). A host that is not
/// plain ASCII without NUL also goes to the general reader. A test checks that both agree.
fn canonical_server_first(b: &[u8]) -> Option<(&[u8; SERVER_NONCE_LEN], &str)> {
    // 4-byte length | 05 's' 00 | int32 64 | subtype 00 | 64 bytes | 02 'h' 00 | int32 n | host | 00 | 00
    let (&[l0, l1, l2, l3, 0x05, b's', 0, 64, 0, 0, 0, 0], rest) = b.split_first_chunk::<12>()?
    else {
        return None;
    };
    if usize::try_from(u32::from_le_bytes([l0, l1, l2, l3])).ok()? != b.len() {
        return None;
    }
    let (nonce, rest) = rest.split_first_chunk::<SERVER_NONCE_LEN>()?;
    let (&[0x02, b'h', 0, n0, n1, n2, n3], rest) = rest.split_first_chunk::<7>()? else {
        return None;
    };
    // The string length counts its NUL; after it only the document's terminating NUL.
    let n = usize::try_from(u32::from_le_bytes([n0, n1, n2, n3])).ok()?;
    let (host, &[0, 0]) = rest.split_last_chunk::<2>()? else {
        return None;
    };
    if n < 2
        || host.len().checked_add(1) != Some(n)
        || !host.iter().all(|&c| c != 0 && c.is_ascii())
    {
        return None;
    }
    Some((nonce, core::str::from_utf8(host).ok()?))
}

/// Whether the server nonce starts with ours, without an early exit (the comparison takes the same
/// time wherever the first difference is). Folding all differences into one byte is cheaper than
/// `subtle`'s byte-by-byte barriers; the barrier on the result keeps the fold from short-circuiting.
fn nonce_matches(prefix: &[u8], nonce: &[u8; CLIENT_NONCE_LEN]) -> bool {
    let diff = prefix
        .iter()
        .zip(nonce)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    prefix.len() == CLIENT_NONCE_LEN && core::hint::black_box(diff) == 0
}

/// The canonical request up to the host value: method, path, empty query and the first two
/// headers (PROTOCOL.md A5). One constant, so the hasher takes it in one piece; a test checks it
/// against its parts.
const CANONICAL_HEAD: &str =
    "POST\n/\n\ncontent-length:43\ncontent-type:application/x-www-form-urlencoded\nhost:";

/// The canonical request after the server nonce: end of headers, signed headers, payload hash.
const CANONICAL_TAIL: &str = "\n\ncontent-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce\nab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843";
/// As [`CANONICAL_TAIL`] with the session token signed.
const CANONICAL_TAIL_WITH_TOKEN: &str = "\n\ncontent-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce\nab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843";

/// The `Authorization` value from the service on: service, terminator, signed headers, up to the
/// signature (one constant per token presence; a test checks them against their parts).
const AUTHORIZATION_MIDDLE: &str = "/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=";
/// As [`AUTHORIZATION_MIDDLE`] with the session token signed.
const AUTHORIZATION_MIDDLE_WITH_TOKEN: &str = "/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=";

/// Writes the canonical request of the `GetCallerIdentity` call (PROTOCOL.md A5), streaming.
pub(crate) fn put_canonical_request<S: Sink + ?Sized>(
    s: &mut S,
    sf: &ServerFirst<'_>,
    time: &AmzDate,
    token: Option<&str>,
) {
    s.put(CANONICAL_HEAD.as_bytes());
    s.put(sf.host.as_bytes());
    s.put(b"\nx-amz-date:");
    s.put(time.as_bytes());
    if let Some(t) = token {
        s.put(b"\nx-amz-security-token:");
        s.put(t.as_bytes());
    }
    s.put(b"\nx-mongodb-gs2-cb-flag:n\nx-mongodb-server-nonce:");
    s.put(&sf.server_nonce_base64());
    s.put(if token.is_some() {
        CANONICAL_TAIL_WITH_TOKEN.as_bytes()
    } else {
        CANONICAL_TAIL.as_bytes()
    });
}

fn sign(
    sf: &ServerFirst<'_>,
    creds: &Credentials<'_>,
    time: &AmzDate,
    key: Option<&SigningKey>,
) -> Result<Signature, Error> {
    let scope = sf.scope(*time)?;
    let derived;
    let key = match key {
        Some(k) if k.matches(&scope) => k,
        Some(_) => return Err(Error::SigningKeyMismatch),
        None => {
            derived = SigningKey::derive(creds.secret_access_key(), &scope)?;
            &derived
        }
    };
    Ok(sign_with(key, &scope, sf, creds, time))
}

/// The signature with a key already checked for `scope`.
fn sign_with(
    key: &SigningKey,
    scope: &Scope<'_>,
    sf: &ServerFirst<'_>,
    creds: &Credentials<'_>,
    time: &AmzDate,
) -> Signature {
    let mut h = sigv4::sha256::RequestHasher::new();
    put_canonical_request(&mut h, sf, time, creds.session_token());
    sigv4::sign_hash(key, scope, &h.finalize())
}

/// The pieces of the `a` field (Authorization value, PROTOCOL.md A5), borrowed from the inputs.
fn authorization_parts<'x>(
    sf: &'x ServerFirst<'_>,
    creds: &'x Credentials<'_>,
    date: &'x [u8; 8],
    signature_hex: &'x [u8; 64],
) -> [&'x [u8]; 8] {
    [
        b"AWS4-HMAC-SHA256 Credential=",
        creds.access_key_id().as_bytes(),
        b"/",
        date,
        b"/",
        sf.region.as_bytes(),
        if creds.session_token().is_some() {
            AUTHORIZATION_MIDDLE_WITH_TOKEN.as_bytes()
        } else {
            AUTHORIZATION_MIDDLE.as_bytes()
        },
        signature_hex,
    ]
}

/// (length of `a`, total client-final length) for these Authorization pieces.
fn client_final_lengths(a_parts: &[&[u8]], token: Option<&str>) -> Result<(usize, usize), Error> {
    let a_len = a_parts
        .iter()
        .try_fold(0usize, |acc, p| acc.checked_add(p.len()))
        .ok_or(Error::LengthOverflow)?;
    let mut total = 4usize
        .checked_add(bson::string_element_len(1, a_len))
        .and_then(|v| v.checked_add(bson::string_element_len(1, 16)))
        .ok_or(Error::LengthOverflow)?;
    if let Some(t) = token {
        total = total
            .checked_add(bson::string_element_len(1, t.len()))
            .ok_or(Error::LengthOverflow)?;
    }
    let total = total.checked_add(1).ok_or(Error::LengthOverflow)?;
    Ok((a_len, total))
}

/// Exact client-final length for a validated server-first (the date and the signature have fixed
/// sizes, so placeholders of the right length stand in for them).
fn client_final_len_for(sf: &ServerFirst<'_>, creds: &Credentials<'_>) -> Result<usize, Error> {
    Ok(client_final_lengths_for(sf, creds)?.1)
}

/// (length of `a`, total client-final length) for a validated server-first.
fn client_final_lengths_for(
    sf: &ServerFirst<'_>,
    creds: &Credentials<'_>,
) -> Result<(usize, usize), Error> {
    let parts = authorization_parts(sf, creds, &[0; 8], &[0; 64]);
    client_final_lengths(&parts, creds.session_token())
}

/// Writes client-final BSON `{a, d[, t]}` into a sink.
fn client_final_into<S: Sink>(
    s: &mut S,
    sf: &ServerFirst<'_>,
    creds: &Credentials<'_>,
    time: &AmzDate,
    sig: &Signature,
    (a_len, total): (usize, usize),
) -> Result<(), Error> {
    let token = creds.session_token();
    let hex = sig.hex();
    let a_parts = authorization_parts(sf, creds, time.date_bytes(), hex.as_bytes());
    let total = i32::try_from(total).map_err(|_| Error::LengthOverflow)?;
    s.put(&total.to_le_bytes());
    put_string(s, b'a', a_len, &a_parts)?;
    put_string(s, b'd', time.as_bytes().len(), &[time.as_bytes()])?;
    if let Some(t) = token {
        put_string(s, b't', t.len(), &[t.as_bytes()])?;
    }
    s.put(&[0]);
    Ok(())
}

/// A BSON string element with a one-letter name whose value is the concatenated `parts`
/// (`len` bytes in all).
fn put_string<S: Sink>(s: &mut S, name: u8, len: usize, parts: &[&[u8]]) -> Result<(), Error> {
    let len = len
        .checked_add(1)
        .and_then(|l| i32::try_from(l).ok())
        .ok_or(Error::LengthOverflow)?;
    let [l0, l1, l2, l3] = len.to_le_bytes();
    s.put(&[bson::element_type::STRING, name, 0, l0, l1, l2, l3]);
    for p in parts {
        s.put(p);
    }
    s.put(&[0]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reader of the usual server-first layout agrees with the general BSON reader:
    /// on the usual layout (several hosts), and on every one-byte change, truncation and extension
    /// of it, whenever it accepts the bytes it returns exactly what the general reader returns.
    #[test]
    fn canonical_server_first_agrees_with_bson_reader() {
        let s = good_nonce();
        for host in [
            "sts.amazonaws.com",
            "x",
            "sts.eu-west-3.amazonaws.com",
            "localhost:8080",
            "",
            "é.com",
            "a\0b",
        ] {
            let doc = server_first(&[
                (
                    "s",
                    Value::Binary {
                        subtype: 0,
                        bytes: &s,
                    },
                ),
                ("h", Value::String(host)),
            ]);
            let general = ClientConversation::server_first_fields(&doc);
            match canonical_server_first(&doc) {
                Some((fs, fh)) => assert_eq!(general, Ok((&fs[..], fh)), "{host:?}"),
                // Only hosts the fast path leaves to the general reader.
                None => assert!(
                    host.is_empty() || !host.is_ascii() || host.contains('\0'),
                    "{host:?}"
                ),
            }
            let mut variants = std::vec::Vec::new();
            for i in 0..doc.len() {
                for v in [0u8, 1, 2, 5, 0x40, b'h', b's', 0x7f, 0x80, 0xff] {
                    let mut d = doc.clone();
                    d[i] = v;
                    variants.push(d);
                }
                variants.push(doc[..i].to_vec());
            }
            let mut longer = doc.clone();
            longer.push(0);
            variants.push(longer);
            for d in &variants {
                if let Some((fs, fh)) = canonical_server_first(d) {
                    assert_eq!(
                        ClientConversation::server_first_fields(d),
                        Ok((&fs[..], fh)),
                        "{d:?}"
                    );
                }
            }
        }
    }

    /// `ServerFirst::scope` skips `Scope::new`'s checks: they hold for every parsed region and `sts`.
    #[test]
    fn server_first_scope_equals_checked_scope() {
        let s = good_nonce();
        let time = AmzDate::from_unix(UnixTime(1_440_938_160)).unwrap();
        for host in [
            "sts.amazonaws.com",
            "sts.eu-west-3.amazonaws.com",
            "a.b",
            "x",
            "h.r-_9.c",
        ] {
            let doc = server_first(&[
                (
                    "s",
                    Value::Binary {
                        subtype: 0,
                        bytes: &s,
                    },
                ),
                ("h", Value::String(host)),
            ]);
            let sf = ClientConversation::new(nonce())
                .parse_server_first(&doc)
                .unwrap();
            assert_eq!(
                sf.scope(time),
                Scope::new(time, sf.region(), sts::SERVICE),
                "{host}"
            );
        }
    }

    /// The merged constants of the canonical request equal the pieces they are made of.
    #[test]
    fn canonical_constants_equal_their_parts() {
        assert_eq!(
            CANONICAL_HEAD,
            std::format!(
                "POST\n/\n\ncontent-length:{}\ncontent-type:{}\nhost:",
                sts::CONTENT_LENGTH,
                sts::CONTENT_TYPE
            )
        );
        for (tail, signed) in [
            (CANONICAL_TAIL, SIGNED_HEADERS),
            (CANONICAL_TAIL_WITH_TOKEN, SIGNED_HEADERS_WITH_TOKEN),
        ] {
            assert_eq!(
                tail,
                std::format!("\n\n{signed}\n{}", sts::GET_CALLER_IDENTITY_BODY_SHA256)
            );
        }
        for (middle, signed) in [
            (AUTHORIZATION_MIDDLE, SIGNED_HEADERS),
            (AUTHORIZATION_MIDDLE_WITH_TOKEN, SIGNED_HEADERS_WITH_TOKEN),
        ] {
            assert_eq!(
                middle,
                std::format!(
                    "/{}/aws4_request, SignedHeaders={signed}, Signature=",
                    sts::SERVICE
                )
            );
        }
    }

    fn nonce() -> [u8; 32] {
        core::array::from_fn(|i| i as u8)
    }

    fn server_first(fields: &[(&str, Value<'_>)]) -> std::vec::Vec<u8> {
        let mut buf = std::vec![0u8; 1024];
        let mut w = bson::Writer::new(&mut buf).unwrap();
        for (n, v) in fields {
            match v {
                Value::Binary { subtype, bytes } => w.binary(n, *subtype, bytes).unwrap(),
                Value::String(s) => w.string(n, s).unwrap(),
                Value::Int32(i) => w.int32(n, *i).unwrap(),
                _ => unreachable!(),
            }
        }
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    fn good_nonce() -> [u8; 64] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn server_first_validation() {
        let c = ClientConversation::new(nonce());
        let s = good_nonce();
        let ok = server_first(&[
            (
                "s",
                Value::Binary {
                    subtype: 0,
                    bytes: &s,
                },
            ),
            ("h", Value::String("sts.amazonaws.com")),
        ]);
        let sf = c.parse_server_first(&ok).unwrap();
        assert_eq!((sf.host(), sf.region()), ("sts.amazonaws.com", "us-east-1"));
        // Field order does not matter.
        let rev = server_first(&[
            ("h", Value::String("sts.amazonaws.com")),
            (
                "s",
                Value::Binary {
                    subtype: 0,
                    bytes: &s,
                },
            ),
        ]);
        assert!(c.parse_server_first(&rev).is_ok());
        let cases: &[(&[(&str, Value<'_>)], Error)] = &[
            (
                &[(
                    "s",
                    Value::Binary {
                        subtype: 0,
                        bytes: &s,
                    },
                )],
                Error::MissingField,
            ),
            (
                &[("h", Value::String("sts.amazonaws.com"))],
                Error::MissingField,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s[..63],
                        },
                    ),
                    ("h", Value::String("x")),
                ],
                Error::ServerNonceLength,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s[..2],
                        },
                    ),
                    ("h", Value::String("x")),
                ],
                Error::ServerNonceLength,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 4,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::String("x")),
                ],
                Error::ServerNonceSubtype,
            ),
            (
                &[("s", Value::String("x")), ("h", Value::String("x"))],
                Error::WrongFieldType,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::Int32(1)),
                ],
                Error::WrongFieldType,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::String("x")),
                    ("u", Value::Int32(1)),
                ],
                Error::UnexpectedField,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::String("x")),
                    ("h", Value::String("x")),
                ],
                Error::DuplicateField,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::String("sts..com")),
                ],
                Error::HostEmptyLabel,
            ),
            (
                &[
                    (
                        "s",
                        Value::Binary {
                            subtype: 0,
                            bytes: &s,
                        },
                    ),
                    ("h", Value::String("")),
                ],
                Error::HostEmpty,
            ),
        ];
        for (fields, err) in cases {
            assert_eq!(
                c.parse_server_first(&server_first(fields)),
                Err(*err),
                "{fields:?}"
            );
        }
        let mut bad = s;
        bad[31] ^= 1;
        let m = server_first(&[
            (
                "s",
                Value::Binary {
                    subtype: 0,
                    bytes: &bad,
                },
            ),
            ("h", Value::String("x")),
        ]);
        assert_eq!(c.parse_server_first(&m), Err(Error::ServerNonceMismatch));
        let mut trailing = ok.clone();
        trailing.push(0);
        assert_eq!(
            c.parse_server_first(&trailing),
            Err(Error::BsonTrailingBytes)
        );
        assert_eq!(
            c.parse_server_first(&ok[..ok.len() - 1]),
            Err(Error::BsonTruncated)
        );
    }

    #[test]
    fn finish_reports_needed_size_and_writes_nothing() {
        let c = ClientConversation::new(nonce());
        let s = good_nonce();
        let sf = server_first(&[
            (
                "s",
                Value::Binary {
                    subtype: 0,
                    bytes: &s,
                },
            ),
            ("h", Value::String("sts.amazonaws.com")),
        ]);
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None).unwrap();
        let needed = c.client_final_len(&sf, &creds).unwrap();
        // 37 + len(a); len(a) = 235 + 11 + 9 (PROTOCOL.md A5/A6)
        assert_eq!(needed, 37 + 235 + 11 + 9);
        let mut small = std::vec![0xAAu8; needed - 1];
        assert_eq!(
            c.finish(&sf, &creds, UnixTime(0), None, &mut small),
            Err(Error::BufferTooSmall { needed })
        );
        assert!(small.iter().all(|&b| b == 0xAA));
    }
}
