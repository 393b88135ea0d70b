"""E2E client: PyMongo with pymongo-auth-aws (the official driver path), credentials from the env.

Usage: python pymongo_client.py URI
Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
"""

import json
import sys

import pymongo
import pymongo_auth_aws  # noqa: F401  (MONGODB-AWS needs it; fail loudly if it is missing)
from pymongo.errors import OperationFailure


def main() -> int:
    uri = sys.argv[1]
    client = pymongo.MongoClient(uri)
    try:
        status = client.admin.command("connectionStatus")
        users = status["authInfo"]["authenticatedUsers"]
        doc = client.test.e2e.find_one()
    except OperationFailure as e:
        print(json.dumps({"ok": False, "code": e.code, "error": str(e)}))
        return 1
    finally:
        client.close()
    print(json.dumps({"ok": True, "user": users[0]["user"], "db": users[0]["db"], "arn": doc["arn"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
