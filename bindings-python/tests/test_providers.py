"""The credential chain's Python API: get_credentials (environ, use_cache, from_cache, the provider
hook), set_credential_provider, cached_credentials, clear_credential_cache, the GIL released while
the runtime waits, assume_role and assume_role_with_saml against moto, and PyMongo through the shim
with endpoint and provider credentials.

The chain's behaviour itself (sources, order, deadlines, retries, expiry, errors) is the scenario
suite's, run through this package's public API by tests/test_scenarios.py.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import threading
import time
import types
import urllib.request
from typing import Any, Callable, Iterator

import pymongo
import pymongo.errors
import pytest

import mongodb_aws
import mongodb_aws.pymongo as shim
from mongodb_aws import CredentialsError, ResponseError

from conftest import AKID, REPO, SECRET, altered, moto_auth_off
from fake_mongod import Account, FakeMongod

EMULATOR = REPO / "tests" / "emulators" / "aws_endpoints.py"
TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtoken+/="


class Emulator:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(EMULATOR), "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url: str = json.loads(self.proc.stdout.readline())["url"]

    def post(self, path: str, doc: dict[str, Any]) -> None:
        req = urllib.request.Request(
            self.url + path, data=json.dumps(doc).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(req, timeout=5).close()

    def config(self, **settings: Any) -> None:
        self.post("/_emulator/config", settings)

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/_emulator/stats", timeout=5) as r:
            data: dict[str, Any] = json.loads(r.read())
        return data

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def emulator_process() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.close()


DEFAULTS = dict(mode="normal", target="all", status=500, hang_seconds=30.0, delay=0.0,
                expires_in=3600, expiration_format="iso", auth_token=None)


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AWS variable of the test's own environment, no provider, an empty cache."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "MONGODB_AWS_")):
            monkeypatch.delenv(name)
    mongodb_aws.set_credential_provider(None)
    mongodb_aws.clear_credential_cache()
    yield
    mongodb_aws.set_credential_provider(None)
    mongodb_aws.clear_credential_cache()


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    emulator_process.config(**DEFAULTS)
    emulator_process.post("/_emulator/reset", {})
    return emulator_process


def ecs_env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/task",
            "MONGODB_AWS_ECS_ENDPOINT": emu.url, **extra}


def in_an_hour() -> int:
    return int(time.time()) + 3600


# ---- get_credentials' own parameters ------------------------------------------------------------


def test_environ_mapping_or_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": "tok"}
    c = mongodb_aws.get_credentials(env)
    assert (c.access_key_id, c.secret_access_key, c.session_token) == (AKID, SECRET, "tok")
    assert (c.source, c.expiration, c.from_cache) == ("environment", None, False)
    assert mongodb_aws.cached_credentials() is None
    # Without a mapping: the process environment, read on every call.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDPROCESS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert mongodb_aws.get_credentials().access_key_id == "AKIDPROCESS"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCHANGED")
    assert mongodb_aws.get_credentials().access_key_id == "AKIDCHANGED"
    # A mapping replaces the process environment entirely.
    with pytest.raises(CredentialsError) as e:
        mongodb_aws.get_credentials({"AWS_EC2_METADATA_DISABLED": "true"})
    assert e.value.code == "NO_CREDENTIALS" and e.value.number == 206
    with pytest.raises(TypeError):
        mongodb_aws.get_credentials({"AWS_ACCESS_KEY_ID": 1})  # type: ignore[dict-item]


def test_cache_from_cache_and_use_cache_false(emulator: Emulator) -> None:
    c = mongodb_aws.get_credentials(ecs_env(emulator))
    assert c.source == "ecs" and c.access_key_id.startswith("ASIAEMU") and not c.from_cache
    assert mongodb_aws.cached_credentials() == c
    again = mongodb_aws.get_credentials(ecs_env(emulator))
    assert again == c and again.from_cache
    # use_cache=False neither reads nor fills the process-wide cache.
    fresh = mongodb_aws.get_credentials(ecs_env(emulator), use_cache=False)
    assert fresh != c and not fresh.from_cache and mongodb_aws.cached_credentials() == c
    mongodb_aws.clear_credential_cache()
    assert mongodb_aws.cached_credentials() is None
    third = mongodb_aws.get_credentials(ecs_env(emulator))
    assert third.access_key_id not in (c.access_key_id, fresh.access_key_id)
    assert emulator.stats()["counts"] == {"ecs": 3}


def test_errors_carry_the_chains_message(emulator: Emulator) -> None:
    emulator.config(mode="status", status=403, target="ecs")
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials(ecs_env(emulator))
    assert e.value.code == "ENDPOINT_HTTP_STATUS" and e.value.number == 412
    assert "source ecs" in str(e.value) and "HTTP 403" in str(e.value)
    assert emulator.url + "/v2/credentials/task" in str(e.value)


# ---- threads and the GIL ------------------------------------------------------------------------


def test_the_gil_is_released_while_an_endpoint_is_slow(emulator: Emulator) -> None:
    emulator.config(delay=1.0)
    done = threading.Event()
    got: list[mongodb_aws.Credentials] = []

    def fetch() -> None:
        try:
            got.append(mongodb_aws.get_credentials(ecs_env(emulator)))
        finally:
            done.set()

    start = time.monotonic()
    thread = threading.Thread(target=fetch)
    thread.start()
    # Python work in this thread while the other one waits for the answer: none of it could run
    # in the middle of the wait if the GIL were held.
    during = 0
    while not done.is_set():
        if start + 0.2 < time.monotonic() < start + 0.8:
            during += 1
    thread.join()
    assert time.monotonic() - start >= 0.9
    assert got and got[0].source == "ecs"
    assert during > 1000


def test_concurrent_threads_share_one_request(emulator: Emulator) -> None:
    emulator.config(delay=0.5)
    results: list[mongodb_aws.Credentials] = []
    threads = [
        threading.Thread(target=lambda: results.append(mongodb_aws.get_credentials(ecs_env(emulator))))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len({r.access_key_id for r in results}) == 1
    assert emulator.stats()["counts"] == {"ecs": 1}


# ---- the provider hook --------------------------------------------------------------------------

EXPIRES = in_an_hour()
WHEN = datetime.datetime.fromtimestamp(EXPIRES, datetime.timezone.utc)


def botocore_credentials() -> object:
    from botocore.credentials import ReadOnlyCredentials

    return ReadOnlyCredentials("ASIABOTOCORE", SECRET, TOKEN)


ANSWERS: dict[str, tuple[Callable[[], object], str, int | None]] = {
    # boto3's sts.assume_role(...)["Credentials"]: PascalCase, an aware datetime.
    "boto3-sts-dict": (
        lambda: {"AccessKeyId": "ASIABOTO", "SecretAccessKey": SECRET, "SessionToken": TOKEN,
                 "Expiration": WHEN},
        "ASIABOTO", EXPIRES,
    ),
    # This package's spelling, epoch seconds as an int.
    "snake-case-dict": (
        lambda: {"access_key_id": "ASIASNAKE", "secret_access_key": SECRET, "session_token": TOKEN,
                 "expiration": EXPIRES},
        "ASIASNAKE", EXPIRES,
    ),
    # The Node driver's provider result: camelCase, epoch seconds as a float.
    "node-driver-dict": (
        lambda: {"accessKeyId": "ASIANODE", "secretAccessKey": SECRET, "sessionToken": TOKEN,
                 "expiration": EXPIRES + 0.75},
        "ASIANODE", EXPIRES,
    ),
    "object-attributes": (
        lambda: types.SimpleNamespace(access_key_id="ASIAOBJECT", secret_access_key=SECRET,
                                      session_token=TOKEN, expiration=WHEN),
        "ASIAOBJECT", EXPIRES,
    ),
    "mongodb-aws-credentials": (
        lambda: mongodb_aws.Credentials("ASIAOURS", SECRET, TOKEN, expiration=EXPIRES),
        "ASIAOURS", EXPIRES,
    ),
    "botocore-credentials": (botocore_credentials, "ASIABOTOCORE", None),
}


@pytest.mark.parametrize("shape", sorted(ANSWERS))
def test_provider_answer_shapes(shape: str) -> None:
    provider, akid, expiration = ANSWERS[shape]
    c = mongodb_aws.get_credentials({}, provider=provider)
    assert (c.access_key_id, c.secret_access_key, c.session_token) == (akid, SECRET, TOKEN)
    assert (c.source, c.expiration, c.from_cache) == ("custom-provider", expiration, False)


def test_provider_comes_first_and_is_never_cached(emulator: Emulator) -> None:
    env = ecs_env(emulator)
    cached = mongodb_aws.get_credentials(env)  # fresh ECS credentials in the cache
    calls: list[float] = []

    def provider() -> dict[str, Any]:
        calls.append(time.time())
        return {"access_key_id": f"ASIAPROVIDER{len(calls)}", "secret_access_key": SECRET,
                "expiration": in_an_hour()}

    with_env_keys = dict(env, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET)
    got = [mongodb_aws.get_credentials(with_env_keys, provider=provider) for _ in range(3)]
    # Before the cache and the environment, called on every resolution, never cached.
    assert [c.access_key_id for c in got] == ["ASIAPROVIDER1", "ASIAPROVIDER2", "ASIAPROVIDER3"]
    assert all(c.source == "custom-provider" and not c.from_cache for c in got)
    assert len(calls) == 3
    assert mongodb_aws.cached_credentials() == cached
    assert emulator.stats()["counts"] == {"ecs": 1}


def test_set_credential_provider_is_process_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    calls = []

    def provider() -> dict[str, str]:
        calls.append(threading.get_ident())
        return {"AccessKeyId": "ASIAINSTALLED", "SecretAccessKey": SECRET}

    mongodb_aws.set_credential_provider(provider)
    assert mongodb_aws.get_credentials().access_key_id == "ASIAINSTALLED"
    assert mongodb_aws.get_credentials({}).source == "custom-provider"
    # A provider argument wins over the installed one for that call.
    other = mongodb_aws.get_credentials(provider=lambda: {"AccessKeyId": "ASIAARG",
                                                          "SecretAccessKey": SECRET})
    assert other.access_key_id == "ASIAARG"
    # Called from other threads too (it retakes the GIL there).
    seen: list[str] = []
    worker = threading.Thread(target=lambda: seen.append(mongodb_aws.get_credentials().access_key_id))
    worker.start()
    worker.join()
    assert seen == ["ASIAINSTALLED"] and len(set(calls)) == 2
    mongodb_aws.set_credential_provider(None)
    assert mongodb_aws.get_credentials().source == "environment"


def test_provider_exception_becomes_a_typed_error() -> None:
    cause = RuntimeError("vault unreachable")

    def provider() -> object:
        raise cause

    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials({"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET},
                                    provider=provider)
    assert (e.value.code, e.value.number) == ("CUSTOM_PROVIDER_FAILED", 420)
    assert str(e.value).endswith(": RuntimeError: vault unreachable")
    assert "source custom-provider" in str(e.value)
    assert e.value.__cause__ is cause


def test_provider_keyboard_interrupt_is_not_wrapped() -> None:
    def provider() -> object:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mongodb_aws.get_credentials({}, provider=provider)
    # The next call is not affected by the earlier exception.
    ok = mongodb_aws.get_credentials({}, provider=lambda: {"AccessKeyId": AKID,
                                                           "SecretAccessKey": SECRET})
    assert ok.access_key_id == AKID


SECRET_VALUE = "SECRETvalueNEVERshown"


@pytest.mark.parametrize(
    "answer, cls, code, text",
    [
        (None, ResponseError, "CUSTOM_PROVIDER_FAILED", "returned None"),
        # A malformed answer gets the core's own code (the chain validates what the provider gave).
        ({"access_key_id": "AKID-1", "secret_access_key": SECRET_VALUE}, CredentialsError,
         "INVALID_ACCESS_KEY_ID", "custom-provider"),
        ({"access_key_id": AKID}, CredentialsError, "MISSING_SECRET_ACCESS_KEY",
         "custom-provider"),
        ({"secret_access_key": SECRET_VALUE}, CredentialsError, "MISSING_ACCESS_KEY_ID",
         "custom-provider"),
        ({"access_key_id": AKID, "secret_access_key": "a b " + SECRET_VALUE}, CredentialsError,
         "INVALID_SECRET_ACCESS_KEY", "custom-provider"),
        ({"access_key_id": AKID, "secret_access_key": SECRET_VALUE, "session_token": 5},
         ResponseError, "CUSTOM_PROVIDER_FAILED", "session token must be a str, not int"),
        ({"access_key_id": AKID, "secret_access_key": SECRET_VALUE, "expiration": "tomorrow"},
         ResponseError, "CUSTOM_PROVIDER_FAILED", "expiration must be a datetime or unix seconds, not str"),
        ({"access_key_id": AKID, "secret_access_key": SECRET_VALUE, "expiration": True},
         ResponseError, "CUSTOM_PROVIDER_FAILED", "expiration must be a datetime or unix seconds, not bool"),
        # Expired, or expiring within 5 minutes: the chain's expiry rule.
        ({"access_key_id": AKID, "secret_access_key": SECRET_VALUE,
          "expiration": time.time() + 60}, CredentialsError, "CREDENTIALS_EXPIRED", "Expiration"),
    ],
)
def test_provider_bad_answer_is_a_typed_error(answer: object, cls: type, code: str,
                                              text: str) -> None:
    with pytest.raises(cls) as e:
        mongodb_aws.get_credentials({}, provider=lambda: answer)
    assert e.value.code == code
    assert text in str(e.value)
    assert SECRET_VALUE not in str(e.value) and SECRET_VALUE not in repr(e.value)


def test_provider_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        mongodb_aws.set_credential_provider("not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        mongodb_aws.get_credentials(provider=42)  # type: ignore[arg-type]


# ---- AssumeRole and AssumeRoleWithSAML against moto ----------------------------------------------


def test_assume_role_with_moto(moto: dict[str, Any]) -> None:
    """AssumeRole is signed with the base credentials: moto checks the signature."""
    base = mongodb_aws.Credentials(moto["access_key_id"], moto["secret_access_key"])
    env = {"MONGODB_AWS_STS_ENDPOINT": moto["url"]}
    c = mongodb_aws.assume_role(moto["role_arn"], credentials=base, role_session_name="py-ar",
                                external_id="ext-id-1", duration_seconds=900, environ=env)
    assert c.source == "assume-role" and c.access_key_id.startswith("ASIA") and c.session_token
    assert c.expiration is not None and c.expiration > time.time() + 600
    # Base credentials from the chain (here the environment), generated session name.
    env.update(AWS_ACCESS_KEY_ID=moto["access_key_id"], AWS_SECRET_ACCESS_KEY=moto["secret_access_key"])
    assert mongodb_aws.assume_role(moto["role_arn"], environ=env).source == "assume-role"
    # ... or from the installed provider, which comes first.
    mongodb_aws.set_credential_provider(lambda: {"AccessKeyId": moto["access_key_id"],
                                                 "SecretAccessKey": moto["secret_access_key"]})
    env.update(AWS_SECRET_ACCESS_KEY=altered(moto["secret_access_key"]))
    assert mongodb_aws.assume_role(moto["role_arn"], environ=env).source == "assume-role"
    mongodb_aws.set_credential_provider(None)
    assert mongodb_aws.cached_credentials() is None  # explicit STS calls are not cached
    # A wrong secret: STS's own error code reaches the caller.
    wrong = mongodb_aws.Credentials(moto["access_key_id"], altered(moto["secret_access_key"]))
    with pytest.raises(ResponseError) as e:
        mongodb_aws.assume_role(moto["role_arn"], credentials=wrong, environ=env)
    assert e.value.code == "STS_ERROR_RESPONSE"
    assert "SignatureDoesNotMatch" in str(e.value)


def test_assume_role_with_saml_with_moto(moto: dict[str, Any]) -> None:
    import base64

    env = {"MONGODB_AWS_STS_ENDPOINT": moto["url"]}
    principal = f"arn:aws:iam::{moto['account_id']}:saml-provider/test-idp"
    response = SAML_RESPONSE.replace("ROLE_AND_PRINCIPAL", f"{moto['role_arn']},{principal}")
    encoded = base64.b64encode(response.encode()).decode()
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))  # as IdPs send it
    with moto_auth_off(moto):
        c = mongodb_aws.assume_role_with_saml(moto["role_arn"], principal, wrapped, environ=env)
    assert c.source == "saml" and c.access_key_id.startswith("ASIA") and c.session_token
    assert mongodb_aws.cached_credentials() is None


# A minimal SAML response of the shape moto reads (Role, RoleSessionName, SessionDuration).
SAML_RESPONSE = """<?xml version="1.0"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"
    IssueInstant="2024-01-01T00:00:00Z">
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_2" Version="2.0"
      IssueInstant="2024-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example</saml:Issuer>
    <saml:Subject><saml:NameID>user@example</saml:NameID></saml:Subject>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue>ROLE_AND_PRINCIPAL</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>saml-session</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">
        <saml:AttributeValue>900</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"""


# ---- PyMongo through the shim -------------------------------------------------------------------


@pytest.fixture
def installed_shim() -> Iterator[None]:
    shim.install()
    try:
        yield
    finally:
        shim.uninstall()
        shim.set_cached_credentials(None)
        shim.set_use_cached_credentials(None)


def ping(server: FakeMongod) -> None:
    client: pymongo.MongoClient[Any] = pymongo.MongoClient(server.uri(authMechanism="MONGODB-AWS"))
    try:
        assert client.admin.command("ping")["ok"] == 1.0
    finally:
        client.close()


def test_pymongo_shim_uses_the_chain_and_clears_the_cache(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, installed_shim: None
) -> None:
    for k, v in ecs_env(emulator).items():
        monkeypatch.setenv(k, v)
    creds = mongodb_aws.get_credentials()  # fills the cache
    account = Account(creds.access_key_id, creds.secret_access_key, creds.session_token)
    with FakeMongod([account]) as server:
        ping(server)
        assert [c.ok for c in server.conversations] == [True]
    assert emulator.stats()["counts"] == {"ecs": 1}  # served from the cache
    # A server that does not know these credentials: failure, and the cache is cleared.
    with FakeMongod([Account(creds.access_key_id, altered(creds.secret_access_key))]) as server:
        client: pymongo.MongoClient[Any] = pymongo.MongoClient(server.uri(authMechanism="MONGODB-AWS"))
        try:
            with pytest.raises(pymongo.errors.OperationFailure):
                client.admin.command("ping")
        finally:
            client.close()
    assert mongodb_aws.cached_credentials() is None


def test_pymongo_shim_uses_the_provider(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, installed_shim: None
) -> None:
    # Endpoint credentials in the cache and keys in the environment: the provider still wins.
    for k, v in ecs_env(emulator).items():
        monkeypatch.setenv(k, v)
    mongodb_aws.get_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    calls = []

    def provider() -> dict[str, Any]:
        calls.append(1)
        return {"AccessKeyId": "ASIAPYMONGO", "SecretAccessKey": SECRET, "SessionToken": TOKEN,
                "Expiration": datetime.datetime.now(datetime.timezone.utc)
                + datetime.timedelta(hours=1)}

    assert shim.set_credential_provider is mongodb_aws.set_credential_provider
    shim.set_credential_provider(provider)
    with FakeMongod([Account("ASIAPYMONGO", SECRET, TOKEN)]) as server:
        ping(server)
        assert [c.ok for c in server.conversations] == [True]
    assert len(calls) >= 1
    assert emulator.stats()["counts"] == {"ecs": 1}
