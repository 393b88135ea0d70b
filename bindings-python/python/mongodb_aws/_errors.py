"""The exception family of mongodb_aws.

Every error raised by the native core is an instance of one subclass of :class:`MongoDBAWSError`
(itself a :class:`ValueError`), chosen by the block of the core's stable error number:

==========  ===========================  ==========================================
numbers     class                        what went wrong
==========  ===========================  ==========================================
100-199     InvalidArgumentError         a value passed by the caller (request parts, time, ...)
200-299     CredentialsError             credentials missing, incomplete or malformed
300-399     ConversationError            the server's MONGODB-AWS message (server-first, STS host)
400-499     ResponseError                a credential endpoint's or STS's response
500-599     ServerConversationError      a client's message, as seen by the server-side verifier
900-999     InternalError                internal (lengths overflowed)
==========  ===========================  ==========================================

``.code`` is the core's stable upper-case name (``"SERVER_NONCE_MISMATCH"``), ``.number`` its stable
number (308), and ``str(exc)`` the core's message: what was wrong and what was expected. No message
ever contains a secret.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs more than this package
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "MongoDBAWSError",
    "InvalidArgumentError",
    "CredentialsError",
    "ConversationError",
    "ResponseError",
    "ServerConversationError",
    "InternalError",
]


class MongoDBAWSError(ValueError):
    """Base class of every error raised by mongodb_aws."""

    code: str
    """Stable upper-case name of the error, e.g. ``"BUFFER_TOO_SMALL"`` (the C ABI's status name)."""
    number: int
    """Stable number of the error (the C ABI's status value)."""

    def __init__(self, message: str, code: str = "", number: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.number = number

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.code, self.number))


class InvalidArgumentError(MongoDBAWSError):
    """A value passed by the caller is malformed (errors 100-199)."""


class CredentialsError(MongoDBAWSError):
    """Credentials are missing, incomplete or malformed, or could not be fetched (200-299)."""


class ConversationError(MongoDBAWSError):
    """The server's MONGODB-AWS message is invalid: server-first, nonce or STS host (300-399)."""


class ResponseError(MongoDBAWSError):
    """A credential endpoint's or STS's response is malformed or an error (400-499)."""


class ServerConversationError(MongoDBAWSError):
    """A client's MONGODB-AWS message is invalid, as seen by the server-side verifier (500-599)."""


class InternalError(MongoDBAWSError):
    """An internal limit was exceeded (900-999)."""


_FAMILIES: tuple[tuple[int, int, type[MongoDBAWSError]], ...] = (
    (100, 199, InvalidArgumentError),
    (200, 299, CredentialsError),
    (300, 399, ConversationError),
    (400, 499, ResponseError),
    (500, 599, ServerConversationError),
)


def _class_for(number: int) -> type[MongoDBAWSError]:
    for low, high, cls in _FAMILIES:
        if low <= number <= high:
            return cls
    return InternalError


def _from_core(message: str, code: str, number: int) -> MongoDBAWSError:
    """Called by the native module to build the exception for a core error."""
    return _class_for(number)(message, code, number)
