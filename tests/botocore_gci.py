"""The GetCallerIdentity request a MONGODB-AWS client signs, signed by botocore's `SigV4Auth` (an
independent SigV4 signer) with a clock the caller gives: the one helper the Python test programs
that sign without the project's code share (tests/e2e/rawclient.py,
bindings-python/tests/test_sts_verify.py).
"""

from __future__ import annotations

import datetime
from typing import Optional
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BODY = "Action=GetCallerIdentity&Version=2011-06-15"


def region_for_host(host: str) -> str:
    """The spec's region rule (auth spec, MONGODB-AWS, 'Region Calculation')."""
    if host == "sts.amazonaws.com" or "." not in host:
        return "us-east-1"
    return host.split(".")[1]


def signed_headers(
    host: str,
    nonce_header: str,
    akid: str,
    secret: str,
    token: Optional[str],
    when: datetime.datetime,
    flag: str = "n",
    region: Optional[str] = None,
) -> dict[str, str]:
    """The headers as a client sends them (Host included), signed by botocore at `when` (UTC) for
    `region` (by default the spec's rule for `host`)."""
    req = AWSRequest(
        method="POST",
        url=f"https://{host}/",
        data=BODY,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(BODY)),
            "X-MongoDB-Server-Nonce": nonce_header,
            "X-MongoDB-GS2-CB-Flag": flag,
        },
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        SigV4Auth(Credentials(akid, secret, token), "sts", region or region_for_host(host)).add_auth(req)
    return {**dict(req.headers.items()), "Host": host}
