"""The Python-level API: defaults, URL handling, returned headers, equality, threads, version."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

import bson
import pytest

import mongodb_aws
from mongodb_aws import ClientConversation, Credentials

from conftest import AKID, GCI, REPO, SECRET, T, read

TOKEN = "AQoDYXdzEPT//////////wEXAMPLE"


def test_version_matches_cargo() -> None:
    text = read(REPO / "Cargo.toml")
    m = re.search(r'\[workspace\.package\][^\[]*?\nversion = "([^"]+)"', text)
    assert m is not None
    assert mongodb_aws.__version__ == m.group(1)


def test_credentials_value_semantics() -> None:
    a = Credentials(AKID, SECRET, TOKEN)
    assert (a.access_key_id, a.secret_access_key, a.session_token) == (AKID, SECRET, TOKEN)
    assert a == Credentials(AKID, SECRET, TOKEN)
    assert a != Credentials(AKID, SECRET)
    assert a != Credentials(AKID, SECRET + "x", TOKEN)
    assert a != (AKID, SECRET, TOKEN)
    assert hash(a) == hash(Credentials(AKID, SECRET, TOKEN))
    assert len({a, Credentials(AKID, SECRET, TOKEN)}) == 1
    # An empty token is no token (PROTOCOL.md A6).
    assert Credentials(AKID, SECRET, "").session_token is None
    assert Credentials.from_parts(AKID, SECRET, "") == Credentials(AKID, SECRET)
    with pytest.raises(AttributeError):
        a.access_key_id = "x"  # type: ignore[misc]


def test_conversation_defaults_use_urandom_and_time(gci_inputs: dict[str, Any]) -> None:
    nonce = bytes.fromhex(gci_inputs["client_nonce_hex"])
    with mock.patch("os.urandom", return_value=nonce) as urandom:
        conv = ClientConversation()
    urandom.assert_called_once_with(32)
    assert conv.nonce == nonce
    server_first = bytes.fromhex(read(GCI / "server-first.bson.hex").strip())
    creds = Credentials(AKID, SECRET)
    with mock.patch("time.time", return_value=T + 0.5):
        final = conv.finish(server_first, creds)
        creq = conv.canonical_request(server_first, creds)
        sts = conv.string_to_sign(server_first, creds)
    assert final == bytes.fromhex(read(GCI / "without-session-token" / "client-final.bson.hex").strip())
    assert creq == read(GCI / "without-session-token" / "canonical-request.txt")
    assert sts == read(GCI / "without-session-token" / "string-to-sign.txt")
    # Two default conversations get different nonces.
    assert ClientConversation().nonce != ClientConversation().nonce


def test_conversation_accepts_bytes_subclasses() -> None:
    nonce = bytes(32)
    sf = bson.Binary(bson.encode({"s": bson.Binary(nonce + bytes(32)), "h": "sts.amazonaws.com"}))
    out = ClientConversation(nonce).finish(sf, Credentials(AKID, SECRET), T)
    assert bson.decode(out)["d"] == "20150830T123600Z"


def test_signing_key_cache_follows_scope() -> None:
    """One Credentials object signing for several dates and regions gives the same results as
    fresh objects (the cached key is only reused for its own scope)."""
    nonce = bytes(32)
    shared = Credentials(AKID, SECRET)
    for host in ("sts.amazonaws.com", "sts.eu-west-1.amazonaws.com", "sts.amazonaws.com"):
        for now in (T, T + 86_400, T):
            sf = bson.encode({"s": bson.Binary(nonce + bytes(32)), "h": host})
            conv = ClientConversation(nonce)
            assert conv.finish(sf, shared, now) == conv.finish(sf, Credentials(AKID, SECRET), now)


def test_threads_share_credentials() -> None:
    creds = Credentials(AKID, SECRET, TOKEN)
    nonce = bytes(range(32))
    sf = bson.encode({"s": bson.Binary(nonce + bytes(32)), "h": "sts.us-east-2.amazonaws.com"})
    expected = {t: ClientConversation(nonce).finish(sf, Credentials(AKID, SECRET, TOKEN), t)
                for t in (T, T + 86_400 * 3)}

    def work(i: int) -> bool:
        t = T if i % 2 else T + 86_400 * 3
        return ClientConversation(nonce).finish(sf, creds, t) == expected[t]

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(400)))


def _sign(url: str, **kw: Any) -> mongodb_aws.SignedRequest:
    args: dict[str, Any] = dict(credentials=Credentials(AKID, SECRET), region="us-east-1",
                                service="service", now=T)
    args.update(kw)
    return mongodb_aws.sign_v4("GET", url, **args)


def test_host_from_url() -> None:
    # The AWS suites' get-vanilla signature, with Host taken from the URL.
    expected = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    for url in (
        "https://example.amazonaws.com/",
        "https://example.amazonaws.com:443/",
        "http://example.amazonaws.com:80",
        "https://user:pw@example.amazonaws.com/",
    ):
        s = _sign(url)
        assert s.signature == expected, url
        assert s.headers["Host"] == "example.amazonaws.com"
        assert list(s.headers) == ["Host", "X-Amz-Date", "Authorization"]
    # A non-default port is part of the host.
    s = _sign("https://example.amazonaws.com:8443/")
    assert s.headers["Host"] == "example.amazonaws.com:8443"
    assert s.signature != expected
    # An explicit Host header wins and is not repeated.
    s = _sign("https://other.example/", headers={"Host": "example.amazonaws.com"})
    assert s.signature == expected and "Host" not in s.headers
    # Headers as pairs or as a mapping are the same.
    assert _sign("/", headers=[("Host", "example.amazonaws.com")]).signature == expected


def test_returned_headers() -> None:
    body = b'{"a": 1}'
    s = _sign("https://example.amazonaws.com/", credentials=Credentials(AKID, SECRET, TOKEN),
              body=body, content_sha256_header=True)
    assert s.headers["X-Amz-Security-Token"] == TOKEN
    assert s.headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    assert s.headers["X-Amz-Date"] == s.amz_date == "20150830T123600Z"
    assert "x-amz-content-sha256;x-amz-date;x-amz-security-token" in s.authorization
    # str bodies are UTF-8.
    assert _sign("https://h/", body="é").signature == _sign("https://h/", body="é".encode()).signature
    # A given payload hash is used as is; UNSIGNED-PAYLOAD on request.
    h = hashlib.sha256(body).hexdigest()
    assert _sign("https://h/", payload_hash=h).signature == _sign("https://h/", body=body).signature
    u = _sign("https://h/", unsigned_payload=True, content_sha256_header=True)
    assert u.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    # Token left out of the signature but still returned.
    o = _sign("https://h/", credentials=Credentials(AKID, SECRET, TOKEN), sign_session_token=False)
    assert "x-amz-security-token" not in o.authorization
    assert o.headers["X-Amz-Security-Token"] == TOKEN


def test_presign_url_joining() -> None:
    c = Credentials(AKID, SECRET)
    kw: dict[str, Any] = dict(credentials=c, region="us-east-1", service="s3", now=T, expires=60,
                              unsigned_payload=True)
    p = mongodb_aws.presign_v4("GET", "https://b.s3.amazonaws.com/k", **kw)
    assert p.url == "https://b.s3.amazonaws.com/k?" + p.query
    p2 = mongodb_aws.presign_v4("GET", "https://b.s3.amazonaws.com/k?x=1", **kw)
    assert p2.url == "https://b.s3.amazonaws.com/k?x=1&" + p2.query
    assert p2.signature != p.signature
    assert "X-Amz-Expires=60" in p.query and p.query.endswith("X-Amz-Signature=" + p.signature)


def test_constants() -> None:
    assert mongodb_aws.STS_DEFAULT_HOST == "sts.amazonaws.com"
    assert mongodb_aws.GET_CALLER_IDENTITY_BODY == "Action=GetCallerIdentity&Version=2011-06-15"
    assert mongodb_aws.MAX_PRESIGN_EXPIRES == 604_800
    assert mongodb_aws.sts_region("sts.us-west-2.amazonaws.com") == "us-west-2"


def test_gil_released_for_large_inputs() -> None:
    """While a large body is hashed, another Python thread keeps running."""
    body = bytes(256 * 1024 * 1024)
    ticks = 0
    done = threading.Event()

    def sign() -> None:
        try:
            _sign("https://h/", body=body)
        finally:
            done.set()

    t = threading.Thread(target=sign)
    t.start()
    started = time.perf_counter()
    while not done.is_set():
        ticks += 1
    elapsed = time.perf_counter() - started
    t.join()
    # Hashing 256 MiB takes well over 50 ms; with the GIL held the loop could not tick meanwhile
    # (the switch interval is 5 ms, so a held GIL allows at most a handful of ticks).
    assert elapsed > 0.05
    assert ticks > 10_000, (ticks, elapsed)
