//! Test servers: the AWS endpoint emulator (tests/emulators/aws_endpoints.py) and moto
//! (scripts/moto-sts), each started on 127.0.0.1 by the test and stopped when dropped.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The JSON line a test server prints first (its address and the like).
fn first_json(child: &mut Child) -> Value {
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).expect("read");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

/// The emulator of ECS, full URI and IMDSv2.
pub struct Emulator {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Emulator {
    pub fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new("python3")
            .arg(repo().join("tests/emulators/aws_endpoints.py"))
            .arg("--exit-on-stdin-eof")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the emulator");
        let v = first_json(&mut child);
        Emulator {
            url: v["url"].as_str().unwrap().to_string(),
            port: v["port"].as_u64().unwrap() as u16,
            child,
        }
    }

    pub fn config(&self, json: &str) {
        let (status, body) = raw(self.port, "POST", "/_emulator/config", &[], json.as_bytes());
        assert_eq!(status, 200, "{body}");
    }

    pub fn stats(&self) -> Value {
        let (status, body) = raw(self.port, "GET", "/_emulator/stats", &[], b"");
        assert_eq!(status, 200);
        serde_json::from_str(&body).unwrap()
    }

    pub fn count(&self, target: &str) -> u64 {
        self.stats()["counts"][target].as_u64().unwrap_or(0)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 exchange on loopback (for checking the emulator itself).
pub fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    (status, body)
}

/// moto on loopback via scripts/moto-sts (user, key, role; signature checking on).
pub struct Moto {
    child: Child,
    pub info: Value,
}

impl Moto {
    /// Starts moto, or returns `None` (with a notice) when the venv is missing and
    /// MONGODB_AWS_REQUIRE_MOTO is not set. The stage script sets it, so there it must run.
    pub fn start() -> Option<Moto> {
        let venv = repo().join(".venv/bin/moto_server");
        if !venv.exists() {
            if std::env::var("MONGODB_AWS_REQUIRE_MOTO").is_ok() {
                panic!("moto is required: run scripts/install-deps python");
            }
            eprintln!("SKIPPED: no .venv with moto (run scripts/install-deps python)");
            return None;
        }
        let mut child = Command::new(repo().join("scripts/moto-sts"))
            .arg("--foreground")
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("scripts/moto-sts");
        let info = first_json(&mut child);
        Some(Moto { child, info })
    }

    pub fn url(&self) -> &str {
        self.info["url"].as_str().unwrap()
    }

    pub fn s(&self, k: &str) -> String {
        self.info[k].as_str().unwrap().to_string()
    }

    /// Signature checking on (`true`) or off (unsigned calls such as web identity and SAML).
    pub fn auth(&self, on: bool) {
        let port = self.info["port"].as_u64().unwrap() as u16;
        let (status, _) = raw(
            port,
            "POST",
            "/moto-api/reset-auth",
            &[("Content-Type", "text/plain")],
            if on { b"0" } else { b"inf" },
        );
        assert_eq!(status, 200);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // moto-sts --foreground forwards SIGTERM to moto and exits.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Runs `mongodb-aws credentials --json ARGS` with exactly `env` (plus PATH).
pub fn cli(env: &[(&str, &str)], args: &[&str]) -> (i32, Value, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_mongodb-aws"))
        .arg("credentials")
        .arg("--json")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("run mongodb-aws");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, stderr)
}

pub fn env_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
