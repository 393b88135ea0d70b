"""Every error the core can raise through this binding: the right exception class, `.code`, `.number`
and the core's message; plus the exception family's own behaviour."""

from __future__ import annotations

import pickle
from typing import Any, Callable

import bson
import pytest

import mongodb_aws
from mongodb_aws import (
    ClientConversation,
    ConversationError,
    Credentials,
    CredentialsError,
    InternalError,
    InvalidArgumentError,
    MongoDBAWSError,
    ResponseError,
    ServerConversationError,
)
from mongodb_aws._mongodb_aws import error_table

from conftest import AKID, SECRET, T

NONCE = bytes(range(32))
CREDS = Credentials(AKID, SECRET)
TABLE = {name: (number, message) for number, name, message in error_table()}


def sf(doc: bytes) -> Callable[[], Any]:
    return lambda: ClientConversation(NONCE).finish(doc, CREDS, T)


def sf_doc(**fields: Any) -> Callable[[], Any]:
    return sf(bson.encode(fields))


GOOD_S = bson.Binary(NONCE + bytes(32), 0)


def raw_doc(*elements: bytes) -> bytes:
    """A BSON document from raw elements (for shapes pymongo's encoder refuses to produce)."""
    body = b"".join(elements) + b"\x00"
    return (len(body) + 4).to_bytes(4, "little") + body


def string_element(name: str, value: str) -> bytes:
    v = value.encode() + b"\x00"
    return b"\x02" + name.encode() + b"\x00" + len(v).to_bytes(4, "little") + v


def binary_element(name: str, value: bytes, subtype: int = 0) -> bytes:
    return b"\x05" + name.encode() + b"\x00" + len(value).to_bytes(4, "little") + bytes([subtype]) + value


def sign(**kw: Any) -> Callable[[], Any]:
    args: dict[str, Any] = dict(
        credentials=CREDS,
        region="us-east-1",
        service="service",
        headers=[("Host", "example.amazonaws.com")],
        now=T,
    )
    method = kw.pop("method", "GET")
    url = kw.pop("url", "/")
    args.update(kw)
    return lambda: mongodb_aws.sign_v4(method, url, **args)


# name -> (expected class, a call that must raise it)
CASES: dict[str, tuple[type[MongoDBAWSError], Callable[[], Any]]] = {
    # ---- 100-199 caller input
    "INVALID_METHOD": (InvalidArgumentError, sign(method="GE T")),
    "INVALID_PATH": (InvalidArgumentError, sign(url="/a\x01b")),
    "INVALID_QUERY": (InvalidArgumentError, sign(url="/?a=%zz")),
    "INVALID_HEADER_NAME": (
        InvalidArgumentError,
        sign(headers=[("Host", "h"), ("Bad Name", "v")]),
    ),
    "INVALID_HEADER_VALUE": (
        InvalidArgumentError,
        sign(headers=[("Host", "h"), ("X-A", "a\x00b")]),
    ),
    "MISSING_HOST_HEADER": (InvalidArgumentError, sign(headers=[("X-A", "v")])),
    "INVALID_REGION": (InvalidArgumentError, sign(region="us east")),
    "INVALID_SERVICE": (InvalidArgumentError, sign(service="")),
    "INVALID_TIME": (InvalidArgumentError, sign(now=-1)),
    "INVALID_AMZ_DATE": (
        InvalidArgumentError,
        sign(headers=[("Host", "h"), ("X-Amz-Date", "20150830T123601Z")]),
    ),
    "INVALID_PAYLOAD_HASH": (InvalidArgumentError, sign(payload_hash="ABC")),
    "INVALID_EXPIRES": (
        InvalidArgumentError,
        lambda: mongodb_aws.presign_v4(
            "GET",
            "https://example.com/",
            credentials=CREDS,
            region="us-east-1",
            service="s3",
            expires=604_801,
            now=T,
        ),
    ),
    "INVALID_PARAMETER": (InvalidArgumentError, lambda: ClientConversation(b"short")),
    # ---- 200-299 credentials
    "MISSING_ACCESS_KEY_ID": (CredentialsError, lambda: Credentials.from_parts(None, SECRET)),
    "MISSING_SECRET_ACCESS_KEY": (CredentialsError, lambda: Credentials(AKID, "")),
    "SESSION_TOKEN_WITHOUT_KEYS": (
        CredentialsError,
        lambda: Credentials.from_parts("", "", "token"),
    ),
    "INVALID_ACCESS_KEY_ID": (CredentialsError, lambda: Credentials("AKID-1", SECRET)),
    "INVALID_SECRET_ACCESS_KEY": (CredentialsError, lambda: Credentials(AKID, "a b")),
    "INVALID_SESSION_TOKEN": (CredentialsError, lambda: Credentials(AKID, SECRET, "a\nb")),
    "NO_CREDENTIALS": (CredentialsError, lambda: Credentials.from_parts()),
    # The chain refuses a provider's answer that expires within 5 minutes.
    "CREDENTIALS_EXPIRED": (
        CredentialsError,
        lambda: mongodb_aws.get_credentials(
            {}, provider=lambda: {"access_key_id": AKID, "secret_access_key": SECRET, "expiration": 1}
        ),
    ),
    # ---- 300-399 SASL conversation, client side
    "BSON_TRUNCATED": (ConversationError, sf(bson.encode({"h": "x"})[:-3])),
    "BSON_MALFORMED": (ConversationError, sf(b"\x05\x00\x00\x00\x01")),
    "BSON_TRAILING_BYTES": (ConversationError, sf(bson.encode({"s": GOOD_S, "h": "x"}) + b"\x00")),
    "UNEXPECTED_FIELD": (ConversationError, sf_doc(s=GOOD_S, h="sts.amazonaws.com", u=1)),
    "DUPLICATE_FIELD": (
        ConversationError,
        sf(
            raw_doc(
                binary_element("s", NONCE + bytes(32)),
                string_element("h", "a"),
                string_element("h", "b"),
            )
        ),
    ),
    "MISSING_FIELD": (ConversationError, sf_doc(s=GOOD_S)),
    "WRONG_FIELD_TYPE": (ConversationError, sf_doc(s=GOOD_S, h=5)),
    "SERVER_NONCE_LENGTH": (ConversationError, sf_doc(s=bson.Binary(NONCE, 0), h="a")),
    "SERVER_NONCE_MISMATCH": (ConversationError, sf_doc(s=bson.Binary(bytes(64), 0), h="a")),
    "SERVER_NONCE_SUBTYPE": (ConversationError, sf_doc(s=bson.Binary(NONCE + bytes(32), 4), h="a")),
    "HOST_EMPTY": (ConversationError, sf_doc(s=GOOD_S, h="")),
    "HOST_TOO_LONG": (ConversationError, sf_doc(s=GOOD_S, h="a" * 256)),
    "HOST_EMPTY_LABEL": (ConversationError, sf_doc(s=GOOD_S, h="sts..com")),
    "HOST_INVALID_CHARACTER": (ConversationError, sf_doc(s=GOOD_S, h="sts amazonaws.com")),
}

# Core errors that cannot surface through this binding, and why.
UNREACHABLE = {
    # The binding sizes every output buffer from the core's exact-length answer.
    "BUFFER_TOO_SMALL": "buffers are sized by the binding",
    # Signing keys are derived and matched inside the binding, per scope.
    "SIGNING_KEY_MISMATCH": "keys are derived per scope inside the binding",
    # The signer sorts headers without storage and has no header limit: the core never raises it.
    "TOO_MANY_HEADERS": "never raised by the core",
    # Needs inputs larger than the address space.
    "LENGTH_OVERFLOW": "needs inputs larger than memory",
}


def raised(
    name: str, cls: type[MongoDBAWSError], call: Callable[[], Any]
) -> tuple[MongoDBAWSError, str]:
    """Runs `call`, which must raise exactly `cls` with `.code` `name` and the table's number;
    returns the exception and the table's message for it."""
    with pytest.raises(MongoDBAWSError) as info:
        call()
    exc = info.value
    assert type(exc) is cls
    assert isinstance(exc, ValueError)
    assert exc.code == name
    number, message = TABLE[name]
    assert exc.number == number
    return exc, message


@pytest.mark.parametrize("name", sorted(CASES))
def test_error(name: str) -> None:
    exc, message = raised(name, *CASES[name])
    assert_message(str(exc), message)


def assert_message(got: str, core: str) -> None:
    """The core's message, followed by the credential chain's details (source, step, ...) for
    errors of the chain."""
    assert got == core or got.startswith(core + " ["), (got, core)


def test_every_core_error_is_covered() -> None:
    """Every error of the blocks behind the client API (caller input 100-119, credentials 200-219,
    client conversation 300-399, internal 900-999) is either raised above or listed as unreachable
    with a reason; so a new core error there needs a test here."""
    blocks = (range(100, 120), range(200, 220), range(300, 400), range(900, 1000))
    client_side = {n for n, (num, _) in TABLE.items() if any(num in b for b in blocks)}
    assert client_side <= set(CASES) | set(UNREACHABLE)
    assert not set(CASES) & set(UNREACHABLE)


def test_family_of_every_number() -> None:
    families = [
        (100, InvalidArgumentError),
        (200, CredentialsError),
        (300, ConversationError),
        (400, ResponseError),
        (500, ServerConversationError),
        (900, InternalError),
    ]
    for number, (name, message) in ((v[0], (k, v[1])) for k, v in TABLE.items()):
        expected = [cls for low, cls in families if low <= number < low + 100]
        assert expected, number
        from mongodb_aws._errors import _from_core

        exc = _from_core(message, name, number)
        assert type(exc) is expected[0]
        assert issubclass(expected[0], MongoDBAWSError)


def test_spec_messages() -> None:
    """The spec's (libmongoc's) wording for incomplete credentials."""
    expected = {
        "MISSING_SECRET_ACCESS_KEY": "ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing",
        "MISSING_ACCESS_KEY_ID": "SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing",
        "SESSION_TOKEN_WITHOUT_KEYS": (
            "AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing"
        ),
    }
    for name, text in expected.items():
        with pytest.raises(CredentialsError, match=f"^{text}$"):
            CASES[name][1]()


def test_no_secret_in_messages_or_repr() -> None:
    secret, token = "SECRETsecretSECRET", "TOKENtokenTOKEN"
    c = Credentials(AKID, secret, token)
    assert secret not in repr(c) and token not in repr(c)
    assert repr(c) == (
        "Credentials(access_key_id='AKIDEXAMPLE', secret_access_key='<redacted>', "
        "session_token='<redacted>')"
    )
    with pytest.raises(ConversationError) as e:
        ClientConversation(NONCE).finish(bson.encode({"s": GOOD_S, "h": secret}) + b"x", c, T)
    assert secret not in str(e.value) and secret not in repr(e.value)


def test_pickle_and_attributes() -> None:
    with pytest.raises(ConversationError) as e:
        CASES["HOST_EMPTY"][1]()
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is ConversationError
    assert (str(again), again.code, again.number) == (str(e.value), "HOST_EMPTY", 310)


def test_type_errors_stay_type_errors() -> None:
    with pytest.raises(TypeError):
        ClientConversation(NONCE).finish(b"", CREDS, "now")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ClientConversation(NONCE).finish(b"", "creds", T)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Credentials(1, SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize("now", [-1, -0.5, float("nan"), float("inf"), 253_402_300_800, 2**70])
def test_invalid_times(now: float) -> None:
    with pytest.raises(InvalidArgumentError) as e:
        ClientConversation(NONCE).finish(bson.encode({"s": GOOD_S, "h": "a"}), CREDS, now)
    assert e.value.code == "INVALID_TIME"


# ---- the explicit STS calls and the provider hook: what the caller passes ------------------------
# (The chain's own errors, from every source, are the scenario suite's: tests/test_scenarios.py.)

ROLE = "arn:aws:iam::123456789012:role/r"


def ar(**kw: Any) -> Callable[[], Any]:
    args: dict[str, Any] = dict(credentials=CREDS, environ={})
    args.update(kw)
    role = args.pop("role", ROLE)
    return lambda: mongodb_aws.assume_role(role, **args)


def failing_provider() -> object:
    raise RuntimeError("vault unreachable")


CALLER_CASES: dict[str, tuple[type[MongoDBAWSError], Callable[[], Any]]] = {
    "INVALID_ROLE_ARN": (InvalidArgumentError, ar(role="role")),
    "INVALID_ROLE_SESSION_NAME": (InvalidArgumentError, ar(role_session_name="x")),
    "INVALID_DURATION_SECONDS": (InvalidArgumentError, ar(duration_seconds=60)),
    "INVALID_EXTERNAL_ID": (InvalidArgumentError, ar(external_id="x")),
    "INVALID_MFA_SERIAL_NUMBER": (InvalidArgumentError, ar(mfa_serial_number="x", mfa_token_code="123456")),
    "INVALID_MFA_TOKEN_CODE": (
        InvalidArgumentError,
        ar(mfa_serial_number="arn:aws:iam::123456789012:mfa/u", mfa_token_code="12345a"),
    ),
    "INVALID_PRINCIPAL_ARN": (
        InvalidArgumentError,
        lambda: mongodb_aws.assume_role_with_saml(ROLE, "bad", "AAAA", environ={}),
    ),
    "INVALID_SAML_ASSERTION": (
        InvalidArgumentError,
        lambda: mongodb_aws.assume_role_with_saml(ROLE, ROLE, "!!", environ={}),
    ),
    "CUSTOM_PROVIDER_FAILED": (
        ResponseError,
        lambda: mongodb_aws.get_credentials({}, provider=failing_provider),
    ),
}


@pytest.mark.parametrize("name", sorted(CALLER_CASES))
def test_caller_error(name: str) -> None:
    exc, message = raised(name, *CALLER_CASES[name])
    assert str(exc).startswith(message)


@pytest.mark.parametrize(
    "kw, code",
    [
        (dict(mfa_serial_number="arn:aws:iam::123456789012:mfa/u"), "INVALID_MFA_TOKEN_CODE"),
        (dict(mfa_token_code="123456"), "INVALID_MFA_SERIAL_NUMBER"),
    ],
)
def test_half_an_mfa_pair(kw: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidArgumentError) as e:
        ar(**kw)()
    assert e.value.code == code
