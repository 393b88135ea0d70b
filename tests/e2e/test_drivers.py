"""Real MongoDB drivers authenticating with MONGODB-AWS against `mongodb-aws serve`, which forwards to
a verifying STS (moto with signature checking on, or the project's in-process verifier)."""

from __future__ import annotations

import pytest

from clients import CLIENTS
from harness import STS_HOSTS, altered, run_client


@pytest.fixture(params=sorted(CLIENTS))
def client(request):
    return request.param, CLIENTS[request.param](request)


@pytest.mark.parametrize("host", STS_HOSTS)
@pytest.mark.parametrize("token", [False, True], ids=["no-token", "session-token"])
def test_authenticates_with_the_right_arn(client, backend, host, token):
    name, argv = client
    ident = backend.identity(token)
    srv = backend.serve(host)
    try:
        rc, out, err = run_client([*argv, srv.uri()], ident.env())
        assert rc == 0, f"{name}: {out} {err[-2000:]} {srv.events()}"
        assert out["ok"] is True
        assert out["user"] == ident.user
        assert out["arn"] == ident.arn
        events = srv.auth_events()
        assert events and events[-1]["ok"] is True
        assert events[-1]["arn"] == ident.arn
        assert events[-1]["access_key_id"] == ident.access_key_id
    finally:
        srv.close()


@pytest.mark.parametrize("host", STS_HOSTS)
def test_wrong_secret_fails_cleanly(client, backend, host):
    name, argv = client
    ident = backend.identity(False)
    srv = backend.serve(host)
    try:
        wrong = altered(ident.secret_access_key, -1)
        rc, out, err = run_client([*argv, srv.uri()], ident.env(secret=wrong))
        assert rc == 1, f"{name}: {out} {err[-2000:]}"
        assert out["ok"] is False
        assert out["code"] == 18  # AuthenticationFailed
        events = srv.auth_events()
        assert events and all(e["ok"] is False for e in events)
        assert "SignatureDoesNotMatch" in events[-1]["error"]
    finally:
        srv.close()


@pytest.mark.parametrize("token", [False, True], ids=["no-token", "session-token"])
def test_c_example_tells_what_the_server_looked_up(request, backend, token):
    """ffi-c/examples/conversation.c after a refusal: the library's one text
    (mongodb_aws_owned_credentials_refusal_hint) on stderr — the source, the key, the $external
    user it maps from, and for temporary keys the assumed-role rule; never the secret."""
    argv = CLIENTS["ours-c"](request)
    ident = backend.identity(token)
    srv = backend.serve("sts.amazonaws.com", "--allow-user", "arn:aws:iam::123456789012:user/someone-else")
    try:
        rc, out, err = run_client([*argv, srv.uri()], ident.env())
    finally:
        srv.close()
    assert rc == 1 and out["ok"] is False and out["code"] == 18, f"{out} {err[-2000:]}"
    line = next(l for l in err.splitlines() if l.startswith("MONGODB-AWS: "))
    with_token = ", with a session token" if token else ""
    assert line.startswith(
        f"MONGODB-AWS: credentials from environment (access key id {ident.access_key_id}{with_token}); "
        f"the server looks up the $external user mapped from the ARN of key {ident.access_key_id}"
    ), line
    assert ("assumed-role/ROLE/*" in line) == token, line
    assert ident.secret_access_key not in err
