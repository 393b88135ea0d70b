"""The built wheel installs into a fresh virtualenv (no network, no other package) and works there.

The test stage passes the wheel's path in MONGODB_AWS_WHEEL; without it the test is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import GCI

WHEEL = os.environ.get("MONGODB_AWS_WHEEL")


def _interpreters() -> list[str]:
    """This Python, plus the oldest and newest other CPython >= 3.9 found under pyenv (when the
    machine has them): one abi3 wheel must serve all of them."""
    found: dict[tuple[int, int], str] = {}
    root = Path(os.path.expanduser("~/.pyenv/versions"))
    for d in sorted(root.glob("3.*")) if root.is_dir() else []:
        parts = d.name.split(".")
        exe = d / "bin" / "python3"
        if len(parts) >= 2 and parts[1].isdigit() and exe.exists():
            version = (int(parts[0]), int(parts[1]))
            if version >= (3, 9) and version != sys.version_info[:2]:
                found[version] = str(exe)
    picked = [found[v] for v in sorted(found)[:1] + sorted(found)[-1:]] if found else []
    return [sys.executable] + sorted(set(picked))

SCRIPT = """
import sys
before = set(sys.modules)
import mongodb_aws
# A lean import: no HTTP, TLS, e-mail parsing or sockets (the runtime does that in Rust), no typing.
heavy = {"http", "urllib", "ssl", "email", "socket", "typing", "dataclasses", "json"}
assert not {m.split(".")[0] for m in set(sys.modules) - before} & heavy, sorted(set(sys.modules) - before)
import json
from pathlib import Path
gci = Path(sys.argv[1])
inp = json.loads((gci / "inputs.json").read_text())
conv = mongodb_aws.ClientConversation(bytes.fromhex(inp["client_nonce_hex"]))
creds = mongodb_aws.Credentials(inp["access_key_id"], inp["secret_access_key"], inp["session_token"])
sf = bytes.fromhex((gci / "server-first.bson.hex").read_text().strip())
out = conv.finish(sf, creds, 1440938160)
assert out.hex() == (gci / "with-session-token" / "client-final.bson.hex").read_text().strip()
try:
    mongodb_aws.Credentials("AKID", "")
except mongodb_aws.CredentialsError as e:
    assert e.code == "MISSING_SECRET_ACCESS_KEY"
import mongodb_aws.pymongo
assert mongodb_aws.get_credentials({"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}).source == "environment"
print(mongodb_aws.__version__, mongodb_aws.__file__)
"""


@pytest.mark.skipif(not WHEEL, reason="MONGODB_AWS_WHEEL not set (the test stage sets it)")
@pytest.mark.parametrize("interpreter", _interpreters())
def test_wheel_installs_into_fresh_venv(tmp_path: Path, interpreter: str) -> None:
    assert WHEEL is not None
    wheel = Path(WHEEL)
    # One abi3 wheel for CPython 3.9 and later.
    assert "-cp39-abi3-" in wheel.name, wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("mongodb_aws/__init__.py", "mongodb_aws/py.typed", "mongodb_aws/_mongodb_aws.pyi",
              "mongodb_aws/pymongo.py", "mongodb_aws/_errors.py", "mongodb_aws/_results.py"):
        assert f in names, f
    assert any(n.startswith("mongodb_aws/_mongodb_aws.") and n.endswith(".so") for n in names)

    env_dir = tmp_path / "venv"
    subprocess.run([interpreter, "-m", "venv", "--clear", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
         "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    run = subprocess.run(
        [str(python), "-I", "-c", SCRIPT, str(GCI)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    version, location = run.stdout.split()
    assert location.startswith(str(env_dir)), location
    # Nothing else was installed: the package has no runtime dependency.
    freeze = subprocess.run([str(python), "-m", "pip", "freeze", "--disable-pip-version-check"],
                            check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(freeze) == 1 and freeze[0].startswith("mongodb-aws"), freeze
    assert version
