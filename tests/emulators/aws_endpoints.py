#!/usr/bin/env python3
"""Emulators of the AWS credential endpoints, for tests: ECS, the container "full URI" (EKS Pod
Identity) and EC2 IMDSv2, all in one stdlib HTTP server on 127.0.0.1.

    python3 tests/emulators/aws_endpoints.py [--port 0] [--mode MODE] [--target TARGET] [options]

Prints one JSON line on stdout once it listens, then serves until killed (or, with
--exit-on-stdin-eof, until its stdin closes — so a test that spawned it cannot leak it):

    {"port": 41234, "url": "http://127.0.0.1:41234", "pid": 999}

Point the code under test at it with the documented variables, e.g.
MONGODB_AWS_ECS_ENDPOINT=<url> with AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/task,
AWS_CONTAINER_CREDENTIALS_FULL_URI=<url>/v1/credentials, MONGODB_AWS_EC2_METADATA_ENDPOINT=<url>.

Routes
  GET  /v2/credentials/<anything>                 ECS task credentials (RoleArn included)
  GET  /v1/credentials, /get-credentials          full URI (AccountId included); with --auth-token the
                                                  Authorization header must equal it (else 401)
  PUT  /latest/api/token                          IMDSv2 token; needs X-aws-ec2-metadata-token-ttl-seconds
                                                  in 1..21600 (else 400), echoes it in the response
  GET  /latest/meta-data/iam/security-credentials/        role name (401 without a valid token)
  GET  /latest/meta-data/iam/security-credentials/<role>  credentials JSON with Code/Type/LastUpdated
  GET  /_emulator/stats                           {"counts": {target: n}, "last_ttl": ..., "last_auth": ...}
  POST /_emulator/config                          JSON object merged into the settings below
  POST /_emulator/reset                           zero the counters

Settings (command-line flags, or keys of /_emulator/config)
  mode       normal | malformed | truncated | status | hang | code | empty-role | html
  target     which route the mode applies to: ecs | full | imds-token | imds-role | imds-creds | all
  status     HTTP status for mode=status (default 500)
  hang_seconds  how long mode=hang waits before answering (default 30)
  delay      seconds every credentials answer is delayed (default 0; to overlap concurrent fetches)
  expires_in seconds from now to Expiration (default 3600; may be small or negative)
  expiration_format  iso | epoch
  auth_token required Authorization value for the full URI
  role       IMDS role name (default emulator-role)
  escape_slashes  write "/" as "\\/" in JSON strings (like some JSON encoders)

Every credentials answer carries a new access key id, ASIAEMU<counter>, so a test can tell a cached
answer from a fresh one.
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
CREDS_PATH = "/latest/meta-data/iam/security-credentials/"

DEFAULTS = {
    "mode": "normal",
    "target": "all",
    "status": 500,
    "hang_seconds": 30.0,
    "delay": 0.0,
    "expires_in": 3600,
    "expiration_format": "iso",
    "auth_token": None,
    "role": "emulator-role",
    "escape_slashes": False,
}


class State:
    def __init__(self, settings):
        self.lock = threading.Lock()
        self.settings = dict(DEFAULTS)
        self.settings.update(settings)
        self.counts = {}
        self.issued = 0
        self.tokens = {}  # token -> expiry (monotonic)
        self.last_ttl = None
        self.last_auth = None

    def count(self, target):
        with self.lock:
            self.counts[target] = self.counts.get(target, 0) + 1

    def next_key(self):
        with self.lock:
            self.issued += 1
            return "ASIAEMU%013d" % self.issued


def iso(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-endpoints-emulator"

    def log_message(self, fmt, *args):  # keep test output quiet
        if os.environ.get("EMULATOR_VERBOSE"):
            sys.stderr.write("emulator: " + fmt % args + "\n")

    @property
    def st(self):
        return self.server.state

    def cfg(self, key):
        with self.st.lock:
            return self.st.settings[key]

    def applies(self, target):
        t = self.cfg("target")
        return t == "all" or t == target

    def send(self, status, body, ctype="application/json", extra=None, length=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def fault(self, target, good_body):
        """Applies the configured failure mode to `target`; returns True if it answered."""
        if not self.applies(target):
            return False
        mode = self.cfg("mode")
        if mode == "hang":
            time.sleep(float(self.cfg("hang_seconds")))
            self.close_connection = True
            return True
        if mode == "status":
            status = int(self.cfg("status"))
            self.send(status, json.dumps({"code": "EmulatedError", "message": "status %d" % status}))
            return True
        if mode == "malformed":
            self.send(200, '{"AccessKeyId": "ASIA", "SecretAccessKey": ')
            return True
        if mode == "html":
            self.send(200, "<html><body>502 Bad Gateway</body></html>", ctype="text/html")
            return True
        if mode == "truncated":
            half = good_body[: len(good_body) // 2]
            self.send(200, half, length=len(good_body))
            self.close_connection = True
            return True
        return False

    def creds(self, target, extra):
        now = time.time()
        exp = now + float(self.cfg("expires_in"))
        body = {
            "AccessKeyId": self.st.next_key(),
            "SecretAccessKey": "emuSecret/" + secrets.token_hex(8) + "+X=",
            "Token": "emuToken//" + secrets.token_hex(16),
            "Expiration": iso(exp) if self.cfg("expiration_format") == "iso" else int(exp),
        }
        body.update(extra)
        text = json.dumps(body, indent=2)
        if self.cfg("escape_slashes"):
            text = text.replace("/", "\\/")
        delay = float(self.cfg("delay"))
        if delay:
            time.sleep(delay)
        if self.fault(target, text):
            return
        self.send(200, text)

    # --- routes ------------------------------------------------------------------------------
    def do_GET(self):
        p = self.path
        if p == "/_emulator/stats":
            with self.st.lock:
                out = {
                    "counts": dict(self.st.counts),
                    "issued": self.st.issued,
                    "last_ttl": self.st.last_ttl,
                    "last_auth": self.st.last_auth,
                }
            return self.send(200, json.dumps(out))
        if p.startswith("/v2/credentials/"):
            self.st.count("ecs")
            return self.creds("ecs", {"RoleArn": "arn:aws:iam::123456789012:role/emulated-ecs-task"})
        if p in ("/v1/credentials", "/get-credentials") or p.startswith("/v1/credentials?"):
            self.st.count("full")
            with self.st.lock:
                self.st.last_auth = self.headers.get("Authorization")
            want = self.cfg("auth_token")
            if want is not None and self.headers.get("Authorization") != want:
                return self.send(401, '{"message":"invalid authorization token"}')
            return self.creds("full", {"AccountId": "123456789012"})
        if p.startswith(CREDS_PATH):
            role = p[len(CREDS_PATH):]
            target = "imds-role" if role == "" else "imds-creds"
            self.st.count(target)
            tok = self.headers.get(TOKEN_HEADER)
            with self.st.lock:
                exp = self.st.tokens.get(tok)
            if tok is None or exp is None or exp < time.monotonic():
                return self.send(401, "", ctype="text/plain")
            if role == "":
                if self.applies("imds-role") and self.cfg("mode") == "empty-role":
                    return self.send(200, "", ctype="text/plain")
                body = self.cfg("role") + "\n"
                if self.fault("imds-role", body):
                    return
                return self.send(200, body, ctype="text/plain")
            if role != self.cfg("role"):
                return self.send(404, "Not Found", ctype="text/plain")
            if self.applies("imds-creds") and self.cfg("mode") == "code":
                body = json.dumps({
                    "Code": "AssumeRoleUnauthorizedAccess",
                    "Message": "EC2 cannot assume the role",
                    "LastUpdated": iso(time.time()),
                })
                return self.send(200, body)
            return self.creds(
                "imds-creds",
                {"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC"},
            )
        self.send(404, "Not Found", ctype="text/plain")

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.send(404, "Not Found", ctype="text/plain")
        self.st.count("imds-token")
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        ttl = self.headers.get(TTL_HEADER)
        with self.st.lock:
            self.st.last_ttl = ttl
        try:
            ttl_n = int(ttl)
        except (TypeError, ValueError):
            ttl_n = 0
        if not 1 <= ttl_n <= 21600:
            return self.send(400, "Bad Request: missing or invalid TTL header", ctype="text/plain")
        token = "EMU" + secrets.token_urlsafe(24)
        with self.st.lock:
            self.st.tokens[token] = time.monotonic() + ttl_n
        if self.fault("imds-token", token):
            return
        self.send(200, token, ctype="text/plain", extra={TTL_HEADER: str(ttl_n)})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.path == "/_emulator/config":
            try:
                upd = json.loads(raw or b"{}")
                assert isinstance(upd, dict)
            except Exception:
                return self.send(400, '{"error":"expected a JSON object"}')
            unknown = set(upd) - set(DEFAULTS)
            if unknown:
                return self.send(400, json.dumps({"error": "unknown keys", "keys": sorted(unknown)}))
            with self.st.lock:
                self.st.settings.update(upd)
                out = dict(self.st.settings)
            return self.send(200, json.dumps(out))
        if self.path == "/_emulator/reset":
            with self.st.lock:
                self.st.counts = {}
                self.st.last_ttl = None
                self.st.last_auth = None
            return self.send(200, "{}")
        self.send(404, "Not Found", ctype="text/plain")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", default="normal",
                    choices=["normal", "malformed", "truncated", "status", "hang", "code", "empty-role", "html"])
    ap.add_argument("--target", default="all",
                    choices=["ecs", "full", "imds-token", "imds-role", "imds-creds", "all"])
    ap.add_argument("--status", type=int, default=500)
    ap.add_argument("--hang-seconds", type=float, default=30.0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--expires-in", type=float, default=3600)
    ap.add_argument("--expiration-format", choices=["iso", "epoch"], default="iso")
    ap.add_argument("--auth-token", default=None)
    ap.add_argument("--role", default="emulator-role")
    ap.add_argument("--escape-slashes", action="store_true")
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    a = ap.parse_args()
    settings = {
        "mode": a.mode, "target": a.target, "status": a.status, "hang_seconds": a.hang_seconds,
        "delay": a.delay, "expires_in": a.expires_in, "expiration_format": a.expiration_format,
        "auth_token": a.auth_token, "role": a.role, "escape_slashes": a.escape_slashes,
    }
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(settings)
    port = srv.server_address[1]
    print(json.dumps({"port": port, "url": "http://127.0.0.1:%d" % port, "pid": os.getpid()}), flush=True)
    if a.exit_on_stdin_eof:
        def watch():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
