"""`mongodb-aws serve` as other tests drive it: start-up line, stopping, option errors, and the
server's behaviour around authentication."""

from __future__ import annotations

import json
import signal
import subprocess

import rawclient
from harness import Serve, altered, cli_bin


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


SECRET = "Zq9/xT7+vP3kLmN0sR8uW2yB5dF1gH4jK6cV0aQe"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENvP3kLmN0sR8uW2yB5dF1gH4jK6cV0aQe+/=="


def no_piece_of(secret: str, text: str) -> bool:
    """True if no 6-character piece of `secret` appears in `text`."""
    return not any(secret[i : i + 6] in text for i in range(0, len(secret) - 5, 6))


def test_option_errors_never_print_a_secret(tmp_path):
    """Every option error `serve` can give, run as a process with a secret on its command line (as
    the value of --user, of the wrong option, as a stray argument, as a file name, inside the
    credentials file): exit 2 and nothing printed repeats any piece of it."""
    spec = f"AKID1:{SECRET}:{TOKEN}=arn:aws:iam::123456789012:user/a"

    def file(name: str, content: str) -> str:
        p = tmp_path / name
        p.write_text(content)
        return str(p)

    entry = {"access_key_id": "AKID1", "secret_access_key": SECRET, "session_token": TOKEN}
    files = [
        file("not-json", json.dumps([entry])[:-3]),
        file("not-array", json.dumps(entry)),
        file("no-arn", json.dumps([entry])),
        file("bad-arn", json.dumps([{**entry, "arn": f"arn:{SECRET}"}])),
        file("bad-key", json.dumps([{**entry, "access_key_id": "AK ID", "arn": "arn:aws:iam::1:user/a"}])),
        file("bad-token", json.dumps([{**entry, "session_token": f"{TOKEN}\r\n", "arn": "arn:aws:iam::1:user/a"}])),
    ]
    ip = "--in-process-sts"
    cases = [
        [ip, "--user", f"AKID1:{SECRET}"],
        [ip, f"--user=AKID1:{SECRET}:{TOKEN}"],
        [ip, "--user", f"AKID1:{SECRET}=arn:bad"],
        [ip, "--user", f"AK ID:{SECRET}=arn:aws:iam::1:user/a"],
        [ip, "--user", f"AKID1:{SECRET}:{TOKEN}\n=arn:aws:iam::1:user/a"],
        [ip, "--user"],
        [ip, f"--usr={spec}"],
        [ip, f"--{SECRET}"],
        [ip, spec],
        [ip, "--user", spec, "--bogus"],
        [ip, "--user", spec, SECRET],
        ["--sts-endpoint", "http://127.0.0.1:1", "--user", spec],
        ["--user", spec],
        [ip, "--sts-endpoint", "http://127.0.0.1:1", f"--user={spec}"],
        [ip, "--credentials-file", spec],
        [ip, f"--credentials-file={spec}"],
        *[[ip, "--credentials-file", f] for f in files],
        *[[ip, "--user", spec, opt, spec] for opt in (
            "--port", "--host", "--sts-host", "--max-connections", "--read-timeout", "--idle-timeout",
            "--unauthenticated-idle-timeout", "--sts-timeout",
        )],
        ["--sts-endpoint", spec],
        ["--sts-endpoint", f"http://AKID1:{SECRET}@127.0.0.1:1"],
        ["--sts-endpoint", f"http://127.0.0.1:1/{SECRET}"],
        [spec],
    ]
    for args in cases:
        p = subprocess.run([str(cli_bin()), "serve", *args], capture_output=True, text=True, timeout=10)
        out = p.stdout + p.stderr
        assert p.returncode == 2, (args, out)
        assert p.stderr.startswith("mongodb-aws serve: "), (args, out)
        assert no_piece_of(SECRET, out) and no_piece_of(TOKEN, out), (args, out)
    # The unknown option is still named when it is a plain name; its value is not.
    p = subprocess.run([str(cli_bin()), "serve", ip, f"--user={spec}", "--usr=x"], capture_output=True, text=True)
    assert p.stderr == "mongodb-aws serve: unknown option --usr=<redacted> (see --help)\n"


def test_no_secret_in_the_log_and_user_on_the_command_line_is_warned(in_process, tmp_path):
    """A whole session logged (a good authentication, a wrong secret, a wrong token, a malformed
    message) never shows the secret or the session token; --user works with `=` and warns that its
    value is on the command line."""
    spec = f"AKIDLOG1:{SECRET}:{TOKEN}=arn:aws:iam::123456789012:user/logged"
    srv = Serve("--in-process-sts", f"--user={spec}", "--sts-host", "sts.amazonaws.com")
    try:
        w = rawclient.Wire(srv.port)
        conv = rawclient.Conversation(w)
        assert conv.finish(conv.client_final("AKIDLOG1", SECRET, TOKEN))["ok"] == 1.0
        for secret, token in ((altered(SECRET), TOKEN), (SECRET, altered(TOKEN, 20))):
            conv = rawclient.Conversation(w)
            reply = conv.finish(conv.client_final("AKIDLOG1", secret, token))
            assert reply["code"] == 18, reply
            assert no_piece_of(SECRET, reply["errmsg"]) and no_piece_of(TOKEN, reply["errmsg"])
        w.sock.sendall(b"\x0c\x00\x00\x00" + b"\x00" * 12)
        assert w.sock.recv(1) == b""
        w.close()
        warning = next(e for e in srv.events() if e.get("event") == "warning")
        assert "--credentials-file" in warning["message"] and "/proc/PID/cmdline" in warning["message"]
        assert len(srv.auth_events()) == 3
        assert [e["kind"] for e in srv.events() if e.get("event") == "closed"] == ["protocol"]
        log = srv.log_text()
    finally:
        srv.close()
    assert no_piece_of(SECRET, log) and no_piece_of(TOKEN, log), log


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
