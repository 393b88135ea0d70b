"""Helpers of the end-to-end tests: the `mongodb-aws serve` process, identities, STS back ends.

Environment:
  MONGODB_AWS_BIN       the mongodb-aws binary (default: $CARGO_TARGET_DIR or target/, debug/)
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import string
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent

# Hosts every driver test runs against: the global endpoint and a regional one.
STS_HOSTS = ["sts.amazonaws.com", "sts.us-west-2.amazonaws.com"]
ACCOUNT = "123456789012"


def cli_bin() -> Path:
    if os.environ.get("MONGODB_AWS_BIN"):
        return Path(os.environ["MONGODB_AWS_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "mongodb-aws"


@dataclass
class Identity:
    """Credentials a client uses, and what the server must report for them."""

    access_key_id: str
    secret_access_key: str
    session_token: Optional[str]
    arn: str  # what STS returns
    user: str  # the $external user name after the server's mapping

    def env(self, secret: Optional[str] = None) -> dict:
        """A clean environment holding only these credentials (no shared files, no IMDS)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=self.access_key_id,
            AWS_SECRET_ACCESS_KEY=secret or self.secret_access_key,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_CONFIG_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


class Serve:
    """A running `mongodb-aws serve --port 0 ...`; stops when its stdin closes. `nofile` sets its
    RLIMIT_NOFILE (soft and hard) before it starts."""

    def __init__(self, *args: str, nofile: Optional[int] = None) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="mongodb-aws-serve-", suffix=".log", delete=False)

        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [str(cli_bin()), "serve", "--port", "0", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            preexec_fn=limit if nofile is not None else None,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.wait(5)
            raise RuntimeError(f"serve did not start: {Path(self.log.name).read_text()}")
        self.info = json.loads(line)
        self.port: int = self.info["port"]

    def uri(self) -> str:
        return (
            f"mongodb://127.0.0.1:{self.port}/?authMechanism=MONGODB-AWS"
            "&directConnection=true&serverSelectionTimeoutMS=5000"
        )

    def events(self) -> list:
        out = []
        # Whole lines only: the server may be writing the last one right now.
        for line in Path(self.log.name).read_text().split("\n")[:-1]:
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def auth_events(self) -> list:
        return [e for e in self.events() if e.get("event") == "auth"]

    def log_text(self) -> str:
        return Path(self.log.name).read_text()

    def status(self) -> dict:
        """/proc/PID/status of the server: `rss_kib` (VmRSS) and `threads`."""
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines() if ":" in line
        )
        return {"rss_kib": int(fields["VmRSS"].split()[0]), "threads": int(fields["Threads"])}

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used (/proc/PID/stat)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        os.unlink(self.log.name)


@dataclass
class Backend:
    """An STS to verify against, the identities it knows, and how to start a server in front of it."""

    name: str
    permanent: Identity
    temporary: Identity
    serve_args: list = field(default_factory=list)
    sts_url: Optional[str] = None

    def identity(self, token: bool) -> Identity:
        return self.temporary if token else self.permanent

    def serve(self, host: str, *extra: str) -> Serve:
        return Serve(*self.serve_args, "--sts-host", host, *extra)


def altered(s: str, at: int = 0) -> str:
    """`s` with the character at `at` replaced by a different one, so the result never equals `s`
    (a fixed replacement such as "X" would equal a random secret that already has it there)."""
    i = at % len(s)
    return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]


def random_key(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def run_client(argv: list, env: dict) -> tuple:
    """Runs a client; returns (exit status, parsed JSON line, stderr)."""
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    out = json.loads(lines[-1]) if lines else None
    return p.returncode, out, p.stderr
