"""E2E client: PyMongo (unchanged, from PyPI) with mongodb_aws.pymongo standing in for pymongo-auth-aws
and botocore. Credentials from the environment.

Usage: python pymongo_shim_client.py URI
Prints one JSON line like pymongo_client.py; exit status 0 when authenticated, 1 when authentication
failed, 2 on anything else (including: the shim was not what ran).
"""

import json
import sys

import mongodb_aws.pymongo as shim

shim.install()

from pymongo_session import run  # noqa: E402  (imports pymongo, after the shim is installed)


def main() -> int:
    result = run(sys.argv[1])
    # Proof that the shim did the work: PyMongo imported it as pymongo_auth_aws, and neither the real
    # pymongo-auth-aws nor botocore was ever imported.
    if sys.modules.get("pymongo_auth_aws") is not shim or "botocore" in sys.modules:
        print(json.dumps({"ok": False, "code": -1, "error": "the mongodb_aws shim did not run"}))
        return 2
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
