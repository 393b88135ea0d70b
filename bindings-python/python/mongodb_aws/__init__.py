"""MONGODB-AWS authentication and AWS Signature Version 4 for Python.

A thin, typed layer over the allocation-free Rust core and its runtime (``mongodb_aws._mongodb_aws``).
Everything the core does is done by the core, and the credential chain (sources, HTTP, deadlines,
retries, the process-wide cache) is the Rust runtime's; this module only adds what a Python program
expects by default: the clock (:func:`time.time`), randomness (:func:`os.urandom`) and splitting a
URL.

Importing it is cheap: no ``http``, ``urllib``, ``ssl``, ``email``, ``socket``, ``typing`` or
``dataclasses`` (the result classes are loaded on first use).

>>> import mongodb_aws
>>> creds = mongodb_aws.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
>>> creds
Credentials(access_key_id='AKIDEXAMPLE', secret_access_key='<redacted>', session_token=None)
>>> conv = mongodb_aws.ClientConversation()
>>> len(conv.client_first())
52
"""

from __future__ import annotations

import os
import time

from mongodb_aws import _mongodb_aws as _native
from mongodb_aws._errors import *  # noqa: F403  (the exception family, listed in _errors.__all__)
from mongodb_aws._mongodb_aws import (
    GET_CALLER_IDENTITY_BODY,
    MAX_CLOCK_SKEW_SECONDS,
    MAX_PRESIGN_EXPIRES,
    STS_DEFAULT_HOST,
    STS_SERVICE,
    Credentials,
    ServerFirst,
    StsRequest,
    __version__,
    assume_role,
    assume_role_with_saml,
    cached_credentials,
    clear_credential_cache,
    get_credentials,
    set_credential_provider,
    set_mfa_callback,
    sts_region,
    user_name,
    validate_sts_host,
)

# Not `typing.TYPE_CHECKING`: importing typing costs more than the rest of this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

    from mongodb_aws._results import (
        CallerIdentity as CallerIdentity,
        CredentialProvider as CredentialProvider,
        Headers as Headers,
        PresignedRequest as PresignedRequest,
        SignedRequest as SignedRequest,
        Timestamp as Timestamp,
    )

__all__ = [
    "__version__",
    "Credentials",
    "ClientConversation",
    "ServerFirst",
    "ServerConversation",
    "StsRequest",
    "IncomingStsRequest",
    "CallerIdentity",
    "parse_caller_identity",
    "user_name",
    "MAX_CLOCK_SKEW_SECONDS",
    "SignedRequest",
    "PresignedRequest",
    "sign_v4",
    "presign_v4",
    "canonical_request_v4",
    "string_to_sign_v4",
    "sts_region",
    "validate_sts_host",
    "get_credentials",
    "set_credential_provider",
    "set_mfa_callback",
    "CredentialProvider",
    "assume_role",
    "assume_role_with_saml",
    "cached_credentials",
    "clear_credential_cache",
    "STS_DEFAULT_HOST",
    "STS_SERVICE",
    "GET_CALLER_IDENTITY_BODY",
    "MAX_PRESIGN_EXPIRES",
    # The exception family (mongodb_aws._errors.__all__), listed again here because mypy and stubtest
    # only read a literal __all__.
    "MongoDBAWSError",
    "InvalidArgumentError",
    "CredentialsError",
    "ConversationError",
    "ResponseError",
    "ServerConversationError",
    "InternalError",
]

#: Loaded on first use (they need ``dataclasses`` and ``typing``).
_LAZY = frozenset(
    {"CallerIdentity", "SignedRequest", "PresignedRequest", "Timestamp", "Headers",
     "CredentialProvider"}
)

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name in _LAZY:
            from mongodb_aws import _results

            value = getattr(_results, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ClientConversation(_native.ClientConversation):
    """The client side of one MONGODB-AWS SASL conversation.

    ``nonce`` is the 32-byte client nonce; by default 32 bytes of :func:`os.urandom`. Inject one only
    in tests. The object holds nothing but the nonce: every method is pure and thread-safe.
    """

    __slots__ = ()

    def __new__(cls, nonce: Optional[bytes] = None) -> ClientConversation:
        return super().__new__(cls, os.urandom(32) if nonce is None else nonce)

    def finish(
        self,
        server_first: bytes,
        credentials: Credentials,
        now: Optional[Timestamp] = None,
    ) -> bytes:
        """Validates server-first and returns the client-final payload (BSON ``{a, d[, t]}``).

        ``now`` is the signing time in unix seconds, by default :func:`time.time`.
        Raises :class:`ConversationError` when the server's message is invalid.
        """
        return super().finish(server_first, credentials, time.time() if now is None else now)

    def canonical_request(
        self,
        server_first: bytes,
        credentials: Credentials,
        now: Optional[Timestamp] = None,
    ) -> str:
        """The canonical request :meth:`finish` signs (for diagnostics)."""
        return super().canonical_request(
            server_first, credentials, time.time() if now is None else now
        )

    def string_to_sign(
        self,
        server_first: bytes,
        credentials: Credentials,
        now: Optional[Timestamp] = None,
    ) -> str:
        """The SigV4 string to sign :meth:`finish` signs (for diagnostics)."""
        return super().string_to_sign(
            server_first, credentials, time.time() if now is None else now
        )


class ServerConversation(_native.ServerConversation):
    """The server side of one MONGODB-AWS conversation, for a MongoDB-compatible server or proxy.

    Built from the client's saslStart payload (client-first); ``server_random`` is the server's half
    of the nonce, by default 32 bytes of :func:`os.urandom`. Raises
    :class:`ServerConversationError` for an invalid client-first (``p`` = 112 included) and
    :class:`ConversationError` for an invalid ``sts_host``.

    1. :meth:`server_first` is the saslStart reply payload ``{s, h}``;
    2. :meth:`client_final` checks the saslContinue payload and returns the :class:`StsRequest` to
       send to STS (built from the server's own nonce, flag and host, plus the client's ``a``,
       ``d`` and ``t``);
    3. :func:`parse_caller_identity` reads STS's answer; :func:`user_name` maps the ARN to the
       ``$external`` user.
    """

    __slots__ = ()

    def __new__(
        cls,
        client_first: bytes,
        sts_host: str = STS_DEFAULT_HOST,
        server_random: Optional[bytes] = None,
    ) -> ServerConversation:
        random = os.urandom(32) if server_random is None else server_random
        return super().__new__(cls, client_first, random, sts_host)

    def client_final(
        self,
        client_final: bytes,
        now: Optional[Timestamp] = None,
        max_skew_seconds: int = MAX_CLOCK_SKEW_SECONDS,
    ) -> StsRequest:
        """Checks client-final, including that its ``X-Amz-Date`` is within ``max_skew_seconds``
        of ``now`` (default :func:`time.time`), and returns the request to forward to STS."""
        return super().client_final(
            client_final, time.time() if now is None else now, max_skew_seconds
        )


class IncomingStsRequest(_native.IncomingStsRequest):
    """A GetCallerIdentity request as a stand-in for STS receives it: what a test STS (or any
    service playing STS behind a MongoDB-compatible server) uses to check MONGODB-AWS signatures
    without AWS.

    Construction runs the checks that need no secret: ``POST /`` with the GetCallerIdentity body
    and no query, one ``Authorization`` header whose credential scope matches ``X-Amz-Date``, the
    region of ``Host`` and service ``sts``, every signed header present, a session token only if it
    is signed. It raises a :class:`MongoDBAWSError` subclass whose ``code`` names the rule
    (``NOT_GET_CALLER_IDENTITY``, ``MISSING_AUTHORIZATION``, ``DUPLICATE_HEADER``, ...).

    1. look up the secret (and the session token, if the key is temporary) by
       :attr:`access_key_id`;
    2. :meth:`verify` checks the date, the token and the signature;
    3. refusing a replayed :attr:`server_nonce` is the caller's job.

    >>> req = IncomingStsRequest("POST", "/", received_headers, received_body)  # doctest: +SKIP
    >>> req.verify(secrets[req.access_key_id])  # doctest: +SKIP
    """

    __slots__ = ()

    def __new__(
        cls,
        method: str,
        path: str,
        headers: Headers,
        body: Union[bytes, str],
        query: str = "",
    ) -> IncomingStsRequest:
        return super().__new__(cls, method, path, _pairs(headers), _bytes(body), query)

    def verify(
        self,
        secret: str,
        session_token: Optional[str] = None,
        now: Optional[Timestamp] = None,
    ) -> None:
        """Checks what needs the secret, in this order: ``X-Amz-Date`` within 15 minutes of
        ``now`` (default :func:`time.time`), else ``REQUEST_TIME_SKEWED``; the request's session
        token equal to ``session_token`` (both absent match), else ``SESSION_TOKEN_MISMATCH``; the
        signature recomputed with ``secret`` equal to the request's, else ``SIGNATURE_MISMATCH``.
        Tokens and signatures are compared in constant time. Raises
        :class:`ServerConversationError` when a check fails."""
        super().verify(secret, session_token, time.time() if now is None else now)


def parse_caller_identity(status: int, body: bytes) -> CallerIdentity:
    """Parses STS's reply (XML or JSON) to the forwarded GetCallerIdentity request.

    A rejection (``SignatureDoesNotMatch``, ``InvalidClientTokenId``, ...) raises
    :class:`ServerConversationError` with code ``STS_REJECTED``; STS's code is in the message.
    """
    from mongodb_aws._results import CallerIdentity

    arn, user_id, account = _native.parse_caller_identity(status, body)
    return CallerIdentity(arn, user_id, account)


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    """Headers as a list of ``(name, value)`` pairs."""
    if isinstance(headers, dict):
        return list(headers.items())
    from collections.abc import Mapping  # only here: collections costs milliseconds to import

    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _bytes(body: Union[bytes, str]) -> bytes:
    """A body as bytes (a ``str`` is encoded as UTF-8)."""
    return body.encode() if isinstance(body, str) else bytes(body)


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(n.lower() == name for n, _ in headers)


def _prepare(
    method: str,
    url: str,
    headers: Headers,
    body: Union[bytes, str],
) -> tuple[str, str, str, list[tuple[str, str]], bytes, Optional[str]]:
    """Splits ``url`` into path and query, lists the headers and adds ``Host`` from the URL when the
    caller gave none (default ports left out). Returns the added host, if any, last."""
    pairs = _pairs(headers)
    if url.startswith("/"):
        path, _, query = url.partition("?")
        added_host = None
    else:
        from urllib.parse import urlsplit  # only here: urllib.parse costs milliseconds to import

        parts = urlsplit(url)
        path, query = parts.path or "/", parts.query
        netloc = parts.netloc.rpartition("@")[2]
        default = {"https": ":443", "http": ":80"}.get(parts.scheme.lower())
        if default and netloc.endswith(default):
            netloc = netloc[: -len(default)]
        added_host = None
        if not _has(pairs, "host") and netloc:
            added_host = netloc
            pairs.append(("Host", netloc))
    return method, path, query, pairs, _bytes(body), added_host


def _request(
    method: str,
    url: str,
    headers: Headers,
    body: Union[bytes, str],
    region: str,
    service: str,
    now: Optional[Timestamp],
    payload_hash: Optional[str],
    unsigned_payload: bool,
    normalize_path: bool,
    double_encode_path: bool,
    sign_session_token: bool,
    content_sha256_header: bool,
) -> tuple[_native.SigV4Request, list[tuple[str, str]], Optional[str], str]:
    """The native request for ``url`` (with the clock default), the headers as listed, the host
    added from the URL (if any) and the query."""
    method, path, query, pairs, data, added_host = _prepare(method, url, headers, body)
    request = _native.SigV4Request(
        method,
        path,
        query,
        pairs,
        data,
        region=region,
        service=service,
        now=time.time() if now is None else now,
        payload_hash=payload_hash,
        unsigned_payload=unsigned_payload,
        normalize_path=normalize_path,
        double_encode_path=double_encode_path,
        sign_session_token=sign_session_token,
        content_sha256_header=content_sha256_header,
    )
    return request, pairs, added_host, query


def sign_v4(
    method: str,
    url: str,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    headers: Headers = (),
    body: Union[bytes, str] = b"",
    now: Optional[Timestamp] = None,
    payload_hash: Optional[str] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
    double_encode_path: bool = True,
    sign_session_token: bool = True,
    content_sha256_header: bool = False,
) -> SignedRequest:
    """Signs any HTTP request with AWS Signature Version 4 (``Authorization`` header).

    ``url`` is an absolute URL (its host becomes the ``Host`` header unless ``headers`` has one) or
    an absolute path with an optional ``?query``; path and query are taken as sent on the wire.
    Every header given is signed; ``Host`` is required. ``body`` is hashed, unless ``payload_hash``
    (64 lower-case hex digits) or ``unsigned_payload=True`` (``UNSIGNED-PAYLOAD``) is given.

    S3 wants ``normalize_path=False, double_encode_path=False, content_sha256_header=True``; every
    other service the defaults. ``sign_session_token=False`` leaves the token out of the signature
    (the header is still returned, to be added after signing). ``now`` defaults to
    :func:`time.time`.
    """
    request, pairs, added_host, _ = _request(
        method,
        url,
        headers,
        body,
        region,
        service,
        now,
        payload_hash,
        unsigned_payload,
        normalize_path,
        double_encode_path,
        sign_session_token,
        content_sha256_header,
    )
    signature, authorization, amz_date, hashed = request.sign(credentials)
    add: dict[str, str] = {}
    if added_host is not None:
        add["Host"] = added_host
    if not _has(pairs, "x-amz-date"):
        add["X-Amz-Date"] = amz_date
    token = credentials.session_token
    if token is not None and not _has(pairs, "x-amz-security-token"):
        add["X-Amz-Security-Token"] = token
    if content_sha256_header and hashed is not None and not _has(pairs, "x-amz-content-sha256"):
        add["X-Amz-Content-SHA256"] = hashed
    add["Authorization"] = authorization
    from mongodb_aws._results import SignedRequest

    return SignedRequest(authorization, signature, amz_date, add)


def presign_v4(
    method: str,
    url: str,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    expires: int,
    headers: Headers = (),
    body: Union[bytes, str] = b"",
    now: Optional[Timestamp] = None,
    payload_hash: Optional[str] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
    double_encode_path: bool = True,
    sign_session_token: bool = True,
) -> PresignedRequest:
    """Presigns a request: the signature goes into the query string (``X-Amz-*`` parameters).

    ``expires`` is the validity in seconds (1 to :data:`MAX_PRESIGN_EXPIRES`). Only the headers given
    (``Host`` at least) are signed. Other arguments as for :func:`sign_v4`.
    """
    request, _, _, query = _request(
        method,
        url,
        headers,
        body,
        region,
        service,
        now,
        payload_hash,
        unsigned_payload,
        normalize_path,
        double_encode_path,
        sign_session_token,
        False,
    )
    signature, params = request.presign(credentials, expires)
    base = url.split("#", 1)[0]
    joined = base + ("&" if query else ("" if base.endswith("?") else "?")) + params
    from mongodb_aws._results import PresignedRequest

    return PresignedRequest(joined, params, signature)


def canonical_request_v4(
    method: str,
    url: str,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    headers: Headers = (),
    body: Union[bytes, str] = b"",
    now: Optional[Timestamp] = None,
    payload_hash: Optional[str] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
    double_encode_path: bool = True,
    sign_session_token: bool = True,
    content_sha256_header: bool = False,
    presign_expires: Optional[int] = None,
) -> str:
    """The canonical request :func:`sign_v4` (or, with ``presign_expires``, :func:`presign_v4`)
    would sign, for diagnostics."""
    request, _, _, _ = _request(
        method,
        url,
        headers,
        body,
        region,
        service,
        now,
        payload_hash,
        unsigned_payload,
        normalize_path,
        double_encode_path,
        sign_session_token,
        content_sha256_header,
    )
    if presign_expires is None:
        return request.canonical_request(credentials)
    return request.presign_canonical_request(credentials, presign_expires)


def string_to_sign_v4(
    method: str,
    url: str,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    headers: Headers = (),
    body: Union[bytes, str] = b"",
    now: Optional[Timestamp] = None,
    payload_hash: Optional[str] = None,
    unsigned_payload: bool = False,
    normalize_path: bool = True,
    double_encode_path: bool = True,
    sign_session_token: bool = True,
    content_sha256_header: bool = False,
) -> str:
    """The SigV4 string to sign of :func:`sign_v4`, for diagnostics."""
    request, _, _, _ = _request(
        method,
        url,
        headers,
        body,
        region,
        service,
        now,
        payload_hash,
        unsigned_payload,
        normalize_path,
        double_encode_path,
        sign_session_token,
        content_sha256_header,
    )
    return request.string_to_sign(credentials)
