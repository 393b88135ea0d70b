"""E2E client: our Python binding alone — no driver. `mongodb_aws.get_credentials()` resolves the
credentials (the environment, through the provider chain), `mongodb_aws.ClientConversation` makes
client-first and client-final, and OP_MSG is written by hand (rawclient.Wire, PyMongo's `bson`).

Usage: python ours_python_client.py URI
Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
"""

import json
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import bson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mongodb_aws  # noqa: E402
from rawclient import Wire  # noqa: E402


def refused(reply: dict) -> int:
    print(json.dumps({"ok": False, "code": reply.get("code"), "error": reply.get("errmsg", "")}))
    return 1


def main() -> int:
    port = urlparse(sys.argv[1]).port
    creds = mongodb_aws.get_credentials()
    conv = mongodb_aws.ClientConversation(secrets.token_bytes(32))
    wire = Wire(port)
    try:
        hello = wire.command({"hello": 1, "$db": "admin"})
        assert hello["ok"] == 1, hello
        start = wire.command(
            {"saslStart": 1, "mechanism": "MONGODB-AWS", "payload": conv.client_first(), "$db": "$external"}
        )
        if start["ok"] != 1:
            return refused(start)
        final = conv.finish(bytes(start["payload"]), creds, time.time())
        cont = wire.command(
            {
                "saslContinue": 1,
                "conversationId": start["conversationId"],
                "payload": bson.Binary(final),
                "$db": "$external",
            }
        )
        if cont["ok"] != 1:
            return refused(cont)
        assert cont["done"] is True, cont
        status = wire.command({"connectionStatus": 1, "$db": "admin"})
        user = status["authInfo"]["authenticatedUsers"][0]
        found = wire.command({"find": "e2e", "limit": 1, "$db": "test"})
        doc = found["cursor"]["firstBatch"][0]
    finally:
        wire.close()
    print(json.dumps({"ok": True, "user": user["user"], "db": user["db"], "arn": doc["arn"]}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException as e:  # anything but an authentication refusal
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
