"""The session both PyMongo e2e clients run (pymongo_client.py, pymongo_shim_client.py): connect,
authenticate, ask connectionStatus and read one document.

Imported by a client after it has chosen what PyMongo authenticates with (the shim installs itself
before PyMongo is first imported), so this module imports PyMongo itself.
"""

from __future__ import annotations

from typing import Any

import pymongo
from pymongo.errors import OperationFailure


def run(uri: str) -> dict[str, Any]:
    """The client's JSON result: {"ok": true, "user", "db", "arn"} when authenticated, {"ok": false,
    "code", "error"} when the server refused (other errors propagate)."""
    client = pymongo.MongoClient(uri)
    try:
        status = client.admin.command("connectionStatus")
        users = status["authInfo"]["authenticatedUsers"]
        doc = client.test.e2e.find_one()
    except OperationFailure as e:
        return {"ok": False, "code": e.code, "error": str(e)}
    finally:
        client.close()
    return {"ok": True, "user": users[0]["user"], "db": users[0]["db"], "arn": doc["arn"]}
