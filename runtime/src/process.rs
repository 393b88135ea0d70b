//! The I/O of the chain's `RunProcess` and `WriteFile` actions: a profile's `credential_process`
//! (no shell, stdin null, stdout and stderr captured up to the core's bound, killed and reaped at
//! the core's deadline) and the SSO token cache write-back (temporary file + rename, mode 0600).

use mongodb_aws_core::providers::chain::{IoError, ProcessAction, MAX_PROCESS_OUTPUT};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How a process ended.
pub(crate) struct Exit {
    pub code: Option<i32>,
    pub stdout: Zeroizing<Vec<u8>>,
    pub stderr: Vec<u8>,
}

/// How long to wait for the output pipes to close after the process ended (a grandchild may keep
/// them open): then what was read is the output.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// Polling interval of the exit check.
const POLL: Duration = Duration::from_millis(5);

/// Reads everything from `r`, keeping the first [`MAX_PROCESS_OUTPUT`] bytes (the rest is drained
/// so that the process never blocks on a full pipe).
fn capture(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Zeroizing<Vec<u8>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Zeroizing::new(Vec::new());
        let mut chunk = Zeroizing::new([0u8; 8192]);
        loop {
            match r.read(&mut chunk[..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_PROCESS_OUTPUT.saturating_sub(kept.len());
                    kept.extend_from_slice(chunk.get(..n.min(room)).unwrap_or(&[]));
                }
            }
        }
        let _ = tx.send(kept);
    });
    rx
}

/// Runs the process of `p`. `Err(NotFound)`: no such program; `Err(Unreadable)`: it cannot be
/// started; `Err(Timeout)`: killed at the deadline.
pub(crate) fn run(p: &ProcessAction<'_>) -> Result<Exit, IoError> {
    let mut child = Command::new(p.program)
        .args(p.args.clone())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => IoError::NotFound,
            _ => IoError::Unreadable,
        })?;
    let out = child.stdout.take().map(capture);
    let err = child.stderr.take().map(capture);
    let deadline = Instant::now() + Duration::from_millis(u64::from(p.timeout_ms));
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(POLL),
            Err(_) => break None,
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(IoError::Timeout);
    };
    let collect = |rx: Option<mpsc::Receiver<Zeroizing<Vec<u8>>>>| {
        rx.and_then(|r| r.recv_timeout(PIPE_GRACE).ok())
            .unwrap_or_default()
    };
    let stdout = collect(out);
    let stderr = collect(err).to_vec();
    Ok(Exit {
        code: status.code(),
        stdout,
        stderr,
    })
}

/// Replaces `path` with `content` atomically: a temporary file beside it (mode 0600 on Unix),
/// flushed to disk, then renamed over it.
pub(crate) fn write_atomic(path: &str, content: &[u8]) -> Result<(), IoError> {
    use std::io::Write;
    let target = std::path::Path::new(path);
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or(IoError::Unreadable)?;
    let mut suffix = [0u8; 6];
    let _ = getrandom::fill(&mut suffix);
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let result = (|| {
        let mut f = o.open(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        match e.kind() {
            std::io::ErrorKind::NotFound => IoError::NotFound,
            _ => IoError::Unreadable,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb_aws_core::providers::chain::{Action, Chain, Env, Plan};
    use mongodb_aws_core::UnixTime;

    /// The RunProcess action of a chain whose default profile has `credential_process = cmd`,
    /// with `dir` as HOME.
    fn with_process<R>(
        dir: &std::path::Path,
        cmd: &str,
        f: impl FnOnce(&mut ProcessAction<'_>) -> R,
    ) -> R {
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            format!("[default]\ncredential_process = {cmd}\n"),
        )
        .unwrap();
        let home = dir.to_str().unwrap().to_string();
        let mut e = Env::new();
        e.set("HOME", Some(&home));
        let plan = Plan::Default {
            custom_provider: false,
            fresh_cache: false,
            profile: None,
        };
        let mut chain = Box::new(Chain::new(e, plan, UnixTime(1_700_000_000), [1; 16]));
        for _ in 0..4 {
            match chain.poll() {
                Action::ReadFile { path, .. } => match std::fs::read(path) {
                    Ok(b) => chain.on_file(&b),
                    Err(_) => chain.on_io_error(IoError::NotFound),
                },
                Action::RunProcess(mut p) => return f(&mut p),
                other => panic!("{other:?}"),
            }
        }
        panic!("no RunProcess")
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("mongodb-aws-process-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_process_past_its_deadline_is_killed_and_reaped() {
        with_process(&dir("slow"), "/bin/sleep 30", |p| {
            p.timeout_ms = 200;
            let t = Instant::now();
            assert!(matches!(run(p), Err(IoError::Timeout)));
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        });
    }

    #[test]
    fn output_is_bounded_and_stdin_is_closed() {
        // `cat` reads stdin (null: at once EOF) and exits 0; yes(1) writes without end until
        // killed by head: the capture keeps at most MAX_PROCESS_OUTPUT bytes.
        with_process(&dir("cat"), "/bin/cat", |p| {
            let e = run(p).unwrap();
            assert_eq!((e.code, e.stdout.len()), (Some(0), 0));
        });
        with_process(
            &dir("big"),
            "/bin/sh -c 'head -c 200000 /dev/zero; echo err >&2; exit 4'",
            |p| {
                let e = run(p).unwrap();
                assert_eq!((e.code, e.stdout.len()), (Some(4), MAX_PROCESS_OUTPUT));
                assert_eq!(e.stderr, b"err\n");
            },
        );
    }

    #[test]
    fn write_atomic_replaces_the_file_user_only() {
        let d = dir("write");
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("token.json");
        std::fs::write(&path, "old").unwrap();
        write_atomic(path.to_str().unwrap(), b"{\"accessToken\":\"new\"}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"accessToken\":\"new\"}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        // A missing directory is an error, not a panic.
        assert_eq!(
            write_atomic(d.join("no/such/dir/x.json").to_str().unwrap(), b"x"),
            Err(IoError::NotFound)
        );
    }
}
