//! The command side's MongoDB client: one connection, OP_MSG commands (`server::wire` frames
//! them), and the three commands of a MONGODB-AWS authentication. `demo` narrates a conversation
//! with it; `doctor --uri` runs one against a real server and reports each step.

use crate::bsonw::{self, Bson, Doc};
use crate::server::wire;
use mongodb_aws_core::bson::{Document, Value};
use std::io::{BufReader, BufWriter};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// One connection to a MongoDB server.
pub struct Client {
    r: BufReader<TcpStream>,
    w: BufWriter<TcpStream>,
    next_id: i32,
}

impl Client {
    /// A client over a connected stream.
    pub fn new(stream: TcpStream) -> Result<Client, String> {
        stream.set_nodelay(true).ok();
        Ok(Client {
            r: BufReader::new(stream.try_clone().map_err(|e| e.to_string())?),
            w: BufWriter::new(stream),
            next_id: 0,
        })
    }

    /// Connects to `host:port` within `timeout`; each reply must come within `timeout` too.
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<Client, String> {
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("resolving {host}:{port}: {e}"))?
            .collect();
        let mut last = format!("{host}:{port} has no address");
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    s.set_read_timeout(Some(timeout)).ok();
                    s.set_write_timeout(Some(timeout)).ok();
                    return Client::new(s);
                }
                Err(e) => last = format!("connecting to {a}: {e}"),
            }
        }
        Err(last)
    }

    /// Sends one OP_MSG command and returns the reply document.
    pub fn command(&mut self, doc: &Doc) -> Result<Vec<u8>, String> {
        self.next_id += 1;
        wire::send(
            &mut self.w,
            &wire::encode_msg(self.next_id, &doc.to_bytes()),
        )
        .map_err(|e| format!("sending: {e}"))?;
        wire::read_reply(&mut self.r).map_err(|e| format!("reading the reply: {e}"))
    }
}

/// `hello` as drivers open a connection.
pub fn hello() -> Doc {
    Doc::new()
        .with("hello", 1)
        .with("helloOk", true)
        .with("$db", "admin")
}

/// `saslStart` with the client-first payload.
pub fn sasl_start(client_first: &[u8]) -> Doc {
    Doc::new()
        .with("saslStart", 1)
        .with("mechanism", "MONGODB-AWS")
        .with("payload", Bson::Binary(0, client_first.to_vec()))
        .with("$db", "$external")
}

/// `saslContinue` with the client-final payload.
pub fn sasl_continue(conversation_id: i32, client_final: &[u8]) -> Doc {
    Doc::new()
        .with("saslContinue", 1)
        .with("conversationId", conversation_id)
        .with("payload", Bson::Binary(0, client_final.to_vec()))
        .with("$db", "$external")
}

/// A field of a reply.
pub fn field<'a>(doc: &'a [u8], name: &str) -> Option<Value<'a>> {
    Document::parse(doc).ok().and_then(|d| bsonw::get(&d, name))
}

/// Whether a reply says `ok: 1`.
pub fn ok(reply: &[u8]) -> bool {
    field(reply, "ok").and_then(|v| match v {
        Value::Double(d) => Some(d == 1.0),
        Value::Int32(i) => Some(i == 1),
        _ => None,
    }) == Some(true)
}

/// A failed reply's `code`, `codeName` and `errmsg`.
pub fn error(reply: &[u8]) -> (Option<i64>, Option<String>, Option<String>) {
    let s = |name| match field(reply, name) {
        Some(Value::String(s)) => Some(s.to_string()),
        _ => None,
    };
    (
        field(reply, "code").and_then(|v| bsonw::as_i64(&v)),
        s("codeName"),
        s("errmsg"),
    )
}

/// The `conversationId` and the binary `payload` of a SASL reply.
pub fn sasl_reply(reply: &[u8]) -> Option<(i64, Vec<u8>)> {
    let id = field(reply, "conversationId").and_then(|v| bsonw::as_i64(&v))?;
    match field(reply, "payload") {
        Some(Value::Binary { bytes, .. }) => Some((id, bytes.to_vec())),
        _ => None,
    }
}
