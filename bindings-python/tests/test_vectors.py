"""The shared vectors through the Python API: the MONGODB-AWS GetCallerIdentity vector, the derived
spec vectors (host/region, nonce, signer-only driver vectors) and every case of both AWS SigV4 suites.
Expected values come from the files, never from this package."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import mongodb_aws
from mongodb_aws import ClientConversation, Credentials

from conftest import AKID, GCI, SECRET, T, VECTORS, ParsedRequest, parse_request, read


def hexfile(path: Path) -> bytes:
    return bytes.fromhex(read(path).strip())


# ---- the MONGODB-AWS conversation vector --------------------------------------------------------


@pytest.mark.parametrize("variant", ["with-session-token", "without-session-token"])
def test_getcalleridentity_vector(variant: str, gci_inputs: dict[str, Any]) -> None:
    nonce = bytes.fromhex(gci_inputs["client_nonce_hex"])
    server_first = hexfile(GCI / "server-first.bson.hex")
    token = gci_inputs["session_token"] if variant == "with-session-token" else None
    creds = Credentials(gci_inputs["access_key_id"], gci_inputs["secret_access_key"], token)
    conv = ClientConversation(nonce)
    assert conv.nonce == nonce
    assert conv.client_first() == hexfile(GCI / "client-first.bson.hex")
    d = GCI / variant
    assert conv.canonical_request(server_first, creds, T) == read(d / "canonical-request.txt")
    assert conv.string_to_sign(server_first, creds, T) == read(d / "string-to-sign.txt")
    final = conv.finish(server_first, creds, T)
    assert final == hexfile(d / "client-final.bson.hex")
    assert read(d / "authorization.txt").strip().encode() in final
    assert read(d / "signature.txt").strip().encode() in final
    # float clock, floored
    assert conv.finish(server_first, creds, T + 0.999) == final
    sf = conv.parse_server_first(server_first)
    assert sf.host == gci_inputs["host"]
    assert sf.region == gci_inputs["region"]
    assert sf.server_nonce == bytes.fromhex(gci_inputs["server_nonce_hex"])
    assert sf.server_nonce_base64 == gci_inputs["server_nonce_base64"]


def test_spec_conversation_example_layout(derived: dict[str, Any]) -> None:
    ex = derived["spec_conversation_example"]
    client_first = bytes.fromhex(ex["client_first_hex"])
    assert base64.b64decode(ex["client_first_base64"]) == client_first
    nonce = client_first[12:44]
    conv = ClientConversation(nonce)
    assert conv.client_first() == client_first
    assert len(client_first) == ex["sizes_bytes"]["client_first"]
    sf = conv.parse_server_first(bytes.fromhex(ex["server_first_hex"]))
    assert (sf.host, sf.region) == ("sts.amazonaws.com", "us-east-1")
    assert sf.server_nonce[:32] == nonce
    # Go's field order (p then r) is not what we emit.
    assert conv.client_first().hex() != derived["client_first_field_order"][
        "p_then_r_hex_as_go_driver_would_emit"
    ]


def test_region_and_host_cases(derived: dict[str, Any]) -> None:
    cases = derived["region_and_host_cases"]["cases"]
    assert len(cases) >= 20
    for case in cases:
        host = case.get("host")
        if host is None:
            rep = case["host_repeat"]
            host = rep["char"] * rep["count"]
        if case.get("error"):
            with pytest.raises(mongodb_aws.ConversationError):
                mongodb_aws.sts_region(host)
            with pytest.raises(mongodb_aws.ConversationError):
                mongodb_aws.validate_sts_host(host)
        else:
            assert mongodb_aws.sts_region(host) == case["region"], host
            assert mongodb_aws.validate_sts_host(host) is None


def _server_first(nonce64: bytes, host: str) -> bytes:
    import bson

    return bson.encode({"s": bson.Binary(nonce64, 0), "h": host})


def test_server_nonce_cases(derived: dict[str, Any]) -> None:
    """The spec's nonce rules, each case of the derived file built as BSON by pymongo's bson."""
    names = [c["case"] for c in derived["server_nonce_cases"]["cases"]]
    nonce = bytes(range(32))
    conv = ClientConversation(nonce)
    creds = Credentials(AKID, SECRET)
    assert "64 bytes, prefix = client nonce" in names
    conv.finish(_server_first(nonce + bytes(32), "sts.amazonaws.com"), creds, T)
    assert "64 bytes, prefix differs in one byte" in names
    with pytest.raises(mongodb_aws.ConversationError) as e:
        conv.finish(_server_first(b"\x01" + nonce[1:] + bytes(32), "sts.amazonaws.com"), creds, T)
    assert e.value.code == "SERVER_NONCE_MISMATCH"
    assert "63 or 65 bytes with correct prefix" in names
    for n in (63, 65):
        with pytest.raises(mongodb_aws.ConversationError) as e:
            conv.finish(_server_first((nonce + bytes(40))[:n], "sts.amazonaws.com"), creds, T)
        assert e.value.code == "SERVER_NONCE_LENGTH"
    assert "2 bytes" in names
    with pytest.raises(mongodb_aws.ConversationError) as e:
        conv.finish(_server_first(nonce[:2], "sts.amazonaws.com"), creds, T)
    assert e.value.code == "SERVER_NONCE_LENGTH"


@pytest.mark.parametrize("index", range(4))
def test_driver_signature_vectors(index: int, derived: dict[str, Any]) -> None:
    """Signer-only vectors copied from the Node and C# drivers' unit tests (their 'nonce' header is
    not a real 64-byte nonce), through the general signer."""
    v = derived["signature_vectors"][index]
    creds = Credentials(v["access_key_id"], v["secret_access_key"], v["session_token"])
    from mongodb_aws._mongodb_aws import STS_SERVICE

    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", "43"),
        ("Host", v["host"]),
        ("X-MongoDB-Server-Nonce", v["x_mongodb_server_nonce_header"]),
        ("X-MongoDB-GS2-CB-Flag", "n"),
    ]
    now = _amz_to_unix(v["amz_date"])
    kw: dict[str, Any] = dict(
        credentials=creds,
        region=v["region"],
        service=STS_SERVICE,
        headers=headers,
        body=mongodb_aws.GET_CALLER_IDENTITY_BODY,
        now=now,
    )
    assert mongodb_aws.canonical_request_v4("POST", "/", **kw) == v["canonical_request"]
    assert mongodb_aws.string_to_sign_v4("POST", "/", **kw) == v["string_to_sign"]
    signed = mongodb_aws.sign_v4("POST", "/", **kw)
    assert signed.authorization == v["authorization"]
    assert signed.amz_date == v["amz_date"]


def _amz_to_unix(amz: str) -> int:
    import calendar
    import time

    return calendar.timegm(time.strptime(amz, "%Y%m%dT%H%M%SZ"))


# ---- AWS SigV4 suites ---------------------------------------------------------------------------


def _classic_cases() -> list[Path]:
    root = VECTORS / "aws-sig-v4-test-suite"
    cases = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        if (d / f"{d.name}.req").exists():
            cases.append(d)
        else:
            cases.extend(sorted(s for s in d.iterdir() if s.is_dir()))
    return cases


CLASSIC = _classic_cases()
CRT = sorted(p for p in (VECTORS / "aws-signing-test-suite-v4").iterdir() if p.is_dir())


def test_suite_sizes() -> None:
    assert len(CLASSIC) == 31
    assert len(CRT) == 38


def _kw(p: ParsedRequest, creds: Credentials, **extra: Any) -> dict[str, Any]:
    return dict(
        credentials=creds,
        region="us-east-1",
        service="service",
        headers=p.headers,
        body=p.body,
        now=T,
        **extra,
    )


def _url(p: ParsedRequest) -> str:
    return p.path + ("?" + p.query if p.query else "")


@pytest.mark.parametrize("case", CLASSIC, ids=lambda d: d.name)
def test_classic_suite(case: Path) -> None:
    f = lambda ext: read(case / f"{case.name}.{ext}")  # noqa: E731
    p = parse_request(f("req"), fold_as_values=True)
    creds = Credentials(AKID, SECRET)
    kw = _kw(p, creds)
    assert mongodb_aws.canonical_request_v4(p.method, _url(p), **kw) == f("creq")
    assert mongodb_aws.string_to_sign_v4(p.method, _url(p), **kw) == f("sts")
    signed = mongodb_aws.sign_v4(p.method, _url(p), **kw)
    assert signed.authorization == f("authz")
    assert signed.headers["Authorization"] == f("authz")
    # The request already has X-Amz-Date: nothing to add but Authorization.
    assert list(signed.headers) == ["Authorization"]


@pytest.mark.parametrize("case", CRT, ids=lambda d: d.name)
def test_crt_suite(case: Path) -> None:
    f = lambda name: read(case / name)  # noqa: E731
    ctx = json.loads(f("context.json"))
    assert (ctx["region"], ctx["service"], ctx["timestamp"]) == (
        "us-east-1",
        "service",
        "2015-08-30T12:36:00Z",
    )
    c = ctx["credentials"]
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c.get("token"))
    p = parse_request(f("request.txt"), fold_as_values=False)
    settings = dict(
        normalize_path=ctx["normalize"],
        double_encode_path=ctx["normalize"],
        sign_session_token=not ctx.get("omit_session_token", False),
    )
    kw = _kw(p, creds, content_sha256_header=ctx["sign_body"], **settings)
    url = _url(p)
    assert mongodb_aws.canonical_request_v4(p.method, url, **kw) == f("header-canonical-request.txt")
    assert mongodb_aws.string_to_sign_v4(p.method, url, **kw) == f("header-string-to-sign.txt")
    signed = mongodb_aws.sign_v4(p.method, url, **kw)
    assert signed.signature == f("header-signature.txt").strip()
    # Every header we add appears, with the same value, in the suite's signed request.
    wire = f("header-signed-request.txt")
    for name, value in signed.headers.items():
        assert f"{name}:{value}".lower() in wire.lower(), (name, value)

    # Presigned (query) variant: the suites hash the body but never sign x-amz-content-sha256 there.
    kw = _kw(p, creds, **settings)
    exp = ctx["expiration_in_seconds"]
    assert mongodb_aws.canonical_request_v4(
        p.method, url, presign_expires=exp, **kw
    ) == f("query-canonical-request.txt")
    pre = mongodb_aws.presign_v4(p.method, url, expires=exp, **kw)
    assert pre.signature == f("query-signature.txt").strip()
    line = f("query-signed-request.txt").split("\n")[0]
    for param in pre.query.split("&"):
        assert param in line, param
    assert pre.url.startswith(url)
