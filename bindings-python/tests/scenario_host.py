"""The Python host of the credential scenario suite (testdata/credential-scenarios), run by
tests/scenarios/runner.py once per scenario: ``{"calls": [{"env": {..}, "unset": [..],
"clear_cache": bool, "sleep_ms": int}, ..]}`` on stdin; for each call it sleeps ``sleep_ms``,
applies the changes to the process environment, clears the cache if asked, prints
``{"start": true}``, calls the public API once (:func:`mongodb_aws.get_credentials`) and prints
one result line. Public API only: the same calls an application makes. Never prints a secret.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import mongodb_aws


def result() -> dict[str, Any]:
    try:
        creds = mongodb_aws.get_credentials()
    except mongodb_aws.MongoDBAWSError as e:
        return {"ok": False, "error": e.code, "message": str(e)}
    return {
        "ok": True,
        "source": creds.source,
        "access_key_id": creds.access_key_id,
        "session_token": creds.session_token is not None,
        "expiration": creds.expiration,
        "from_cache": creds.from_cache,
    }


def main() -> int:
    doc = json.load(sys.stdin)
    for call in doc.get("calls", []):
        time.sleep(call.get("sleep_ms", 0) / 1000)
        for name, value in (call.get("env") or {}).items():
            os.environ[name] = value
        for name in call.get("unset") or []:
            os.environ.pop(name, None)
        if call.get("clear_cache"):
            mongodb_aws.clear_credential_cache()
        print(json.dumps({"start": True}), flush=True)
        print(json.dumps(result()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
