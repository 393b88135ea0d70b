//! Authentications per second through `mongodb-aws serve` at 1, 8 and 64 concurrent clients.
//!
//!     cargo bench -p mongodb-aws-cli --bench serve [-- --seconds 5 --clients 1,8,64]
//!
//! Starts the release `mongodb-aws serve --port 0 --in-process-sts --quiet` and runs N client
//! threads for a fixed time each (after a short warm-up). One authentication is what a driver does
//! for each new pooled connection: connect, saslStart, sign (the core's `ClientConversation`),
//! saslContinue (the server forwards the signed request over HTTP to the in-process STS, which
//! checks the signature, date, region and nonce), close. Prints authentications per second and
//! latency percentiles; any failed authentication fails the run. Everything is on 127.0.0.1; the
//! client threads share the machine's cores with the server.

use mongodb_aws::now;
use mongodb_aws_core::bson::{Document, Value, Writer};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::Credentials;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The identity the in-process STS knows when given no --user (serve's --help).
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const WARM_UP: Duration = Duration::from_millis(500);

fn op_msg(request_id: i32, doc: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len() + 21);
    out.extend_from_slice(&((doc.len() + 21) as i32).to_le_bytes());
    out.extend_from_slice(&request_id.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&2013i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(doc);
    out
}

/// Sends a command and returns the reply's body document.
fn command(s: &mut TcpStream, request_id: i32, doc: &[u8]) -> Result<Vec<u8>, String> {
    s.write_all(&op_msg(request_id, doc))
        .map_err(|e| format!("send: {e}"))?;
    let mut header = [0u8; 16];
    s.read_exact(&mut header)
        .map_err(|e| format!("reply: {e}"))?;
    let len = i32::from_le_bytes(header[..4].try_into().unwrap());
    let len = usize::try_from(len).map_err(|_| "bad reply length")?;
    if !(21..=48_000_000).contains(&len) {
        return Err("bad reply length".into());
    }
    let mut body = vec![0u8; len - 16];
    s.read_exact(&mut body).map_err(|e| format!("reply: {e}"))?;
    Ok(body[5..].to_vec()) // flags (4) and section kind (1)
}

fn field<'a>(doc: &'a [u8], name: &str) -> Option<Value<'a>> {
    Document::parse(doc)
        .ok()?
        .iter()
        .filter_map(Result::ok)
        .find(|e| e.name == name)
        .map(|e| e.value)
}

/// One whole authentication on a new connection.
fn authenticate(addr: SocketAddr, nonce: [u8; 32], creds: &Credentials<'_>) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_nodelay(true).ok();
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let conv = ClientConversation::new(nonce);
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf).unwrap();
    w.int32("saslStart", 1).unwrap();
    w.string("mechanism", "MONGODB-AWS").unwrap();
    w.binary("payload", 0, &conv.client_first()).unwrap();
    w.string("$db", "$external").unwrap();
    let n = w.finish().unwrap();
    let reply = command(&mut s, 1, &buf[..n])?;
    let Some(Value::Binary { bytes: sf, .. }) = field(&reply, "payload") else {
        return Err("saslStart refused".into());
    };
    let mut cf = [0u8; 2048];
    let m = conv
        .finish(sf, creds, now(), None, &mut cf)
        .map_err(|e| format!("client-final: {e}"))?;
    let mut buf = [0u8; 2400];
    let mut w = Writer::new(&mut buf).unwrap();
    w.int32("saslContinue", 1).unwrap();
    w.int32("conversationId", 1).unwrap();
    w.binary("payload", 0, &cf[..m]).unwrap();
    w.string("$db", "$external").unwrap();
    let n = w.finish().unwrap();
    let reply = command(&mut s, 2, &buf[..n])?;
    match field(&reply, "done") {
        Some(Value::Boolean(true)) => Ok(()),
        _ => Err(format!(
            "saslContinue failed: {:?}",
            field(&reply, "errmsg")
        )),
    }
}

struct Run {
    clients: usize,
    count: usize,
    seconds: f64,
    latencies: Vec<Duration>,
}

fn run(addr: SocketAddr, clients: usize, seconds: f64) -> Result<Run, String> {
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let (measuring, stop) = (Arc::clone(&measuring), Arc::clone(&stop));
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let creds = Credentials::new(AKID, SECRET, None).unwrap();
                let mut latencies = Vec::new();
                let mut i: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mut nonce = [0u8; 32];
                    nonce[..8].copy_from_slice(&(t as u64).to_le_bytes());
                    nonce[8..16].copy_from_slice(&i.to_le_bytes());
                    i += 1;
                    let started = Instant::now();
                    authenticate(addr, nonce, &creds)?;
                    if measuring.load(Ordering::Relaxed) {
                        latencies.push(started.elapsed());
                    }
                }
                Ok(latencies)
            })
        })
        .collect();
    std::thread::sleep(WARM_UP);
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for t in threads {
        latencies.extend(t.join().map_err(|_| "client thread panicked")??);
    }
    latencies.sort();
    Ok(Run {
        clients,
        count: latencies.len(),
        seconds: elapsed,
        latencies,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let mut seconds = 3.0;
    let mut clients = vec![1, 8, 64];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds N")
            }
            "--clients" => {
                clients = args
                    .next()
                    .expect("--clients 1,8,64")
                    .split(',')
                    .map(|c| c.parse().expect("--clients: numbers"))
                    .collect()
            }
            _ => {} // cargo bench passes --bench
        }
    }
    let mut serve = Command::new(env!("CARGO_BIN_EXE_mongodb-aws"))
        .args(["serve", "--port", "0", "--in-process-sts", "--quiet"])
        .args(["--max-connections", "256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting mongodb-aws serve");
    let mut line = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("serve's start-up line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("start-up line is JSON");
    let addr: SocketAddr = info["address"].as_str().unwrap().parse().unwrap();
    println!(
        "mongodb-aws serve --in-process-sts at {addr}: authentications per second, each on a new connection ({seconds} s per row)"
    );
    println!("clients  auth/s   p50 ms  p99 ms  authentications");
    let mut failed = None;
    for n in clients {
        match run(addr, n, seconds) {
            Ok(r) => println!(
                "{:>7}  {:>7.0}  {:>6.2}  {:>6.2}  {}",
                r.clients,
                r.count as f64 / r.seconds,
                percentile(&r.latencies, 0.5),
                percentile(&r.latencies, 0.99),
                r.count
            ),
            Err(e) => {
                println!("{n:>7}  failed: {e}");
                failed = Some(e);
                break;
            }
        }
    }
    drop(serve.stdin.take()); // serve exits when its stdin closes
    let _ = serve.wait();
    if let Some(e) = failed {
        eprintln!("an authentication failed: {e}");
        std::process::exit(1);
    }
}
