"""A MONGODB-AWS client built from independent parts, for attacks no driver would make: OP_MSG by
hand, BSON from PyMongo's `bson`, and the SigV4 signature from botocore's `SigV4Auth` (with a
clock the test controls). None of the project's code is involved."""

from __future__ import annotations

import base64
import datetime
import os
import sys
from pathlib import Path
from typing import Optional

import bson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import opmsg  # noqa: E402  (tests/opmsg.py)
from botocore_gci import BODY, signed_headers  # noqa: E402, F401  (tests/botocore_gci.py)


class Wire(opmsg.Wire):
    """One connection speaking OP_MSG (tests/opmsg.py), BSON from PyMongo's `bson`."""

    def __init__(self, port: int) -> None:
        super().__init__(port, encode=bson.encode, decode=bson.decode, timeout=10)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Conversation:
    """saslStart with a fresh nonce; returns the server-first fields."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.nonce = os.urandom(32)
        reply = wire.command(
            {
                "saslStart": 1,
                "mechanism": "MONGODB-AWS",
                "payload": bson.encode({"r": bson.Binary(self.nonce), "p": 110}),
                "$db": "$external",
            }
        )
        assert reply["ok"] == 1.0, reply
        self.conversation_id = reply["conversationId"]
        sf = bson.decode(reply["payload"])
        self.s: bytes = bytes(sf["s"])
        self.h: str = sf["h"]
        assert self.s[:32] == self.nonce

    def client_final(
        self,
        akid: str,
        secret: str,
        token: Optional[str],
        when: Optional[datetime.datetime] = None,
        nonce: Optional[bytes] = None,
        flag: str = "n",
    ) -> bytes:
        nonce_header = base64.b64encode(nonce if nonce is not None else self.s).decode()
        headers = signed_headers(self.h, nonce_header, akid, secret, token, when or now(), flag)
        doc = {"a": headers["Authorization"], "d": headers["X-Amz-Date"]}
        if token:
            doc["t"] = token
        return bson.encode(doc)

    def finish(self, client_final: bytes) -> dict:
        return self.wire.command(
            {
                "saslContinue": 1,
                "conversationId": self.conversation_id,
                "payload": client_final,
                "$db": "$external",
            }
        )
