"""PyMongo integration: MONGODB-AWS through mongodb_aws instead of pymongo-auth-aws and botocore.

PyMongo (4.x) authenticates with MONGODB-AWS by importing the module ``pymongo_auth_aws`` at the
moment it authenticates, and uses from it exactly: ``AwsSaslContext`` (subclassed to inject
``binary_type``, ``bson_encode`` and ``bson_decode``, then ``step(None)`` and ``step(payload)``),
``AwsCredential(username, password, token)``, ``PyMongoAuthAwsError``, ``__version__`` and, from
``pymongo_auth_aws.auth``, ``set_cached_credentials`` and ``set_use_cached_credentials``
(pymongocrypt also uses ``aws_temp_credentials``). This module provides all of them, with the same
signatures, computed by the Rust core. :func:`install` registers it under those module names::

    import mongodb_aws.pymongo
    mongodb_aws.pymongo.install()      # before the first MONGODB-AWS authentication
    client = pymongo.MongoClient("mongodb://host/?authMechanism=MONGODB-AWS")

PyMongo itself is unchanged and pymongo-auth-aws need not be installed.

Credentials: explicit ones (URI user name, password and ``AWS_SESSION_TOKEN``) are used as given;
otherwise :func:`aws_temp_credentials` resolves them with :func:`mongodb_aws.get_credentials`, the
Rust runtime's chain: the provider installed with :func:`set_credential_provider` (the spec's
``AWS_CREDENTIAL_PROVIDER``; this module re-exports :func:`mongodb_aws.set_credential_provider`)
first, then the process-wide cache, the environment, web identity, ECS, the container full URI and
EC2. Any failure clears the credential cache, as the spec requires.

When the server refuses the authentication (``OperationFailure`` code 18, "Authentication failed"),
the error PyMongo raises gets the runtime's diagnosis appended (:meth:`Credentials.refusal_hint`:
the credential source, the access key id and the ``$external`` user the server looks up, with the
assumed-role hint); ``mongodb-aws doctor`` gives the whole picture.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from typing import Any, Callable, Mapping, Optional

import mongodb_aws
from mongodb_aws import ClientConversation, Credentials, MongoDBAWSError, set_credential_provider
from mongodb_aws import _mongodb_aws as _native

# The native method itself (what ClientConversation.finish calls after filling in the clock): PyMongo
# authenticates on every new connection, so the shim skips one Python-level call.
_finish = _native.ClientConversation.finish

__all__ = [
    "install",
    "uninstall",
    "installed",
    "AwsCredential",
    "AwsSaslContext",
    "PyMongoAuthAwsError",
    "aws_temp_credentials",
    "get_cached_credentials",
    "set_cached_credentials",
    "get_use_cached_credentials",
    "set_use_cached_credentials",
    "set_credential_provider",
]

#: Shown by PyMongo in its error messages ("pymongo-auth-aws version ...").
__version__ = f"{mongodb_aws.__version__} (mongodb-aws)"

#: The module names this shim stands in for.
MODULE_NAMES = (
    "pymongo_auth_aws",
    "pymongo_auth_aws.auth",
    "pymongo_auth_aws.errors",
    "pymongo_auth_aws.version",
)


class PyMongoAuthAwsError(Exception):
    """Raised for every MONGODB-AWS failure; PyMongo turns it into ``OperationFailure``.

    When the cause is a :class:`mongodb_aws.MongoDBAWSError`, it is chained as ``__cause__`` and its
    stable name is in ``code``.
    """

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code


class AwsCredential:
    """MONGODB-AWS credentials as PyMongo passes them (same signature as pymongo-auth-aws)."""

    def __init__(
        self,
        username: Optional[str],
        password: Optional[str],
        token: Optional[str],
        refresh_needed: Optional[Callable[[int], bool]] = None,
    ) -> None:
        self.username = username
        self.password = password
        self.token = token
        self.refresh_needed = refresh_needed
        #: The chain's credentials behind this view (for the refusal diagnosis), if any.
        self._resolved: Optional[Credentials] = None

    def __repr__(self) -> str:
        return f"AwsCredential(username={self.username!r}, password='<redacted>', token=...)"


# ---- credential cache (the spec: cache only what came from an endpoint; clear after any failure) --

_lock = threading.Lock()
_cached: Optional[AwsCredential] = None
_use_cached: Optional[bool] = None
#: pymongo-auth-aws's refresh margin for cached credentials, in seconds.
_credential_buffer_seconds = 60


def get_use_cached_credentials() -> Optional[bool]:
    """Whether cached credentials are used (PyMongo sets this to ``True``)."""
    return _use_cached


def set_use_cached_credentials(value: Optional[bool]) -> None:
    """Turns the credential cache on or off."""
    global _use_cached
    _use_cached = value


def _view(creds: Credentials) -> AwsCredential:
    expiration = creds.expiration
    refresh = None
    if expiration is not None:
        refresh = lambda margin: time.time() + margin >= expiration  # noqa: E731
    view = AwsCredential(creds.access_key_id, creds.secret_access_key, creds.session_token, refresh)
    view._resolved = creds
    return view


# ---- the refusal diagnosis (the one place this shim adds to PyMongo's error) -----------------------

#: The credentials of this thread's last MONGODB-AWS conversation.
_last = threading.local()


def _explain_refusal() -> None:
    """Called from ``set_cached_credentials(None)``, which PyMongo calls while handling the
    authentication's exception: a refusal by the server (code 18) gets the runtime's diagnosis."""
    exc = sys.exc_info()[1]
    creds: Optional[Credentials] = getattr(_last, "credentials", None)
    if exc is None or creds is None or getattr(exc, "code", None) != 18:
        return
    if getattr(exc, "_mongodb_aws_explained", False):
        return
    text = f"{exc.args[0] if exc.args else ''}; MONGODB-AWS: {creds.refusal_hint()}"
    exc.args = (text, *exc.args[1:])
    if hasattr(exc, "_message"):
        setattr(exc, "_message", text)
    setattr(exc, "_mongodb_aws_explained", True)


def _explicit() -> Optional[AwsCredential]:
    """The entry set with :func:`set_cached_credentials`, unless it needs a refresh (then dropped)."""
    global _cached
    with _lock:
        creds = _cached
        if creds is not None and creds.refresh_needed is not None:
            if creds.refresh_needed(_credential_buffer_seconds):
                creds = _cached = None
    return creds


def get_cached_credentials() -> Optional[AwsCredential]:
    """The cached credentials, or ``None``: an entry set with :func:`set_cached_credentials`, else
    fresh endpoint credentials in mongodb_aws's process-wide cache (an entry that needs a refresh
    is dropped)."""
    creds = _explicit()
    if creds is None:
        shared = mongodb_aws.cached_credentials()
        if shared is not None and shared.is_fresh(time.time()):
            creds = _view(shared)
    return creds


def set_cached_credentials(credentials: Optional[AwsCredential]) -> None:
    """Replaces the cached credentials. ``None`` clears the cache, including mongodb_aws's
    process-wide one: PyMongo does so after any authentication failure, as the spec requires."""
    global _cached
    if credentials is None:
        mongodb_aws.clear_credential_cache()
        _explain_refusal()
    if credentials is None or _use_cached:
        with _lock:
            _cached = credentials


def aws_temp_credentials() -> AwsCredential:
    """Credentials for an authentication without explicit ones: an entry set with
    :func:`set_cached_credentials`, else :func:`mongodb_aws.get_credentials` (the installed
    provider, the process-wide cache, the environment, web identity, ECS, container full URI,
    EC2; the process-wide cache unless :func:`set_use_cached_credentials` turned it off).
    """
    cached = _explicit()
    if cached is not None:
        return cached
    try:
        creds = mongodb_aws.get_credentials(use_cache=_use_cached is not False)
    except MongoDBAWSError as exc:
        set_cached_credentials(None)
        raise PyMongoAuthAwsError(
            f"temporary MONGODB-AWS credentials could not be obtained: {exc}", exc.code
        ) from exc
    return _view(creds)


# ---- the SASL context -----------------------------------------------------------------------------


class AwsSaslContext:
    """MONGODB-AWS conversation for PyMongo (same interface as pymongo-auth-aws's).

    PyMongo subclasses it to provide ``binary_type``, ``bson_encode`` and ``bson_decode``; only
    ``binary_type`` is used here (the core reads and writes the BSON itself).
    """

    def __init__(self, credentials: AwsCredential) -> None:
        self._credentials = credentials
        self._step = 0
        self._conversation: Optional[ClientConversation] = None
        self._resolved: Optional[Credentials] = None

    def step(self, server_payload: Optional[bytes]) -> Any:
        """Returns the next client payload: client-first for ``None``, then client-final.

        Raises :class:`PyMongoAuthAwsError` on any failure (and clears the credential cache).
        """
        self._step += 1
        try:
            if self._step == 1:
                return self.binary_type()(self._first_payload())
            if self._step == 2:
                return self.binary_type()(self._second_payload(server_payload))
            raise PyMongoAuthAwsError("MONGODB-AWS failed: too many steps")
        except MongoDBAWSError as exc:
            set_cached_credentials(None)
            raise PyMongoAuthAwsError(f"MONGODB-AWS failed: {exc} ({exc.code})", exc.code) from exc
        except Exception:
            set_cached_credentials(None)
            raise

    def _first_payload(self) -> bytes:
        creds = self._credentials
        if creds.username is None:
            creds = self._credentials = aws_temp_credentials()
        self._resolved = Credentials.from_parts(creds.username, creds.password, creds.token)
        _last.credentials = creds._resolved or self._resolved
        self._conversation = ClientConversation()
        return self._conversation.client_first()

    def _second_payload(self, server_payload: Optional[bytes]) -> bytes:
        if not server_payload:
            raise PyMongoAuthAwsError("MONGODB-AWS failed: server payload empty")
        if self._conversation is None or self._resolved is None:
            raise PyMongoAuthAwsError("MONGODB-AWS failed: step out of order")
        payload = server_payload if isinstance(server_payload, bytes) else bytes(server_payload)
        return _finish(self._conversation, payload, self._resolved, time.time())

    # Dependency injection (PyMongo overrides these).
    def binary_type(self) -> Callable[[bytes], Any]:
        """The BSON binary type to wrap payloads in; PyMongo passes ``bson.binary.Binary``."""
        return bytes

    def bson_encode(self, doc: Mapping[str, Any]) -> bytes:
        """Unused: the core encodes BSON itself."""
        raise NotImplementedError

    def bson_decode(self, data: bytes) -> Mapping[str, Any]:
        """Unused: the core decodes BSON itself."""
        raise NotImplementedError


# ---- install ------------------------------------------------------------------------------------------

_saved: Optional[dict[str, Optional[types.ModuleType]]] = None


def install() -> None:
    """Makes ``import pymongo_auth_aws`` (and its ``auth``, ``errors``, ``version`` submodules) return
    this module, so that PyMongo's MONGODB-AWS authentication runs on mongodb_aws.

    Takes effect for every authentication after the call (PyMongo imports the module when it
    authenticates). Idempotent; :func:`uninstall` restores what was there before.
    """
    global _saved
    this = sys.modules[__name__]
    if _saved is None:
        _saved = {name: sys.modules.get(name) for name in MODULE_NAMES}
    for name in MODULE_NAMES:
        sys.modules[name] = this


def uninstall() -> None:
    """Undoes :func:`install`: the previous modules (or none) are registered again."""
    global _saved
    if _saved is None:
        return
    for name, module in _saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    _saved = None


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return sys.modules.get("pymongo_auth_aws") is sys.modules[__name__]


# The names `pymongo_auth_aws.auth`, `.errors` and `.version` are looked up as attributes too.
auth = errors = version = sys.modules[__name__]
