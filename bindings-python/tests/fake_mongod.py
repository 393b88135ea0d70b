"""A minimal MongoDB wire-protocol server on loopback for driver tests, with a MONGODB-AWS verifier
that checks the client's signature against an independent reference (pymongo-auth-aws + botocore,
given the same nonce, host, credentials and the client's own X-Amz-Date).

It answers hello/isMaster (OP_MSG or legacy OP_QUERY), saslStart/saslContinue for MONGODB-AWS, and
anything else with ``ok: 1``. Every SASL payload is recorded in ``conversations``.
"""

from __future__ import annotations

import datetime
import os
import socket
import socketserver
import struct
import sys
import threading
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Optional
from unittest import mock

import bson
import pymongo_auth_aws.auth as reference  # the real one, bound before any shim is installed
from bson.binary import Binary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
import opmsg  # noqa: E402  (tests/opmsg.py: the wire framing every Python test program shares)

OP_REPLY, OP_QUERY, OP_MSG = opmsg.OP_REPLY, opmsg.OP_QUERY, opmsg.OP_MSG


@dataclass
class Conversation:
    client_first: bytes = b""
    server_first: bytes = b""
    client_final: bytes = b""
    ok: Optional[bool] = None


@dataclass
class Account:
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None


def reference_authorization(account: Account, server_nonce: bytes, host: str, amz_date: str) -> Any:
    """The client-final fields pymongo-auth-aws (botocore) computes for the same inputs."""
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", lambda *a, **k: when):
        return reference._aws_auth_header(
            reference.AwsCredential(account.access_key_id, account.secret_access_key, account.session_token),
            server_nonce,
            host,
        )


class FakeMongod:
    def __init__(self, accounts: list[Account], sts_host: str = "sts.amazonaws.com") -> None:
        self.accounts = {a.access_key_id: a for a in accounts}
        self.sts_host = sts_host
        self.conversations: list[Conversation] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                fake._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeMongod:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def uri(self, **options: str) -> str:
        opts = {"directConnection": "true", "serverSelectionTimeoutMS": "5000", **options}
        query = "&".join(f"{k}={v}" for k, v in opts.items())
        return f"mongodb://127.0.0.1:{self.port}/?{query}"

    # ---- wire protocol ------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        conv: Optional[Conversation] = None
        while True:
            try:
                request_id, _, opcode, body = opmsg.read_message(sock)
            except (OSError, ValueError):
                return
            if opcode == OP_MSG:
                doc = bson.decode(opmsg.msg_document(body))
                reply, conv = self._command(doc, conv)
                sock.sendall(opmsg.msg(bson.encode(reply), 0, request_id))
            elif opcode == OP_QUERY:
                end = body.index(b"\x00", 4)
                q = body[end + 9 :]
                doc = bson.decode(q[: struct.unpack("<i", q[:4])[0]])
                reply, conv = self._command(doc, conv)
                payload = struct.pack("<iqii", 0, 0, 0, 1) + bson.encode(reply)
                sock.sendall(opmsg.frame(OP_REPLY, 0, request_id, payload))
            else:
                return

    def _command(
        self, doc: dict[str, Any], conv: Optional[Conversation]
    ) -> tuple[dict[str, Any], Optional[Conversation]]:
        name = next(iter(doc))
        if name.lower() in ("hello", "ismaster"):
            reply: dict[str, Any] = {
                "isWritablePrimary": True,
                "ismaster": True,
                "helloOk": True,
                "maxBsonObjectSize": 16777216,
                "maxMessageSizeBytes": 48000000,
                "maxWriteBatchSize": 100000,
                "localTime": datetime.datetime.now(datetime.timezone.utc),
                "logicalSessionTimeoutMinutes": 30,
                "connectionId": 1,
                "minWireVersion": 0,
                "maxWireVersion": 21,
                "readOnly": False,
                "ok": 1.0,
            }
            if "saslSupportedMechs" in doc:
                reply["saslSupportedMechs"] = ["MONGODB-AWS"]
            return reply, conv
        if name == "saslStart":
            conv = Conversation(client_first=bytes(doc["payload"]))
            with self._lock:
                self.conversations.append(conv)
            first = bson.decode(conv.client_first)
            if doc.get("mechanism") != "MONGODB-AWS" or len(first["r"]) != 32 or first["p"] != 110:
                conv.ok = False
                return {"ok": 0.0, "errmsg": "bad client-first", "code": 18}, conv
            nonce = bytes(first["r"]) + os.urandom(32)
            conv.server_first = bson.encode({"s": Binary(nonce), "h": self.sts_host})
            return {
                "conversationId": 1,
                "done": False,
                "payload": Binary(conv.server_first),
                "ok": 1.0,
            }, conv
        if name == "saslContinue":
            if conv is None:
                return {"ok": 0.0, "errmsg": "no conversation", "code": 17}, conv
            conv.client_final = bytes(doc["payload"])
            conv.ok = self._verify(conv)
            if not conv.ok:
                return {"ok": 0.0, "errmsg": "Authentication failed.", "code": 18}, conv
            return {"conversationId": 1, "done": True, "payload": Binary(b""), "ok": 1.0}, conv
        return {"ok": 1.0}, conv

    def _verify(self, conv: Conversation) -> bool:
        final = bson.decode(conv.client_final)
        server = bson.decode(conv.server_first)
        akid = final["a"].split("Credential=", 1)[1].split("/", 1)[0]
        account = self.accounts.get(akid)
        if account is None or final.get("t") != account.session_token:
            return False
        expected = reference_authorization(account, bytes(server["s"]), server["h"], final["d"])
        return bool(expected["a"] == final["a"] and expected["d"] == final["d"])

