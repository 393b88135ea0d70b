"""The credential provider chain: the host side of the core's sans-IO providers.

The core decides which source to use (``chain_step``), builds every HTTP request and parses every
answer; this module reads the environment and files, sends the requests with :mod:`urllib.request`
(short timeouts), and keeps the process-wide cache the MONGODB-AWS spec asks for:

* only endpoint credentials are cached (never environment ones);
* the cache is replaced atomically (one reference to an immutable value) and is never locked while
  a fetch runs; concurrent callers share one in-flight fetch;
* cached credentials are used while more than 5 minutes from expiry, even if environment variables
  appear later;
* :func:`clear_credential_cache` empties it (do so after any authentication failure).
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future
from typing import Mapping, Optional

from mongodb_aws import _mongodb_aws as _native
from mongodb_aws._errors import MongoDBAWSError
from mongodb_aws._mongodb_aws import Credentials

__all__ = [
    "get_credentials",
    "clear_credential_cache",
    "cached_credentials",
    "assume_role",
    "assume_role_with_saml",
]

#: Seconds to wait for each IMDS request (the AWS SDKs' default).
IMDS_TIMEOUT = 1.0
#: Seconds to wait for ECS, the container full URI and STS (the spec's SHOULD).
ENDPOINT_TIMEOUT = 10.0

_lock = threading.Lock()
_cache: Optional[Credentials] = None
_inflight: Optional[Future[Credentials]] = None
_generation = 0


def cached_credentials() -> Optional[Credentials]:
    """The cached endpoint credentials, if any (fresh or not)."""
    return _cache


def clear_credential_cache() -> None:
    """Empties the cache. The spec requires it after any MONGODB-AWS authentication failure."""
    global _cache, _generation
    with _lock:
        _cache = None
        _generation += 1


def _fresh(now: float) -> Optional[Credentials]:
    c = _cache
    return c if c is not None and c.is_fresh(now) else None


def get_credentials(
    environ: Optional[Mapping[str, str]] = None, *, use_cache: bool = True
) -> Credentials:
    """Resolves credentials like the drivers do (the MONGODB-AWS spec's order): fresh cached
    endpoint credentials; else ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
    ``AWS_SESSION_TOKEN``; else AssumeRoleWithWebIdentity (``AWS_WEB_IDENTITY_TOKEN_FILE`` and
    ``AWS_ROLE_ARN``); else ECS (``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``); else the container full
    URI (``AWS_CONTAINER_CREDENTIALS_FULL_URI``); else EC2 IMDSv2 (unless
    ``AWS_EC2_METADATA_DISABLED=true``). No fall-back: the selected source's answer is the answer.

    The result's ``source`` says where it came from and ``expiration`` when it expires. ``environ``
    defaults to :data:`os.environ`; ``use_cache=False`` neither reads nor fills the cache.
    Raises :class:`~mongodb_aws.CredentialsError` (none found, incomplete environment) or
    :class:`~mongodb_aws.ResponseError` (endpoint unreachable, timed out, refused or malformed).
    """
    env = os.environ if environ is None else environ
    now = time.time()
    cached = _fresh(now) if use_cache else None

    def var(name: str) -> Optional[str]:
        return env.get(name) or None

    step = _native.chain_step(
        cached is not None,
        var("AWS_ACCESS_KEY_ID"),
        var("AWS_SECRET_ACCESS_KEY"),
        var("AWS_SESSION_TOKEN"),
        var("AWS_WEB_IDENTITY_TOKEN_FILE"),
        var("AWS_ROLE_ARN"),
        var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        (env.get("AWS_EC2_METADATA_DISABLED") or "").lower() == "true",
    )
    if step == "cache" and cached is not None:
        return cached
    if step == "environment":
        return _native.env_credentials(
            var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"), var("AWS_SESSION_TOKEN")
        )
    if step == "none":
        raise _native.core_error("NO_CREDENTIALS")
    if not use_cache:
        return _fetch(step, env)
    return _shared_fetch(step, env)


def _shared_fetch(step: str, env: Mapping[str, str]) -> Credentials:
    """One fetch at a time per process; callers arriving meanwhile wait for its result. The lock is
    held only to look at and swap the shared state, never during the fetch."""
    global _inflight, _cache
    with _lock:
        fut = _inflight
        owner = fut is None
        if fut is None:
            fut = _inflight = Future()
        generation = _generation
    if not owner:
        return fut.result()
    try:
        creds = _fetch(step, env)
    except BaseException as exc:
        with _lock:
            _inflight = None
        fut.set_exception(exc)
        raise
    with _lock:
        _inflight = None
        if generation == _generation:  # not cleared while we were fetching
            _cache = creds
    fut.set_result(creds)
    return creds


# ---- the sources ------------------------------------------------------------------------------


def _read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _fetch(step: str, env: Mapping[str, str]) -> Credentials:
    def var(name: str) -> Optional[str]:
        return env.get(name) or None

    if step == "web-identity":
        token_file = var("AWS_WEB_IDENTITY_TOKEN_FILE") or ""
        web_token = _native.provider_parse("web_identity_token_file", _read_file(token_file))
        parts = _native.web_identity_request(
            var("AWS_ROLE_ARN") or "",
            web_token,
            var("AWS_ROLE_SESSION_NAME"),
            os.urandom(16),
            None,
            var("MONGODB_AWS_STS_ENDPOINT"),
            var("AWS_STS_REGIONAL_ENDPOINTS"),
            var("AWS_REGION"),
        )
        return _native.provider_parse("web_identity", _send(parts, ENDPOINT_TIMEOUT, sts=True))
    if step == "ecs":
        parts = _native.provider_request(
            "ecs", var("MONGODB_AWS_ECS_ENDPOINT"), var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        )
        return _native.provider_parse("ecs", _send(parts, ENDPOINT_TIMEOUT))
    if step == "container-full-uri":
        token: Optional[str] = None
        auth_file = var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if auth_file:  # re-read every time: it rotates; it wins over the variable
            token = _native.provider_parse("container_token_file", _read_file(auth_file))
        else:
            token = var("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        parts = _native.provider_request(
            "container", var("AWS_CONTAINER_CREDENTIALS_FULL_URI"), token
        )
        return _native.provider_parse("container", _send(parts, ENDPOINT_TIMEOUT))
    # EC2 IMDSv2
    endpoint = var("MONGODB_AWS_EC2_METADATA_ENDPOINT") or var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
    parts = _native.provider_request("imds_token", endpoint, ttl=30)
    try:
        imds_token = _native.provider_parse("imds_token", _send(parts, IMDS_TIMEOUT))
    except MongoDBAWSError as exc:
        if exc.code == "ENDPOINT_TIMEOUT":  # the PUT's hop limit (containers on EC2)
            raise _native.core_error("IMDS_TOKEN_TIMEOUT") from exc
        raise
    parts = _native.provider_request("imds_role", endpoint, imds_token)
    role = _native.provider_parse("imds_role", _send(parts, IMDS_TIMEOUT))
    parts = _native.provider_request("imds_credentials", endpoint, imds_token, role)
    return _native.provider_parse("imds_credentials", _send(parts, IMDS_TIMEOUT))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxies (credential endpoints are link-local or loopback) and no redirects.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _send(
    parts: tuple[str, str, str, list[tuple[str, str]], bytes], timeout: float, sts: bool = False
) -> bytes:
    """Sends a request the core built; returns the body of a 200 answer (at most
    MAX_RESPONSE_LEN bytes). For STS, an error answer raises ``STS_ERROR_RESPONSE`` with STS's
    code and message."""
    method, base, target, headers, body = parts
    req = urllib.request.Request(
        base + target, data=body or None, headers=dict(headers), method=method
    )
    limit = _native.MAX_RESPONSE_LEN
    try:
        with _opener.open(req, timeout=timeout) as resp:
            data: bytes = resp.read(limit + 1)
            status = resp.status
    except urllib.error.HTTPError as exc:
        with exc:
            detail = _native.sts_error(exc.read(limit)) if sts else None
        if detail is not None:
            err = _native.core_error("STS_ERROR_RESPONSE")
            err.args = (f"{err} (HTTP {exc.code}, {detail[0]}: {detail[1]})",)
        else:
            err = _native.core_error("ENDPOINT_HTTP_STATUS")
            err.args = (f"{err} (HTTP {exc.code})",)
        raise err from None
    except http.client.HTTPException:  # e.g. a connection closed mid-answer
        raise _native.core_error("ENDPOINT_BAD_RESPONSE") from None
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        timed_out = isinstance(reason, (TimeoutError, socket.timeout))
        raise _native.core_error("ENDPOINT_TIMEOUT" if timed_out else "ENDPOINT_UNREACHABLE") from None
    if status != 200:
        err = _native.core_error("ENDPOINT_HTTP_STATUS")
        err.args = (f"{err} (HTTP {status})",)
        raise err
    if len(data) > limit:
        raise _native.core_error("ENDPOINT_BAD_RESPONSE")
    return data


# ---- explicit STS providers (not part of the automatic chain; never cached) -----------------------


def _sts_env(env: Mapping[str, str]) -> tuple[Optional[str], Optional[str], Optional[str]]:
    return (
        env.get("MONGODB_AWS_STS_ENDPOINT") or None,
        env.get("AWS_STS_REGIONAL_ENDPOINTS") or None,
        env.get("AWS_REGION") or None,
    )


def assume_role(
    role_arn: str,
    *,
    credentials: Optional[Credentials] = None,
    role_session_name: Optional[str] = None,
    external_id: Optional[str] = None,
    duration_seconds: Optional[int] = None,
    mfa_serial_number: Optional[str] = None,
    mfa_token_code: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Credentials:
    """STS AssumeRole, signed with ``credentials`` (default: :func:`get_credentials`).

    ``role_session_name`` defaults to ``mongodb-aws-`` + 32 random hex digits. The STS endpoint is
    the global one, or ``sts.<AWS_REGION>.amazonaws.com`` with ``AWS_STS_REGIONAL_ENDPOINTS=regional``
    (``MONGODB_AWS_STS_ENDPOINT`` overrides, for tests). The result has ``source == "assume-role"``.
    """
    env = os.environ if environ is None else environ
    base = credentials if credentials is not None else get_credentials(env)
    name = role_session_name or _native.random_session_name(os.urandom(16))
    parts = _native.assume_role_request(
        base, role_arn, name, external_id, duration_seconds, mfa_serial_number, mfa_token_code,
        time.time(), *_sts_env(env),
    )
    return _native.provider_parse("assume_role", _send(parts, ENDPOINT_TIMEOUT, sts=True))


def assume_role_with_saml(
    role_arn: str,
    principal_arn: str,
    saml_assertion: str,
    *,
    duration_seconds: Optional[int] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Credentials:
    """STS AssumeRoleWithSAML (unsigned): ``saml_assertion`` is the base64 SAML response of the
    identity provider. The result has ``source == "saml"``."""
    env = os.environ if environ is None else environ
    parts = _native.saml_request(
        role_arn, principal_arn, saml_assertion, duration_seconds, *_sts_env(env)
    )
    return _native.provider_parse("saml", _send(parts, ENDPOINT_TIMEOUT, sts=True))
