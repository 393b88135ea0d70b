"""Misbehaving peers for `mongodb-aws serve`, all on loopback and all bounded in time: an STS that
is slow, hangs, trickles its answer or fails with 503, and clients that stay idle, stop in the
middle of a message or send bad framing."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import bson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import opmsg  # noqa: E402  (tests/opmsg.py)

# Longest any stand-in holds a connection, whatever the test does.
MAX_HOLD_SECONDS = 30.0

OK_ANSWER_BODY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/trickle</Arn>"
    b"<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    b"</GetCallerIdentityResponse>"
)
UNAVAILABLE_BODY = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type>'
    b"<Code>ServiceUnavailable</Code><Message>Service is unavailable, try again later</Message></Error>"
    b"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
)


def http_answer(status: int, reason: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def read_request(conn: socket.socket) -> bytes:
    """One HTTP request with a Content-Length body (what serve forwards)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class StandInSts:
    """An STS on 127.0.0.1 that misbehaves on purpose.

    mode: "slow" waits `delay` seconds, then relays the request to `upstream` (a verifying STS,
    e.g. serve's in-process one) and its answer back; "hang" reads the request and never answers;
    "trickle" answers a valid 200 one byte every `delay` seconds; "503" answers ServiceUnavailable.
    Every connection is closed after MAX_HOLD_SECONDS at the latest, and all of them by close().
    """

    def __init__(self, mode: str, upstream: Optional[str] = None, delay: float = 0.0) -> None:
        assert mode in ("slow", "hang", "trickle", "503")
        self.mode, self.upstream, self.delay = mode, upstream, delay
        self.stopped = threading.Event()
        self.requests = 0
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        until = time.monotonic() + MAX_HOLD_SECONDS
        try:
            conn.settimeout(MAX_HOLD_SECONDS)
            request = read_request(conn)
            with self.lock:
                self.requests += 1
            if self.mode == "hang":
                self.stopped.wait(MAX_HOLD_SECONDS)
            elif self.mode == "503":
                conn.sendall(http_answer(503, "Service Unavailable", UNAVAILABLE_BODY))
            elif self.mode == "trickle":
                for b in http_answer(200, "OK", OK_ANSWER_BODY):
                    if self.stopped.wait(self.delay) or time.monotonic() > until:
                        return
                    conn.sendall(bytes([b]))
            else:
                if self.stopped.wait(self.delay):
                    return
                assert self.upstream
                host, port = self.upstream.removeprefix("http://").rsplit(":", 1)
                with socket.create_connection((host, int(port)), timeout=10) as up:
                    up.sendall(request)
                    answer = b""
                    while chunk := up.recv(65536):
                        answer += chunk
                conn.sendall(answer)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()
        self.thread.join(5)


def idle_client(port: int) -> socket.socket:
    """Connects and sends nothing."""
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def cut_client(port: int) -> socket.socket:
    """Sends the header of a 1,000-byte OP_MSG and then nothing more."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(opmsg.header(1000, 1, 0, opmsg.OP_MSG))
    return s


class TrickleClient:
    """Sends a valid OP_MSG ping one byte every `interval` seconds, in a thread, until the server
    closes the connection or the message is out (a bounded number of bytes)."""

    def __init__(self, port: int, interval: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.message = opmsg.msg(bson.encode({"ping": 1, "$db": "admin"}), 1)
        self.interval = interval
        self.stopped = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for b in self.message:
            if self.stopped.wait(self.interval):
                return
            try:
                self.sock.sendall(bytes([b]))
            except OSError:
                return
            self.sent += 1

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()


def bad_length_client(port: int, length: int) -> socket.socket:
    """Sends a header whose messageLength is out of range."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(opmsg.header(length, 1, 0, opmsg.OP_MSG))
    return s


def closed_by_server(s: socket.socket, within: float) -> bool:
    """True if the server closes `s` (end of file or reset) within `within` seconds."""
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True
