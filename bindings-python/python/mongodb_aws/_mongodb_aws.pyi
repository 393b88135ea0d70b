"""Native module (Rust, pyo3). Use the public API of :mod:`mongodb_aws` instead."""

from typing import Callable, Mapping, Optional, Union, final

from typing_extensions import Self, disjoint_base

__all__ = [
    "__version__",
    "STS_DEFAULT_HOST",
    "STS_SERVICE",
    "GET_CALLER_IDENTITY_BODY",
    "DETACH_THRESHOLD",
    "MAX_PRESIGN_EXPIRES",
    "Credentials",
    "ServerFirst",
    "ClientConversation",
    "SigV4Request",
    "validate_sts_host",
    "sts_region",
    "error_table",
    "get_credentials",
    "set_credential_provider",
    "set_mfa_callback",
    "clear_credential_cache",
    "cached_credentials",
    "assume_role",
    "assume_role_with_saml",
    "MAX_CLOCK_SKEW_SECONDS",
    "ServerConversation",
    "StsRequest",
    "IncomingStsRequest",
    "parse_caller_identity",
    "user_name",
]

__version__: str
STS_DEFAULT_HOST: str
STS_SERVICE: str
GET_CALLER_IDENTITY_BODY: str
DETACH_THRESHOLD: int
MAX_PRESIGN_EXPIRES: int
MAX_CLOCK_SKEW_SECONDS: int

@final
class Credentials:
    """AWS credentials, validated by the core. ``repr()`` never shows the secret or the token.

    An empty ``session_token`` counts as none. Raises :class:`mongodb_aws.CredentialsError` for
    malformed values.
    """

    def __new__(
        cls,
        access_key_id: str,
        secret_access_key: str,
        session_token: Optional[str] = None,
        *,
        expiration: Optional[int] = None,
    ) -> Credentials: ...
    @staticmethod
    def from_parts(
        access_key_id: Optional[str] = None,
        secret_access_key: Optional[str] = None,
        session_token: Optional[str] = None,
    ) -> Credentials:
        """Credentials from optional parts with the spec's environment-variable rule: empty is
        unset; id and secret (and a token) are valid; anything else raises
        :class:`mongodb_aws.CredentialsError` (``NO_CREDENTIALS`` when nothing is set)."""
    @property
    def access_key_id(self) -> str: ...
    @property
    def secret_access_key(self) -> str: ...
    @property
    def session_token(self) -> Optional[str]: ...
    @property
    def expiration(self) -> Optional[int]:
        """Unix seconds when these credentials expire, or ``None``."""
    @property
    def source(self) -> Optional[str]:
        """Where they came from (``"custom-provider"``, ``"environment"``, ``"web-identity"``,
        ``"ecs"``, ``"container-full-uri"``, ``"ec2"``, ``"assume-role"``, ``"saml"``,
        ``"profile"``, ``"credential-process"``, ``"sso"``), or ``None`` when built by the
        caller."""
    @property
    def from_cache(self) -> bool:
        """Whether :func:`get_credentials` answered from the process-wide cache."""
    @property
    def profile(self) -> Optional[str]:
        """The profile of the AWS shared files that supplied them (for a role chain, the profile
        asked for), or ``None``."""
    @property
    def origin_file(self) -> Optional[str]:
        """The file holding that profile, or ``None``."""
    @property
    def origin_line(self) -> Optional[int]:
        """The 1-based line of that profile's section header, or ``None``."""
    def refusal_hint(self) -> str:
        """What to add when a server refuses a MONGODB-AWS authentication with these credentials:
        the source, the access key id, the ``$external`` user the server looks up (as far as known
        without STS) and the assumed-role hint."""
    def is_fresh(self, now: Union[int, float]) -> bool:
        """Whether they may be used at ``now``: more than 5 minutes before expiry (always, without
        expiry)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ServerFirst:
    """A validated server-first message."""

    @property
    def host(self) -> str:
        """The STS host ``h``, verbatim."""
    @property
    def region(self) -> str:
        """The signing region derived from the host."""
    @property
    def server_nonce(self) -> bytes:
        """The 64-byte server nonce ``s``."""
    @property
    def server_nonce_base64(self) -> str:
        """Base64 of the server nonce: the ``X-MongoDB-Server-Nonce`` header value."""

@disjoint_base
class ClientConversation:
    def __new__(cls, nonce: bytes) -> Self: ...
    @property
    def nonce(self) -> bytes:
        """The 32-byte client nonce."""
    def client_first(self) -> bytes:
        """The client-first payload, BSON ``{r: BinData(0, nonce), p: 110}`` (52 bytes)."""
    def parse_server_first(self, server_first: bytes) -> ServerFirst:
        """Validates server-first strictly; raises :class:`mongodb_aws.ConversationError`."""
    def finish(
        self, server_first: bytes, credentials: Credentials, now: Union[int, float]
    ) -> bytes: ...
    def canonical_request(
        self, server_first: bytes, credentials: Credentials, now: Union[int, float]
    ) -> str: ...
    def string_to_sign(
        self, server_first: bytes, credentials: Credentials, now: Union[int, float]
    ) -> str: ...

@final
class SigV4Request:
    """An HTTP request, its credential scope and the signer's settings (native part of
    :func:`mongodb_aws.sign_v4` and friends)."""

    def __new__(
        cls,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        region: str,
        service: str,
        now: Union[int, float],
        payload_hash: Optional[str] = None,
        unsigned_payload: bool = False,
        normalize_path: bool = True,
        double_encode_path: bool = True,
        sign_session_token: bool = True,
        content_sha256_header: bool = False,
    ) -> SigV4Request: ...
    def sign(self, credentials: Credentials) -> tuple[str, str, str, Optional[str]]:
        """``(signature, authorization, amz_date, payload_hash)``."""
    def presign(self, credentials: Credentials, expires: int) -> tuple[str, str]:
        """``(signature, query parameters)``."""
    def canonical_request(self, credentials: Credentials) -> str: ...
    def presign_canonical_request(self, credentials: Credentials, expires: int) -> str: ...
    def string_to_sign(self, credentials: Credentials) -> str: ...

def validate_sts_host(host: str) -> None:
    """Raises :class:`mongodb_aws.ConversationError` unless ``host`` is a valid STS host."""

def sts_region(host: str) -> str:
    """The signing region for an STS host (MONGODB-AWS rule); raises for invalid hosts."""

def error_table() -> list[tuple[int, str, str]]:
    """Every core error as ``(number, name, message)``."""

_Environ = Mapping[str, str]
_Provider = Callable[[], object]
_MfaCallback = Callable[[str, str], str]

def get_credentials(
    environ: Optional[_Environ] = None,
    *,
    use_cache: bool = True,
    provider: Optional[_Provider] = None,
    profile: Optional[str] = None,
    mfa_callback: Optional[_MfaCallback] = None,
) -> Credentials:
    """Resolves credentials like the drivers do (the Rust runtime's chain, GIL released).

    ``environ`` replaces the process environment; ``use_cache=False`` neither reads nor fills the
    process-wide cache; ``provider`` is a custom provider for this call (default: the one
    installed with :func:`set_credential_provider`). The AWS shared config and credentials files
    are read: ``profile`` picks a profile (like ``AWS_PROFILE``); ``mfa_callback(serial, profile)``
    returns the MFA code a profile's role needs (default: the one installed with
    :func:`set_mfa_callback`). Raises a :class:`mongodb_aws.MongoDBAWSError` subclass.
    """

def set_credential_provider(provider: Optional[_Provider], /) -> None:
    """Installs (or, with ``None``, removes) the process-wide credential provider."""

def set_mfa_callback(callback: Optional[_MfaCallback], /) -> None:
    """Installs (or, with ``None``, removes) the process-wide MFA callback: ``callback(serial,
    profile)`` returns the code as a ``str``."""

def clear_credential_cache() -> None:
    """Empties the process-wide credential cache (do so after an authentication failure)."""

def cached_credentials(
    environ: Optional[_Environ] = None, *, profile: Optional[str] = None
) -> Optional[Credentials]:
    """The credentials in the process-wide cache that ``get_credentials(environ, profile=profile)``
    uses (one per selected profile), fresh or not, or ``None``."""

def assume_role(
    role_arn: str,
    *,
    credentials: Optional[Credentials] = None,
    role_session_name: Optional[str] = None,
    external_id: Optional[str] = None,
    duration_seconds: Optional[int] = None,
    mfa_serial_number: Optional[str] = None,
    mfa_token_code: Optional[str] = None,
    environ: Optional[_Environ] = None,
) -> Credentials:
    """STS AssumeRole signed with ``credentials`` (default: :func:`get_credentials`)."""

def assume_role_with_saml(
    role_arn: str,
    principal_arn: str,
    saml_assertion: str,
    *,
    duration_seconds: Optional[int] = None,
    environ: Optional[_Environ] = None,
) -> Credentials:
    """STS AssumeRoleWithSAML with the base64 SAML response ``saml_assertion``."""

@disjoint_base
class ServerConversation:
    def __new__(cls, client_first: bytes, server_random: bytes, sts_host: str) -> Self: ...
    def server_first(self) -> bytes:
        """The server-first payload, BSON ``{s: BinData(0, 64-byte nonce), h: STS host}``."""
    @property
    def server_nonce(self) -> bytes: ...
    @property
    def server_nonce_base64(self) -> str: ...
    @property
    def sts_host(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def gs2_flag(self) -> str:
        """The client's channel-binding flag, ``"n"`` or ``"y"``."""
    def client_final(
        self, client_final: bytes, now: Union[int, float], max_skew_seconds: int
    ) -> StsRequest: ...

@final
class StsRequest:
    """The request a server forwards to STS (``POST /`` to the STS host, these headers and body)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def host(self) -> str:
        """The ``Host`` header value (signed: send it unchanged to whatever serves that host)."""
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def http(self) -> bytes:
        """The whole HTTP/1.1 request, for a raw socket."""
    @property
    def access_key_id(self) -> str: ...
    @property
    def session_token(self) -> Optional[str]: ...
    @property
    def amz_date(self) -> str: ...

@disjoint_base
class IncomingStsRequest:
    def __new__(
        cls,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        query: str,
    ) -> Self: ...
    def verify(
        self, secret: str, session_token: Optional[str], now: Union[int, float]
    ) -> None: ...
    @property
    def access_key_id(self) -> str:
        """The access key id of the ``Authorization`` credential."""
    @property
    def host(self) -> str:
        """The ``Host`` header."""
    @property
    def region(self) -> str:
        """The signing region ``Host`` implies (the credential scope's region)."""
    @property
    def session_token(self) -> Optional[str]:
        """``X-Amz-Security-Token``, if sent."""
    @property
    def server_nonce(self) -> Optional[str]:
        """``X-MongoDB-Server-Nonce``, if sent (refuse replays of it)."""
    @property
    def amz_date(self) -> str:
        """``X-Amz-Date``."""
    @property
    def date(self) -> int:
        """``X-Amz-Date`` in unix seconds."""

def parse_caller_identity(
    status: int, body: bytes
) -> tuple[str, Optional[str], Optional[str]]: ...
def user_name(arn: str) -> str:
    """The MongoDB ``$external`` user name for a caller ARN."""
