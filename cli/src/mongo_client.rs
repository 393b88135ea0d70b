//! The command side's MongoDB client: one connection (plain TCP, or TLS with rustls as the drivers
//! do when the URI says `tls=true`), OP_MSG commands (`server::wire` frames them), and the three
//! commands of a MONGODB-AWS authentication. `demo` narrates a conversation with it over plain TCP;
//! `doctor --uri` runs one against a real server and reports each step.

use crate::bsonw::{self, Bson, Doc};
use crate::server::wire;
use mongodb_aws_core::bson::{Document, Value};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
};
use std::io::{BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A byte stream to the server: TCP, or TLS over TCP.
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// How to speak TLS to the server (the URI's `tls=true` and `tls*` options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `tlsCAFile`: PEM certificates that replace the default roots (webpki-roots).
    pub ca_file: Option<PathBuf>,
    /// `tlsAllowInvalidCertificates=true` or `tlsInsecure=true`: no certificate or name check.
    pub allow_invalid_certificates: bool,
}

/// What a TLS connection checked, for the report.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    /// The negotiated protocol version, e.g. `TLSv1_3`.
    pub version: String,
    /// Against what the server's certificate was checked; `None`: it was not.
    pub trust: Option<String>,
}

/// One connection to a MongoDB server.
pub struct Client {
    s: BufReader<Box<dyn Stream>>,
    next_id: i32,
}

impl Client {
    /// A client over a connected plain TCP stream.
    pub fn new(stream: TcpStream) -> Client {
        stream.set_nodelay(true).ok();
        Client::over(Box::new(stream))
    }

    fn over(s: Box<dyn Stream>) -> Client {
        Client {
            s: BufReader::new(s),
            next_id: 0,
        }
    }

    /// A TLS client over a connected stream to `host:port`: completes the handshake, which checks
    /// the server's certificate for `host` as `tls` says.
    pub fn tls(
        tcp: TcpStream,
        host: &str,
        port: u16,
        tls: &Tls,
    ) -> Result<(Client, TlsInfo), String> {
        tcp.set_nodelay(true).ok();
        let (config, trust) = client_config(tls)?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| format!("{host} is not a TLS server name: {e}"))?;
        let mut conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| format!("TLS setup for {host}:{port}: {e}"))?;
        let mut tcp = tcp;
        // Each read and write is bounded by the stream's timeouts; an error ends the loop.
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| handshake_error(host, port, trust.as_deref(), &e))?;
        }
        let version = conn
            .protocol_version()
            .map_or("TLS".to_string(), |v| format!("{v:?}"));
        let stream = rustls::StreamOwned::new(conn, tcp);
        Ok((Client::over(Box::new(stream)), TlsInfo { version, trust }))
    }

    /// Sends one OP_MSG command and returns the reply document.
    pub fn command(&mut self, doc: &Doc) -> Result<Vec<u8>, String> {
        self.next_id += 1;
        wire::send(
            self.s.get_mut(),
            &wire::encode_msg(self.next_id, &doc.to_bytes()),
        )
        .map_err(|e| format!("sending: {e}"))?;
        wire::read_reply(&mut self.s).map_err(|e| format!("reading the reply: {e}"))
    }
}

/// Connects to `host:port` within `timeout`; each read and write must complete within `timeout`
/// too.
pub fn tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
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
                return Ok(s);
            }
            Err(e) => last = format!("connecting to {a}: {e}"),
        }
    }
    Err(last)
}

/// The rustls configuration for `tls`, and a description of what the certificate is checked
/// against.
fn client_config(tls: &Tls) -> Result<(ClientConfig, Option<String>), String> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    if tls.allow_invalid_certificates {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        return Ok((config, None));
    }
    let mut roots = RootCertStore::empty();
    let trust = match &tls.ca_file {
        Some(path) => {
            let shown = path.display();
            let pem =
                std::fs::read(path).map_err(|e| format!("tlsCAFile {shown}: cannot read: {e}"))?;
            let mut n = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("tlsCAFile {shown}: not PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("tlsCAFile {shown}: a certificate is unusable: {e}"))?;
                n += 1;
            }
            if n == 0 {
                return Err(format!(
                    "tlsCAFile {shown}: no PEM CERTIFICATE block in the file"
                ));
            }
            format!("tlsCAFile {shown} ({n} certificate(s))")
        }
        None => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            "the default roots (Mozilla's, as webpki-roots)".into()
        }
    };
    Ok((
        builder.with_root_certificates(roots).with_no_client_auth(),
        Some(trust),
    ))
}

/// What went wrong in a handshake with `host:port`, in words.
fn handshake_error(host: &str, port: u16, trust: Option<&str>, e: &std::io::Error) -> String {
    let at = format!("TLS handshake with {host}:{port} failed");
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return format!("{at}: {e} (is it a TLS server?)");
    };
    let why = match tls {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => format!(
                "unknown issuer: the server's certificate is not signed by a CA in {}; \
                 give its CA with tlsCAFile=PATH",
                trust.unwrap_or("no roots")
            ),
            CertificateError::NotValidForName => {
                format!("name mismatch: the server's certificate is not valid for {host}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => format!(
                "name mismatch: the server's certificate is not valid for {host} (it names {}); \
                 connect with a name it names",
                if presented.is_empty() {
                    "nothing".to_string()
                } else {
                    let names: Vec<&str> = presented.iter().map(|p| presented_name(p)).collect();
                    names.join(", ")
                }
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet (check this machine's clock)".into()
            }
            other => format!("the server's certificate is invalid: {other:?}"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            format!("{tls} (is it a TLS server?)")
        }
        other => other.to_string(),
    };
    format!("{at}: {why}")
}

/// A name from rustls' list of the names a certificate presents (`DnsName("db.example")`,
/// `IpAddress(10.0.0.1)`) as the name alone.
fn presented_name(p: &str) -> &str {
    p.split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map_or(p, |name| name.trim_matches('"'))
}

/// `tlsAllowInvalidCertificates=true`: any certificate and name, but the handshake's signatures
/// are still verified (the connection is encrypted, not authenticated).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
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

#[cfg(test)]
mod tests {
    #[test]
    fn presented_names() {
        assert_eq!(
            super::presented_name("DnsName(\"db.example\")"),
            "db.example"
        );
        assert_eq!(super::presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(super::presented_name("DirectoryName"), "DirectoryName");
    }
}
