"""libmongodb_aws through ctypes: the pattern for a Python driver that loads the C library itself
(the pyo3 package `mongodb_aws` is the full Python binding; this file shows the C ABI from Python).

Marshalling rules of the ABI (include/mongodb_aws.h):
- every status is a uint32_t (c_uint32), every flag a uint8_t (c_uint8): there is no bool, no enum;
- inputs are pointer + length, outputs (out, out_cap, out_len): a ctypes buffer the caller owns;
- views the library returns (mongodb_aws_server_first, mongodb_aws_credentials_info) point into a
  buffer or object: keep that alive while reading, and copy out (ctypes.string_at) before it goes.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, byref, c_char_p, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p
from typing import Optional

# Constants of mongodb_aws.h used here (the header is the reference).
OK = 0
NULL_ARGUMENT = 1
BUFFER_TOO_SMALL = 100
INVALID_TIME = 110
INVALID_PARAMETER = 114
SERVER_NONCE_MISMATCH = 308
HOST_EMPTY_LABEL = 312
CLIENT_NONCE_LEN = 32
CLIENT_FIRST_LEN = 52
CLIENT_FINAL_MAX_LEN = 682  # + the session token's length: always enough
SOURCE_ENVIRONMENT = 2


class Credentials(ctypes.Structure):
    """mongodb_aws_credentials: borrowed pointers; the bytes objects are kept on the instance."""

    _fields_ = [
        ("access_key_id", c_char_p),
        ("access_key_id_len", c_size_t),
        ("secret_access_key", c_char_p),
        ("secret_access_key_len", c_size_t),
        ("session_token", c_char_p),
        ("session_token_len", c_size_t),
    ]

    @classmethod
    def of(cls, akid: str, secret: str, token: Optional[str] = None) -> "Credentials":
        a, s = akid.encode(), secret.encode()
        t = token.encode() if token else None
        c = cls(a, len(a), s, len(s), t, len(t) if t else 0)
        c._keep = (a, s, t)  # the struct holds raw pointers into these
        return c


class CredentialsInfo(ctypes.Structure):
    """mongodb_aws_credentials_info: views into a mongodb_aws_owned_credentials."""

    _fields_ = [
        ("credentials", Credentials),
        ("expiration_unix", c_uint64),
        ("source", c_uint32),
        ("has_session_token", c_uint8),  # uint8_t 0/1, not bool
        ("has_expiration", c_uint8),
        ("from_cache", c_uint8),
    ]


class ClientConversation(ctypes.Structure):
    _fields_ = [("nonce", c_uint8 * CLIENT_NONCE_LEN)]


class ServerFirst(ctypes.Structure):
    """mongodb_aws_server_first: views into the caller's server-first bytes."""

    _fields_ = [
        ("server_nonce", POINTER(c_uint8)),
        ("host", c_void_p),
        ("host_len", c_size_t),
        ("region", c_void_p),
        ("region_len", c_size_t),
    ]


STRUCTS = {
    "mongodb_aws_credentials": Credentials,
    "mongodb_aws_credentials_info": CredentialsInfo,
    "mongodb_aws_client_conversation": ClientConversation,
    "mongodb_aws_server_first": ServerFirst,
}

_U8P = POINTER(c_uint8)
_SIGNATURES = {
    "mongodb_aws_version": ([], c_char_p),
    "mongodb_aws_version_number": ([], c_uint32),
    "mongodb_aws_status_name": ([c_uint32], c_char_p),
    "mongodb_aws_status_str": ([c_uint32], c_char_p),
    "mongodb_aws_get_credentials": ([POINTER(c_void_p)], c_uint32),
    "mongodb_aws_owned_credentials_info": ([c_void_p, POINTER(CredentialsInfo)], c_uint32),
    "mongodb_aws_owned_credentials_handle": ([c_void_p], c_void_p),
    "mongodb_aws_owned_credentials_free": ([c_void_p], None),
    "mongodb_aws_clear_credential_cache": ([], None),
    "mongodb_aws_last_error_message": ([_U8P, c_size_t, POINTER(c_size_t)], c_uint32),
    "mongodb_aws_source_name": ([c_uint32], c_char_p),
    "mongodb_aws_client_conversation_init": ([POINTER(ClientConversation), _U8P, c_size_t], c_uint32),
    "mongodb_aws_client_conversation_client_first": (
        [POINTER(ClientConversation), _U8P, c_size_t, POINTER(c_size_t)],
        c_uint32,
    ),
    "mongodb_aws_client_conversation_parse_server_first": (
        [POINTER(ClientConversation), _U8P, c_size_t, POINTER(ServerFirst)],
        c_uint32,
    ),
    "mongodb_aws_client_conversation_client_final": (
        [POINTER(ClientConversation), _U8P, c_size_t, POINTER(Credentials), c_uint64, c_void_p,
         _U8P, c_size_t, POINTER(c_size_t)],
        c_uint32,
    ),
    "mongodb_aws_client_conversation_client_final_with_handle": (
        [POINTER(ClientConversation), _U8P, c_size_t, c_void_p, c_uint64, c_void_p,
         _U8P, c_size_t, POINTER(c_size_t)],
        c_uint32,
    ),
    "mongodb_aws_sts_validate_host": ([c_char_p, c_size_t], c_uint32),
}


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads the library (MONGODB_AWS_LIB, else the soname on the loader's path) and declares every
    function used here: without argtypes/restype ctypes would pass ints and truncate pointers."""
    lib = ctypes.CDLL(path or os.environ.get("MONGODB_AWS_LIB") or "libmongodb_aws.so.0.1")
    for name, (args, res) in _SIGNATURES.items():
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res
    return lib


class Error(Exception):
    def __init__(self, lib: ctypes.CDLL, status: int, what: str) -> None:
        self.status = status
        self.name = lib.mongodb_aws_status_name(status).decode()
        super().__init__(f"{what}: {self.name}: {lib.mongodb_aws_status_str(status).decode()}")


def buffer(data: bytes):
    """An owned ctypes copy of `data` (alive as long as the returned object is referenced)."""
    return (c_uint8 * max(len(data), 1)).from_buffer_copy(data or b"\0")


class OwnedCredentials:
    """mongodb_aws_get_credentials' result: freed (and wiped) by close() or the with block. Its
    handle signs without copying; info() copies the views out while the object is alive."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        ptr = c_void_p()
        st = lib.mongodb_aws_get_credentials(byref(ptr))
        if st != OK:
            msg = (c_uint8 * 2048)()
            n = c_size_t()
            lib.mongodb_aws_last_error_message(msg, len(msg), byref(n))  # this thread's last error
            raise Error(lib, st, "get_credentials: " + bytes(msg[: n.value]).decode())
        self._ptr = ptr

    def info(self) -> dict:
        i = CredentialsInfo()
        st = self._lib.mongodb_aws_owned_credentials_info(self._ptr, byref(i))
        if st != OK:
            raise Error(self._lib, st, "owned_credentials_info")
        c = i.credentials
        token = ctypes.string_at(c.session_token, c.session_token_len) if i.has_session_token else None
        return {  # copies: valid after close()
            "access_key_id": ctypes.string_at(c.access_key_id, c.access_key_id_len).decode(),
            "session_token": token.decode() if token else None,
            "source": self._lib.mongodb_aws_source_name(i.source).decode(),
            "has_expiration": i.has_expiration == 1,
            "from_cache": i.from_cache == 1,
        }

    @property
    def handle(self) -> int:
        return self._lib.mongodb_aws_owned_credentials_handle(self._ptr)

    def close(self) -> None:
        if self._ptr:
            self._lib.mongodb_aws_owned_credentials_free(self._ptr)
            self._ptr = c_void_p()

    def __enter__(self) -> "OwnedCredentials":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Conversation:
    """One MONGODB-AWS conversation (the 32-byte struct is caller-owned: here, this object)."""

    def __init__(self, lib: ctypes.CDLL, nonce: bytes) -> None:
        self._lib = lib
        self._conv = ClientConversation()
        st = lib.mongodb_aws_client_conversation_init(byref(self._conv), buffer(nonce), len(nonce))
        if st != OK:
            raise Error(lib, st, "conversation_init")

    def client_first(self) -> bytes:
        out = (c_uint8 * CLIENT_FIRST_LEN)()
        n = c_size_t()
        st = self._lib.mongodb_aws_client_conversation_client_first(byref(self._conv), out, len(out), byref(n))
        if st != OK:
            raise Error(self._lib, st, "client_first")
        return bytes(out[: n.value])

    def server_host(self, server_first: bytes) -> str:
        """Validates server-first; the host view points into `sf`, so it is copied before `sf` goes."""
        sf = buffer(server_first)
        view = ServerFirst()
        st = self._lib.mongodb_aws_client_conversation_parse_server_first(
            byref(self._conv), sf, len(server_first), byref(view))
        if st != OK:
            raise Error(self._lib, st, "parse_server_first")
        return ctypes.string_at(view.host, view.host_len).decode()  # copy out while sf is alive

    def client_final(self, server_first: bytes, now: int, creds: Optional[Credentials] = None,
                     handle: Optional[int] = None, token_len: int = 0) -> bytes:
        """Signs with `creds` or a credentials `handle` (then pass its session token's length). One
        call: CLIENT_FINAL_MAX_LEN + the token's length bytes are always enough."""
        sf = buffer(server_first)
        if creds is not None:
            token_len = creds.session_token_len
        out = (c_uint8 * (CLIENT_FINAL_MAX_LEN + token_len))()
        n = c_size_t()
        if handle is not None:
            st = self._lib.mongodb_aws_client_conversation_client_final_with_handle(
                byref(self._conv), sf, len(server_first), handle, now, None, out, len(out), byref(n))
        else:
            st = self._lib.mongodb_aws_client_conversation_client_final(
                byref(self._conv), sf, len(server_first), byref(creds), now, None, out, len(out), byref(n))
        if st != OK:
            raise Error(self._lib, st, "client_final")
        return bytes(out[: n.value])
