"""What a verifying STS and the server must refuse: a wrong secret, a replayed message, a date more
than 15 minutes off, a tampered header. The client side here is independent of the project
(rawclient.py: botocore signs), so these also cross-check our server against botocore."""

from __future__ import annotations

import base64
import datetime
import http.client
import os
import urllib.parse

import pytest

import rawclient
from harness import STS_HOSTS, altered


def authenticate(srv, ident, **kw) -> dict:
    w = rawclient.Wire(srv.port)
    try:
        conv = rawclient.Conversation(w)
        return conv.finish(
            conv.client_final(ident.access_key_id, ident.secret_access_key, ident.session_token, **kw)
        )
    finally:
        w.close()


@pytest.mark.parametrize("host", STS_HOSTS)
@pytest.mark.parametrize("token", [False, True], ids=["no-token", "session-token"])
def test_botocore_signed_conversation_is_accepted(backend, host, token):
    ident = backend.identity(token)
    srv = backend.serve(host)
    try:
        reply = authenticate(srv, ident)
        assert reply["ok"] == 1.0 and reply["done"] is True, reply
        assert srv.auth_events()[-1]["user"] == ident.user
    finally:
        srv.close()


def test_replayed_client_final_is_rejected(backend):
    """A client-final captured from one conversation, sent in a new one: the server's fresh nonce
    differs from the signed one, so STS's signature check fails."""
    ident = backend.identity(True)
    srv = backend.serve("sts.amazonaws.com")
    try:
        w = rawclient.Wire(srv.port)
        first = rawclient.Conversation(w)
        captured = first.client_final(ident.access_key_id, ident.secret_access_key, ident.session_token)
        assert first.finish(captured)["ok"] == 1.0
        second = rawclient.Conversation(w)
        reply = second.finish(captured)
        w.close()
        assert reply["ok"] == 0.0 and reply["code"] == 18, reply
        assert "SignatureDoesNotMatch" in reply["errmsg"]
    finally:
        srv.close()


@pytest.mark.parametrize("field", ["nonce", "flag", "secret"])
def test_tampered_or_wrongly_signed_is_rejected(backend, field):
    """The client signs a server nonce or channel-binding flag other than the ones the server
    forwards (one bit of the nonce flipped; 'y' for 'n'), or signs with a wrong secret."""
    ident = backend.identity(False)
    srv = backend.serve("sts.us-west-2.amazonaws.com")
    try:
        w = rawclient.Wire(srv.port)
        conv = rawclient.Conversation(w)
        secret = ident.secret_access_key
        kw = {}
        if field == "nonce":
            kw["nonce"] = conv.s[:-1] + bytes([conv.s[-1] ^ 1])
        elif field == "flag":
            kw["flag"] = "y"
        else:
            secret = altered(secret)
        reply = conv.finish(conv.client_final(ident.access_key_id, secret, None, **kw))
        w.close()
        assert reply["ok"] == 0.0 and reply["code"] == 18, reply
        assert "SignatureDoesNotMatch" in reply["errmsg"]
    finally:
        srv.close()


@pytest.mark.parametrize("minutes", [-16, 16])
def test_date_more_than_15_minutes_off_is_rejected_by_the_server(backend, minutes):
    ident = backend.identity(False)
    srv = backend.serve("sts.amazonaws.com")
    try:
        when = rawclient.now() + datetime.timedelta(minutes=minutes)
        reply = authenticate(srv, ident, when=when)
        assert reply["ok"] == 0.0 and reply["code"] == 18, reply
        assert "15 minutes" in reply["errmsg"]
    finally:
        srv.close()


@pytest.mark.parametrize("minutes", [-16, 16])
def test_date_more_than_15_minutes_off_is_rejected_by_the_in_process_sts(in_process, minutes):
    """With the server's own clock check off, the in-process STS refuses the date itself (moto does
    not check dates, see TESTING.md)."""
    ident = in_process.identity(True)
    srv = in_process.serve("sts.amazonaws.com", "--no-time-check")
    try:
        when = rawclient.now() + datetime.timedelta(minutes=minutes)
        reply = authenticate(srv, ident, when=when)
        assert reply["ok"] == 0.0 and reply["code"] == 18, reply
        assert "Signature expired" in reply["errmsg"]
        # 14 minutes is still fine.
        ok = authenticate(srv, ident, when=rawclient.now() + datetime.timedelta(minutes=14 if minutes > 0 else -14))
        assert ok["ok"] == 1.0, ok
    finally:
        srv.close()


def post(url: str, headers: dict) -> tuple:
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    try:
        c.request("POST", "/", body=rawclient.BODY, headers=headers)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


@pytest.fixture
def direct(backend):
    """A request signed by botocore, POSTed straight to the STS back end."""
    srv = None if backend.sts_url else backend.serve("sts.amazonaws.com")
    url = backend.sts_url or srv.info["sts_endpoint"]
    yield backend, url
    if srv:
        srv.close()


def signed_headers(ident, host="sts.amazonaws.com", when=None, secret=None) -> dict:
    nonce = base64.b64encode(os.urandom(64)).decode()
    return rawclient.signed_headers(
        host, nonce, ident.access_key_id, secret or ident.secret_access_key, ident.session_token, when or rawclient.now()
    )


@pytest.mark.parametrize("token", [False, True], ids=["no-token", "session-token"])
def test_sts_verifies_signature_directly(direct, token):
    backend, url = direct
    ident = backend.identity(token)
    status, body = post(url, signed_headers(ident))
    assert status == 200, body
    assert f"<Arn>{ident.arn}</Arn>" in body
    # Each signed header changed after signing.
    for name, value in [
        ("X-MongoDB-Server-Nonce", base64.b64encode(os.urandom(64)).decode()),
        ("X-MongoDB-GS2-CB-Flag", "y"),
        ("X-Amz-Date", None),
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
    ]:
        h = signed_headers(ident)
        if value is None:  # one second later, same day and region
            d = datetime.datetime.strptime(h["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            d += datetime.timedelta(seconds=1 if d.second < 59 else -1)
            value = d.strftime("%Y%m%dT%H%M%SZ")
        h[name] = value
        status, body = post(url, h)
        assert status == 403 and "SignatureDoesNotMatch" in body, (name, status, body)
    # Wrong secret; a session token missing or altered.
    status, body = post(url, signed_headers(ident, secret=altered(ident.secret_access_key)))
    assert status == 403 and "SignatureDoesNotMatch" in body, body
    if token:
        h = signed_headers(ident)
        h["X-Amz-Security-Token"] = altered(ident.session_token, len(ident.session_token) // 2)
        status, body = post(url, h)
        assert status == 403, body


def test_in_process_sts_refuses_a_replayed_request(in_process):
    srv = in_process.serve("sts.amazonaws.com")
    try:
        url = srv.info["sts_endpoint"]
        h = signed_headers(in_process.identity(True))
        status, body = post(url, h)
        assert status == 200, body
        status, body = post(url, h)
        assert status == 403 and "Replayed request" in body, body
        # And refuses a date 16 minutes off, and a host whose region is not the signed one.
        late = rawclient.now() + datetime.timedelta(minutes=16)
        status, body = post(url, signed_headers(in_process.identity(False), when=late))
        assert status == 403 and "Signature expired" in body, body
        h = signed_headers(in_process.identity(False), host="sts.us-west-2.amazonaws.com")
        h["Host"] = "sts.eu-west-1.amazonaws.com"
        status, body = post(url, h)
        assert status == 403 and "SignatureDoesNotMatch" in body, body
    finally:
        srv.close()
