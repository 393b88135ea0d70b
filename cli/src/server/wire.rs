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

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn i32_at(b: &[u8], at: usize) -> io::Result<i32> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(i32::from_le_bytes)
        .ok_or_else(|| bad("message truncated"))
}

/// Length of the BSON document at the start of `b` (checked against `b`).
fn doc_len(b: &[u8]) -> io::Result<usize> {
    let n = usize::try_from(i32_at(b, 0)?).map_err(|_| bad("negative BSON length"))?;
    if n < 5 || n > b.len() {
        return Err(bad("BSON length out of range"));
    }
    Ok(n)
}

/// Reads one message. `Ok(None)` on a clean close between messages.
pub fn read_message<R: Read>(r: &mut R) -> io::Result<Option<Incoming>> {
    let mut header = [0u8; 16];
    let mut got = 0;
    while got < 16 {
        let n = r.read(&mut header[got..])?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(bad("connection closed inside a message header"))
            };
        }
        got += n;
    }
    let len = i32_at(&header, 0)?;
    let request_id = i32_at(&header, 4)?;
    let op = i32_at(&header, 12)?;
    let len = usize::try_from(len).map_err(|_| bad("negative message length"))?;
    if !(16..=MAX_MESSAGE).contains(&len) {
        return Err(bad("message length out of range"));
    }
    let mut body = vec![0u8; len - 16];
    r.read_exact(&mut body)?;
    match op {
        OP_MSG => parse_msg(request_id, &body).map(Some),
        OP_QUERY => parse_query(request_id, &body).map(Some),
        _ => Err(bad("unsupported opcode (expected OP_MSG or OP_QUERY)")),
    }
}

fn parse_msg(request_id: i32, b: &[u8]) -> io::Result<Incoming> {
    let flags = u32::from_le_bytes(
        b.get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("OP_MSG truncated"))?,
    );
    let end = if flags & CHECKSUM_PRESENT != 0 {
        b.len()
            .checked_sub(4)
            .ok_or_else(|| bad("OP_MSG truncated"))?
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
                    return Err(bad("OP_MSG with two body sections"));
                }
                at += n;
            }
            1 => {
                // Document sequence: size (includes itself), identifier, documents. Not needed by
                // the commands this server answers; skipped.
                let n = usize::try_from(i32_at(b, at)?).map_err(|_| bad("bad sequence size"))?;
                if n < 4 || at + n > end {
                    return Err(bad("bad sequence size"));
                }
                at += n;
            }
            _ => return Err(bad("unknown OP_MSG section kind")),
        }
    }
    Ok(Incoming {
        request_id,
        op: OP_MSG,
        command: command.ok_or_else(|| bad("OP_MSG without a body section"))?,
        collection: String::new(),
        more_to_come: flags & MORE_TO_COME != 0,
    })
}

fn parse_query(request_id: i32, b: &[u8]) -> io::Result<Incoming> {
    let name_end = b
        .iter()
        .skip(4)
        .position(|&c| c == 0)
        .ok_or_else(|| bad("OP_QUERY collection name unterminated"))?
        + 4;
    let collection = String::from_utf8(b[4..name_end].to_vec())
        .map_err(|_| bad("OP_QUERY collection name not UTF-8"))?;
    let at = name_end + 1 + 8; // NUL, numberToSkip, numberToReturn
    let q = b.get(at..).ok_or_else(|| bad("OP_QUERY truncated"))?;
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
    let len = usize::try_from(i32_at(&header, 0)?).map_err(|_| bad("bad length"))?;
    if !(21..=MAX_MESSAGE).contains(&len) || i32_at(&header, 12)? != OP_MSG {
        return Err(bad("expected an OP_MSG reply"));
    }
    let mut body = vec![0u8; len - 16];
    r.read_exact(&mut body)?;
    let m = parse_msg(0, &body)?;
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
        let mut msg = ((16 + body.len()) as i32).to_le_bytes().to_vec();
        msg.extend_from_slice(&9i32.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&OP_MSG.to_le_bytes());
        msg.extend_from_slice(&body);
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
        let mut msg = ((16 + body.len()) as i32).to_le_bytes().to_vec();
        msg.extend_from_slice(&5i32.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&OP_QUERY.to_le_bytes());
        msg.extend_from_slice(&body);
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
