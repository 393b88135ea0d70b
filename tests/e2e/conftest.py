"""Fixtures for the end-to-end tests: moto as a verifying STS (scripts/moto-sts), the project's
in-process verifying STS, credentials for each, the compiled libmongoc client, and what the C ABI's
clients in other languages (ffi-c/bindings) need: the library installed into a temporary prefix and
each language's runtime.

Environment:
  MONGOC_E2E_CLIENT     the compiled libmongoc client (default: built here with gcc + pkg-config)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from harness import ACCOUNT, E2E, ROOT, Backend, Identity, random_key

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
def in_process(tmp_path_factory) -> Backend:
    """The project's in-process verifying STS (started by serve --in-process-sts), given its
    identities in a --credentials-file (mode 0600) so no secret is on a command line."""
    perm = Identity(
        random_key("AKIA"),
        secrets.token_urlsafe(30)[:40],
        None,
        f"arn:aws:iam::{ACCOUNT}:user/e2e-user",
        f"arn:aws:iam::{ACCOUNT}:user/e2e-user",
    )
    temp = Identity(
        random_key("ASIA"),
        secrets.token_urlsafe(30)[:40],
        # Session tokens are long base64 with '+', '/' and '=' padding in real life.
        secrets.token_bytes(600).hex().upper()[:800] + "+/AbC==",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-role/e2e-session",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-role/*",
    )
    creds = tmp_path_factory.mktemp("in-process-sts") / "credentials.json"
    creds.touch(mode=0o600)
    creds.write_text(
        json.dumps(
            [
                {
                    "access_key_id": i.access_key_id,
                    "secret_access_key": i.secret_access_key,
                    **({"session_token": i.session_token} if i.session_token else {}),
                    "arn": i.arn,
                }
                for i in (perm, temp)
            ]
        )
    )
    args = ["--in-process-sts", "--credentials-file", str(creds)]
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


@pytest.fixture(scope="session")
def mongodb_aws_installed() -> list:
    """The Python binding must be importable (scripts/test.d/30-python installs its wheel)."""
    try:
        import mongodb_aws  # noqa: F401
    except ImportError:
        pytest.fail("mongodb_aws is not installed in this Python: run scripts/test.d/30-python first")
    return []


@pytest.fixture(scope="session")
def node_client() -> list:
    """`node`, checked to find what the Node clients (clients/*.cjs) load: our addon, built, and
    bindings-node's npm packages (both from scripts/test.d/40-node)."""
    node = shutil.which("node")
    if not node:
        pytest.fail("node is missing")
    pkg = ROOT / "bindings-node"
    if not (pkg / "node_modules" / "mongodb").is_dir() or not list(pkg.glob("*.node")):
        pytest.fail("bindings-node is not built: run scripts/test.d/40-node first")
    return [node]


@pytest.fixture(scope="session")
def ours_c_client(tmp_path_factory) -> Path:
    """ffi-c/examples/conversation.c compiled against libmongodb_aws.a (built here with cargo)."""
    subprocess.run(["cargo", "build", "--quiet", "-p", "mongodb-aws-ffi"], cwd=ROOT, check=True)
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lib = Path(json.loads(meta)["target_directory"]) / "debug" / "libmongodb_aws.a"
    out = tmp_path_factory.mktemp("ours-c") / "conversation"
    subprocess.run(
        [
            "cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{ROOT / 'include'}",
            "-o", str(out), str(ROOT / "ffi-c" / "examples" / "conversation.c"),
            str(lib), "-lpthread", "-ldl", "-lm",
        ],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def ffi_env(tmp_path_factory) -> list:
    """`env VAR=...` for the clients of ffi-c/bindings: libmongodb_aws (debug, built here with cargo)
    installed by ffi-c/install.sh into a temporary prefix, as scripts/test.d/12-ffi-languages does;
    LD_LIBRARY_PATH for Mono's DllImport, MONGODB_AWS_LIB for ctypes and Ruby-FFI, and the installed
    include/mongodb_aws_ffi.h (its FFI_LIB names the installed library) for PHP's FFI::load()."""
    subprocess.run(["cargo", "build", "--quiet", "-p", "mongodb-aws-ffi"], cwd=ROOT, check=True)
    prefix = tmp_path_factory.mktemp("ffi-prefix")
    subprocess.run(
        [str(ROOT / "ffi-c" / "install.sh"), str(prefix), "--debug", "--no-build", "--strip"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    lib = prefix / "lib"
    path = os.pathsep.join(p for p in (str(lib), os.environ.get("LD_LIBRARY_PATH")) if p)
    return [
        "env",
        f"LD_LIBRARY_PATH={path}",
        f"MONGODB_AWS_LIB={lib / 'libmongodb_aws.so'}",
        f"MONGODB_AWS_FFI_HEADER={prefix / 'include' / 'mongodb_aws_ffi.h'}",
    ]


def _runtime(argv: list, probe: list, what: str) -> list:
    """`argv` if `argv + probe` runs (the runtime and what the binding loads are there)."""
    if not shutil.which(argv[0]) or subprocess.run([*argv, *probe], capture_output=True).returncode != 0:
        pytest.fail(f"{what} is missing: run scripts/install-deps ffi")
    return argv


@pytest.fixture(scope="session")
def ffi_ruby() -> list:
    """Debian's ruby with ruby-ffi."""
    return _runtime(["ruby"], ["-rffi", "-e", ""], "ruby with ruby-ffi")


@pytest.fixture(scope="session")
def ffi_php() -> list:
    """Debian's php-cli with its FFI extension enabled."""
    return _runtime(["php", "-d", "ffi.enable=1"], ["-r", "exit(class_exists('FFI') ? 0 : 1);"], "php-cli with FFI")


@pytest.fixture(scope="session")
def ffi_csharp(tmp_path_factory) -> list:
    """ffi-c/bindings/csharp compiled with Mono's mcs; `mono client.exe`."""
    if not shutil.which("mcs") or not shutil.which("mono"):
        pytest.fail("mono-mcs or mono-runtime is missing: run scripts/install-deps ffi")
    src = ROOT / "ffi-c" / "bindings" / "csharp"
    exe = tmp_path_factory.mktemp("ffi-csharp") / "client.exe"
    subprocess.run(
        ["mcs", "-unsafe", "-warnaserror", f"-out:{exe}", str(src / "MongoDBAws.cs"), str(src / "Client.cs")],
        check=True,
    )
    return ["mono", str(exe)]
