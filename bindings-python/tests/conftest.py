"""Shared helpers: where the vendored test data is, and request-file parsing for the AWS suites."""

from __future__ import annotations

import contextlib
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"
VECTORS = TESTDATA / "vectors"
GCI = VECTORS / "mongodb-aws-getcalleridentity"
DERIVED = TESTDATA / "spec-tests" / "derived" / "mongodb-aws-derived-vectors.json"

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#: 2015-08-30T12:36:00Z, the time of both AWS suites and of the GetCallerIdentity vector.
T = 1_440_938_160


class ParsedRequest(NamedTuple):
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes


def parse_request(text: str, fold_as_values: bool) -> ParsedRequest:
    """A suite's ``.req`` / ``request.txt``. The classic suite treats a continuation line as another
    value of the same header; the CRT suite as part of the value (an obsolete line fold)."""
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    request_line = lines[0]
    method, _, rest = request_line.partition(" ")
    target = rest[: rest.rindex(" HTTP/1.1")]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line.startswith((" ", "\t")):
            name, value = headers[-1]
            if fold_as_values:
                headers.append((name, line))
            else:
                headers[-1] = (name, value + "\n" + line)
        elif ":" in line:
            n, _, v = line.partition(":")
            headers.append((n, v))
    return ParsedRequest(method, path, query, headers, body.encode() if sep else b"")


def altered(s: str) -> str:
    """`s` with its first character replaced by a different one: never equal to `s`, which a fixed
    prefix such as "x" + s[1:] would be for a random secret that already starts with "x"."""
    return ("A" if s[:1] != "A" else "B") + s[1:]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def derived() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read(DERIVED))
    return data


@pytest.fixture(scope="session")
def gci_inputs() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read(GCI / "inputs.json"))
    return data


@pytest.fixture(scope="session")
def moto() -> Iterator[dict[str, Any]]:
    """moto's server as STS with signature checking on (scripts/moto-sts): an IAM user's key and a
    role to assume. See :func:`moto_auth_off` for unsigned calls."""
    proc = subprocess.Popen([str(REPO / "scripts" / "moto-sts"), "--foreground"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(30)
        pytest.fail("scripts/moto-sts did not start")
    try:
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def _reset_auth(url: str, body: str) -> None:
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=body.encode(), method="POST",
                                 headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req, timeout=10).close()


@contextlib.contextmanager
def moto_auth_off(moto: dict[str, Any]) -> Iterator[None]:
    """moto answers unsigned calls (AssumeRoleWithWebIdentity, ...WithSAML) with HTTP 500 while
    signature checking is on: turn it off around them."""
    _reset_auth(moto["url"], "inf")
    try:
        yield
    finally:
        _reset_auth(moto["url"], "0")
