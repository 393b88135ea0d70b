//! What the differential tests against botocore share: a reproducible generator, the Python that has
//! botocore, and one Python process answering a JSON line per input line.
//!
//! Each test file that uses it declares `mod support;` (Cargo compiles every file in `tests/` as
//! its own crate, so not every item is used by every one of them).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// xorshift64*: a fixed-seed generator, so a failure is reproducible (the tests print the seed).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `true` with this probability.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items` (not empty).
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// Up to `max` picks from `alphabet`, concatenated.
    pub fn string(&mut self, alphabet: &[&str], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.pick(alphabet)).collect()
    }
}

/// A number from the environment variable `name`, else `default` (seeds and case counts).
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// `MONGODB_AWS_PYTHON`, else the repository's `.venv/bin/python` (`scripts/install-deps python`),
/// if it can import `module`.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let candidate = match std::env::var("MONGODB_AWS_PYTHON") {
        Ok(p) => PathBuf::from(p),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"),
    };
    let ok = Command::new(&candidate)
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then_some(candidate)
}

/// The Python for a botocore differential test, or `None` when there is none and the test may skip
/// (it may not when `MONGODB_AWS_REQUIRE_BOTOCORE` is set, as `scripts/test.d/05-botocore-diff`
/// does: then this panics with the remedy).
pub fn botocore_python(module: &str) -> Option<PathBuf> {
    let found = python_with(module);
    if found.is_none() {
        if std::env::var_os("MONGODB_AWS_REQUIRE_BOTOCORE").is_some() {
            panic!("botocore is required (MONGODB_AWS_REQUIRE_BOTOCORE): run scripts/install-deps python or set MONGODB_AWS_PYTHON");
        }
        eprintln!("SKIPPED: no Python with botocore (run scripts/install-deps python, or set MONGODB_AWS_PYTHON)");
    }
    found
}

/// Runs `python [args…] tests/support/<script>` once, writes one JSON line per input, and returns
/// its answers (one JSON line per input, in order); panics if the script fails or answers a
/// different number of lines.
pub fn run_script(python: &Path, args: &[&str], script: &str, inputs: &[Value]) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script);
    let mut child = Command::new(python)
        .args(args)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {} {}: {e}", python.display(), path.display()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input: String = inputs.iter().map(|r| r.to_string() + "\n").collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let answers: Vec<Value> = BufReader::new(child.stdout.take().expect("piped stdout"))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read a line")).expect("a JSON line"))
        .collect();
    writer
        .join()
        .expect("writer thread")
        .expect("write the inputs");
    assert!(child.wait().expect("wait").success(), "{script} failed");
    assert_eq!(
        answers.len(),
        inputs.len(),
        "{script}: one answer per input"
    );
    answers
}
