#!/usr/bin/env python3
"""The credential-scenario emulator: one process, many isolated sessions, each with its own loopback
HTTP server that answers a scenario's endpoints with scripted behaviours (status, body, delay,
trickle, hang, reset, close, short body, oversize, redirect, chunked, raw bytes), plus a "blackhole"
port (connects time out), a closed port (connects are refused) and a temp dir. Stdlib only.

    python3 tests/emulators/scenarios.py [--port 0] [--no-exit-on-stdin-eof]

Prints one JSON line once it listens, then serves until its stdin closes (default) or it is killed:

    {"control": "http://127.0.0.1:PORT"}

Control API (JSON in and out):
  POST /load            {"scenario": {...}, "python": PATH?} -> {"id", "env", "calls", "requests", "files", "http",
                        "blackhole", "closed", "dir", "now", "scenario"} (everything substituted)
  GET  /requests?id=ID  [{"method", "path", "query", "headers": {}, "body", "time"}] in arrival order
  POST /close?id=ID     tears the session down (hung sockets closed, temp dir removed)
  GET  /health          {"ok": true, "sessions": n}

The scenario format, the behaviours and the placeholders are documented in
testdata/credential-scenarios/README.md.
"""

import argparse
import hashlib
import json
import os
import re
import select
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HANG_MAX_S = 30.0
MAX_REQUEST_BYTES = 1 << 20

BEHAVIOUR_KEYS = {
    "status", "headers", "body", "json", "delay_ms", "trickle", "hang", "reset", "close",
    "short_body", "oversize", "redirect", "chunked", "pad_to", "raw", "keep_open",
}
TRICKLE_KEYS = {"bytes", "every_ms", "total_ms", "forever"}

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
EPOCH_ONLY = re.compile(r"^\$\{EPOCH(_MS)?([+-]\d+)?\}$")


class ScenarioError(Exception):
    pass


def iso(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Substituter:
    """Replaces ${HTTP}, ${BLACKHOLE}, ${CLOSED}, ${DIR}, ${PYTHON}, ${NOW±N}, ${EPOCH±N}, ${EPOCH_MS±N},
    ${REPEAT:N:TEXT}, ${SHA1:TEXT}."""

    def __init__(self, values, now):
        self.values = values
        self.now = now

    def one(self, name):
        if name in self.values:
            return self.values[name]
        m = re.fullmatch(r"(NOW|EPOCH|EPOCH_MS)([+-]\d+)?", name)
        if m:
            if m.group(1) == "EPOCH_MS":  # milliseconds (SSO roleCredentials.expiration); N is in ms too
                return str(self.now * 1000 + int(m.group(2) or 0))
            t = self.now + int(m.group(2) or 0)
            return iso(t) if m.group(1) == "NOW" else str(t)
        m = re.fullmatch(r"REPEAT:(\d+):(.+)", name, re.S)
        if m:
            return m.group(2) * int(m.group(1))
        m = re.fullmatch(r"SHA1:(.+)", name, re.S)
        if m:
            return hashlib.sha1(m.group(1).encode("utf-8")).hexdigest()
        raise ScenarioError("unknown placeholder ${%s}" % name)

    def text(self, s):
        return PLACEHOLDER.sub(lambda m: self.one(m.group(1)), s)

    def deep(self, v, epoch_numbers=False):
        if isinstance(v, str):
            m = EPOCH_ONLY.match(v) if epoch_numbers else None
            if m:
                return int(self.one(v[2:-1]))
            return self.text(v)
        if isinstance(v, list):
            return [self.deep(x, epoch_numbers) for x in v]
        if isinstance(v, dict):
            return {self.text(k): self.deep(x, epoch_numbers) for k, x in v.items()}
        return v


def check_behaviour(key, b):
    if not isinstance(b, dict):
        raise ScenarioError("%s: a behaviour must be an object" % key)
    unknown = set(b) - BEHAVIOUR_KEYS
    if unknown:
        raise ScenarioError("%s: unknown behaviour keys %s" % (key, sorted(unknown)))
    if "body" in b and "json" in b:
        raise ScenarioError("%s: body and json are exclusive" % key)
    t = b.get("trickle")
    if t is not None:
        if not isinstance(t, dict) or set(t) - TRICKLE_KEYS:
            raise ScenarioError("%s: trickle takes %s" % (key, sorted(TRICKLE_KEYS)))
        if "total_ms" not in t and "every_ms" not in t:
            raise ScenarioError("%s: trickle needs every_ms or total_ms" % key)


class Session:
    def __init__(self, scenario, python=None):
        if not isinstance(scenario, dict) or not isinstance(scenario.get("name"), str):
            raise ScenarioError("a scenario must be an object with a name")
        self.id = uuid.uuid4().hex[:12]
        self.name = scenario["name"]
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.conns = set()
        self.requests = []
        self.counters = {}
        self.dir = tempfile.mkdtemp(prefix="cred-scenario-")
        try:
            self._open_sockets()
            self.now = int(time.time())
            self.sub = Substituter(
                {
                    "HTTP": "http://127.0.0.1:%d" % self.http_port,
                    "BLACKHOLE": "http://127.0.0.1:%d" % self.blackhole_port,
                    "CLOSED": "http://127.0.0.1:%d" % self.closed_port,
                    "DIR": self.dir,
                    "PYTHON": python or sys.executable,
                },
                self.now,
            )
            self._load(scenario)
        except BaseException:
            self.close()
            raise
        threading.Thread(target=self._accept_loop, daemon=True, name="accept-" + self.id).start()

    # --- set-up --------------------------------------------------------------------------------
    def _open_sockets(self):
        self.http = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.http.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.http.bind(("127.0.0.1", 0))
        self.http.listen(64)
        self.http_port = self.http.getsockname()[1]
        # Blackhole: listen(0) and never accept; the queue is filled by our own connects, so the
        # kernel drops later SYNs and a client's connect() times out.
        self.blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.blackhole.bind(("127.0.0.1", 0))
        self.blackhole.listen(0)
        self.blackhole_port = self.blackhole.getsockname()[1]
        self.fillers = []
        for _ in range(3):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", self.blackhole_port))
            self.fillers.append(c)
        select.select([], self.fillers[:1], [], 1.0)  # the first filler is in the accept queue
        # Closed: bound (so nobody else takes the port) but not listening: connects are refused.
        self.closed_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.closed_sock.bind(("127.0.0.1", 0))
        self.closed_port = self.closed_sock.getsockname()[1]

    def _load(self, sc):
        sub = self.sub
        # The default HOME of the host (the runner sets HOME=${DIR}/home unless the scenario's env
        # sets it): always there, empty unless the scenario writes files under home/.
        os.makedirs(os.path.join(self.dir, "home"), exist_ok=True)
        self.env = {k: sub.text(str(v)) for k, v in (sc.get("env") or {}).items()}
        self.files = {}
        for rel, content in (sc.get("files") or {}).items():
            rel = sub.text(rel)
            path = os.path.join(self.dir, rel)
            self.files[rel] = path
            if content is None:
                continue
            if rel.endswith("/"):  # a directory where a file is expected
                os.makedirs(path, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(sub.text(content).encode("utf-8"))
        self.endpoints = {}
        for key, behaviours in (sc.get("endpoints") or {}).items():
            parts = key.split(" ", 1)
            if len(parts) != 2 or not parts[1].startswith("/"):
                raise ScenarioError("endpoint key %r: expected 'METHOD /path'" % key)
            if isinstance(behaviours, dict):
                behaviours = [behaviours]
            if not behaviours:
                raise ScenarioError("endpoint %r: no behaviours" % key)
            out = []
            for b in behaviours:
                check_behaviour(key, b)
                b = dict(b)
                if "json" in b:
                    b["json"] = sub.deep(b["json"], epoch_numbers=True)
                for k in ("body", "redirect", "raw"):
                    if k in b:
                        b[k] = sub.text(b[k])
                if "headers" in b:
                    b["headers"] = sub.deep(b["headers"])
                out.append(b)
            self.endpoints[(parts[0].upper(), parts[1])] = out
        calls = sc.get("calls") or [{}]
        self.calls = []
        for c in calls:
            c = sub.deep(c)
            c.setdefault("env", {})
            c.setdefault("unset", [])
            c.setdefault("clear_cache", False)
            c.setdefault("sleep_ms", 0)
            c.setdefault("profile", None)
            c.setdefault("mfa_codes", None)
            c["env"] = {k: str(v) for k, v in c["env"].items()}
            self.calls.append(c)
        self.expect_requests = sub.deep(sc.get("requests") or [])
        self.scenario = sub.deep(sc)
        self.scenario["calls"] = self.calls

    def describe(self):
        return {
            "id": self.id,
            "name": self.name,
            "env": self.env,
            "calls": self.calls,
            "requests": self.expect_requests,
            "files": self.files,
            "http": "http://127.0.0.1:%d" % self.http_port,
            "blackhole": "http://127.0.0.1:%d" % self.blackhole_port,
            "closed": "http://127.0.0.1:%d" % self.closed_port,
            "dir": self.dir,
            "now": self.now,
            "scenario": self.scenario,
        }

    # --- tear-down -----------------------------------------------------------------------------
    def close(self):
        self.closed.set()
        for s in [getattr(self, n, None) for n in ("http", "blackhole", "closed_sock")]:
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        for s in getattr(self, "fillers", []):
            s.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- serving -------------------------------------------------------------------------------
    def _accept_loop(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.http.accept()
            except OSError:
                return
            with self.lock:
                self.conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        keep_open = False
        try:
            conn.settimeout(HANG_MAX_S)
            req = read_request(conn)
            if req is None:
                return
            with self.lock:
                self.requests.append(req)
                key = (req["method"], req["path"])
                behaviours = self.endpoints.get(key)
                if behaviours is None:
                    b = None
                else:
                    i = self.counters.get(key, 0)
                    self.counters[key] = i + 1
                    b = behaviours[min(i, len(behaviours) - 1)]
            keep_open = self._respond(conn, b)
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(conn)
            if not keep_open:
                try:
                    conn.close()
                except OSError:
                    pass

    def _wait(self, seconds):
        """Sleeps; True if the session closed meanwhile."""
        return self.closed.wait(seconds)

    def _respond(self, conn, b):
        """Answers per behaviour b; returns True when the socket was already dealt with."""
        if b is None:
            conn.sendall(build_response(404, {"Content-Type": "text/plain"}, b"no route"))
            return False
        if b.get("delay_ms") and self._wait(b["delay_ms"] / 1000.0):
            return False
        if b.get("hang"):
            self._wait(HANG_MAX_S)
            return False
        if b.get("reset"):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return True
        if b.get("close"):
            conn.shutdown(socket.SHUT_RDWR)
            return False
        if "raw" in b:
            conn.sendall(b["raw"].encode("utf-8"))
            return False

        status = int(b.get("status", 200))
        headers = {}
        if "oversize" in b:
            body = b"a" * int(b["oversize"])
            headers["Content-Type"] = "text/plain"
            status = 200
        elif "json" in b:
            body = json.dumps(b["json"]).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = b.get("body", "").encode("utf-8")
            headers["Content-Type"] = "text/plain"
        if "redirect" in b:
            if "status" not in b:
                status = 302
            headers["Location"] = b["redirect"]
        if "pad_to" in b and len(body) < int(b["pad_to"]):
            body = body + b" " * (int(b["pad_to"]) - len(body))
        headers.update(b.get("headers") or {})

        if b.get("chunked"):
            head = build_head(status, headers, None, chunked=True)
            conn.sendall(head)
            n = len(body)
            cuts = [0, n // 3, 2 * n // 3, n]
            for i in range(3):
                part = body[cuts[i]:cuts[i + 1]]
                if part:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                if self._wait(0.05):
                    return False
            conn.sendall(b"0\r\n\r\n")
            return False

        length = len(body) + int(b.get("short_body", 0))
        data = build_head(status, headers, length) + body
        t = b.get("trickle")
        if t:
            return self._trickle(conn, data, t)
        conn.sendall(data)
        if "short_body" in b:
            conn.shutdown(socket.SHUT_WR)
        elif b.get("keep_open"):
            self._linger(conn)
        return False

    def _linger(self, conn):
        """Keeps the connection open after a complete answer until the client closes it."""
        deadline = time.monotonic() + HANG_MAX_S
        conn.settimeout(0.2)
        while not self.closed.is_set() and time.monotonic() < deadline:
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def _trickle(self, conn, data, t):
        if t.get("forever"):
            head_end = data.index(b"\r\n\r\n") + 2
            data = data[:head_end]  # the head never ends: header lines follow forever

            def chunks():
                i = 0
                yield data
                while True:
                    i += 1
                    yield b"X-Dribble-%d: a\r\n" % i
            stream = chunks()
            buf = b""
            n = int(t.get("bytes", 1))
            every = t.get("every_ms", 100) / 1000.0
            while True:
                while len(buf) < n:
                    buf += next(stream)
                conn.sendall(buf[:n])
                buf = buf[n:]
                if self._wait(every):
                    return False
        if "total_ms" in t:
            total = t["total_ms"] / 1000.0
            n = int(t.get("bytes", 0)) or max(1, -(-len(data) // max(1, int(total / 0.05))))
            steps = -(-len(data) // n)
            every = total / max(1, steps)
        else:
            n = int(t.get("bytes", 1))
            every = t["every_ms"] / 1000.0
        for i in range(0, len(data), n):
            if i and self._wait(every):
                return False
            conn.sendall(data[i:i + n])
        return False


def build_head(status, headers, length, chunked=False):
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = ["HTTP/1.1 %d %s" % (status, reason), "Server: credential-scenarios"]
    names = {k.lower() for k in headers}
    for k, v in headers.items():
        lines.append("%s: %s" % (k, v))
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif "content-length" not in names:
        lines.append("Content-Length: %d" % length)
    if "connection" not in names:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def build_response(status, headers, body):
    return build_head(status, headers, len(body)) + body


def read_request(conn):
    """Reads one HTTP/1.1 request; None if the peer closed before sending anything."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None if not buf else parse_head(buf, b"", partial=True)
        buf += chunk
        if len(buf) > MAX_REQUEST_BYTES:
            break
    head, _, rest = buf.partition(b"\r\n\r\n")
    req = parse_head(head, b"")
    h = {k.lower(): v for k, v in req["headers"].items()}
    if h.get("expect", "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = rest
    if "chunked" in h.get("transfer-encoding", "").lower():
        body = read_chunked(conn, rest)
    else:
        n = int(h.get("content-length", "0") or 0)
        while len(body) < n:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        body = body[:n]
    req["body"] = body.decode("utf-8", "replace")
    return req


def read_chunked(conn, buf):
    out = b""
    while True:
        while b"\r\n" not in buf:
            c = conn.recv(65536)
            if not c:
                return out
            buf += c
        line, _, buf = buf.partition(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        while len(buf) < size + 2:
            c = conn.recv(65536)
            if not c:
                return out + buf[:size]
            buf += c
        if size == 0:
            return out
        out += buf[:size]
        buf = buf[size + 2:]


def parse_head(head, body, partial=False):
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    # METHOD SP request-target SP HTTP-version: a target with spaces stays whole (and matches no route)
    method, _, rest = lines[0].partition(" ")
    target, _, _version = rest.rpartition(" ")
    u = urlsplit(target)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            k, v = k.strip(), v.strip()
            headers[k] = headers[k] + ", " + v if k in headers else v
    return {
        "method": method.upper(),
        "path": u.path or target,
        "query": u.query,
        "headers": headers,
        "body": body.decode("utf-8", "replace"),
        "time": time.time(),
        **({"partial": True} if partial else {}),
    }


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "credential-scenarios-control"

    def log_message(self, fmt, *args):
        if os.environ.get("EMULATOR_VERBOSE"):
            sys.stderr.write("scenarios emulator: " + fmt % args + "\n")

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def session(self):
        sid = (parse_qs(urlsplit(self.path).query).get("id") or [""])[0]
        with self.server.lock:
            return self.server.sessions.get(sid)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/health":
            return self.reply(200, {"ok": True, "sessions": len(self.server.sessions)})
        if path == "/requests":
            s = self.session()
            if s is None:
                return self.reply(404, {"error": "no such session"})
            with s.lock:
                return self.reply(200, list(s.requests))
        self.reply(404, {"error": "no route"})

    def do_POST(self):
        path = urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if path == "/load":
            try:
                doc = json.loads(raw or b"{}")
                s = Session(doc.get("scenario"), doc.get("python"))
            except (ScenarioError, ValueError, TypeError, AttributeError) as e:
                return self.reply(400, {"error": str(e)})
            with self.server.lock:
                self.server.sessions[s.id] = s
            return self.reply(200, s.describe())
        if path == "/close":
            s = self.session()
            if s is None:
                return self.reply(404, {"error": "no such session"})
            with self.server.lock:
                self.server.sessions.pop(s.id, None)
            s.close()
            return self.reply(200, {"closed": s.id})
        self.reply(404, {"error": "no route"})


def serve(port=0):
    """Starts the control server in a thread; returns (server, url). For in-process use (tests)."""
    srv = ThreadingHTTPServer(("127.0.0.1", port), Control)
    srv.daemon_threads = True
    srv.sessions = {}
    srv.lock = threading.Lock()
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--exit-on-stdin-eof", dest="eof", action="store_true", default=True)
    ap.add_argument("--no-exit-on-stdin-eof", dest="eof", action="store_false")
    a = ap.parse_args()
    srv, url = serve(a.port)
    print(json.dumps({"control": url}), flush=True)
    try:
        if a.eof:
            while sys.stdin.buffer.read(4096):
                pass
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        with srv.lock:
            sessions = list(srv.sessions.values())
        for s in sessions:
            s.close()
        os._exit(0)


if __name__ == "__main__":
    main()
