"""Fixtures for the end-to-end tests: the `mongodb-aws serve` test server, moto as a verifying STS
(scripts/moto-sts) and the project's in-process verifying STS, and credentials for each.

Environment:
  MONGODB_AWS_BIN       the mongodb-aws binary (default: $CARGO_TARGET_DIR or target/, debug/)
  MONGOC_E2E_CLIENT     the compiled libmongoc client (default: built here with gcc + pkg-config)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pytest

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
    """A running `mongodb-aws serve --port 0 ...`; stops when its stdin closes."""

    def __init__(self, *args: str) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="mongodb-aws-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [str(cli_bin()), "serve", "--port", "0", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
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
        for line in Path(self.log.name).read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def auth_events(self) -> list:
        return [e for e in self.events() if e.get("event") == "auth"]

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


def _random_key(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


@pytest.fixture(scope="session")
def moto() -> Iterator[Backend]:
    """moto's server as STS, with signature checking on; an IAM user's key, and temporary credentials
    from AssumeRole on a role (so the ARN is an assumed-role session)."""
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "moto-sts"), "--foreground"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.wait(30)
        pytest.fail("scripts/moto-sts did not start")
    info = json.loads(line)
    try:
        import boto3

        sts = boto3.client(
            "sts",
            endpoint_url=info["url"],
            region_name="us-east-1",
            aws_access_key_id=info["access_key_id"],
            aws_secret_access_key=info["secret_access_key"],
        )
        c = sts.assume_role(RoleArn=info["role_arn"], RoleSessionName="e2e-session")["Credentials"]
        role = info["role_arn"].split(":role/", 1)[1]
        yield Backend(
            name="moto",
            permanent=Identity(
                info["access_key_id"], info["secret_access_key"], None, info["user_arn"], info["user_arn"]
            ),
            temporary=Identity(
                c["AccessKeyId"],
                c["SecretAccessKey"],
                c["SessionToken"],
                f"arn:aws:sts::{info['account_id']}:assumed-role/{role}/e2e-session",
                f"arn:aws:sts::{info['account_id']}:assumed-role/{role}/*",
            ),
            serve_args=["--sts-endpoint", info["url"]],
            sts_url=info["url"],
        )
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="session")
def in_process() -> Backend:
    """The project's in-process verifying STS (started by serve --in-process-sts)."""
    perm = Identity(
        _random_key("AKIA"),
        secrets.token_urlsafe(30)[:40],
        None,
        f"arn:aws:iam::{ACCOUNT}:user/e2e-user",
        f"arn:aws:iam::{ACCOUNT}:user/e2e-user",
    )
    temp = Identity(
        _random_key("ASIA"),
        secrets.token_urlsafe(30)[:40],
        # Session tokens are long base64 with '+', '/' and '=' padding in real life.
        secrets.token_bytes(600).hex().upper()[:800] + "+/AbC==",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-role/e2e-session",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-role/*",
    )
    args = ["--in-process-sts"]
    for i in (perm, temp):
        tok = f":{i.session_token}" if i.session_token else ""
        args += ["--user", f"{i.access_key_id}:{i.secret_access_key}{tok}={i.arn}"]
    return Backend(name="in-process", permanent=perm, temporary=temp, serve_args=args)


@pytest.fixture(params=["moto", "in-process"])
def backend(request) -> Backend:
    return request.getfixturevalue("moto" if request.param == "moto" else "in_process")


@pytest.fixture(scope="session")
def mongoc_client(tmp_path_factory) -> Path:
    """The libmongoc client (clients/mongoc_client.c), compiled against Debian's libmongoc-dev."""
    if os.environ.get("MONGOC_E2E_CLIENT"):
        return Path(os.environ["MONGOC_E2E_CLIENT"])
    if not shutil.which("pkg-config"):
        pytest.fail("pkg-config missing: run scripts/install-deps c")
    out = tmp_path_factory.mktemp("mongoc") / "mongoc_client"
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libmongoc-1.0"], check=True, capture_output=True, text=True
    ).stdout.split()
    subprocess.run(
        ["cc", "-Wall", "-Wextra", "-Werror", "-o", str(out), str(E2E / "clients" / "mongoc_client.c"), *flags],
        check=True,
    )
    return out


def run_client(argv: list, env: dict) -> tuple:
    """Runs a client; returns (exit status, parsed JSON line, stderr)."""
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    out = json.loads(lines[-1]) if lines else None
    return p.returncode, out, p.stderr


__all__ = ["Backend", "Identity", "Serve", "STS_HOSTS", "run_client", "sys"]
