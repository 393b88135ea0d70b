"""The Python host of the credential scenario suite (testdata/credential-scenarios), run by
tests/scenarios/runner.py once per scenario: ``{"calls": [{"env": {..}, "unset": [..],
"clear_cache": bool, "sleep_ms": int, "profile": null|str, "mfa_codes": null|[str]}, ..]}`` on
stdin; for each call it sleeps ``sleep_ms``, applies the changes to the process environment, clears
the cache if asked, prints ``{"start": true}``, calls the public API once
(:func:`mongodb_aws.get_credentials` with ``profile`` and, when ``mfa_codes`` is a list, an
``mfa_callback`` returning those codes in order) and prints one result line. Public API only: the
same calls an application makes. Never prints a secret.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable, Optional

import mongodb_aws


def result(call: dict[str, Any]) -> dict[str, Any]:
    asked: list[str] = []
    codes = call.get("mfa_codes")
    callback: Optional[Callable[[str, str], str]] = None
    if codes is not None:
        remaining = list(codes)

        def callback(serial: str, profile: str) -> str:
            asked.append(serial)
            if not remaining:
                raise RuntimeError("no more codes")
            return str(remaining.pop(0))

    try:
        creds = mongodb_aws.get_credentials(profile=call.get("profile"), mfa_callback=callback)
    except mongodb_aws.MongoDBAWSError as e:
        return {"ok": False, "error": e.code, "message": str(e), "mfa_asked": asked}
    return {
        "ok": True,
        "source": creds.source,
        "access_key_id": creds.access_key_id,
        "session_token": creds.session_token is not None,
        "expiration": creds.expiration,
        "from_cache": creds.from_cache,
        "profile": creds.profile,
        "origin_file": creds.origin_file,
        "origin_line": creds.origin_line,
        "mfa_asked": asked,
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
        print(json.dumps(result(call)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
