//! MongoDB wire protocol framing: OP_MSG (2013) both ways, legacy OP_QUERY (2004) in and OP_REPLY (1)
//! out, for the first `hello`/`isMaster` of drivers that still send it that way.

use std::io::{self, Read, Write};

pub const OP_REPLY: i32 = 1;
pub const OP_QUERY: i32 = 2004;
pub const OP_MSG: i32 = 2013;
/// maxMessageSizeBytes we advertise.
pub const MAX_MESSAGE: usize = 48_000_000;

const CHECKSUM_PRESENT: u32 = 1;
const MORE_TO_COME: u32 = 1 << 1;

/// A command received from a client.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub request_id: i32,
    pub op: i32,
    /// The command document (OP_MSG body section, or the OP_QUERY query with `$query` unwrapped).
    pub command: Vec<u8>,
    /// OP_QUERY: the full collection name (`admin.$cmd`); OP_MSG: empty.
    pub collection: String,
    /// OP_MSG moreToCome: the client expects no reply.
    pub more_to_come: bool,
}

/// What is wrong with a message's content (becomes `FrameError::Malformed`).
type Malformed = &'static str;

fn bad(msg: Malformed) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn i32_at(b: &[u8], at: usize) -> Result<i32, Malformed> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(i32::from_le_bytes)
        .ok_or("message truncated")
}

/// Length of the BSON document at the start of `b` (checked against `b`).
fn doc_len(b: &[u8]) -> Result<usize, Malformed> {
    let n = usize::try_from(i32_at(b, 0)?).map_err(|_| "negative BSON length")?;
    if n < 5 || n > b.len() {
        return Err("BSON length out of range");
    }
    Ok(n)
}

/// Why no message could be read: the reasons a connection is closed, as mongod logs them.
#[derive(Debug)]
pub enum FrameError {
    /// `messageLength` outside `16..=MAX_MESSAGE` (too short, negative, or oversized).
    InvalidLength(i32),
    /// The message is framed but its content is not what the wire protocol allows.
    Malformed(&'static str),
    /// The peer closed inside a message, after `got` of `want` bytes (`want` = 16 while the
    /// header is incomplete).
    Truncated { got: usize, want: usize },
    /// No byte of a new message arrived within the idle timeout of the source.
    Idle,
    /// A message was started but not finished within the read timeout of the source.
    Stalled { got: usize, want: usize },
    /// Any other I/O error (a reset, ...).
    Io(io::Error),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // mongod: "recv(): message msgLen 12 is invalid. Min 16 Max: 48000000".
            FrameError::InvalidLength(n) => write!(
                f,
                "ProtocolError: message msgLen {n} is invalid. Min 16 Max: {MAX_MESSAGE}"
            ),
            FrameError::Malformed(m) => write!(f, "ProtocolError: {m}"),
            FrameError::Truncated { got, want } => write!(
                f,
                "connection closed inside a message ({got} of {want} bytes received)"
            ),
            FrameError::Idle => f.write_str("no new message within the idle timeout"),
            FrameError::Stalled { got, want } => write!(
                f,
                "message not completed within the read timeout ({got} of {want} bytes received)"
            ),
            FrameError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<FrameError> for io::Error {
    fn from(e: FrameError) -> io::Error {
        match e {
            FrameError::Io(e) => e,
            FrameError::Idle | FrameError::Stalled { .. } => {
                io::Error::new(io::ErrorKind::TimedOut, e.to_string())
            }
            e => io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
        }
    }
}

/// Where messages are read from. A connection with timeouts learns through `message_started`
/// that the first byte of a message has arrived: the rest must then arrive within its read
/// timeout, while the wait for that first byte is governed by its idle timeout. A read that
/// times out returns an error of kind `TimedOut` or `WouldBlock` (what sockets return).
pub trait Source: Read {
    /// The first byte of a message has arrived.
    fn message_started(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Source for &[u8] {}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// One read that retries on EINTR, and maps a timeout to `Stalled` and end of file to `Truncated`
/// (a message has started: `got` of `want` bytes are in).
fn read_more<R: Source>(
    r: &mut R,
    buf: &mut [u8],
    got: usize,
    want: usize,
) -> Result<usize, FrameError> {
    loop {
        return match r.read(buf) {
            Ok(0) => Err(FrameError::Truncated { got, want }),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => Err(FrameError::Stalled { got, want }),
            Err(e) => Err(FrameError::Io(e)),
        };
    }
}

/// Reads one message. `Ok(None)` on a clean close between messages. The body is read as it
/// arrives (never allocated up front from the length a client claims).
pub fn read_message<R: Source>(r: &mut R) -> Result<Option<Incoming>, FrameError> {
    let mut header = [0u8; 16];
    // The wait for the first byte is the idle wait.
    let mut got = loop {
        match r.read(&mut header) {
            Ok(0) => return Ok(None),
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(FrameError::Idle),
            Err(e) => return Err(FrameError::Io(e)),
        }
    };
    r.message_started().map_err(FrameError::Io)?;
    while got < 16 {
        got += read_more(r, &mut header[got..], got, 16)?;
    }
    let field = |at: usize| {
        i32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let (raw_len, request_id, op) = (field(0), field(4), field(12));
    let len = match usize::try_from(raw_len) {
        Ok(n) if (16..=MAX_MESSAGE).contains(&n) => n,
        _ => return Err(FrameError::InvalidLength(raw_len)),
    };
    let rest = len - 16;
    let mut body = Vec::with_capacity(rest.min(CHUNK));
    while body.len() < rest {
        let start = body.len();
        body.resize(start + (rest - start).min(CHUNK), 0);
        match read_more(r, &mut body[start..], 16 + start, len) {
            Ok(n) => body.truncate(start + n),
            Err(e) => return Err(e),
        }
    }
    let parsed = match op {
        OP_MSG => parse_msg(request_id, &body),
        OP_QUERY => parse_query(request_id, &body),
        _ => {
            return Err(FrameError::Malformed(
                "unsupported opcode (expected OP_MSG 2013 or OP_QUERY 2004)",
            ))
        }
    };
    parsed.map(Some).map_err(FrameError::Malformed)
}

/// Bytes read at a time into a message body.
const CHUNK: usize = 64 * 1024;

fn parse_msg(request_id: i32, b: &[u8]) -> Result<Incoming, Malformed> {
    let flags = u32::from_le_bytes(
        b.get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or("OP_MSG truncated")?,
    );
    let end = if flags & CHECKSUM_PRESENT != 0 {
        b.len().checked_sub(4).ok_or("OP_MSG truncated")?
    } else {
        b.len()
    };
    let mut at = 4;
    let mut command = None;
    while at < end {
        let kind = b[at];
        at += 1;
        match kind {
            0 => {
                let n = doc_len(&b[at..end])?;
                if command.replace(b[at..at + n].to_vec()).is_some() {
                    return Err("OP_MSG with two body sections");
                }
                at += n;
            }
            1 => {
                // Document sequence: size (includes itself), identifier, documents. Not needed by
                // the commands this server answers; skipped.
                let n = usize::try_from(i32_at(b, at)?).map_err(|_| "bad sequence size")?;
                if n < 4 || at + n > end {
                    return Err("bad sequence size");
                }
                at += n;
            }
            _ => return Err("unknown OP_MSG section kind"),
        }
    }
    Ok(Incoming {
        request_id,
        op: OP_MSG,
        command: command.ok_or("OP_MSG without a body section")?,
        collection: String::new(),
        more_to_come: flags & MORE_TO_COME != 0,
    })
}

fn parse_query(request_id: i32, b: &[u8]) -> Result<Incoming, Malformed> {
    let name_end = b
        .iter()
        .skip(4)
        .position(|&c| c == 0)
        .ok_or("OP_QUERY collection name unterminated")?
        + 4;
    let collection = String::from_utf8(b[4..name_end].to_vec())
        .map_err(|_| "OP_QUERY collection name not UTF-8")?;
    let at = name_end + 1 + 8; // NUL, numberToSkip, numberToReturn
    let q = b.get(at..).ok_or("OP_QUERY truncated")?;
    let n = doc_len(q)?;
    let mut command = q[..n].to_vec();
    // Legacy form {$query: {...}, $readPreference: ...}.
    if let Ok(d) = mongodb_aws_core::bson::Document::parse(&command) {
        if let Some(mongodb_aws_core::bson::Value::Document(inner)) =
            crate::bsonw::get(&d, "$query").or_else(|| crate::bsonw::get(&d, "query"))
        {
            command = inner.to_vec();
        }
    }
    Ok(Incoming {
        request_id,
        op: OP_QUERY,
        command,
        collection,
        more_to_come: false,
    })
}

/// Encodes a reply to `to` in the form the request came in (OP_MSG or OP_REPLY).
pub fn encode_reply(to: &Incoming, reply_id: i32, doc: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len() + 40);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&reply_id.to_le_bytes());
    out.extend_from_slice(&to.request_id.to_le_bytes());
    if to.op == OP_QUERY {
        out.extend_from_slice(&OP_REPLY.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes()); // responseFlags
        out.extend_from_slice(&0i64.to_le_bytes()); // cursorID
        out.extend_from_slice(&0i32.to_le_bytes()); // startingFrom
        out.extend_from_slice(&1i32.to_le_bytes()); // numberReturned
    } else {
        out.extend_from_slice(&OP_MSG.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // flagBits
        out.push(0); // body section
    }
    out.extend_from_slice(doc);
    let len = out.len() as i32;
    out[..4].copy_from_slice(&len.to_le_bytes());
    out
}

/// Encodes an OP_MSG command (client side: the demo and tests).
pub fn encode_msg(request_id: i32, doc: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len() + 21);
    out.extend_from_slice(&((doc.len() + 21) as i32).to_le_bytes());
    out.extend_from_slice(&request_id.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&OP_MSG.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(doc);
    out
}

/// Reads an OP_MSG reply and returns its body document (client side).
pub fn read_reply<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut header = [0u8; 16];
    r.read_exact(&mut header)?;
    let len = usize::try_from(i32_at(&header, 0).map_err(bad)?).map_err(|_| bad("bad length"))?;
    if !(21..=MAX_MESSAGE).contains(&len) || i32_at(&header, 12).map_err(bad)? != OP_MSG {
        return Err(bad("expected an OP_MSG reply"));
    }
    let mut body = vec![0u8; len - 16];
    r.read_exact(&mut body)?;
    let m = parse_msg(0, &body).map_err(bad)?;
    Ok(m.command)
}

/// Writes all bytes.
pub fn send<W: Write>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bsonw::Doc;

    /// A message as a client sends it: the header (length, `request_id`, responseTo 0, `op`),
    /// then `body`.
    fn frame(request_id: i32, op: i32, body: &[u8]) -> Vec<u8> {
        let mut msg = ((16 + body.len()) as i32).to_le_bytes().to_vec();
        msg.extend_from_slice(&request_id.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&op.to_le_bytes());
        msg.extend_from_slice(body);
        msg
    }

    #[test]
    fn op_msg_roundtrip_and_flags() {
        let doc = Doc::new().with("ping", 1).with("$db", "admin").to_bytes();
        let msg = encode_msg(7, &doc);
        let m = read_message(&mut &msg[..]).unwrap().unwrap();
        assert_eq!((m.request_id, m.op, m.more_to_come), (7, OP_MSG, false));
        assert_eq!(m.command, doc);
        // With a document sequence before the body and a checksum.
        let mut body = 1u32.to_le_bytes().to_vec();
        body.push(1);
        let seq_doc = Doc::new().with("x", 1).to_bytes();
        body.extend_from_slice(&((4 + 10 + seq_doc.len()) as i32).to_le_bytes());
        body.extend_from_slice(b"documents\0");
        body.extend_from_slice(&seq_doc);
        body.push(0);
        body.extend_from_slice(&doc);
        body.extend_from_slice(&[1, 2, 3, 4]);
        let msg = frame(9, OP_MSG, &body);
        let m = read_message(&mut &msg[..]).unwrap().unwrap();
        assert_eq!(m.command, doc);
        // A reply in OP_MSG form reads back.
        let r = encode_reply(&m, 3, &doc);
        assert_eq!(read_reply(&mut &r[..]).unwrap(), doc);
        assert_eq!(read_message(&mut &b""[..]).unwrap(), None);
        assert!(read_message(&mut &msg[..10]).is_err());
    }

    #[test]
    fn op_query_and_op_reply() {
        // OP_QUERY isMaster on admin.$cmd as legacy drivers send it, wrapped in $query.
        let inner = Doc::new().with("isMaster", 1).to_bytes();
        let q = Doc::new()
            .with(
                "$query",
                crate::bsonw::Bson::Doc(Doc::new().with("isMaster", 1)),
            )
            .to_bytes();
        let mut body = 0i32.to_le_bytes().to_vec();
        body.extend_from_slice(b"admin.$cmd\0");
        body.extend_from_slice(&0i32.to_le_bytes());
        body.extend_from_slice(&(-1i32).to_le_bytes());
        body.extend_from_slice(&q);
        let msg = frame(5, OP_QUERY, &body);
        let m = read_message(&mut &msg[..]).unwrap().unwrap();
        assert_eq!(m.op, OP_QUERY);
        assert_eq!(m.collection, "admin.$cmd");
        assert_eq!(m.command, inner);
        let reply = encode_reply(&m, 1, &inner);
        assert_eq!(i32_at(&reply, 8).unwrap(), 5); // responseTo
        assert_eq!(i32_at(&reply, 12).unwrap(), OP_REPLY);
        assert_eq!(i32_at(&reply, 32).unwrap(), 1); // numberReturned
        assert_eq!(&reply[36..], &inner[..]);
        assert_eq!(i32_at(&reply, 0).unwrap() as usize, reply.len());
    }
}
