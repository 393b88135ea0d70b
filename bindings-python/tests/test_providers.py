"""The provider chain (mongodb_aws.get_credentials) against the project's endpoint emulator
(tests/emulators/aws_endpoints.py: ECS, container full URI, IMDSv2) and moto (web identity), and the
process-wide cache rules; plus PyMongo through the shim using endpoint credentials."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pymongo
import pymongo.errors
import pytest

import mongodb_aws
import mongodb_aws.pymongo as shim
from mongodb_aws import CredentialsError, ResponseError

from conftest import AKID, REPO, SECRET, altered, moto_auth_off
from fake_mongod import Account, FakeMongod

EMULATOR = REPO / "tests" / "emulators" / "aws_endpoints.py"
MOTO_STS = REPO / "scripts" / "moto-sts"


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


@pytest.fixture
def emulator(emulator_process: Emulator) -> Iterator[Emulator]:
    emulator_process.config(**DEFAULTS)
    emulator_process.post("/_emulator/reset", {})
    mongodb_aws.clear_credential_cache()
    yield emulator_process
    mongodb_aws.clear_credential_cache()


def ecs_env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/task",
            "MONGODB_AWS_ECS_ENDPOINT": emu.url, **extra}


# ---- environment and selection ------------------------------------------------------------------


def test_environment_credentials_are_read_each_time_and_never_cached() -> None:
    mongodb_aws.clear_credential_cache()
    env = {"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": "tok"}
    c = mongodb_aws.get_credentials(env)
    assert (c.access_key_id, c.secret_access_key, c.session_token) == (AKID, SECRET, "tok")
    assert (c.source, c.expiration) == ("environment", None)
    assert mongodb_aws.cached_credentials() is None
    env["AWS_ACCESS_KEY_ID"] = "AKIDOTHER"
    assert mongodb_aws.get_credentials(env).access_key_id == "AKIDOTHER"


@pytest.mark.parametrize(
    "env, code",
    [
        ({"AWS_ACCESS_KEY_ID": AKID}, "MISSING_SECRET_ACCESS_KEY"),
        ({"AWS_SECRET_ACCESS_KEY": SECRET}, "MISSING_ACCESS_KEY_ID"),
        ({"AWS_SESSION_TOKEN": "t"}, "SESSION_TOKEN_WITHOUT_KEYS"),
        ({"AWS_EC2_METADATA_DISABLED": "TRUE"}, "NO_CREDENTIALS"),
    ],
)
def test_environment_errors(env: dict[str, str], code: str) -> None:
    with pytest.raises(CredentialsError) as e:
        mongodb_aws.get_credentials(env)
    assert e.value.code == code


# ---- ECS, full URI, EC2 ---------------------------------------------------------------------------


def test_ecs_fetch_cache_and_clear(emulator: Emulator) -> None:
    before = time.time()
    c = mongodb_aws.get_credentials(ecs_env(emulator))
    assert c.source == "ecs" and c.access_key_id.startswith("ASIAEMU")
    assert c.session_token and c.expiration is not None
    assert before + 3600 - 5 <= c.expiration <= time.time() + 3600 + 5
    assert mongodb_aws.cached_credentials() == c
    # Cached: no second request, even once environment credentials appear.
    again = mongodb_aws.get_credentials(
        ecs_env(emulator, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET)
    )
    assert again == c
    assert emulator.stats()["counts"] == {"ecs": 1}
    # use_cache=False neither reads nor fills the cache.
    fresh = mongodb_aws.get_credentials(ecs_env(emulator), use_cache=False)
    assert fresh != c and mongodb_aws.cached_credentials() == c
    mongodb_aws.clear_credential_cache()
    assert mongodb_aws.cached_credentials() is None
    third = mongodb_aws.get_credentials(ecs_env(emulator))
    assert third.access_key_id not in (c.access_key_id, fresh.access_key_id)
    assert emulator.stats()["counts"] == {"ecs": 3}


def test_credentials_near_expiry_are_refetched(emulator: Emulator) -> None:
    emulator.config(expires_in=299, expiration_format="epoch")  # inside the 5-minute window
    a = mongodb_aws.get_credentials(ecs_env(emulator))
    b = mongodb_aws.get_credentials(ecs_env(emulator))
    assert a.access_key_id != b.access_key_id
    assert emulator.stats()["counts"] == {"ecs": 2}
    emulator.config(expires_in=301)
    c = mongodb_aws.get_credentials(ecs_env(emulator))
    assert mongodb_aws.get_credentials(ecs_env(emulator)) == c


def test_concurrent_fetches_share_one_request(emulator: Emulator) -> None:
    emulator.config(delay=0.5)
    results: list[Any] = []
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


def test_container_full_uri_with_token_file(emulator: Emulator, tmp_path: Path) -> None:
    emulator.config(auth_token="Bearer secret-token")
    token_file = tmp_path / "token"
    token_file.write_text("Bearer secret-token\n")
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": emulator.url + "/v1/credentials",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored: the file wins"}
    c = mongodb_aws.get_credentials(env)
    assert c.source == "container-full-uri"
    assert emulator.stats()["last_auth"] == "Bearer secret-token"
    mongodb_aws.clear_credential_cache()
    token_file.write_text("Bearer wrong")
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials(env)
    assert e.value.code == "ENDPOINT_HTTP_STATUS" and "HTTP 401" in str(e.value)


def test_full_uri_host_rule() -> None:
    with pytest.raises(mongodb_aws.InvalidArgumentError) as e:
        mongodb_aws.get_credentials({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/creds"})
    assert e.value.code == "FORBIDDEN_CONTAINER_HOST"


def test_ec2_imdsv2(emulator: Emulator) -> None:
    c = mongodb_aws.get_credentials({"MONGODB_AWS_EC2_METADATA_ENDPOINT": emulator.url})
    assert c.source == "ec2" and c.access_key_id.startswith("ASIAEMU")
    stats = emulator.stats()
    assert stats["last_ttl"] == "30"
    assert stats["counts"] == {"imds-token": 1, "imds-role": 1, "imds-creds": 1}


@pytest.mark.parametrize(
    "settings, code",
    [
        (dict(mode="status", status=500, target="ecs"), "ENDPOINT_HTTP_STATUS"),
        (dict(mode="malformed", target="ecs"), "JSON_MALFORMED"),
        (dict(mode="html", target="ecs"), "JSON_MALFORMED"),
        (dict(mode="truncated", target="ecs"), "JSON_MALFORMED"),
    ],
)
def test_ecs_failures(emulator: Emulator, settings: dict[str, Any], code: str) -> None:
    emulator.config(**settings)
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials(ecs_env(emulator))
    assert e.value.code == code
    assert mongodb_aws.cached_credentials() is None


def test_imds_token_timeout(emulator: Emulator) -> None:
    emulator.config(mode="hang", hang_seconds=3, target="imds-token")
    started = time.monotonic()
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials({"MONGODB_AWS_EC2_METADATA_ENDPOINT": emulator.url})
    assert e.value.code == "IMDS_TOKEN_TIMEOUT"
    assert "hop" in str(e.value)
    assert time.monotonic() - started < 2.5


def test_imds_code_not_success(emulator: Emulator) -> None:
    emulator.config(mode="code", target="imds-creds")
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials({"MONGODB_AWS_EC2_METADATA_ENDPOINT": emulator.url})
    assert e.value.code == "IMDS_CODE_NOT_SUCCESS"


def test_unreachable_endpoint() -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ResponseError) as e:
        mongodb_aws.get_credentials(
            {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x",
             "MONGODB_AWS_ECS_ENDPOINT": f"http://127.0.0.1:{port}"}
        )
    assert e.value.code == "ENDPOINT_UNREACHABLE"


# ---- web identity against moto --------------------------------------------------------------------




def test_web_identity_with_moto(moto: dict[str, Any], tmp_path: Path) -> None:
    mongodb_aws.clear_credential_cache()
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl\n")
    env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": moto["role_arn"],
           "AWS_ROLE_SESSION_NAME": "python-test", "MONGODB_AWS_STS_ENDPOINT": moto["url"]}
    with moto_auth_off(moto):
        c = mongodb_aws.get_credentials(env)
    assert c.source == "web-identity"
    assert c.access_key_id.startswith("ASIA") and c.session_token
    assert c.expiration is not None and c.expiration > time.time() + 600
    assert mongodb_aws.cached_credentials() == c
    mongodb_aws.clear_credential_cache()
    # A generated session name works too.
    del env["AWS_ROLE_SESSION_NAME"]
    with moto_auth_off(moto):
        assert mongodb_aws.get_credentials(env).source == "web-identity"
    mongodb_aws.clear_credential_cache()


def test_assume_role_with_moto(moto: dict[str, Any]) -> None:
    """AssumeRole is signed with the base credentials: moto checks the signature."""
    base = mongodb_aws.Credentials(moto["access_key_id"], moto["secret_access_key"])
    env = {"MONGODB_AWS_STS_ENDPOINT": moto["url"]}
    c = mongodb_aws.assume_role(moto["role_arn"], credentials=base, role_session_name="py-ar",
                                external_id="ext-id-1", duration_seconds=900, environ=env)
    assert c.source == "assume-role" and c.access_key_id.startswith("ASIA") and c.session_token
    assert c.expiration is not None and c.expiration > time.time() + 600
    # Base credentials from the environment, generated session name.
    env.update(AWS_ACCESS_KEY_ID=moto["access_key_id"], AWS_SECRET_ACCESS_KEY=moto["secret_access_key"])
    assert mongodb_aws.assume_role(moto["role_arn"], environ=env).source == "assume-role"
    assert mongodb_aws.cached_credentials() is None  # explicit providers are not cached
    # A wrong secret: STS's own error code reaches the caller.
    wrong = mongodb_aws.Credentials(moto["access_key_id"], altered(moto["secret_access_key"]))
    with pytest.raises(ResponseError) as e:
        mongodb_aws.assume_role(moto["role_arn"], credentials=wrong, environ=env)
    assert e.value.code == "STS_ERROR_RESPONSE"
    assert "SignatureDoesNotMatch" in str(e.value)


def test_assume_role_parameter_rules() -> None:
    base = mongodb_aws.Credentials(AKID, SECRET)
    for kw, code in [
        (dict(role_session_name="x"), "INVALID_ROLE_SESSION_NAME"),
        (dict(duration_seconds=10), "INVALID_DURATION_SECONDS"),
        (dict(mfa_serial_number="arn:aws:iam::123456789012:mfa/u"), "INVALID_MFA_TOKEN_CODE"),
        (dict(mfa_serial_number="arn:aws:iam::123456789012:mfa/u", mfa_token_code="12"),
         "INVALID_MFA_TOKEN_CODE"),
    ]:
        with pytest.raises(mongodb_aws.InvalidArgumentError) as e:
            mongodb_aws.assume_role("arn:aws:iam::123456789012:role/r", credentials=base, environ={},
                                    **kw)  # type: ignore[arg-type]
        assert e.value.code == code
    with pytest.raises(mongodb_aws.InvalidArgumentError) as e:
        mongodb_aws.assume_role("not-an-arn", credentials=base, environ={})
    assert e.value.code == "INVALID_ROLE_ARN"


def test_assume_role_with_saml_with_moto(moto: dict[str, Any]) -> None:
    import base64

    env = {"MONGODB_AWS_STS_ENDPOINT": moto["url"]}
    principal = f"arn:aws:iam::{moto['account_id']}:saml-provider/test-idp"
    response = SAML_RESPONSE.replace("ROLE_AND_PRINCIPAL", f"{moto['role_arn']},{principal}")
    assertion = base64.b64encode(response.encode()).decode()
    with moto_auth_off(moto):
        c = mongodb_aws.assume_role_with_saml(moto["role_arn"], principal, assertion, environ=env)
    assert c.source == "saml" and c.access_key_id.startswith("ASIA") and c.session_token
    with pytest.raises(mongodb_aws.InvalidArgumentError) as e:
        mongodb_aws.assume_role_with_saml(moto["role_arn"], principal, "not base64!", environ=env)
    assert e.value.code == "INVALID_SAML_ASSERTION"


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


# ---- PyMongo through the shim with endpoint credentials ------------------------------------------


def test_pymongo_shim_uses_the_chain_and_clears_the_cache(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    for k, v in ecs_env(emulator).items():
        monkeypatch.setenv(k, v)
    creds = mongodb_aws.get_credentials()  # fills the cache
    shim.install()
    try:
        account = Account(creds.access_key_id, creds.secret_access_key, creds.session_token)
        with FakeMongod([account]) as server:
            client: pymongo.MongoClient[Any] = pymongo.MongoClient(
                server.uri(authMechanism="MONGODB-AWS"))
            try:
                assert client.admin.command("ping")["ok"] == 1.0
            finally:
                client.close()
            assert [c.ok for c in server.conversations] == [True]
        assert emulator.stats()["counts"] == {"ecs": 1}  # served from the cache
        # A server that does not know these credentials: failure, and the cache is cleared.
        with FakeMongod([Account(creds.access_key_id, altered(creds.secret_access_key))]) as server:
            client = pymongo.MongoClient(server.uri(authMechanism="MONGODB-AWS"))
            try:
                with pytest.raises(pymongo.errors.OperationFailure):
                    client.admin.command("ping")
            finally:
                client.close()
        assert mongodb_aws.cached_credentials() is None
    finally:
        shim.uninstall()
        shim.set_cached_credentials(None)
        shim.set_use_cached_credentials(None)
