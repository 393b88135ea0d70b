"""E2E client: PyMongo with pymongo-auth-aws (the official driver path), credentials from the env.

Usage: python pymongo_client.py URI
Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
"""

import json
import sys

import pymongo_auth_aws  # noqa: F401  (MONGODB-AWS needs it; fail loudly if it is missing)

from pymongo_session import run


def main() -> int:
    result = run(sys.argv[1])
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
