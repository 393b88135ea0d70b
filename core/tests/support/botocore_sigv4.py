"""Reference SigV4 signer for core/tests/botocore_diff.rs: botocore's own SigV4Auth.

Reads one JSON request per line on stdin and writes one JSON line per request with botocore's canonical
request, string to sign and signature. The clock is injected through the request context, exactly as
botocore's add_auth() does with its own clock.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(c):
    creds = Credentials(c["akid"], c["secret"], c.get("token"))
    auth = SigV4Auth(creds, c["service"], c["region"])
    url = "https://" + c["host"] + c["path"] + ("?" + c["query"] if c["query"] else "")
    req = AWSRequest(method=c["method"], url=url, data=bytes.fromhex(c["body_hex"]))
    for name, value in c["headers"]:
        req.headers[name] = value  # HTTPHeaders appends: repeated names are kept
    # What add_auth() does before signing (_modify_request_before_signing), with our clock.
    req.context["timestamp"] = c["amz_date"]
    req.headers["X-Amz-Date"] = c["amz_date"]
    if c.get("token"):
        req.headers["X-Amz-Security-Token"] = c["token"]
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    return {"canonical_request": creq, "string_to_sign": sts, "signature": auth.signature(sts, req)}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(sign(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
