"""PyMongo (from PyPI, unchanged) authenticating with MONGODB-AWS through mongodb_aws.pymongo.

1. The shim's payloads equal pymongo-auth-aws's for the same nonce, server payload, credentials
   and clock (pymongo-auth-aws's time and nonce sources patched).
2. Real pymongo clients (sync and async) authenticate against a loopback wire-protocol server whose
   verifier recomputes the signature with pymongo-auth-aws + botocore.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import sys
from typing import Any, Iterator
from unittest import mock
from urllib.parse import quote

import bson
import pymongo
import pymongo.errors
import pytest

import mongodb_aws
import mongodb_aws.pymongo as shim

from conftest import AKID, SECRET, T
from fake_mongod import Account, FakeMongod
from pymongo_hooks import InjectedBson

TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtoken+/="


class InjectedContext(shim.AwsSaslContext):
    """Our context with the BSON hooks PyMongo injects (pymongo/synchronous/auth_aws.py)."""

    def binary_type(self) -> Any:
        return bson.Binary


def reference_context(credential: Any) -> Any:
    import pymongo_auth_aws

    class Ref(InjectedBson, pymongo_auth_aws.AwsSaslContext):  # type: ignore[misc]
        pass

    return Ref(credential)


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    shim.uninstall()
    shim.set_cached_credentials(None)
    shim.set_use_cached_credentials(None)
    yield
    shim.uninstall()
    shim.set_cached_credentials(None)
    shim.set_use_cached_credentials(None)


def run_both(nonce: bytes, server_random: bytes, host: str, creds: tuple[Any, Any, Any]) -> Any:
    import pymongo_auth_aws

    when = datetime.datetime.fromtimestamp(T, datetime.timezone.utc).replace(tzinfo=None)
    results = []
    for make in (
        lambda: reference_context(pymongo_auth_aws.AwsCredential(*creds)),
        lambda: InjectedContext(shim.AwsCredential(*creds)),
    ):
        ctx = make()
        with mock.patch("os.urandom", lambda n: nonce[:n]), mock.patch(
            "time.time", lambda: T + 0.25
        ), mock.patch("botocore.auth.get_current_datetime", lambda *a, **k: when):
            first = ctx.step(None)
            server_first = bson.encode({"s": bson.Binary(nonce + server_random), "h": host})
            final = ctx.step(bson.Binary(server_first))
        assert type(first) is bson.Binary and type(final) is bson.Binary
        results.append((bytes(first), bytes(final)))
    return results


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize("host", ["sts.amazonaws.com", "sts.eu-west-3.amazonaws.com", "localhost"])
def test_payloads_equal_pymongo_auth_aws(token: Any, host: str) -> None:
    ref, ours = run_both(bytes(range(32)), bytes(range(100, 132)), host, (AKID, SECRET, token))
    assert ours == ref


def test_env_credentials_equal_pymongo_auth_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    # Keep boto3 (used by pymongo-auth-aws) away from any shared config.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    ref, ours = run_both(bytes(32), bytes(32), "sts.amazonaws.com", (None, None, None))
    assert ours == ref
    # Environment credentials are never cached.
    assert shim.get_cached_credentials() is None


def test_incomplete_env_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    ctx = InjectedContext(shim.AwsCredential(None, None, None))
    with pytest.raises(shim.PyMongoAuthAwsError) as e:
        ctx.step(None)
    assert e.value.code == "MISSING_SECRET_ACCESS_KEY"
    assert "ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing" in str(e.value)


def test_bad_server_payload_raises_and_clears_cache() -> None:
    shim.set_use_cached_credentials(True)
    shim.set_cached_credentials(shim.AwsCredential(AKID, SECRET, None))
    ctx = InjectedContext(shim.AwsCredential(None, None, None))
    ctx.step(None)  # uses the cached credentials
    bad = bson.encode({"s": bson.Binary(bytes(64)), "h": "sts.amazonaws.com"})
    with pytest.raises(shim.PyMongoAuthAwsError) as e:
        ctx.step(bson.Binary(bad))
    assert e.value.code == "SERVER_NONCE_MISMATCH"
    assert isinstance(e.value.__cause__, mongodb_aws.ConversationError)
    assert shim.get_cached_credentials() is None
    with pytest.raises(shim.PyMongoAuthAwsError, match="too many steps"):
        ctx.step(bson.Binary(bad))


def test_empty_server_payload() -> None:
    ctx = InjectedContext(shim.AwsCredential(AKID, SECRET, None))
    ctx.step(None)
    with pytest.raises(shim.PyMongoAuthAwsError, match="server payload empty"):
        ctx.step(b"")


def test_cache_refresh_rule() -> None:
    shim.set_use_cached_credentials(True)
    stale = shim.AwsCredential(AKID, SECRET, None, refresh_needed=lambda margin: margin >= 60)
    shim.set_cached_credentials(stale)
    assert shim.get_cached_credentials() is None
    fresh = shim.AwsCredential(AKID, SECRET, None, refresh_needed=lambda margin: False)
    shim.set_cached_credentials(fresh)
    assert shim.get_cached_credentials() is fresh
    assert shim.aws_temp_credentials() is fresh
    shim.set_use_cached_credentials(False)
    shim.set_cached_credentials(stale)  # ignored while caching is off
    assert shim.get_cached_credentials() is fresh


def test_install_uninstall() -> None:
    import pymongo_auth_aws as real

    assert not shim.installed()
    shim.install()
    shim.install()
    assert shim.installed()
    import pymongo_auth_aws
    from pymongo_auth_aws.auth import set_cached_credentials, set_use_cached_credentials

    assert pymongo_auth_aws is shim
    assert set_cached_credentials is shim.set_cached_credentials
    assert set_use_cached_credentials is shim.set_use_cached_credentials
    assert pymongo_auth_aws.PyMongoAuthAwsError is shim.PyMongoAuthAwsError
    assert sys.modules["pymongo_auth_aws.auth"] is shim
    shim.uninstall()
    assert sys.modules["pymongo_auth_aws"] is real
    assert not shim.installed()


# ---- real PyMongo against a loopback server -----------------------------------------------------


def uri_with_creds(server: FakeMongod, akid: str, secret: str, token: Any = None) -> str:
    props = {"authMechanism": "MONGODB-AWS"}
    if token:
        props["authMechanismProperties"] = "AWS_SESSION_TOKEN:" + quote(token, safe="")
    base = server.uri(**props)
    return base.replace("mongodb://", f"mongodb://{quote(akid, safe='')}:{quote(secret, safe='')}@")


@pytest.mark.parametrize("token", [None, TOKEN])
def test_pymongo_authenticates_through_shim(token: Any) -> None:
    shim.install()
    with FakeMongod([Account(AKID, SECRET, token)]) as server:
        # Prove it is the shim that runs: spy on its step().
        real_step = shim.AwsSaslContext.step
        with mock.patch.object(
            shim.AwsSaslContext, "step", autospec=True, side_effect=real_step
        ) as spy:
            client: pymongo.MongoClient[Any] = pymongo.MongoClient(
                uri_with_creds(server, AKID, SECRET, token)
            )
            try:
                assert client.admin.command("ping")["ok"] == 1.0
            finally:
                client.close()
        assert [c.ok for c in server.conversations] == [True]
        conv = server.conversations[0]
        final = bson.decode(conv.client_final)
        assert list(final) == (["a", "d", "t"] if token else ["a", "d"])
        assert final.get("t") == token
        assert spy.call_count == 2


def test_pymongo_wrong_secret_fails_cleanly() -> None:
    shim.install()
    with FakeMongod([Account(AKID, SECRET)]) as server:
        client: pymongo.MongoClient[Any] = pymongo.MongoClient(
            uri_with_creds(server, AKID, "wrong" + SECRET[5:])
        )
        try:
            with pytest.raises(pymongo.errors.OperationFailure) as e:
                client.admin.command("ping")
            assert "Authentication failed" in str(e.value)
            # The shim's diagnosis: explicit credentials, the key, the user the server looks up.
            assert (
                "; MONGODB-AWS: credentials from the application (given explicitly) "
                f"(access key id {AKID}); the server looks up the $external user mapped from the "
                f"ARN of key {AKID}"
            ) in str(e.value)
            assert "mongodb-aws doctor" in str(e.value)
            assert "wrong" not in str(e.value)
        finally:
            client.close()
        assert [c.ok for c in server.conversations] == [False]
    assert shim.get_cached_credentials() is None


def test_pymongo_refusal_names_the_chain_source_and_the_role_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    shim.install()
    with FakeMongod([Account(AKID, "other" + SECRET[5:], TOKEN)]) as server:
        client: pymongo.MongoClient[Any] = pymongo.MongoClient(
            server.uri(authMechanism="MONGODB-AWS")
        )
        try:
            with pytest.raises(pymongo.errors.OperationFailure) as e:
                client.admin.command("ping")
        finally:
            client.close()
    text = str(e.value)
    assert e.value.code == 18
    assert f"credentials from environment (access key id {AKID}, with a session token)" in text
    assert "arn:aws:sts::ACCOUNT:assumed-role/ROLE/*" in text
    assert SECRET not in text and TOKEN not in text


def test_pymongo_bad_sts_host_fails_cleanly() -> None:
    shim.install()
    with FakeMongod([Account(AKID, SECRET)], sts_host="sts..amazonaws.com") as server:
        client: pymongo.MongoClient[Any] = pymongo.MongoClient(uri_with_creds(server, AKID, SECRET))
        try:
            with pytest.raises(pymongo.errors.OperationFailure) as e:
                client.admin.command("ping")
            assert "HOST_EMPTY_LABEL" in str(e.value)
            assert "mongodb-aws" in str(e.value)
        finally:
            client.close()


def test_pymongo_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    shim.install()
    with FakeMongod([Account(AKID, SECRET, TOKEN)]) as server:
        client: pymongo.MongoClient[Any] = pymongo.MongoClient(
            server.uri(authMechanism="MONGODB-AWS")
        )
        try:
            assert client.admin.command("ping")["ok"] == 1.0
        finally:
            client.close()
        assert [c.ok for c in server.conversations] == [True]


def test_async_pymongo_authenticates_through_shim() -> None:
    shim.install()

    async def main(uri: str) -> float:
        client: pymongo.AsyncMongoClient[Any] = pymongo.AsyncMongoClient(uri)
        try:
            return float((await client.admin.command("ping"))["ok"])
        finally:
            await client.close()

    with FakeMongod([Account(AKID, SECRET, TOKEN)]) as server:
        assert asyncio.run(main(uri_with_creds(server, AKID, SECRET, TOKEN))) == 1.0
        assert [c.ok for c in server.conversations] == [True]
