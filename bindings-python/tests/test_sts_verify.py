"""The STS-side verifier (mongodb_aws.IncomingStsRequest): the shared vector's forwarded request,
and GetCallerIdentity requests signed by botocore (an independent SigV4 signer), accepted with the
right secret and refused, with the rule's code, for every change after signing."""

from __future__ import annotations

import base64
import datetime
import os
import secrets
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

import mongodb_aws
from mongodb_aws import IncomingStsRequest, MongoDBAWSError, ServerConversationError

from conftest import AKID, GCI, SECRET, T, altered, read

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
import botocore_gci  # noqa: E402  (tests/botocore_gci.py: botocore's SigV4 for the request)

BODY = botocore_gci.BODY
REGIONS = {"sts.amazonaws.com": "us-east-1", "sts.us-west-2.amazonaws.com": "us-west-2"}


def vector_headers(variant: str) -> list[tuple[str, str]]:
    """The headers a MongoDB server forwards for the shared vector, read from the vector's canonical
    request (names as it lists them, values as signed) plus its Authorization."""
    lines = read(GCI / variant / "canonical-request.txt").split("\n")
    end = lines.index("", 3)
    headers = [tuple(line.split(":", 1)) for line in lines[3:end]]
    return [*headers, ("Authorization", read(GCI / variant / "authorization.txt").strip())]  # type: ignore[list-item]


@pytest.mark.parametrize("variant", ["with-session-token", "without-session-token"])
def test_vector_request(variant: str, gci_inputs: dict[str, Any]) -> None:
    headers = vector_headers(variant)
    token = gci_inputs["session_token"] if variant == "with-session-token" else None
    req = IncomingStsRequest("POST", "/", headers, BODY)
    assert (req.access_key_id, req.host, req.region) == (AKID, "sts.amazonaws.com", "us-east-1")
    assert (req.amz_date, req.date) == ("20150830T123600Z", T)
    assert req.session_token == token
    assert req.server_nonce == gci_inputs["server_nonce_base64"]
    assert "secret" not in repr(req).lower() and AKID in repr(req)
    req.verify(SECRET, token, now=T)
    req.verify(SECRET, token, now=T + 900)
    req.verify(SECRET, token, now=T - 900)
    for now, code in [(T + 901, "REQUEST_TIME_SKEWED"), (T - 901, "REQUEST_TIME_SKEWED")]:
        with pytest.raises(ServerConversationError) as e:
            req.verify(SECRET, token, now=now)
        assert e.value.code == code
    with pytest.raises(ServerConversationError) as e:
        req.verify(altered(SECRET), token, now=T)
    assert e.value.code == "SIGNATURE_MISMATCH"
    assert SECRET not in str(e.value) and altered(SECRET) not in str(e.value)
    # The token the key was issued with: missing, unexpected or different.
    other = None if token else "token"
    with pytest.raises(ServerConversationError) as e:
        req.verify(SECRET, other, now=T)
    assert e.value.code == "SESSION_TOKEN_MISMATCH"
    if token:
        with pytest.raises(ServerConversationError) as e:
            req.verify(SECRET, altered(token), now=T)
        assert e.value.code == "SESSION_TOKEN_MISMATCH"
    # Headers as a mapping, body as bytes, names in any case.
    IncomingStsRequest("POST", "/", {n.upper(): v for n, v in headers}, BODY.encode()).verify(
        SECRET, token, now=T
    )


def botocore_signed(
    host: str, akid: str, secret: str, token: Optional[str], when: datetime.datetime
) -> dict[str, str]:
    """What a MONGODB-AWS client sends, signed by botocore (headers as sent, Host included)."""
    nonce_header = base64.b64encode(os.urandom(64)).decode()
    return botocore_gci.signed_headers(host, nonce_header, akid, secret, token, when, region=REGIONS[host])


def key() -> tuple[str, str]:
    return "AKIA" + secrets.token_hex(8).upper(), base64.b64encode(os.urandom(30)).decode()


@pytest.mark.parametrize("host", sorted(REGIONS))
@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "session-token"])
def test_botocore_signed_requests(host: str, with_token: bool) -> None:
    akid, secret = key()
    token = base64.b64encode(os.urandom(300)).decode() if with_token else None
    when = datetime.datetime(2026, 12, 3, 13, 59, 30)
    now = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
    headers = botocore_signed(host, akid, secret, token, when)
    req = IncomingStsRequest("POST", "/", headers, BODY)
    assert (req.access_key_id, req.host, req.region) == (akid, host, REGIONS[host])
    assert (req.amz_date, req.date) == ("20261203T135930Z", now)
    assert req.session_token == token and req.server_nonce == headers["X-MongoDB-Server-Nonce"]
    req.verify(secret, token, now=now + 60)

    def refused(changed: dict[str, str], code: str) -> None:
        with pytest.raises(ServerConversationError) as e:
            IncomingStsRequest("POST", "/", changed, BODY).verify(secret, token, now=now)
        assert e.value.code == code, changed

    refused(botocore_signed(host, akid, altered(secret), token, when), "SIGNATURE_MISMATCH")
    # Each signed header changed after signing.
    later = when + datetime.timedelta(seconds=1)
    for name, value in [
        ("X-MongoDB-Server-Nonce", base64.b64encode(os.urandom(64)).decode()),
        ("X-MongoDB-GS2-CB-Flag", "y"),
        ("X-Amz-Date", later.strftime("%Y%m%dT%H%M%SZ")),
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ("Content-Length", "44"),
    ]:
        refused({**headers, name: value}, "SIGNATURE_MISMATCH")
    if token:
        refused({**headers, "X-Amz-Security-Token": altered(token)}, "SESSION_TOKEN_MISMATCH")
    # Signed now by botocore and checked against the real clock (verify's default `now`).
    utc_now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    fresh = botocore_signed(host, akid, secret, token, utc_now)
    IncomingStsRequest("POST", "/", fresh, BODY).verify(secret, token)


def test_unsigned_headers_may_change() -> None:
    akid, secret = key()
    when = datetime.datetime(2026, 12, 3, 0, 0, 0)
    headers = botocore_signed("sts.amazonaws.com", akid, secret, None, when)
    headers["User-Agent"] = "anything"
    headers["Accept"] = "application/json"
    now = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
    IncomingStsRequest("POST", "/", headers, BODY).verify(secret, None, now=now)


def _signed() -> tuple[dict[str, str], str, int]:
    akid, secret = key()
    when = datetime.datetime(2026, 12, 3, 12, 0, 0)
    now = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
    return botocore_signed("sts.us-west-2.amazonaws.com", akid, secret, "tok", when), secret, now


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {n: v for n, v in headers.items() if n.lower() != name.lower()}


def test_inspect_rules() -> None:
    h, _, _ = _signed()
    auth = h["Authorization"]
    cases: list[tuple[Any, str]] = [
        (("GET", "/", h, BODY), "NOT_GET_CALLER_IDENTITY"),
        (("POST", "/x", h, BODY), "NOT_GET_CALLER_IDENTITY"),
        (("POST", "/", h, BODY + "&x=1"), "NOT_GET_CALLER_IDENTITY"),
        (("POST", "/", h, BODY, "Action=GetCallerIdentity"), "NOT_GET_CALLER_IDENTITY"),
        (("POST", "/", _without(h, "Authorization"), BODY), "MISSING_AUTHORIZATION"),
        (("POST", "/", [*h.items(), ("x-amz-date", h["X-Amz-Date"])], BODY), "DUPLICATE_HEADER"),
        (("POST", "/", [*h.items(), ("authorization", auth)], BODY), "DUPLICATE_HEADER"),
        (("POST", "/", _without(h, "X-MongoDB-GS2-CB-Flag"), BODY), "SIGNED_HEADER_ABSENT"),
        (("POST", "/", {**h, "Host": "sts.amazonaws.com"}, BODY), "CREDENTIAL_SCOPE_REGION_MISMATCH"),
        (("POST", "/", {**h, "Host": "sts..amazonaws.com"}, BODY), "HOST_EMPTY_LABEL"),
        (("POST", "/", {**h, "X-Amz-Date": "20261204T120000Z"}, BODY), "CREDENTIAL_SCOPE_DATE_MISMATCH"),
        (("POST", "/", {**h, "X-Amz-Date": "2026-12-03"}, BODY), "INVALID_AMZ_DATE"),
        (("POST", "/", {**h, "Authorization": auth.replace("host;", "")}, BODY), "SIGNED_HEADERS_INVALID"),
        (("POST", "/", {**h, "Authorization": auth.replace("x-amz-security-token;", "")}, BODY),
         "SESSION_TOKEN_SIGNING"),
        (("POST", "/", {**h, "Authorization": auth.replace("/sts/", "/s3/")}, BODY), "CREDENTIAL_SCOPE_INVALID"),
    ]
    for args, code in cases:
        with pytest.raises(MongoDBAWSError) as e:
            IncomingStsRequest(*args)
        assert e.value.code == code, (code, args[:2])


def test_every_sts_verifier_error_is_exercised() -> None:
    """Every core error of the STS-side verifier (560-599) that the core raises is asserted by name
    in this file; UNKNOWN_ACCESS_KEY_ID and NONCE_REPLAYED are the caller's to raise (the key lookup
    and the replay check are not the core's)."""
    from pathlib import Path

    from mongodb_aws._mongodb_aws import error_table

    source = Path(__file__).read_text()
    caller_side = {"UNKNOWN_ACCESS_KEY_ID", "NONCE_REPLAYED"}
    missing = [
        name for number, name, _ in error_table()
        if 560 <= number < 600 and name not in caller_side and f'"{name}"' not in source
    ]
    assert not missing


def test_exported() -> None:
    assert "IncomingStsRequest" in mongodb_aws.__all__
