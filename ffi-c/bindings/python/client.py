#!/usr/bin/env python3
"""MONGODB-AWS client over libmongodb_aws with ctypes (mongodb_aws_ctypes.py), OP_MSG by hand.

    client.py --vectors TESTDATA [--port PORT --expect-user USER] [--expect-source SOURCE]
    client.py --e2e URI

Checks the binding (struct sizes against C from $MONGODB_AWS_C_SIZES, the shared client-final
vectors, misuse: NULLs, short buffers, a bad nonce, a bad host, an invalid time, threads); with
--port authenticates to `mongodb-aws serve` with credentials from mongodb_aws_get_credentials (the
environment), then with a wrong secret, which must be refused with code 18. With --expect-source only
fetches credentials and checks where they came from (an endpoint emulator). Ends with
"N passed, M failed"; exit status 1 if any check failed.

--e2e URI is the client of the end-to-end driver matrix (tests/e2e/clients.py): credentials from
mongodb_aws_get_credentials, an authentication to the mongodb://HOST:PORT server through their
handle, connectionStatus and a find on test.e2e, then one JSON line, {"ok": true, "user": ...,
"db": ..., "arn": ...} or {"ok": false, "code": N, "error": ...}; exit status 0 when authenticated,
1 when refused (the credential cache is cleared then, as a driver does), 2 on anything else.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import struct
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))
import mongodb_aws_ctypes as m  # noqa: E402
import opmsg  # noqa: E402  (tests/opmsg.py)

results = {"passed": 0, "failed": 0}


def check(name: str, ok: bool, detail: object = "") -> bool:
    results["passed" if ok else "failed"] += 1
    print(("ok     " if ok else "not ok ") + name + ("" if ok else f": {detail}"))
    return ok


# ---- minimal BSON and OP_MSG --------------------------------------------------------------------
def bson(doc: dict) -> bytes:
    out = b""
    for k, v in doc.items():
        key = k.encode() + b"\0"
        if isinstance(v, bytes):
            out += b"\x05" + key + struct.pack("<iB", len(v), 0) + v
        elif isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        else:
            s = v.encode() + b"\0"
            out += b"\x02" + key + struct.pack("<i", len(s)) + s
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def unbson(b: bytes) -> dict:
    doc, i = {}, 4
    while b[i] != 0:
        t, j = b[i], b.index(b"\0", i + 1)
        key, i = b[i + 1 : j].decode(), j + 1
        if t == 0x01:
            doc[key], i = struct.unpack_from("<d", b, i)[0], i + 8
        elif t == 0x02:
            n = struct.unpack_from("<i", b, i)[0]
            doc[key], i = b[i + 4 : i + 3 + n].decode(), i + 4 + n
        elif t in (0x03, 0x04):
            n = struct.unpack_from("<i", b, i)[0]
            sub = unbson(b[i : i + n])
            doc[key], i = (list(sub.values()) if t == 0x04 else sub), i + n
        elif t == 0x05:
            n = struct.unpack_from("<i", b, i)[0]
            doc[key], i = b[i + 5 : i + 5 + n], i + 5 + n
        elif t == 0x08:
            doc[key], i = b[i] == 1, i + 1
        elif t == 0x0A:
            doc[key] = None
        elif t == 0x10:
            doc[key], i = struct.unpack_from("<i", b, i)[0], i + 4
        elif t in (0x09, 0x11, 0x12):
            doc[key], i = struct.unpack_from("<q", b, i)[0], i + 8
        else:
            raise ValueError(f"BSON type {t:#x} not supported here")
    return doc


def Wire(port: int, host: str = "127.0.0.1") -> opmsg.Wire:
    """One connection speaking OP_MSG (tests/opmsg.py) with the minimal BSON above."""
    return opmsg.Wire(port, encode=bson, decode=unbson, host=host, timeout=20)


def authenticate(lib, port: int, sign, host: str = "127.0.0.1") -> dict:
    """hello, saslStart, saslContinue with `sign(conv, server_first)`; then connectionStatus and a
    find on test.e2e. Returns the refusing reply, or {"ok": 1, "user", "db", "arn"}."""
    w = Wire(port, host)
    try:
        w.command({"hello": 1, "$db": "admin"})
        conv = m.Conversation(lib, os.urandom(32))
        r = w.command({"saslStart": 1, "mechanism": "MONGODB-AWS", "payload": conv.client_first(), "$db": "$external"})
        if r.get("ok") != 1:
            return r
        final = sign(conv, r["payload"])
        r = w.command({"saslContinue": 1, "conversationId": r["conversationId"], "payload": final, "$db": "$external"})
        if r.get("ok") != 1 or not r.get("done"):
            return r
        user = w.command({"connectionStatus": 1, "$db": "admin"})["authInfo"]["authenticatedUsers"][0]
        doc = w.command({"find": "e2e", "limit": 1, "$db": "test"})["cursor"]["firstBatch"][0]
        return {"ok": 1, "user": user["user"], "db": user["db"], "arn": doc["arn"]}
    finally:
        w.sock.close()


# ---- the checks --------------------------------------------------------------------------------
def binding_checks(lib, vectors: Path) -> None:
    check("version", lib.mongodb_aws_version().decode() == "0.1.0" and lib.mongodb_aws_version_number() == 256)
    sizes_file = os.environ.get("MONGODB_AWS_C_SIZES")
    if check("C struct sizes given ($MONGODB_AWS_C_SIZES)", bool(sizes_file)):
        c_sizes = dict(line.split() for line in Path(sizes_file).read_text().splitlines())
        for name, cls in m.STRUCTS.items():
            check(f"sizeof {name} == C's", ctypes.sizeof(cls) == int(c_sizes[name]), ctypes.sizeof(cls))
    check("status names", lib.mongodb_aws_status_name(100) == b"BUFFER_TOO_SMALL" and lib.mongodb_aws_status_name(0) == b"OK")

    d = vectors / "vectors" / "mongodb-aws-getcalleridentity"
    inputs = json.loads((d / "inputs.json").read_text())
    sf = bytes.fromhex((d / "server-first.bson.hex").read_text().strip())
    nonce = bytes.fromhex(inputs["client_nonce_hex"])
    now = 1440938160  # inputs["amz_date"], 20150830T123600Z
    conv = m.Conversation(lib, nonce)
    check("vector: client-first", conv.client_first() == bytes.fromhex((d / "client-first.bson.hex").read_text().strip()))
    check("vector: server-first host view, copied out", conv.server_host(sf) == inputs["host"])
    expected = {}
    for token, sub in ((None, "without-session-token"), (inputs["session_token"], "with-session-token")):
        creds = m.Credentials.of(inputs["access_key_id"], inputs["secret_access_key"], token)
        expected[sub] = bytes.fromhex((d / sub / "client-final.bson.hex").read_text().strip())
        check(f"vector: client-final {sub}", conv.client_final(sf, now, creds) == expected[sub])

    # Misuse: every error is a status, nothing crashes, nothing is written on failure.
    creds = m.Credentials.of(inputs["access_key_id"], inputs["secret_access_key"])
    out, n = (ctypes.c_uint8 * 16)(*([0xA5] * 16)), ctypes.c_size_t(0)
    sfb = m.buffer(sf)
    st = lib.mongodb_aws_client_conversation_client_final(None, sfb, len(sf), ctypes.byref(creds), now, None, out, 16, ctypes.byref(n))
    check("NULL conversation -> NULL_ARGUMENT", st == m.NULL_ARGUMENT, st)
    st = lib.mongodb_aws_client_conversation_client_final(ctypes.byref(conv._conv), sfb, len(sf), None, now, None, out, 16, ctypes.byref(n))
    check("NULL credentials -> NULL_ARGUMENT", st == m.NULL_ARGUMENT, st)
    st = lib.mongodb_aws_client_conversation_client_final(ctypes.byref(conv._conv), sfb, len(sf), ctypes.byref(creds), now, None, out, 16, ctypes.byref(n))
    check("short buffer -> BUFFER_TOO_SMALL with the size, nothing written",
          st == m.BUFFER_TOO_SMALL and n.value == len(expected["without-session-token"]) and bytes(out) == b"\xa5" * 16, (st, n.value))
    q = ctypes.c_size_t(0)
    st = lib.mongodb_aws_client_conversation_client_final(ctypes.byref(conv._conv), sfb, len(sf), ctypes.byref(creds), now, None, None, 0, ctypes.byref(q))
    check("size query", st == m.OK and q.value == n.value, (st, q.value))
    st = lib.mongodb_aws_client_conversation_client_final(ctypes.byref(conv._conv), sfb, len(sf), ctypes.byref(creds), 2**64 - 1, None, None, 0, ctypes.byref(q))
    check("size query with an invalid time -> INVALID_TIME", st == m.INVALID_TIME, st)
    try:
        m.Conversation(lib, b"\0" * 31)
        check("31-byte nonce -> INVALID_PARAMETER", False, "accepted")
    except m.Error as e:
        check("31-byte nonce -> INVALID_PARAMETER", e.status == m.INVALID_PARAMETER, e)
    try:
        m.Conversation(lib, b"\x07" * 32).server_host(sf)
        check("server nonce not ours -> SERVER_NONCE_MISMATCH", False, "accepted")
    except m.Error as e:
        check("server nonce not ours -> SERVER_NONCE_MISMATCH", e.status == m.SERVER_NONCE_MISMATCH, e)
    check("bad host -> HOST_EMPTY_LABEL", lib.mongodb_aws_sts_validate_host(b"sts..amazonaws.com", 18) == m.HOST_EMPTY_LABEL)

    # Threads: ctypes releases the GIL around each call; every signature must still be the vector.
    bad = []

    def worker() -> None:
        for _ in range(50):
            if conv.client_final(sf, now, creds) != expected["without-session-token"]:
                bad.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("4 threads x 50 client-finals equal the vector", not bad, len(bad))


def live_checks(lib, port: int, expect_user: str) -> None:
    env_token = os.environ.get("AWS_SESSION_TOKEN") or None
    with m.OwnedCredentials(lib) as owned:
        info = owned.info()
        check("get_credentials: from the environment", info["source"] == "environment", info["source"])
        check("get_credentials: id and token as set", info["access_key_id"] == os.environ["AWS_ACCESS_KEY_ID"] and info["session_token"] == env_token)
        token_len = len(info["session_token"] or "")
        r = authenticate(lib, port, lambda conv, sf: conv.client_final(sf, int(time.time()), handle=owned.handle, token_len=token_len))
        check("authenticated through the credentials handle", r.get("user") == expect_user, r)
        wrong = m.Credentials.of(info["access_key_id"], "wrong-" + os.environ["AWS_SECRET_ACCESS_KEY"], info["session_token"])
    r = authenticate(lib, port, lambda conv, sf: conv.client_final(sf, int(time.time()), wrong))
    check("wrong secret refused with code 18", r.get("ok") == 0 and r.get("code") == 18, r)
    lib.mongodb_aws_clear_credential_cache()  # what a driver does after a refusal


def e2e(lib, uri: str) -> int:
    """--e2e URI: one authentication, reported as tests/e2e/clients.py expects."""
    u = urlparse(uri)
    try:
        owned = m.OwnedCredentials(lib)
    except m.Error as e:
        print(json.dumps({"ok": False, "code": e.status, "error": str(e)}))
        return 1
    with owned:
        token_len = len((owned.info()["session_token"] or "").encode())
        r = authenticate(lib, u.port, lambda conv, sf: conv.client_final(
            sf, int(time.time()), handle=owned.handle, token_len=token_len), u.hostname)
    if r.get("ok") == 0:
        lib.mongodb_aws_clear_credential_cache()  # refused: the next attempt fetches them afresh
        print(json.dumps({"ok": False, "code": r.get("code"), "error": r.get("errmsg", "")}))
        return 1
    print(json.dumps({"ok": True, "user": r["user"], "db": r["db"], "arn": r["arn"]}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors")
    ap.add_argument("--port", type=int)
    ap.add_argument("--expect-user")
    ap.add_argument("--expect-source")
    ap.add_argument("--e2e", metavar="URI")
    a = ap.parse_args()
    if not a.e2e and not a.vectors:
        ap.error("--vectors or --e2e is required")
    lib = m.load()
    if a.e2e:
        try:
            return e2e(lib, a.e2e)
        except Exception as e:  # anything but a refusal
            print(f"{type(e).__name__}: {e}", file=sys.stderr)
            return 2
    if a.expect_source:
        with m.OwnedCredentials(lib) as owned:
            info = owned.info()
        check(f"get_credentials: from {a.expect_source}", info["source"] == a.expect_source and info["has_expiration"], info)
    else:
        binding_checks(lib, Path(a.vectors))
        if a.port:
            live_checks(lib, a.port, a.expect_user)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
