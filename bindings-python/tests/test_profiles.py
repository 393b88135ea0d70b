"""The AWS shared config and credentials files through the public API: ``get_credentials(profile=,
mfa_callback=)``, ``set_mfa_callback`` and the origin of the credentials (``profile``,
``origin_file``, ``origin_line``), with real files in a temporary directory and a role chain with
``mfa_serial`` against moto on 127.0.0.1. The chain's rules themselves are the scenario suite's."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

import mongodb_aws

SECRET = "pYtHoNpRoFiLeSeCrEt/0123456789abcdefghij"


def line_of(text: str, header: str) -> int:
    """The 1-based line of ``header`` in ``text``: what the origin must say."""
    return [ln.strip() for ln in text.splitlines()].index(header) + 1


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    creds = (
        "[default]\naws_access_key_id = AKIADEFAULTPYTHON01\naws_secret_access_key = x\n\n"
        f"[dev]\naws_access_key_id = AKIAPYTHONPROFILE01\naws_secret_access_key = {SECRET}\n"
    )
    (tmp_path / "home").mkdir()
    (tmp_path / "credentials").write_text(creds)
    return {
        "text": creds,
        "HOME": str(tmp_path / "home"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        # A chain that falls through to instance metadata stays on this machine.
        "MONGODB_AWS_EC2_METADATA_ENDPOINT": "http://127.0.0.1:9",
    }


def env_of(files: dict[str, str], **extra: str) -> dict[str, str]:
    return {**{k: v for k, v in files.items() if k != "text"}, **extra}


@pytest.fixture(autouse=True)
def no_global_callback() -> Iterator[None]:
    yield
    mongodb_aws.set_mfa_callback(None)


def test_profile_and_origin(files: dict[str, str]) -> None:
    c = mongodb_aws.get_credentials(env_of(files), profile="dev", use_cache=False)
    assert (c.source, c.access_key_id, c.secret_access_key) == ("profile", "AKIAPYTHONPROFILE01", SECRET)
    assert c.profile == "dev"
    assert c.origin_file == files["AWS_SHARED_CREDENTIALS_FILE"]
    assert c.origin_line == line_of(files["text"], "[dev]")
    assert SECRET not in repr(c)
    # AWS_PROFILE picks it too; the explicit profile wins over it.
    assert mongodb_aws.get_credentials(env_of(files, AWS_PROFILE="dev")).access_key_id == "AKIAPYTHONPROFILE01"
    d = mongodb_aws.get_credentials(env_of(files, AWS_PROFILE="dev"), profile="default")
    assert (d.access_key_id, d.origin_line) == ("AKIADEFAULTPYTHON01", 1)
    # Environment credentials have no origin.
    e = mongodb_aws.get_credentials({"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT0001", "AWS_SECRET_ACCESS_KEY": "s"})
    assert (e.profile, e.origin_file, e.origin_line) == (None, None, None)


def test_missing_profile_is_an_error(files: dict[str, str]) -> None:
    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials(env_of(files), profile="nope")
    assert e.value.code == "PROFILE_NOT_FOUND"
    assert "nope" in str(e.value)


@pytest.fixture
def mfa_files(tmp_path: Path, moto: dict[str, Any]) -> dict[str, Any]:
    serial = f"arn:aws:iam::{moto['account_id']}:mfa/mongodb-aws-test"
    (tmp_path / "home").mkdir()
    (tmp_path / "credentials").write_text(
        f"[base]\naws_access_key_id = {moto['access_key_id']}\n"
        f"aws_secret_access_key = {moto['secret_access_key']}\n"
    )
    config = (
        f"[profile admin]\nrole_arn = {moto['role_arn']}\nsource_profile = base\n"
        f"mfa_serial = {serial}\nrole_session_name = py-mfa\n"
    )
    (tmp_path / "config").write_text(config)
    return {
        "serial": serial,
        "config": config,
        "env": {
            "HOME": str(tmp_path / "home"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "MONGODB_AWS_STS_ENDPOINT": moto["url"],
            "MONGODB_AWS_EC2_METADATA_ENDPOINT": "http://127.0.0.1:9",
        },
    }


def test_mfa_callback_gets_serial_and_profile(mfa_files: dict[str, Any], moto: dict[str, Any]) -> None:
    asked: list[tuple[str, str, bool]] = []

    def code(serial: str, profile: str) -> str:
        # Called on the thread that called get_credentials (the runtime asks on the calling thread).
        asked.append((serial, profile, threading.current_thread() is threading.main_thread()))
        return "123456"

    c = mongodb_aws.get_credentials(mfa_files["env"], profile="admin", mfa_callback=code, use_cache=False)
    assert asked == [(mfa_files["serial"], "admin", True)]
    assert c.source == "assume-role"
    assert c.access_key_id.startswith("ASIA")
    assert c.profile == "admin"
    assert c.origin_file == mfa_files["env"]["AWS_CONFIG_FILE"]
    assert c.origin_line == line_of(mfa_files["config"], "[profile admin]")

    # The process-wide callback, used when the call gives none.
    mongodb_aws.set_mfa_callback(code)
    assert mongodb_aws.get_credentials(mfa_files["env"], profile="admin", use_cache=False).source == "assume-role"
    assert len(asked) == 2


def test_cached_credentials_of_a_profile(mfa_files: dict[str, Any], moto: dict[str, Any]) -> None:
    # A role's credentials go in the cache of its profile: found by profile= or AWS_PROFILE, not
    # in the default cache.
    env = mfa_files["env"]
    mongodb_aws.clear_credential_cache()
    c = mongodb_aws.get_credentials(env, profile="admin", mfa_callback=lambda serial, profile: "123456")
    assert not c.from_cache
    by_option = mongodb_aws.cached_credentials(env, profile="admin")
    by_variable = mongodb_aws.cached_credentials({**env, "AWS_PROFILE": "admin"})
    assert by_option is not None and by_variable is not None
    assert by_option.access_key_id == by_variable.access_key_id == c.access_key_id
    assert by_option.source == "assume-role" and by_option.from_cache
    assert mongodb_aws.cached_credentials(env) is None
    mongodb_aws.clear_credential_cache()
    assert mongodb_aws.cached_credentials(env, profile="admin") is None


def test_mfa_errors(mfa_files: dict[str, Any]) -> None:
    env = mfa_files["env"]
    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials(env, profile="admin", use_cache=False)
    assert e.value.code == "MFA_CODE_REQUIRED"
    assert "profile admin" in str(e.value) and "mfa_serial" in str(e.value)

    def refuses(serial: str, profile: str) -> str:
        raise LookupError("no token device here")

    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials(env, profile="admin", mfa_callback=refuses, use_cache=False)
    assert e.value.code == "MFA_CODE_UNAVAILABLE"
    assert "LookupError: no token device here" in str(e.value)
    assert isinstance(e.value.__cause__, LookupError)

    def not_a_str(serial: str, profile: str) -> Any:
        return 123456

    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials(env, profile="admin", mfa_callback=not_a_str, use_cache=False)
    assert e.value.code == "MFA_CODE_UNAVAILABLE"
    assert "must return the code as a str, not int" in str(e.value)

    # Not an Exception: re-raised as is.
    def interrupted(serial: str, profile: str) -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mongodb_aws.get_credentials(env, profile="admin", mfa_callback=interrupted, use_cache=False)

    with pytest.raises(TypeError, match="must be callable"):
        mongodb_aws.set_mfa_callback("123456")  # type: ignore[arg-type]

    # A code given after MONGODB_AWS_MFA_TIMEOUT: the call waits for the callback, then refuses it.
    def slow(serial: str, profile: str) -> str:
        time.sleep(0.4)
        return "123456"

    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials({**env, "MONGODB_AWS_MFA_TIMEOUT": "0.2"}, profile="admin", mfa_callback=slow,
                                    use_cache=False)
    assert e.value.code == "MFA_CODE_UNAVAILABLE"
    assert "later than the deadline of 0.2 s" in str(e.value)
    with pytest.raises(mongodb_aws.MongoDBAWSError) as e:
        mongodb_aws.get_credentials({**env, "MONGODB_AWS_MFA_TIMEOUT": "soon"}, profile="admin", mfa_callback=slow,
                                    use_cache=False)
    assert e.value.code == "INVALID_ENVIRONMENT_VARIABLE"
    assert "MONGODB_AWS_MFA_TIMEOUT" in str(e.value)
