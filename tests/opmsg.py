"""MongoDB wire framing for the Python test programs: OP_MSG (opcode 2013) both ways, the one helper
every Python test client and fake server uses (tests/e2e, bindings-python/tests/fake_mongod.py,
ffi-c/bindings/python/client.py). BSON is the caller's (bytes in, bytes out), so that a program
that must not depend on PyMongo's `bson` can bring its own.

Layout (MongoDB wire protocol): a 16-byte header `<int32 length, int32 requestID, int32
responseTo, int32 opCode>` (little-endian, the length counting the header), then for OP_MSG a
uint32 flagBits and sections; a kind-0 section is one byte 0 followed by one BSON document.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Callable

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013
HEADER_LEN = 16


def header(length: int, request_id: int, response_to: int, opcode: int) -> bytes:
    """A message header; `length` counts the header itself."""
    return struct.pack("<iiii", length, request_id, response_to, opcode)


def frame(opcode: int, request_id: int, response_to: int, payload: bytes) -> bytes:
    """A whole message: header and payload."""
    return header(HEADER_LEN + len(payload), request_id, response_to, opcode) + payload


def msg(document: bytes, request_id: int, response_to: int = 0) -> bytes:
    """An OP_MSG with no flags and one kind-0 section holding the BSON `document`."""
    return frame(OP_MSG, request_id, response_to, struct.pack("<IB", 0, 0) + document)


def msg_document(body: bytes) -> bytes:
    """The BSON document of an OP_MSG body (after the header) that starts with a kind-0 section."""
    if len(body) < 9 or body[4] != 0:
        raise ValueError("OP_MSG body without a leading kind-0 section")
    (n,) = struct.unpack_from("<i", body, 5)
    return body[5 : 5 + n]


def read_exact(sock: socket.socket, n: int) -> bytes:
    """`n` bytes from `sock`; ConnectionError when the peer closes first."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        buf += chunk
    return buf


def read_message(sock: socket.socket) -> tuple[int, int, int, bytes]:
    """One message: `(request_id, response_to, opcode, body after the header)`."""
    length, request_id, response_to, opcode = struct.unpack("<iiii", read_exact(sock, HEADER_LEN))
    if length < HEADER_LEN:
        raise ValueError(f"message length {length} is shorter than its header")
    return request_id, response_to, opcode, read_exact(sock, length - HEADER_LEN)


class Wire:
    """One client connection sending OP_MSG commands: `command(doc)` encodes `doc` with `encode`,
    waits for the OP_MSG reply and returns it decoded with `decode`."""

    def __init__(
        self,
        port: int,
        encode: Callable[[Any], bytes],
        decode: Callable[[bytes], Any],
        host: str = "127.0.0.1",
        timeout: float = 10,
    ) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.request_id = 0
        self._encode = encode
        self._decode = decode

    def command(self, doc: Any) -> Any:
        self.request_id += 1
        self.sock.sendall(msg(self._encode(doc), self.request_id))
        _, response_to, opcode, body = read_message(self.sock)
        if opcode != OP_MSG or response_to != self.request_id:
            raise ValueError(f"expected the OP_MSG reply to {self.request_id}, got opcode {opcode} to {response_to}")
        return self._decode(msg_document(body))

    def close(self) -> None:
        self.sock.close()
