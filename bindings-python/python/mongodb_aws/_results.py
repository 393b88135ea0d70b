"""The result classes and type aliases of :mod:`mongodb_aws`, loaded on first use (``dataclasses``
and ``typing`` cost more to import than the rest of the package). Import them from
:mod:`mongodb_aws`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional, Tuple, Union

from mongodb_aws._mongodb_aws import user_name

__all__ = [
    "CallerIdentity",
    "SignedRequest",
    "PresignedRequest",
    "Timestamp",
    "Headers",
    "CredentialProvider",
]

#: Unix seconds: an ``int`` or a ``float`` (floored).
Timestamp = Union[int, float]
#: Headers as a mapping or as ``(name, value)`` pairs (repeat a name for several values).
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
#: A credential provider (:func:`mongodb_aws.set_credential_provider`, ``get_credentials(provider=)``):
#: called with no argument, it returns a mapping or an object with ``access_key_id``,
#: ``secret_access_key``, ``session_token`` and ``expiration`` (a datetime or unix seconds), in this
#: spelling, boto3's (``AccessKeyId``, ...) or the Node driver's (``accessKeyId``, ...).
CredentialProvider = Callable[[], object]


@dataclass(frozen=True)
class CallerIdentity:
    """STS's answer to GetCallerIdentity."""

    arn: str
    """The caller's ARN."""
    user_id: Optional[str] = None
    """``UserId``, if STS sent it."""
    account: Optional[str] = None
    """``Account``, if STS sent it."""

    @property
    def user_name(self) -> str:
        """The MongoDB ``$external`` user name for :attr:`arn`."""
        return user_name(self.arn)


@dataclass(frozen=True)
class SignedRequest:
    """The result of :func:`sign_v4`."""

    authorization: str
    """The ``Authorization`` header value."""
    signature: str
    """The signature, 64 lower-case hex digits."""
    amz_date: str
    """The ``X-Amz-Date`` value that was signed (``YYYYMMDD'T'HHMMSS'Z'``)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Headers to add to the request before sending it: ``Host`` (when taken from the URL),
    ``X-Amz-Date``, ``X-Amz-Security-Token``, ``X-Amz-Content-SHA256`` (each unless already
    present) and ``Authorization``."""


@dataclass(frozen=True)
class PresignedRequest:
    """The result of :func:`presign_v4`."""

    url: str
    """The URL with the signing parameters appended to its query."""
    query: str
    """Just the signing parameters (``X-Amz-Algorithm=...&...&X-Amz-Signature=...``)."""
    signature: str
    """The signature, 64 lower-case hex digits."""
