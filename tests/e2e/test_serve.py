"""`mongodb-aws serve` as other tests drive it: start-up line, stopping, option errors, and the
server's behaviour around authentication."""

from __future__ import annotations

import signal
import subprocess

import rawclient
from harness import Serve, cli_bin


def test_start_line_and_stdin_close(in_process):
    srv = in_process.serve("sts.us-west-2.amazonaws.com")
    info = srv.info
    assert info["host"] == "127.0.0.1" and info["address"] == f"127.0.0.1:{srv.port}"
    assert info["uri"].startswith(f"mongodb://127.0.0.1:{srv.port}/?authMechanism=MONGODB-AWS")
    assert info["sts_host"] == "sts.us-west-2.amazonaws.com"
    assert info["in_process_sts"] is True and info["sts_endpoint"].startswith("http://127.0.0.1:")
    srv.proc.stdin.close()
    assert srv.proc.wait(5) == 0
    srv.close()


def test_sigterm_stops_it(in_process):
    srv = in_process.serve("sts.amazonaws.com")
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(5) == -signal.SIGTERM
    srv.close()


def test_bad_options_exit_2():
    for args in (["--port", "0"], ["--in-process-sts", "--sts-host", "sts..com"], ["--bogus"]):
        p = subprocess.run([str(cli_bin()), "serve", *args], capture_output=True, text=True, timeout=10)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("mongodb-aws serve: ")


def test_commands_need_authentication_and_allow_user(in_process):
    ident = in_process.identity(True)
    srv = Serve(*in_process.serve_args, "--allow-user", ident.user)
    try:
        w = rawclient.Wire(srv.port)
        hello = w.command({"hello": 1, "$db": "admin", "saslSupportedMechs": "$external.x"})
        assert hello["isWritablePrimary"] is True and hello["maxWireVersion"] == 21
        assert hello["saslSupportedMechs"] == ["MONGODB-AWS"]
        denied = w.command({"find": "c", "$db": "test"})
        assert denied["ok"] == 0.0 and denied["code"] == 13, denied
        assert w.command({"ping": 1, "$db": "admin"})["ok"] == 1.0
        conv = rawclient.Conversation(w)
        reply = conv.finish(conv.client_final(ident.access_key_id, ident.secret_access_key, ident.session_token))
        assert reply["ok"] == 1.0 and reply["done"] is True
        found = w.command({"find": "c", "$db": "test"})
        assert found["cursor"]["firstBatch"][0]["user"] == ident.user
        w.close()
        # An identity STS confirms but that is not an allowed user.
        other = in_process.identity(False)
        w = rawclient.Wire(srv.port)
        conv = rawclient.Conversation(w)
        reply = conv.finish(conv.client_final(other.access_key_id, other.secret_access_key, None))
        assert reply["ok"] == 0.0 and reply["code"] == 18
        assert f"user {other.user}@$external is not found" in reply["errmsg"]
        # Another mechanism, and $external misuse.
        r = w.command({"saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": b"", "$db": "admin"})
        assert r["code"] == 334, r
        w.close()
    finally:
        srv.close()
