//! `mongodb_aws_status`: the one status type of the C ABI.
//!
//! 0 is success; 1–99 are C-only conditions (a NULL pointer, a caught panic, text that is not UTF-8);
//! every number from 100 up is the core's `Error::code()` with the core's `Error::name()` after the
//! `MONGODB_AWS_` prefix. The core part of the enum below is generated from `Error::ALL` by
//! `tests/generated.rs` (run `MONGODB_AWS_BLESS=1 cargo test -p mongodb-aws-ffi --test generated`
//! after adding a core error), and that test fails whenever the two differ. Numbers are frozen: a
//! retired status stays as a comment and its number is never reused.

use core::ffi::CStr;
use mongodb_aws_core::Error;

/// Status returned by every fallible function: `MONGODB_AWS_OK` (0) or the reason for the failure.
///
/// The numbers are stable across releases and equal the core library's error codes, so a status can
/// be logged, compared or sent as a number. `mongodb_aws_status_name()` gives the upper-case name
/// without the prefix (`"BUFFER_TOO_SMALL"`), `mongodb_aws_status_str()` a static English message.
///
/// Blocks: 0 success; 1-99 C ABI only; 100-199 caller input; 200-299 credentials; 300-399 SASL
/// conversation, client side; 400-499 credential endpoint and STS responses; 500-599 SASL
/// conversation, server side; 900-999 internal.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum mongodb_aws_status {
    /// Success.
    MONGODB_AWS_OK = 0,

    // ---- 1-99: C ABI only -------------------------------------------------------------------
    /// A required pointer argument is NULL (or a NULL pointer was given with a non-zero length).
    MONGODB_AWS_NULL_ARGUMENT = 1,
    /// Internal error: a Rust panic was caught at the C boundary. Nothing was written. Please report.
    MONGODB_AWS_PANIC = 2,
    /// A text argument is not valid UTF-8.
    MONGODB_AWS_INVALID_UTF8 = 3,
    /// The core reported an error this build of the C library has no status for (cannot happen in a
    /// released build; tests/generated.rs keeps the two lists equal).
    MONGODB_AWS_UNKNOWN_ERROR = 4,

    // BEGIN GENERATED from mongodb_aws_core::Error::ALL by tests/generated.rs; do not edit by hand.

    // ---- 100-199: caller input ------------------------------------------------------------------
    /// output buffer too small: nothing was written; *out_len holds the size needed (pass out = NULL and out_cap = 0 to ask for it first)
    MONGODB_AWS_BUFFER_TOO_SMALL = 100,
    /// invalid HTTP method: expected 1 or more ASCII letters such as GET or POST
    MONGODB_AWS_INVALID_METHOD = 101,
    /// invalid request path: expected an absolute path starting with '/' without control characters
    MONGODB_AWS_INVALID_PATH = 102,
    /// invalid query string: expected name=value pairs joined by '&' with valid percent-escapes
    MONGODB_AWS_INVALID_QUERY = 103,
    /// invalid header name: expected 1 or more HTTP token characters
    MONGODB_AWS_INVALID_HEADER_NAME = 104,
    /// invalid header value: expected printable text without NUL or bare line breaks
    MONGODB_AWS_INVALID_HEADER_VALUE = 105,
    /// too many headers: the C ABI and the request verifier accept at most 64 headers per request
    MONGODB_AWS_TOO_MANY_HEADERS = 106,
    /// missing host header: SigV4 requires a signed host header
    MONGODB_AWS_MISSING_HOST_HEADER = 107,
    /// invalid region: expected 1 to 253 characters of letters, digits, '-', '_' or '.'
    MONGODB_AWS_INVALID_REGION = 108,
    /// invalid service name: expected 1 to 64 characters of letters, digits, '-', '_' or '.'
    MONGODB_AWS_INVALID_SERVICE = 109,
    /// invalid time: expected unix seconds between 1970-01-01 and 9999-12-31
    MONGODB_AWS_INVALID_TIME = 110,
    /// invalid X-Amz-Date: expected YYYYMMDD'T'HHMMSS'Z' with a valid calendar date and time
    MONGODB_AWS_INVALID_AMZ_DATE = 111,
    /// invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD
    MONGODB_AWS_INVALID_PAYLOAD_HASH = 112,
    /// invalid presign expiry: expected 1 to 604800 seconds
    MONGODB_AWS_INVALID_EXPIRES = 113,
    /// invalid parameter: a value passed by the caller does not follow the documented rule
    MONGODB_AWS_INVALID_PARAMETER = 114,
    /// signing key mismatch: the key was derived for another date, region or service than this request
    MONGODB_AWS_SIGNING_KEY_MISMATCH = 115,
    /// invalid endpoint URL: expected http:// or https://, a host, an optional port, and no user info or fragment
    MONGODB_AWS_INVALID_ENDPOINT_URL = 120,
    /// invalid endpoint override: expected scheme://host[:port] without a path
    MONGODB_AWS_ENDPOINT_HAS_PATH = 121,
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https
    MONGODB_AWS_FORBIDDEN_CONTAINER_HOST = 122,
    /// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: expected a path starting with '/' without spaces or control characters
    MONGODB_AWS_INVALID_RELATIVE_URI = 123,
    /// container authorization token: expected non-empty printable text without line breaks
    MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN = 124,
    /// invalid role ARN: expected 20 to 2048 characters starting with 'arn:'
    MONGODB_AWS_INVALID_ROLE_ARN = 125,
    /// invalid role session name: expected 2 to 64 characters of letters, digits and +=,.@_-
    MONGODB_AWS_INVALID_ROLE_SESSION_NAME = 126,
    /// invalid web identity token: expected 4 to 20000 printable characters (the token file's content)
    MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN = 127,
    /// invalid DurationSeconds: expected 900 to 43200
    MONGODB_AWS_INVALID_DURATION_SECONDS = 128,
    /// invalid ExternalId: expected 2 to 1224 characters of letters, digits and +=,.@:/_-
    MONGODB_AWS_INVALID_EXTERNAL_ID = 129,
    /// invalid MFA SerialNumber: expected 9 to 256 characters of letters, digits and +=/:,.@_-
    MONGODB_AWS_INVALID_MFA_SERIAL_NUMBER = 130,
    /// invalid MFA TokenCode: expected exactly 6 digits
    MONGODB_AWS_INVALID_MFA_TOKEN_CODE = 131,
    /// invalid PrincipalArn: expected 20 to 2048 characters starting with 'arn:'
    MONGODB_AWS_INVALID_PRINCIPAL_ARN = 132,
    /// invalid SAMLAssertion: expected 4 to 100000 characters of base64
    MONGODB_AWS_INVALID_SAML_ASSERTION = 133,
    /// invalid IMDSv2 token TTL: expected 1 to 21600 seconds
    MONGODB_AWS_INVALID_IMDS_TOKEN_TTL = 134,
    /// invalid IAM role name: expected 1 to 64 characters of letters, digits and +=,.@_-
    MONGODB_AWS_INVALID_ROLE_NAME = 135,
    /// invalid IMDSv2 token: expected 1 to 1024 printable characters
    MONGODB_AWS_INVALID_IMDS_TOKEN = 136,
    /// invalid environment variable: the value is outside the documented range (see the variable named)
    MONGODB_AWS_INVALID_ENVIRONMENT_VARIABLE = 137,
    /// unexpected credential chain event: answer the action the chain's poll() returned
    MONGODB_AWS_UNEXPECTED_CHAIN_EVENT = 138,

    // ---- 200-299: credentials -------------------------------------------------------------------
    /// SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing
    MONGODB_AWS_MISSING_ACCESS_KEY_ID = 200,
    /// ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing
    MONGODB_AWS_MISSING_SECRET_ACCESS_KEY = 201,
    /// AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing
    MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS = 202,
    /// invalid access key id: expected 1 to 128 ASCII letters or digits
    MONGODB_AWS_INVALID_ACCESS_KEY_ID = 203,
    /// invalid secret access key: expected 1 to 128 printable ASCII characters
    MONGODB_AWS_INVALID_SECRET_ACCESS_KEY = 204,
    /// invalid session token: expected printable ASCII characters without spaces
    MONGODB_AWS_INVALID_SESSION_TOKEN = 205,
    /// no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or run where a credential endpoint is available
    MONGODB_AWS_NO_CREDENTIALS = 206,
    /// credentials expired: fetch new credentials
    MONGODB_AWS_CREDENTIALS_EXPIRED = 207,

    // ---- 300-399: SASL conversation, client side ------------------------------------------------
    /// malformed BSON: document is shorter than its declared length
    MONGODB_AWS_BSON_TRUNCATED = 300,
    /// malformed BSON: invalid length, terminator or element encoding
    MONGODB_AWS_BSON_MALFORMED = 301,
    /// malformed BSON: bytes follow the end of the document
    MONGODB_AWS_BSON_TRAILING_BYTES = 302,
    /// unexpected field in server-first: expected only 's' and 'h'
    MONGODB_AWS_UNEXPECTED_FIELD = 303,
    /// duplicate field in message: each field may appear once
    MONGODB_AWS_DUPLICATE_FIELD = 304,
    /// missing field in server-first: expected 's' (binary) and 'h' (string)
    MONGODB_AWS_MISSING_FIELD = 305,
    /// wrong BSON type: expected 's' binary and 'h' string
    MONGODB_AWS_WRONG_FIELD_TYPE = 306,
    /// invalid server nonce: expected exactly 64 bytes
    MONGODB_AWS_SERVER_NONCE_LENGTH = 307,
    /// invalid server nonce: its first 32 bytes must equal the client nonce
    MONGODB_AWS_SERVER_NONCE_MISMATCH = 308,
    /// invalid server nonce: expected binary subtype 0 (generic)
    MONGODB_AWS_SERVER_NONCE_SUBTYPE = 309,
    /// invalid STS host: expected 1 to 255 bytes, got an empty host
    MONGODB_AWS_HOST_EMPTY = 310,
    /// invalid STS host: expected at most 255 bytes
    MONGODB_AWS_HOST_TOO_LONG = 311,
    /// invalid STS host: expected no empty label (no leading, trailing or doubled '.')
    MONGODB_AWS_HOST_EMPTY_LABEL = 312,
    /// invalid STS host: expected letters, digits, '-', '_', '.' or ':' only
    MONGODB_AWS_HOST_INVALID_CHARACTER = 313,

    // ---- 400-499: credential endpoints and STS responses ----------------------------------------
    /// invalid timestamp: expected ISO-8601 UTC such as 2023-02-07T20:04:27Z, or epoch seconds
    MONGODB_AWS_INVALID_TIMESTAMP = 400,
    /// malformed JSON response: expected one complete, well-formed JSON value
    MONGODB_AWS_JSON_MALFORMED = 401,
    /// JSON response nested too deeply: expected at most 64 levels
    MONGODB_AWS_JSON_TOO_DEEP = 402,
    /// malformed XML response: expected one complete, well-formed element tree without DOCTYPE
    MONGODB_AWS_XML_MALFORMED = 403,
    /// XML response nested too deeply: expected at most 32 levels
    MONGODB_AWS_XML_TOO_DEEP = 404,
    /// credential response incomplete: expected AccessKeyId, SecretAccessKey and Expiration
    MONGODB_AWS_MISSING_RESPONSE_FIELD = 405,
    /// credential response field has the wrong type: expected strings, and a string or number Expiration
    MONGODB_AWS_WRONG_RESPONSE_FIELD_TYPE = 406,
    /// credential response has a duplicate field: expected each field once
    MONGODB_AWS_DUPLICATE_RESPONSE_FIELD = 407,
    /// unexpected response shape: expected the documented root object or element for this request
    MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE = 408,
    /// EC2 instance metadata returned credentials with Code other than 'Success'
    MONGODB_AWS_IMDS_CODE_NOT_SUCCESS = 409,
    /// STS returned an error response (see its Code and Message)
    MONGODB_AWS_STS_ERROR_RESPONSE = 410,
    /// EC2 instance metadata lists no IAM role: attach an instance profile to the instance
    MONGODB_AWS_NO_INSTANCE_ROLE = 411,
    /// credential endpoint answered with an HTTP error status: expected 200
    MONGODB_AWS_ENDPOINT_HTTP_STATUS = 412,
    /// credential endpoint timed out: expected an answer within the timeout
    MONGODB_AWS_ENDPOINT_TIMEOUT = 413,
    /// credential endpoint unreachable: the connection failed
    MONGODB_AWS_ENDPOINT_UNREACHABLE = 414,
    /// EC2 IMDSv2 token request timed out: in a container set the instance's metadata hop limit to 2 or more (HttpPutResponseHopLimit)
    MONGODB_AWS_IMDS_TOKEN_TIMEOUT = 415,
    /// credential endpoint sent a malformed or oversized HTTP response
    MONGODB_AWS_ENDPOINT_BAD_RESPONSE = 416,
    /// credential endpoint response is not UTF-8 text
    MONGODB_AWS_RESPONSE_NOT_TEXT = 417,
    /// cannot read a file the credential chain needs: expected a readable file at the path named
    MONGODB_AWS_FILE_UNREADABLE = 418,
    /// credential response field too long: longer than the credential chain's documented limit
    MONGODB_AWS_RESPONSE_FIELD_TOO_LONG = 419,
    /// the custom credential provider failed: expected it to return an access key id and secret
    MONGODB_AWS_CUSTOM_PROVIDER_FAILED = 420,
    /// malformed AWS config or credentials file: expected UTF-8 text
    MONGODB_AWS_INI_NOT_UTF8 = 440,
    /// malformed AWS config or credentials file: it starts with a byte order mark; save it as UTF-8 without BOM
    MONGODB_AWS_INI_BYTE_ORDER_MARK = 441,
    /// malformed AWS config or credentials file: expected a [section] header before the first key
    MONGODB_AWS_INI_MISSING_SECTION = 442,
    /// malformed AWS config or credentials file: expected [section], key = value, key: value, a # or ; comment, or an indented continuation
    MONGODB_AWS_INI_SYNTAX = 443,
    /// malformed AWS config or credentials file: a [section] appears twice; expected each section once
    MONGODB_AWS_INI_DUPLICATE_SECTION = 444,
    /// malformed AWS config or credentials file: a key appears twice in a section (keys are case-insensitive)
    MONGODB_AWS_INI_DUPLICATE_KEY = 445,
    /// malformed AWS config or credentials file: expected name = value on every line of an indented block under 'key ='
    MONGODB_AWS_INI_NESTED_SYNTAX = 446,
    /// profile not found: the named profile is in neither the credentials file ([NAME]) nor the config file ([profile NAME]); check the name, AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE
    MONGODB_AWS_PROFILE_NOT_FOUND = 450,
    /// partial credentials in a profile: expected both aws_access_key_id and aws_secret_access_key in the same section of the same file
    MONGODB_AWS_PROFILE_PARTIAL_CREDENTIALS = 451,
    /// source_profile cycle: the profiles name each other as source_profile; expected a chain that ends at a profile with static keys or a credential_source
    MONGODB_AWS_PROFILE_SOURCE_CYCLE = 452,
    /// role chain too long: at most 8 role_arn hops through source_profile are followed
    MONGODB_AWS_PROFILE_CHAIN_TOO_LONG = 453,
    /// conflicting role sources: a profile with role_arn must have exactly one of source_profile or credential_source, not both
    MONGODB_AWS_PROFILE_ROLE_SOURCE_CONFLICT = 454,
    /// role without a source: a profile with role_arn needs source_profile or credential_source (or web_identity_token_file)
    MONGODB_AWS_PROFILE_ROLE_WITHOUT_SOURCE = 455,
    /// invalid credential_source: expected Environment, Ec2InstanceMetadata or EcsContainer
    MONGODB_AWS_PROFILE_INVALID_CREDENTIAL_SOURCE = 456,
    /// invalid profile value: the key's value does not follow its rule (see the key named in the detail)
    MONGODB_AWS_PROFILE_INVALID_VALUE = 457,
    /// source profile without credentials: the profile named by source_profile must have aws_access_key_id + aws_secret_access_key, credential_process, web_identity_token_file, SSO settings or a role_arn of its own
    MONGODB_AWS_PROFILE_SOURCE_WITHOUT_CREDENTIALS = 468,
    /// MFA code required: the profile has mfa_serial and no MFA callback is installed; supply one: Python get_credentials(mfa_callback=...) or set_mfa_callback(), Node getCredentials({ mfaCode }) or setMfaCallback(), C mongodb_aws_get_credentials_with() or mongodb_aws_set_mfa_callback(), Rust Resolver::mfa() or set_mfa_provider(); the mongodb-aws CLI asks on the terminal, or reads stdin
    MONGODB_AWS_MFA_CODE_REQUIRED = 458,
    /// MFA code unavailable: the MFA callback returned an error instead of a code
    MONGODB_AWS_MFA_CODE_UNAVAILABLE = 459,
    /// credential_process failed: the program exited with a non-zero status
    MONGODB_AWS_CREDENTIAL_PROCESS_FAILED = 460,
    /// credential_process timed out: the program did not exit within the deadline and was killed
    MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT = 461,
    /// credential_process output invalid: expected JSON {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"? (RFC 3339)} on stdout
    MONGODB_AWS_CREDENTIAL_PROCESS_BAD_OUTPUT = 462,
    /// credential_process cannot be run: the program was not found or is not executable (no shell is used; quote paths with spaces)
    MONGODB_AWS_CREDENTIAL_PROCESS_SPAWN = 463,
    /// SSO token missing: no cached IAM Identity Center token; run aws sso login
    MONGODB_AWS_SSO_TOKEN_MISSING = 464,
    /// SSO token expired: the cached IAM Identity Center token expired and cannot be refreshed; run aws sso login
    MONGODB_AWS_SSO_TOKEN_EXPIRED = 465,
    /// invalid SSO configuration: expected sso_account_id, sso_role_name and either sso_session or sso_start_url + sso_region, with matching values
    MONGODB_AWS_SSO_INVALID_CONFIG = 466,
    /// SSO session not found: sso_session names no [sso-session NAME] section in the config file
    MONGODB_AWS_SSO_SESSION_NOT_FOUND = 467,

    // ---- 500-599: SASL conversation, server side ------------------------------------------------
    /// invalid client-first: expected fields 'r' (binary nonce) and 'p' (int32 channel-binding flag)
    MONGODB_AWS_CLIENT_FIRST_MISSING_FIELD = 500,
    /// invalid client-first: expected only the fields 'r' and 'p'
    MONGODB_AWS_CLIENT_FIRST_UNEXPECTED_FIELD = 501,
    /// invalid client-first: expected 'r' as binary subtype 0 and 'p' as int32
    MONGODB_AWS_CLIENT_FIRST_WRONG_FIELD_TYPE = 502,
    /// invalid client nonce: expected 'r' to be exactly 32 bytes
    MONGODB_AWS_CLIENT_NONCE_LENGTH = 503,
    /// unsupported channel-binding flag: expected p = 110 ('n') or 121 ('y'); channel binding ('p') is not supported
    MONGODB_AWS_GS2_FLAG_UNSUPPORTED = 504,
    /// invalid client-final: expected fields 'a' (Authorization) and 'd' (X-Amz-Date)
    MONGODB_AWS_CLIENT_FINAL_MISSING_FIELD = 510,
    /// invalid client-final: expected only the fields 'a', 'd' and 't'
    MONGODB_AWS_CLIENT_FINAL_UNEXPECTED_FIELD = 511,
    /// invalid client-final: expected 'a', 'd' and 't' as strings
    MONGODB_AWS_CLIENT_FINAL_WRONG_FIELD_TYPE = 512,
    /// invalid Authorization: expected it to start with 'AWS4-HMAC-SHA256 '
    MONGODB_AWS_AUTHORIZATION_ALGORITHM = 513,
    /// invalid Authorization: expected 'Credential=..., SignedHeaders=..., Signature=...' each once
    MONGODB_AWS_AUTHORIZATION_MALFORMED = 514,
    /// invalid Authorization: 'Credential=' is missing
    MONGODB_AWS_MISSING_CREDENTIAL = 515,
    /// invalid Authorization: expected 'Credential=<access key id>/<scope>', found no '/'
    MONGODB_AWS_CREDENTIAL_WITHOUT_SLASH = 516,
    /// invalid credential scope: expected YYYYMMDD/<region>/sts/aws4_request
    MONGODB_AWS_CREDENTIAL_SCOPE_INVALID = 517,
    /// invalid credential scope: its date must be the date part of X-Amz-Date
    MONGODB_AWS_CREDENTIAL_SCOPE_DATE_MISMATCH = 518,
    /// invalid credential scope: its region must be the one derived from the STS host
    MONGODB_AWS_CREDENTIAL_SCOPE_REGION_MISMATCH = 519,
    /// invalid Authorization: 'SignedHeaders=' is missing
    MONGODB_AWS_MISSING_SIGNED_HEADERS = 520,
    /// invalid Authorization: expected a ',' after the SignedHeaders list
    MONGODB_AWS_SIGNED_HEADERS_NOT_TERMINATED = 521,
    /// invalid SignedHeaders: expected an in-order subset of content-length, content-type, host, x-amz-date, x-amz-security-token, x-mongodb-gs2-cb-flag, x-mongodb-optional-data, x-mongodb-server-nonce
    MONGODB_AWS_SIGNED_HEADERS_UNEXPECTED = 522,
    /// invalid SignedHeaders: x-mongodb-server-nonce must be signed
    MONGODB_AWS_SIGNED_HEADERS_MISSING_SERVER_NONCE = 523,
    /// invalid SignedHeaders: x-mongodb-gs2-cb-flag must be signed
    MONGODB_AWS_SIGNED_HEADERS_MISSING_GS2_FLAG = 524,
    /// invalid Authorization: expected 'Signature=' followed by 64 lower-case hex digits
    MONGODB_AWS_SIGNATURE_FORMAT = 525,
    /// session token mismatch: send 't' if and only if x-amz-security-token is signed
    MONGODB_AWS_SESSION_TOKEN_SIGNING = 526,
    /// request time too skewed: X-Amz-Date must be within 15 minutes of the server's clock
    MONGODB_AWS_REQUEST_TIME_SKEWED = 527,
    /// malformed STS reply: expected a GetCallerIdentityResponse or an ErrorResponse, as XML or JSON
    MONGODB_AWS_STS_REPLY_MALFORMED = 540,
    /// malformed STS reply: GetCallerIdentityResult has no Arn
    MONGODB_AWS_STS_REPLY_MISSING_ARN = 541,
    /// STS rejected the request: authentication failed (see the STS error code and message)
    MONGODB_AWS_STS_REJECTED = 542,
    /// invalid ARN: expected arn:<partition>:<service>:<region>:<account>:<resource>
    MONGODB_AWS_INVALID_ARN = 543,
    /// not a GetCallerIdentity request: expected POST / with body Action=GetCallerIdentity&Version=2011-06-15
    MONGODB_AWS_NOT_GET_CALLER_IDENTITY = 560,
    /// missing Authorization header: expected a SigV4 signed request
    MONGODB_AWS_MISSING_AUTHORIZATION = 561,
    /// invalid SignedHeaders: expected sorted, unique, lower-case names including host and x-amz-date
    MONGODB_AWS_SIGNED_HEADERS_INVALID = 562,
    /// invalid request: a header named in SignedHeaders is absent
    MONGODB_AWS_SIGNED_HEADER_ABSENT = 563,
    /// the security token included in the request is invalid: unknown access key id
    MONGODB_AWS_UNKNOWN_ACCESS_KEY_ID = 564,
    /// the security token included in the request is invalid: session token missing, unexpected or wrong
    MONGODB_AWS_SESSION_TOKEN_MISMATCH = 565,
    /// signature does not match: the request was altered or signed with another secret
    MONGODB_AWS_SIGNATURE_MISMATCH = 566,
    /// replayed request: this server nonce was already used
    MONGODB_AWS_NONCE_REPLAYED = 567,
    /// invalid request: Authorization, Host, X-Amz-Date, X-Amz-Security-Token and X-MongoDB-Server-Nonce may appear once each
    MONGODB_AWS_DUPLICATE_HEADER = 568,

    // ---- 900-999: internal ----------------------------------------------------------------------
    /// input too large: a computed length exceeds the address space
    MONGODB_AWS_LENGTH_OVERFLOW = 900,
    // END GENERATED
}

// BEGIN GENERATED from_core
/// The status with core error number `code`, if this build knows it.
#[rustfmt::skip]
const fn from_core_code(code: u32) -> Option<mongodb_aws_status> {
    match code {
        100 => Some(mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL),
        101 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_METHOD),
        102 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PATH),
        103 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_QUERY),
        104 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_HEADER_NAME),
        105 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_HEADER_VALUE),
        106 => Some(mongodb_aws_status::MONGODB_AWS_TOO_MANY_HEADERS),
        107 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_HOST_HEADER),
        108 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_REGION),
        109 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SERVICE),
        110 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_TIME),
        111 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_AMZ_DATE),
        112 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PAYLOAD_HASH),
        113 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_EXPIRES),
        114 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PARAMETER),
        115 => Some(mongodb_aws_status::MONGODB_AWS_SIGNING_KEY_MISMATCH),
        120 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ENDPOINT_URL),
        121 => Some(mongodb_aws_status::MONGODB_AWS_ENDPOINT_HAS_PATH),
        122 => Some(mongodb_aws_status::MONGODB_AWS_FORBIDDEN_CONTAINER_HOST),
        123 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_RELATIVE_URI),
        124 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN),
        125 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ROLE_ARN),
        126 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ROLE_SESSION_NAME),
        127 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN),
        128 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_DURATION_SECONDS),
        129 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_EXTERNAL_ID),
        130 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_MFA_SERIAL_NUMBER),
        131 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_MFA_TOKEN_CODE),
        132 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PRINCIPAL_ARN),
        133 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SAML_ASSERTION),
        134 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_IMDS_TOKEN_TTL),
        135 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ROLE_NAME),
        136 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_IMDS_TOKEN),
        137 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ENVIRONMENT_VARIABLE),
        138 => Some(mongodb_aws_status::MONGODB_AWS_UNEXPECTED_CHAIN_EVENT),
        200 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_ACCESS_KEY_ID),
        201 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_SECRET_ACCESS_KEY),
        202 => Some(mongodb_aws_status::MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS),
        203 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ACCESS_KEY_ID),
        204 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SECRET_ACCESS_KEY),
        205 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SESSION_TOKEN),
        206 => Some(mongodb_aws_status::MONGODB_AWS_NO_CREDENTIALS),
        207 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIALS_EXPIRED),
        300 => Some(mongodb_aws_status::MONGODB_AWS_BSON_TRUNCATED),
        301 => Some(mongodb_aws_status::MONGODB_AWS_BSON_MALFORMED),
        302 => Some(mongodb_aws_status::MONGODB_AWS_BSON_TRAILING_BYTES),
        303 => Some(mongodb_aws_status::MONGODB_AWS_UNEXPECTED_FIELD),
        304 => Some(mongodb_aws_status::MONGODB_AWS_DUPLICATE_FIELD),
        305 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_FIELD),
        306 => Some(mongodb_aws_status::MONGODB_AWS_WRONG_FIELD_TYPE),
        307 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_LENGTH),
        308 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_MISMATCH),
        309 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_SUBTYPE),
        310 => Some(mongodb_aws_status::MONGODB_AWS_HOST_EMPTY),
        311 => Some(mongodb_aws_status::MONGODB_AWS_HOST_TOO_LONG),
        312 => Some(mongodb_aws_status::MONGODB_AWS_HOST_EMPTY_LABEL),
        313 => Some(mongodb_aws_status::MONGODB_AWS_HOST_INVALID_CHARACTER),
        400 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_TIMESTAMP),
        401 => Some(mongodb_aws_status::MONGODB_AWS_JSON_MALFORMED),
        402 => Some(mongodb_aws_status::MONGODB_AWS_JSON_TOO_DEEP),
        403 => Some(mongodb_aws_status::MONGODB_AWS_XML_MALFORMED),
        404 => Some(mongodb_aws_status::MONGODB_AWS_XML_TOO_DEEP),
        405 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_RESPONSE_FIELD),
        406 => Some(mongodb_aws_status::MONGODB_AWS_WRONG_RESPONSE_FIELD_TYPE),
        407 => Some(mongodb_aws_status::MONGODB_AWS_DUPLICATE_RESPONSE_FIELD),
        408 => Some(mongodb_aws_status::MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE),
        409 => Some(mongodb_aws_status::MONGODB_AWS_IMDS_CODE_NOT_SUCCESS),
        410 => Some(mongodb_aws_status::MONGODB_AWS_STS_ERROR_RESPONSE),
        411 => Some(mongodb_aws_status::MONGODB_AWS_NO_INSTANCE_ROLE),
        412 => Some(mongodb_aws_status::MONGODB_AWS_ENDPOINT_HTTP_STATUS),
        413 => Some(mongodb_aws_status::MONGODB_AWS_ENDPOINT_TIMEOUT),
        414 => Some(mongodb_aws_status::MONGODB_AWS_ENDPOINT_UNREACHABLE),
        415 => Some(mongodb_aws_status::MONGODB_AWS_IMDS_TOKEN_TIMEOUT),
        416 => Some(mongodb_aws_status::MONGODB_AWS_ENDPOINT_BAD_RESPONSE),
        417 => Some(mongodb_aws_status::MONGODB_AWS_RESPONSE_NOT_TEXT),
        418 => Some(mongodb_aws_status::MONGODB_AWS_FILE_UNREADABLE),
        419 => Some(mongodb_aws_status::MONGODB_AWS_RESPONSE_FIELD_TOO_LONG),
        420 => Some(mongodb_aws_status::MONGODB_AWS_CUSTOM_PROVIDER_FAILED),
        440 => Some(mongodb_aws_status::MONGODB_AWS_INI_NOT_UTF8),
        441 => Some(mongodb_aws_status::MONGODB_AWS_INI_BYTE_ORDER_MARK),
        442 => Some(mongodb_aws_status::MONGODB_AWS_INI_MISSING_SECTION),
        443 => Some(mongodb_aws_status::MONGODB_AWS_INI_SYNTAX),
        444 => Some(mongodb_aws_status::MONGODB_AWS_INI_DUPLICATE_SECTION),
        445 => Some(mongodb_aws_status::MONGODB_AWS_INI_DUPLICATE_KEY),
        446 => Some(mongodb_aws_status::MONGODB_AWS_INI_NESTED_SYNTAX),
        450 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_NOT_FOUND),
        451 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_PARTIAL_CREDENTIALS),
        452 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_SOURCE_CYCLE),
        453 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_CHAIN_TOO_LONG),
        454 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_ROLE_SOURCE_CONFLICT),
        455 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_ROLE_WITHOUT_SOURCE),
        456 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_INVALID_CREDENTIAL_SOURCE),
        457 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_INVALID_VALUE),
        468 => Some(mongodb_aws_status::MONGODB_AWS_PROFILE_SOURCE_WITHOUT_CREDENTIALS),
        458 => Some(mongodb_aws_status::MONGODB_AWS_MFA_CODE_REQUIRED),
        459 => Some(mongodb_aws_status::MONGODB_AWS_MFA_CODE_UNAVAILABLE),
        460 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_PROCESS_FAILED),
        461 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT),
        462 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_PROCESS_BAD_OUTPUT),
        463 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_PROCESS_SPAWN),
        464 => Some(mongodb_aws_status::MONGODB_AWS_SSO_TOKEN_MISSING),
        465 => Some(mongodb_aws_status::MONGODB_AWS_SSO_TOKEN_EXPIRED),
        466 => Some(mongodb_aws_status::MONGODB_AWS_SSO_INVALID_CONFIG),
        467 => Some(mongodb_aws_status::MONGODB_AWS_SSO_SESSION_NOT_FOUND),
        500 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FIRST_MISSING_FIELD),
        501 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FIRST_UNEXPECTED_FIELD),
        502 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FIRST_WRONG_FIELD_TYPE),
        503 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_NONCE_LENGTH),
        504 => Some(mongodb_aws_status::MONGODB_AWS_GS2_FLAG_UNSUPPORTED),
        510 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FINAL_MISSING_FIELD),
        511 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FINAL_UNEXPECTED_FIELD),
        512 => Some(mongodb_aws_status::MONGODB_AWS_CLIENT_FINAL_WRONG_FIELD_TYPE),
        513 => Some(mongodb_aws_status::MONGODB_AWS_AUTHORIZATION_ALGORITHM),
        514 => Some(mongodb_aws_status::MONGODB_AWS_AUTHORIZATION_MALFORMED),
        515 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_CREDENTIAL),
        516 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_WITHOUT_SLASH),
        517 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_SCOPE_INVALID),
        518 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_SCOPE_DATE_MISMATCH),
        519 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIAL_SCOPE_REGION_MISMATCH),
        520 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_SIGNED_HEADERS),
        521 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADERS_NOT_TERMINATED),
        522 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADERS_UNEXPECTED),
        523 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADERS_MISSING_SERVER_NONCE),
        524 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADERS_MISSING_GS2_FLAG),
        525 => Some(mongodb_aws_status::MONGODB_AWS_SIGNATURE_FORMAT),
        526 => Some(mongodb_aws_status::MONGODB_AWS_SESSION_TOKEN_SIGNING),
        527 => Some(mongodb_aws_status::MONGODB_AWS_REQUEST_TIME_SKEWED),
        540 => Some(mongodb_aws_status::MONGODB_AWS_STS_REPLY_MALFORMED),
        541 => Some(mongodb_aws_status::MONGODB_AWS_STS_REPLY_MISSING_ARN),
        542 => Some(mongodb_aws_status::MONGODB_AWS_STS_REJECTED),
        543 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ARN),
        560 => Some(mongodb_aws_status::MONGODB_AWS_NOT_GET_CALLER_IDENTITY),
        561 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_AUTHORIZATION),
        562 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADERS_INVALID),
        563 => Some(mongodb_aws_status::MONGODB_AWS_SIGNED_HEADER_ABSENT),
        564 => Some(mongodb_aws_status::MONGODB_AWS_UNKNOWN_ACCESS_KEY_ID),
        565 => Some(mongodb_aws_status::MONGODB_AWS_SESSION_TOKEN_MISMATCH),
        566 => Some(mongodb_aws_status::MONGODB_AWS_SIGNATURE_MISMATCH),
        567 => Some(mongodb_aws_status::MONGODB_AWS_NONCE_REPLAYED),
        568 => Some(mongodb_aws_status::MONGODB_AWS_DUPLICATE_HEADER),
        900 => Some(mongodb_aws_status::MONGODB_AWS_LENGTH_OVERFLOW),
        _ => None,
    }
}

/// NUL-terminated name and message of core error number `code`.
#[rustfmt::skip]
const fn core_strings(code: u32) -> Option<(&'static CStr, &'static CStr)> {
    match code {
        100 => Some((c"BUFFER_TOO_SMALL", c"output buffer too small: nothing was written; *out_len holds the size needed (pass out = NULL and out_cap = 0 to ask for it first)")),
        101 => Some((c"INVALID_METHOD", c"invalid HTTP method: expected 1 or more ASCII letters such as GET or POST")),
        102 => Some((c"INVALID_PATH", c"invalid request path: expected an absolute path starting with '/' without control characters")),
        103 => Some((c"INVALID_QUERY", c"invalid query string: expected name=value pairs joined by '&' with valid percent-escapes")),
        104 => Some((c"INVALID_HEADER_NAME", c"invalid header name: expected 1 or more HTTP token characters")),
        105 => Some((c"INVALID_HEADER_VALUE", c"invalid header value: expected printable text without NUL or bare line breaks")),
        106 => Some((c"TOO_MANY_HEADERS", c"too many headers: the C ABI and the request verifier accept at most 64 headers per request")),
        107 => Some((c"MISSING_HOST_HEADER", c"missing host header: SigV4 requires a signed host header")),
        108 => Some((c"INVALID_REGION", c"invalid region: expected 1 to 253 characters of letters, digits, '-', '_' or '.'")),
        109 => Some((c"INVALID_SERVICE", c"invalid service name: expected 1 to 64 characters of letters, digits, '-', '_' or '.'")),
        110 => Some((c"INVALID_TIME", c"invalid time: expected unix seconds between 1970-01-01 and 9999-12-31")),
        111 => Some((c"INVALID_AMZ_DATE", c"invalid X-Amz-Date: expected YYYYMMDD'T'HHMMSS'Z' with a valid calendar date and time")),
        112 => Some((c"INVALID_PAYLOAD_HASH", c"invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD")),
        113 => Some((c"INVALID_EXPIRES", c"invalid presign expiry: expected 1 to 604800 seconds")),
        114 => Some((c"INVALID_PARAMETER", c"invalid parameter: a value passed by the caller does not follow the documented rule")),
        115 => Some((c"SIGNING_KEY_MISMATCH", c"signing key mismatch: the key was derived for another date, region or service than this request")),
        120 => Some((c"INVALID_ENDPOINT_URL", c"invalid endpoint URL: expected http:// or https://, a host, an optional port, and no user info or fragment")),
        121 => Some((c"ENDPOINT_HAS_PATH", c"invalid endpoint override: expected scheme://host[:port] without a path")),
        122 => Some((c"FORBIDDEN_CONTAINER_HOST", c"AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https")),
        123 => Some((c"INVALID_RELATIVE_URI", c"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: expected a path starting with '/' without spaces or control characters")),
        124 => Some((c"INVALID_AUTHORIZATION_TOKEN", c"container authorization token: expected non-empty printable text without line breaks")),
        125 => Some((c"INVALID_ROLE_ARN", c"invalid role ARN: expected 20 to 2048 characters starting with 'arn:'")),
        126 => Some((c"INVALID_ROLE_SESSION_NAME", c"invalid role session name: expected 2 to 64 characters of letters, digits and +=,.@_-")),
        127 => Some((c"INVALID_WEB_IDENTITY_TOKEN", c"invalid web identity token: expected 4 to 20000 printable characters (the token file's content)")),
        128 => Some((c"INVALID_DURATION_SECONDS", c"invalid DurationSeconds: expected 900 to 43200")),
        129 => Some((c"INVALID_EXTERNAL_ID", c"invalid ExternalId: expected 2 to 1224 characters of letters, digits and +=,.@:/_-")),
        130 => Some((c"INVALID_MFA_SERIAL_NUMBER", c"invalid MFA SerialNumber: expected 9 to 256 characters of letters, digits and +=/:,.@_-")),
        131 => Some((c"INVALID_MFA_TOKEN_CODE", c"invalid MFA TokenCode: expected exactly 6 digits")),
        132 => Some((c"INVALID_PRINCIPAL_ARN", c"invalid PrincipalArn: expected 20 to 2048 characters starting with 'arn:'")),
        133 => Some((c"INVALID_SAML_ASSERTION", c"invalid SAMLAssertion: expected 4 to 100000 characters of base64")),
        134 => Some((c"INVALID_IMDS_TOKEN_TTL", c"invalid IMDSv2 token TTL: expected 1 to 21600 seconds")),
        135 => Some((c"INVALID_ROLE_NAME", c"invalid IAM role name: expected 1 to 64 characters of letters, digits and +=,.@_-")),
        136 => Some((c"INVALID_IMDS_TOKEN", c"invalid IMDSv2 token: expected 1 to 1024 printable characters")),
        137 => Some((c"INVALID_ENVIRONMENT_VARIABLE", c"invalid environment variable: the value is outside the documented range (see the variable named)")),
        138 => Some((c"UNEXPECTED_CHAIN_EVENT", c"unexpected credential chain event: answer the action the chain's poll() returned")),
        200 => Some((c"MISSING_ACCESS_KEY_ID", c"SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing")),
        201 => Some((c"MISSING_SECRET_ACCESS_KEY", c"ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing")),
        202 => Some((c"SESSION_TOKEN_WITHOUT_KEYS", c"AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing")),
        203 => Some((c"INVALID_ACCESS_KEY_ID", c"invalid access key id: expected 1 to 128 ASCII letters or digits")),
        204 => Some((c"INVALID_SECRET_ACCESS_KEY", c"invalid secret access key: expected 1 to 128 printable ASCII characters")),
        205 => Some((c"INVALID_SESSION_TOKEN", c"invalid session token: expected printable ASCII characters without spaces")),
        206 => Some((c"NO_CREDENTIALS", c"no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or run where a credential endpoint is available")),
        207 => Some((c"CREDENTIALS_EXPIRED", c"credentials expired: fetch new credentials")),
        300 => Some((c"BSON_TRUNCATED", c"malformed BSON: document is shorter than its declared length")),
        301 => Some((c"BSON_MALFORMED", c"malformed BSON: invalid length, terminator or element encoding")),
        302 => Some((c"BSON_TRAILING_BYTES", c"malformed BSON: bytes follow the end of the document")),
        303 => Some((c"UNEXPECTED_FIELD", c"unexpected field in server-first: expected only 's' and 'h'")),
        304 => Some((c"DUPLICATE_FIELD", c"duplicate field in message: each field may appear once")),
        305 => Some((c"MISSING_FIELD", c"missing field in server-first: expected 's' (binary) and 'h' (string)")),
        306 => Some((c"WRONG_FIELD_TYPE", c"wrong BSON type: expected 's' binary and 'h' string")),
        307 => Some((c"SERVER_NONCE_LENGTH", c"invalid server nonce: expected exactly 64 bytes")),
        308 => Some((c"SERVER_NONCE_MISMATCH", c"invalid server nonce: its first 32 bytes must equal the client nonce")),
        309 => Some((c"SERVER_NONCE_SUBTYPE", c"invalid server nonce: expected binary subtype 0 (generic)")),
        310 => Some((c"HOST_EMPTY", c"invalid STS host: expected 1 to 255 bytes, got an empty host")),
        311 => Some((c"HOST_TOO_LONG", c"invalid STS host: expected at most 255 bytes")),
        312 => Some((c"HOST_EMPTY_LABEL", c"invalid STS host: expected no empty label (no leading, trailing or doubled '.')")),
        313 => Some((c"HOST_INVALID_CHARACTER", c"invalid STS host: expected letters, digits, '-', '_', '.' or ':' only")),
        400 => Some((c"INVALID_TIMESTAMP", c"invalid timestamp: expected ISO-8601 UTC such as 2023-02-07T20:04:27Z, or epoch seconds")),
        401 => Some((c"JSON_MALFORMED", c"malformed JSON response: expected one complete, well-formed JSON value")),
        402 => Some((c"JSON_TOO_DEEP", c"JSON response nested too deeply: expected at most 64 levels")),
        403 => Some((c"XML_MALFORMED", c"malformed XML response: expected one complete, well-formed element tree without DOCTYPE")),
        404 => Some((c"XML_TOO_DEEP", c"XML response nested too deeply: expected at most 32 levels")),
        405 => Some((c"MISSING_RESPONSE_FIELD", c"credential response incomplete: expected AccessKeyId, SecretAccessKey and Expiration")),
        406 => Some((c"WRONG_RESPONSE_FIELD_TYPE", c"credential response field has the wrong type: expected strings, and a string or number Expiration")),
        407 => Some((c"DUPLICATE_RESPONSE_FIELD", c"credential response has a duplicate field: expected each field once")),
        408 => Some((c"UNEXPECTED_RESPONSE_SHAPE", c"unexpected response shape: expected the documented root object or element for this request")),
        409 => Some((c"IMDS_CODE_NOT_SUCCESS", c"EC2 instance metadata returned credentials with Code other than 'Success'")),
        410 => Some((c"STS_ERROR_RESPONSE", c"STS returned an error response (see its Code and Message)")),
        411 => Some((c"NO_INSTANCE_ROLE", c"EC2 instance metadata lists no IAM role: attach an instance profile to the instance")),
        412 => Some((c"ENDPOINT_HTTP_STATUS", c"credential endpoint answered with an HTTP error status: expected 200")),
        413 => Some((c"ENDPOINT_TIMEOUT", c"credential endpoint timed out: expected an answer within the timeout")),
        414 => Some((c"ENDPOINT_UNREACHABLE", c"credential endpoint unreachable: the connection failed")),
        415 => Some((c"IMDS_TOKEN_TIMEOUT", c"EC2 IMDSv2 token request timed out: in a container set the instance's metadata hop limit to 2 or more (HttpPutResponseHopLimit)")),
        416 => Some((c"ENDPOINT_BAD_RESPONSE", c"credential endpoint sent a malformed or oversized HTTP response")),
        417 => Some((c"RESPONSE_NOT_TEXT", c"credential endpoint response is not UTF-8 text")),
        418 => Some((c"FILE_UNREADABLE", c"cannot read a file the credential chain needs: expected a readable file at the path named")),
        419 => Some((c"RESPONSE_FIELD_TOO_LONG", c"credential response field too long: longer than the credential chain's documented limit")),
        420 => Some((c"CUSTOM_PROVIDER_FAILED", c"the custom credential provider failed: expected it to return an access key id and secret")),
        440 => Some((c"INI_NOT_UTF8", c"malformed AWS config or credentials file: expected UTF-8 text")),
        441 => Some((c"INI_BYTE_ORDER_MARK", c"malformed AWS config or credentials file: it starts with a byte order mark; save it as UTF-8 without BOM")),
        442 => Some((c"INI_MISSING_SECTION", c"malformed AWS config or credentials file: expected a [section] header before the first key")),
        443 => Some((c"INI_SYNTAX", c"malformed AWS config or credentials file: expected [section], key = value, key: value, a # or ; comment, or an indented continuation")),
        444 => Some((c"INI_DUPLICATE_SECTION", c"malformed AWS config or credentials file: a [section] appears twice; expected each section once")),
        445 => Some((c"INI_DUPLICATE_KEY", c"malformed AWS config or credentials file: a key appears twice in a section (keys are case-insensitive)")),
        446 => Some((c"INI_NESTED_SYNTAX", c"malformed AWS config or credentials file: expected name = value on every line of an indented block under 'key ='")),
        450 => Some((c"PROFILE_NOT_FOUND", c"profile not found: the named profile is in neither the credentials file ([NAME]) nor the config file ([profile NAME]); check the name, AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")),
        451 => Some((c"PROFILE_PARTIAL_CREDENTIALS", c"partial credentials in a profile: expected both aws_access_key_id and aws_secret_access_key in the same section of the same file")),
        452 => Some((c"PROFILE_SOURCE_CYCLE", c"source_profile cycle: the profiles name each other as source_profile; expected a chain that ends at a profile with static keys or a credential_source")),
        453 => Some((c"PROFILE_CHAIN_TOO_LONG", c"role chain too long: at most 8 role_arn hops through source_profile are followed")),
        454 => Some((c"PROFILE_ROLE_SOURCE_CONFLICT", c"conflicting role sources: a profile with role_arn must have exactly one of source_profile or credential_source, not both")),
        455 => Some((c"PROFILE_ROLE_WITHOUT_SOURCE", c"role without a source: a profile with role_arn needs source_profile or credential_source (or web_identity_token_file)")),
        456 => Some((c"PROFILE_INVALID_CREDENTIAL_SOURCE", c"invalid credential_source: expected Environment, Ec2InstanceMetadata or EcsContainer")),
        457 => Some((c"PROFILE_INVALID_VALUE", c"invalid profile value: the key's value does not follow its rule (see the key named in the detail)")),
        468 => Some((c"PROFILE_SOURCE_WITHOUT_CREDENTIALS", c"source profile without credentials: the profile named by source_profile must have aws_access_key_id + aws_secret_access_key, credential_process, web_identity_token_file, SSO settings or a role_arn of its own")),
        458 => Some((c"MFA_CODE_REQUIRED", c"MFA code required: the profile has mfa_serial and no MFA callback is installed; supply one: Python get_credentials(mfa_callback=...) or set_mfa_callback(), Node getCredentials({ mfaCode }) or setMfaCallback(), C mongodb_aws_get_credentials_with() or mongodb_aws_set_mfa_callback(), Rust Resolver::mfa() or set_mfa_provider(); the mongodb-aws CLI asks on the terminal, or reads stdin")),
        459 => Some((c"MFA_CODE_UNAVAILABLE", c"MFA code unavailable: the MFA callback returned an error instead of a code")),
        460 => Some((c"CREDENTIAL_PROCESS_FAILED", c"credential_process failed: the program exited with a non-zero status")),
        461 => Some((c"CREDENTIAL_PROCESS_TIMEOUT", c"credential_process timed out: the program did not exit within the deadline and was killed")),
        462 => Some((c"CREDENTIAL_PROCESS_BAD_OUTPUT", c"credential_process output invalid: expected JSON {\"Version\": 1, \"AccessKeyId\", \"SecretAccessKey\", \"SessionToken\"?, \"Expiration\"? (RFC 3339)} on stdout")),
        463 => Some((c"CREDENTIAL_PROCESS_SPAWN", c"credential_process cannot be run: the program was not found or is not executable (no shell is used; quote paths with spaces)")),
        464 => Some((c"SSO_TOKEN_MISSING", c"SSO token missing: no cached IAM Identity Center token; run aws sso login")),
        465 => Some((c"SSO_TOKEN_EXPIRED", c"SSO token expired: the cached IAM Identity Center token expired and cannot be refreshed; run aws sso login")),
        466 => Some((c"SSO_INVALID_CONFIG", c"invalid SSO configuration: expected sso_account_id, sso_role_name and either sso_session or sso_start_url + sso_region, with matching values")),
        467 => Some((c"SSO_SESSION_NOT_FOUND", c"SSO session not found: sso_session names no [sso-session NAME] section in the config file")),
        500 => Some((c"CLIENT_FIRST_MISSING_FIELD", c"invalid client-first: expected fields 'r' (binary nonce) and 'p' (int32 channel-binding flag)")),
        501 => Some((c"CLIENT_FIRST_UNEXPECTED_FIELD", c"invalid client-first: expected only the fields 'r' and 'p'")),
        502 => Some((c"CLIENT_FIRST_WRONG_FIELD_TYPE", c"invalid client-first: expected 'r' as binary subtype 0 and 'p' as int32")),
        503 => Some((c"CLIENT_NONCE_LENGTH", c"invalid client nonce: expected 'r' to be exactly 32 bytes")),
        504 => Some((c"GS2_FLAG_UNSUPPORTED", c"unsupported channel-binding flag: expected p = 110 ('n') or 121 ('y'); channel binding ('p') is not supported")),
        510 => Some((c"CLIENT_FINAL_MISSING_FIELD", c"invalid client-final: expected fields 'a' (Authorization) and 'd' (X-Amz-Date)")),
        511 => Some((c"CLIENT_FINAL_UNEXPECTED_FIELD", c"invalid client-final: expected only the fields 'a', 'd' and 't'")),
        512 => Some((c"CLIENT_FINAL_WRONG_FIELD_TYPE", c"invalid client-final: expected 'a', 'd' and 't' as strings")),
        513 => Some((c"AUTHORIZATION_ALGORITHM", c"invalid Authorization: expected it to start with 'AWS4-HMAC-SHA256 '")),
        514 => Some((c"AUTHORIZATION_MALFORMED", c"invalid Authorization: expected 'Credential=..., SignedHeaders=..., Signature=...' each once")),
        515 => Some((c"MISSING_CREDENTIAL", c"invalid Authorization: 'Credential=' is missing")),
        516 => Some((c"CREDENTIAL_WITHOUT_SLASH", c"invalid Authorization: expected 'Credential=<access key id>/<scope>', found no '/'")),
        517 => Some((c"CREDENTIAL_SCOPE_INVALID", c"invalid credential scope: expected YYYYMMDD/<region>/sts/aws4_request")),
        518 => Some((c"CREDENTIAL_SCOPE_DATE_MISMATCH", c"invalid credential scope: its date must be the date part of X-Amz-Date")),
        519 => Some((c"CREDENTIAL_SCOPE_REGION_MISMATCH", c"invalid credential scope: its region must be the one derived from the STS host")),
        520 => Some((c"MISSING_SIGNED_HEADERS", c"invalid Authorization: 'SignedHeaders=' is missing")),
        521 => Some((c"SIGNED_HEADERS_NOT_TERMINATED", c"invalid Authorization: expected a ',' after the SignedHeaders list")),
        522 => Some((c"SIGNED_HEADERS_UNEXPECTED", c"invalid SignedHeaders: expected an in-order subset of content-length, content-type, host, x-amz-date, x-amz-security-token, x-mongodb-gs2-cb-flag, x-mongodb-optional-data, x-mongodb-server-nonce")),
        523 => Some((c"SIGNED_HEADERS_MISSING_SERVER_NONCE", c"invalid SignedHeaders: x-mongodb-server-nonce must be signed")),
        524 => Some((c"SIGNED_HEADERS_MISSING_GS2_FLAG", c"invalid SignedHeaders: x-mongodb-gs2-cb-flag must be signed")),
        525 => Some((c"SIGNATURE_FORMAT", c"invalid Authorization: expected 'Signature=' followed by 64 lower-case hex digits")),
        526 => Some((c"SESSION_TOKEN_SIGNING", c"session token mismatch: send 't' if and only if x-amz-security-token is signed")),
        527 => Some((c"REQUEST_TIME_SKEWED", c"request time too skewed: X-Amz-Date must be within 15 minutes of the server's clock")),
        540 => Some((c"STS_REPLY_MALFORMED", c"malformed STS reply: expected a GetCallerIdentityResponse or an ErrorResponse, as XML or JSON")),
        541 => Some((c"STS_REPLY_MISSING_ARN", c"malformed STS reply: GetCallerIdentityResult has no Arn")),
        542 => Some((c"STS_REJECTED", c"STS rejected the request: authentication failed (see the STS error code and message)")),
        543 => Some((c"INVALID_ARN", c"invalid ARN: expected arn:<partition>:<service>:<region>:<account>:<resource>")),
        560 => Some((c"NOT_GET_CALLER_IDENTITY", c"not a GetCallerIdentity request: expected POST / with body Action=GetCallerIdentity&Version=2011-06-15")),
        561 => Some((c"MISSING_AUTHORIZATION", c"missing Authorization header: expected a SigV4 signed request")),
        562 => Some((c"SIGNED_HEADERS_INVALID", c"invalid SignedHeaders: expected sorted, unique, lower-case names including host and x-amz-date")),
        563 => Some((c"SIGNED_HEADER_ABSENT", c"invalid request: a header named in SignedHeaders is absent")),
        564 => Some((c"UNKNOWN_ACCESS_KEY_ID", c"the security token included in the request is invalid: unknown access key id")),
        565 => Some((c"SESSION_TOKEN_MISMATCH", c"the security token included in the request is invalid: session token missing, unexpected or wrong")),
        566 => Some((c"SIGNATURE_MISMATCH", c"signature does not match: the request was altered or signed with another secret")),
        567 => Some((c"NONCE_REPLAYED", c"replayed request: this server nonce was already used")),
        568 => Some((c"DUPLICATE_HEADER", c"invalid request: Authorization, Host, X-Amz-Date, X-Amz-Security-Token and X-MongoDB-Server-Nonce may appear once each")),
        900 => Some((c"LENGTH_OVERFLOW", c"input too large: a computed length exceeds the address space")),
        _ => None,
    }
}
// END GENERATED from_core

/// The C-only statuses: number, name, message.
pub(crate) const C_ONLY: &[(u32, &CStr, &CStr)] = &[
    (0, c"OK", c"success"),
    (
        1,
        c"NULL_ARGUMENT",
        c"NULL argument: a required pointer is NULL, or a NULL pointer was given with a non-zero length",
    ),
    (
        2,
        c"PANIC",
        c"internal error: a panic was caught at the C boundary and nothing was written; please report it",
    ),
    (
        3,
        c"INVALID_UTF8",
        c"invalid text: a text argument is not valid UTF-8",
    ),
    (
        4,
        c"UNKNOWN_ERROR",
        c"unknown error: the core reported an error this build of the C library has no status for",
    ),
];

/// NUL-terminated upper-case name of any status number (`None` if unknown).
pub(crate) fn name_cstr(code: u32) -> Option<&'static CStr> {
    match C_ONLY.iter().find(|(c, _, _)| *c == code) {
        Some((_, name, _)) => Some(name),
        None => core_strings(code).map(|(name, _)| name),
    }
}

/// NUL-terminated static message of any status number (`None` if unknown).
pub(crate) fn message_cstr(code: u32) -> Option<&'static CStr> {
    match C_ONLY.iter().find(|(c, _, _)| *c == code) {
        Some((_, _, msg)) => Some(msg),
        None => core_strings(code).map(|(_, msg)| msg),
    }
}

impl mongodb_aws_status {
    /// The number as C sees it.
    pub const fn code(self) -> u32 {
        self as u32
    }
}

impl From<Error> for mongodb_aws_status {
    fn from(e: Error) -> Self {
        from_core_code(e.code()).unwrap_or(mongodb_aws_status::MONGODB_AWS_UNKNOWN_ERROR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_convert_to_the_status_of_the_same_number_and_name() {
        for e in Error::ALL {
            let s = mongodb_aws_status::from(*e);
            assert_eq!(s.code(), e.code(), "{e:?}");
            assert_eq!(format!("{s:?}"), format!("MONGODB_AWS_{}", e.name()));
        }
        let s = mongodb_aws_status::from(Error::BufferTooSmall { needed: 9 });
        assert_eq!(s, mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL);
    }
}
