"""Hypothesis-driven differential tests: our signer against botocore's SigV4Auth, and our
conversation against pymongo-auth-aws, for the same random inputs."""

from __future__ import annotations

import datetime
import string
from typing import Any
from unittest import mock
from urllib.parse import quote

import bson
import pymongo_auth_aws
import pymongo_auth_aws.auth
from botocore.auth import SIGNED_HEADERS_BLACKLIST, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mongodb_aws
from mongodb_aws import ClientConversation, Credentials

from pymongo_hooks import InjectedBson

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- strategies -----------------------------------------------------------------------------------

akids = st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=128)
secrets = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=128
)
tokens = st.one_of(
    st.none(),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=3000),
)
scope_part = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=40)
#: 1970-01-01 .. 9999-12-31
times = st.integers(min_value=0, max_value=253_402_300_799)

segment = st.one_of(
    st.sampled_from(["", ".", "..", "a", "b", "~x", "%20", "%2F", "$", "a:b", "é"]),
    st.text(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@", min_size=1, max_size=12),
)


def _path(segments: list[str]) -> str:
    # botocore drops the trailing "/" RFC 3986 5.2.4 leaves after a final "." or ".." segment
    # ("/a/b/." -> "/a/b" instead of "/a/b/"); the core, aws-sigv4 and the AWS suites keep it. Paths
    # ending in a dot segment are compared with an explicit trailing "/", where all agree.
    p = "/" + "/".join(segments)
    return p + "/" if segments[-1] in (".", "..") else p


paths = st.lists(segment, min_size=1, max_size=6).map(_path)
query_pairs = st.lists(
    st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8)), max_size=6
)
# Not the headers botocore leaves unsigned (its SIGNED_HEADERS_BLACKLIST: te, connection, ...);
# sign_v4 signs every header it is given.
header_names = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=20).filter(
    lambda n: n.lower() not in ("host", "authorization", *SIGNED_HEADERS_BLACKLIST)
    and not n.lower().startswith("x-amz-")
)
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30
)
headers = st.dictionaries(header_names, header_values, max_size=8).map(
    # botocore's HTTPHeaders are case-insensitive: one entry per lower-cased name.
    lambda d: {k: v for k, v in {k.lower(): (k, v) for k, v in d.items()}.values()}
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"])
bodies = st.binary(max_size=2000)
hosts = st.from_regex(r"\A([a-z0-9][a-z0-9-]{0,20}\.){0,4}[a-z0-9]{1,20}\Z")


def boto_time(t: int) -> Any:
    return mock.patch(
        "botocore.auth.get_current_datetime",
        lambda *a, **k: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None),
    )


# ---- sign_v4 vs botocore --------------------------------------------------------------------------


@SETTINGS
@given(
    akid=akids,
    secret=secrets,
    token=tokens,
    region=scope_part,
    service=scope_part,
    now=times,
    method=methods,
    path=paths,
    query=query_pairs,
    hdrs=headers,
    host=hosts,
    body=bodies,
)
def test_sign_v4_matches_botocore(
    akid: str,
    secret: str,
    token: str | None,
    region: str,
    service: str,
    now: int,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    hdrs: dict[str, str],
    host: str,
    body: bytes,
) -> None:
    url = "http://" + host + path
    boto_req = AWSRequest(method=method, url=url, data=body, headers=dict(hdrs), params=query)
    with boto_time(now):
        SigV4Auth(BotoCredentials(akid, secret, token), service, region).add_auth(boto_req)
    qs = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query)
    creds = Credentials(akid, secret, token)
    ours = mongodb_aws.sign_v4(
        method,
        url + ("?" + qs if qs else ""),
        credentials=creds,
        region=region,
        service=service,
        headers=hdrs,
        body=body,
        now=now,
    )
    assert ours.authorization == boto_req.headers["Authorization"]
    assert ours.headers["X-Amz-Date"] == boto_req.headers["X-Amz-Date"]
    assert ours.headers.get("X-Amz-Security-Token") == boto_req.headers.get("X-Amz-Security-Token")
    assert ours.headers["Host"] == host


# ---- the conversation vs pymongo-auth-aws ---------------------------------------------------------


class ReferenceContext(InjectedBson, pymongo_auth_aws.AwsSaslContext):  # type: ignore[misc]
    """pymongo-auth-aws's context with the BSON hooks PyMongo injects."""


def reference_payloads(
    nonce: bytes, server_random: bytes, host: str, akid: str, secret: str, token: str | None, now: int
) -> tuple[bytes, bytes]:
    ctx = ReferenceContext(pymongo_auth_aws.AwsCredential(akid, secret, token))
    with mock.patch.object(pymongo_auth_aws.auth.os, "urandom", lambda n: nonce), boto_time(now):
        first = bytes(ctx.step(None))
        server_first = bson.encode({"s": bson.Binary(nonce + server_random), "h": host})
        final = bytes(ctx.step(server_first))
    return first, final


sts_hosts = st.one_of(
    st.sampled_from(["sts.amazonaws.com", "sts.us-west-2.amazonaws.com", "localhost", "x"]),
    hosts,
)


@SETTINGS
@given(
    nonce=st.binary(min_size=32, max_size=32),
    server_random=st.binary(min_size=32, max_size=32),
    host=sts_hosts,
    akid=akids,
    secret=secrets,
    token=tokens,
    now=times,
)
def test_conversation_matches_pymongo_auth_aws(
    nonce: bytes,
    server_random: bytes,
    host: str,
    akid: str,
    secret: str,
    token: str | None,
    now: int,
) -> None:
    first, final = reference_payloads(nonce, server_random, host, akid, secret, token, now)
    conv = ClientConversation(nonce)
    assert conv.client_first() == first
    server_first = bson.encode({"s": bson.Binary(nonce + server_random), "h": host})
    assert conv.finish(server_first, Credentials(akid, secret, token), now) == final


@SETTINGS
@given(host=st.text(st.sampled_from("ab.-_:"), max_size=300))
def test_region_rule_matches_pymongo_auth_aws(host: str) -> None:
    """pymongo-auth-aws implements the same rule (it accepts characters we reject, and treats a
    one-label host as valid before checking labels; compare where both accept)."""
    from pymongo_auth_aws.auth import _get_region

    try:
        theirs: str | None = _get_region(host)
    except pymongo_auth_aws.PyMongoAuthAwsError:
        theirs = None
    try:
        ours: str | None = mongodb_aws.sts_region(host)
    except mongodb_aws.ConversationError:
        ours = None
    assert ours == theirs
