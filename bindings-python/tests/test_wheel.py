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


def _interpreters() -> dict[str, str]:
    """One CPython per minor version >= 3.9 on this machine (pyenv's, /usr/bin's, this one), by id
    ("py3.9"): one abi3 wheel must serve all of them."""
    found: dict[tuple[int, int], str] = {sys.version_info[:2]: sys.executable}
    root = Path(os.path.expanduser("~/.pyenv/versions"))
    candidates = [d / "bin" / "python3" for d in sorted(root.glob("3.*"))] if root.is_dir() else []
    candidates += sorted(Path("/usr/bin").glob("python3.*[0-9]"))
    for exe in candidates:
        if not exe.exists():
            continue
        run = subprocess.run([str(exe), "-c", "import sys, ensurepip; print(*sys.version_info[:2])"],
                             capture_output=True, text=True)
        if run.returncode != 0:  # no ensurepip (Debian without python3-venv): no venv
            continue
        version = tuple(int(x) for x in run.stdout.split())
        if version >= (3, 9):
            found.setdefault((version[0], version[1]), str(exe))
    return {f"py{v[0]}.{v[1]}": found[v] for v in sorted(found)}


INTERPRETERS = _interpreters()

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
@pytest.mark.parametrize("interpreter", list(INTERPRETERS.values()), ids=list(INTERPRETERS))
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


#: The native module's budget. The core alone is about 0.45 MB; the runtime's HTTP and TLS stack
#: (ureq, rustls, ring, the webpki root certificates) makes up most of the rest. The AWS shared
#: config files in the chain (issue #14: profiles, role chains, credential_process, its process
#: runner) took the module from 2,340,712 B to 2,547,128 B.
MAX_NATIVE_BYTES = 2_700_000


@pytest.mark.skipif(not WHEEL, reason="MONGODB_AWS_WHEEL not set (the test stage sets it)")
def test_wheel_native_module_is_stripped_and_portable(tmp_path: Path) -> None:
    from elftools.elf.elffile import ELFFile  # pyelftools, auditwheel's dependency

    assert WHEEL is not None
    wheel = Path(WHEEL)
    with zipfile.ZipFile(wheel) as z:
        (so,) = [n for n in z.namelist() if n.startswith("mongodb_aws/_mongodb_aws.") and n.endswith(".so")]
        native = tmp_path / "native.so"
        native.write_bytes(z.read(so))
    with native.open("rb") as f:
        elf = ELFFile(f)
        sections = {s.name for s in elf.iter_sections()}
        assert not {n for n in sections if n.startswith(".debug") or n == ".symtab"}, sorted(sections)
        # Every versioned glibc symbol it needs exists in glibc 2.17.
        versions = {
            v.name
            for sec in elf.iter_sections()
            if sec.name == ".gnu.version_r"
            for _, aux in sec.iter_versions()
            for v in aux
        }
    glibc = sorted(tuple(int(x) for x in v[len("GLIBC_"):].split(".")) for v in versions if v.startswith("GLIBC_"))
    assert glibc, versions
    size = native.stat().st_size
    assert size <= MAX_NATIVE_BYTES, f"native module {size} B, budget {MAX_NATIVE_BYTES}"
    if "manylinux" not in wheel.name:
        return  # a wheel pip built from the sdist is tagged for this machine only
    assert "manylinux2014_x86_64.manylinux_2_17_x86_64" in wheel.name, wheel.name
    assert glibc[-1] <= (2, 17), glibc[-1]
    show = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)],
                          check=True, capture_output=True, text=True).stdout
    assert 'consistent with the following platform tag:\n"manylinux_2_17_x86_64"' in show, show
