//! The one error type of the core.
//!
//! Every failure has its own variant, a stable upper-case name ([`Error::name`]) and a stable number
//! ([`Error::code`]). The C ABI (`mongodb_aws_status`), Python (`.code`) and Node (`err.code`) reuse both
//! verbatim. Numbers are frozen in blocks and never reused; a retired variant stays as a comment.
//!
//! | block | family |
//! |---|---|
//! | 0 | success (C only) |
//! | 1–99 | C ABI only (NULL argument, panic caught) |
//! | 100–199 | caller input (buffers, request parts, parameters) |
//! | 200–299 | credentials |
//! | 300–399 | SASL conversation, client side (server-first, host/region) |
//! | 400–499 | credential endpoint and STS responses; 440–479 the AWS shared config and credentials files (profiles, credential_process, SSO) |
//! | 500–599 | SASL conversation, server side (client-first, client-final, STS reply) |
//! | 900–999 | internal |
//!
//! No message contains secret material: messages are static strings, and the only data an error carries
//! is a byte count ([`Error::BufferTooSmall`]).

use core::fmt;

macro_rules! errors {
    (
        $(
            $(#[$doc:meta])*
            $variant:ident $({ $field:ident : $fty:ty })? = $code:literal, $name:literal, $msg:literal;
        )*
    ) => {
        /// Everything that can go wrong in the core. See the [module docs](self) for the numbering.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Error {
            $(
                $(#[$doc])*
                $variant $({ #[doc = "Bytes needed."] $field: $fty })?,
            )*
        }

        impl Error {
            /// Stable number of this error, shared with the C ABI's `mongodb_aws_status`.
            pub const fn code(&self) -> u32 {
                match self { $( Error::$variant { .. } => $code, )* }
            }

            /// Stable upper-case name of this error (`"BUFFER_TOO_SMALL"`), shared with the C ABI
            /// (`MONGODB_AWS_<NAME>`), Python's `.code` and Node's `err.code`.
            pub const fn name(&self) -> &'static str {
                match self { $( Error::$variant { .. } => $name, )* }
            }

            /// Static description: what was wrong and what was expected. Never contains input data.
            pub const fn message(&self) -> &'static str {
                match self { $( Error::$variant { .. } => $msg, )* }
            }

            /// Every error with a representative value, in code order (for tables, bindings and tests).
            pub const ALL: &'static [Error] = &[ $( Error::$variant $({ $field: 0 })?, )* ];

            /// The error with this stable number, if any (with `needed = 0` for
            /// [`Error::BufferTooSmall`]).
            pub fn from_code(code: u32) -> Option<Error> {
                Self::ALL.iter().copied().find(|e| e.code() == code)
            }
        }
    };
}

errors! {
    // ---- 100–199: caller input ----------------------------------------------------------------
    /// The output buffer is too small; `needed` is the exact size required. Nothing was written.
    BufferTooSmall { needed: usize } = 100, "BUFFER_TOO_SMALL",
        "output buffer too small: pass a buffer of at least the size the matching length function returns";
    /// The HTTP method is empty or contains characters other than ASCII letters.
    InvalidMethod = 101, "INVALID_METHOD",
        "invalid HTTP method: expected 1 or more ASCII letters such as GET or POST";
    /// The request path is empty, does not start with `/`, or contains control characters or spaces.
    InvalidPath = 102, "INVALID_PATH",
        "invalid request path: expected an absolute path starting with '/' without control characters";
    /// The query string is malformed (bad percent-escape or control character).
    InvalidQuery = 103, "INVALID_QUERY",
        "invalid query string: expected name=value pairs joined by '&' with valid percent-escapes";
    /// A header name is empty or contains characters not allowed in an HTTP token.
    InvalidHeaderName = 104, "INVALID_HEADER_NAME",
        "invalid header name: expected 1 or more HTTP token characters";
    /// A header value contains a NUL, CR or LF that is not part of a line fold.
    InvalidHeaderValue = 105, "INVALID_HEADER_VALUE",
        "invalid header value: expected printable text without NUL or bare line breaks";
    /// More than 64 headers in one request given to the C ABI or to the STS-side request verifier
    /// (the Rust signer itself has no limit).
    TooManyHeaders = 106, "TOO_MANY_HEADERS",
        "too many headers: the C ABI and the request verifier accept at most 64 headers per request";
    /// The request has no `host` header (SigV4 requires it to be signed).
    MissingHostHeader = 107, "MISSING_HOST_HEADER",
        "missing host header: SigV4 requires a signed host header";
    /// A region is empty, longer than 253 bytes or contains characters other than letters, digits, '-', '_' or '.'.
    InvalidRegion = 108, "INVALID_REGION",
        "invalid region: expected 1 to 253 characters of letters, digits, '-', '_' or '.'";
    /// A service name is empty, too long or contains characters other than letters, digits, '-', '_' or '.'.
    InvalidService = 109, "INVALID_SERVICE",
        "invalid service name: expected 1 to 64 characters of letters, digits, '-', '_' or '.'";
    /// The clock value cannot be expressed as an `X-Amz-Date` (before 1970 or after 9999-12-31).
    InvalidTime = 110, "INVALID_TIME",
        "invalid time: expected unix seconds between 1970-01-01 and 9999-12-31";
    /// A date string is not `YYYYMMDD'T'HHMMSS'Z'`.
    InvalidAmzDate = 111, "INVALID_AMZ_DATE",
        "invalid X-Amz-Date: expected YYYYMMDD'T'HHMMSS'Z' with a valid calendar date and time";
    /// The payload hash is not 64 lower-case hex digits (or `UNSIGNED-PAYLOAD`).
    InvalidPayloadHash = 112, "INVALID_PAYLOAD_HASH",
        "invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD";
    /// A presigned URL's expiry is outside 1..=604800 seconds.
    InvalidExpires = 113, "INVALID_EXPIRES",
        "invalid presign expiry: expected 1 to 604800 seconds";
    /// A caller-supplied parameter is malformed (see the function's documentation for the rule).
    InvalidParameter = 114, "INVALID_PARAMETER",
        "invalid parameter: a value passed by the caller does not follow the documented rule";
    /// The SigningKey was derived for another date, region or service than the request needs.
    SigningKeyMismatch = 115, "SIGNING_KEY_MISMATCH",
        "signing key mismatch: the key was derived for another date, region or service than this request";

    // ---- 120–139: caller input for credential providers (providers engineer) ------------------
    /// An endpoint URL is malformed: expected `http://` or `https://`, a host, an optional port and
    /// no user info or fragment.
    InvalidEndpointUrl = 120, "INVALID_ENDPOINT_URL",
        "invalid endpoint URL: expected http:// or https://, a host, an optional port, and no user info or fragment";
    /// An endpoint override for a fixed-path source has a path.
    EndpointHasPath = 121, "ENDPOINT_HAS_PATH",
        "invalid endpoint override: expected scheme://host[:port] without a path";
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` uses plain http to a host that is not allowed.
    ForbiddenContainerHost = 122, "FORBIDDEN_CONTAINER_HOST",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https";
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is not an absolute path.
    InvalidRelativeUri = 123, "INVALID_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: expected a path starting with '/' without spaces or control characters";
    /// The container authorization token is empty or contains control characters.
    InvalidAuthorizationToken = 124, "INVALID_AUTHORIZATION_TOKEN",
        "container authorization token: expected non-empty printable text without line breaks";
    /// A role ARN is malformed.
    InvalidRoleArn = 125, "INVALID_ROLE_ARN",
        "invalid role ARN: expected 20 to 2048 characters starting with 'arn:'";
    /// A role session name is malformed.
    InvalidRoleSessionName = 126, "INVALID_ROLE_SESSION_NAME",
        "invalid role session name: expected 2 to 64 characters of letters, digits and +=,.@_-";
    /// The web identity token is empty or malformed.
    InvalidWebIdentityToken = 127, "INVALID_WEB_IDENTITY_TOKEN",
        "invalid web identity token: expected 4 to 20000 printable characters (the token file's content)";
    /// `DurationSeconds` is outside 900..=43200.
    InvalidDurationSeconds = 128, "INVALID_DURATION_SECONDS",
        "invalid DurationSeconds: expected 900 to 43200";
    /// An external id is malformed.
    InvalidExternalId = 129, "INVALID_EXTERNAL_ID",
        "invalid ExternalId: expected 2 to 1224 characters of letters, digits and +=,.@:/_-";
    /// An MFA serial number is malformed.
    InvalidMfaSerialNumber = 130, "INVALID_MFA_SERIAL_NUMBER",
        "invalid MFA SerialNumber: expected 9 to 256 characters of letters, digits and +=/:,.@_-";
    /// An MFA token code is not 6 digits.
    InvalidMfaTokenCode = 131, "INVALID_MFA_TOKEN_CODE",
        "invalid MFA TokenCode: expected exactly 6 digits";
    /// A principal (SAML provider) ARN is malformed.
    InvalidPrincipalArn = 132, "INVALID_PRINCIPAL_ARN",
        "invalid PrincipalArn: expected 20 to 2048 characters starting with 'arn:'";
    /// A SAML assertion is not base64 of the expected size.
    InvalidSamlAssertion = 133, "INVALID_SAML_ASSERTION",
        "invalid SAMLAssertion: expected 4 to 100000 characters of base64";
    /// An IMDSv2 token TTL is outside 1..=21600 seconds.
    InvalidImdsTokenTtl = 134, "INVALID_IMDS_TOKEN_TTL",
        "invalid IMDSv2 token TTL: expected 1 to 21600 seconds";
    /// An IMDS role name is empty or has characters outside letters, digits and +=,.@_-.
    InvalidRoleName = 135, "INVALID_ROLE_NAME",
        "invalid IAM role name: expected 1 to 64 characters of letters, digits and +=,.@_-";
    /// An IMDSv2 session token is empty or has characters not allowed in a header.
    InvalidImdsToken = 136, "INVALID_IMDS_TOKEN",
        "invalid IMDSv2 token: expected 1 to 1024 printable characters";
    /// An environment variable the chain reads has a value outside its documented range (the
    /// failure's detail names the variable).
    InvalidEnvironmentVariable = 137, "INVALID_ENVIRONMENT_VARIABLE",
        "invalid environment variable: the value is outside the documented range (see the variable named)";
    /// A credential-chain event arrived that the chain did not ask for (host bug).
    UnexpectedChainEvent = 138, "UNEXPECTED_CHAIN_EVENT",
        "unexpected credential chain event: answer the action the chain's poll() returned";

    // ---- 200–299: credentials -----------------------------------------------------------------
    /// A secret access key was given without an access key id.
    MissingAccessKeyId = 200, "MISSING_ACCESS_KEY_ID",
        "SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing";
    /// An access key id was given without a secret access key.
    MissingSecretAccessKey = 201, "MISSING_SECRET_ACCESS_KEY",
        "ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing";
    /// A session token was given without an access key id and secret.
    SessionTokenWithoutKeys = 202, "SESSION_TOKEN_WITHOUT_KEYS",
        "AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing";
    /// The access key id is empty, longer than 128 characters or not made of ASCII letters and digits.
    InvalidAccessKeyId = 203, "INVALID_ACCESS_KEY_ID",
        "invalid access key id: expected 1 to 128 ASCII letters or digits";
    /// The secret access key is empty, too long or contains characters outside printable ASCII.
    InvalidSecretAccessKey = 204, "INVALID_SECRET_ACCESS_KEY",
        "invalid secret access key: expected 1 to 128 printable ASCII characters";
    /// The session token contains characters outside printable ASCII or spaces.
    InvalidSessionToken = 205, "INVALID_SESSION_TOKEN",
        "invalid session token: expected printable ASCII characters without spaces";
    /// No credentials were found in any source of the chain.
    NoCredentials = 206, "NO_CREDENTIALS",
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or run where a credential endpoint is available";
    /// The credentials' expiration has passed (or is within the refresh window).
    CredentialsExpired = 207, "CREDENTIALS_EXPIRED",
        "credentials expired: fetch new credentials";

    // ---- 300–399: SASL conversation, client side ----------------------------------------------
    /// A BSON document ends before its declared length or a field runs past its end.
    BsonTruncated = 300, "BSON_TRUNCATED",
        "malformed BSON: document is shorter than its declared length";
    /// A BSON document's length prefix, terminator, string or element encoding is invalid.
    BsonMalformed = 301, "BSON_MALFORMED",
        "malformed BSON: invalid length, terminator or element encoding";
    /// Bytes follow the end of the BSON document.
    BsonTrailingBytes = 302, "BSON_TRAILING_BYTES",
        "malformed BSON: bytes follow the end of the document";
    /// The server-first message has a field other than `s` and `h`.
    UnexpectedField = 303, "UNEXPECTED_FIELD",
        "unexpected field in server-first: expected only 's' and 'h'";
    /// A field appears twice in a message.
    DuplicateField = 304, "DUPLICATE_FIELD",
        "duplicate field in message: each field may appear once";
    /// The server-first message lacks `s` or `h`.
    MissingField = 305, "MISSING_FIELD",
        "missing field in server-first: expected 's' (binary) and 'h' (string)";
    /// A field has the wrong BSON type.
    WrongFieldType = 306, "WRONG_FIELD_TYPE",
        "wrong BSON type: expected 's' binary and 'h' string";
    /// The server nonce `s` is not exactly 64 bytes.
    ServerNonceLength = 307, "SERVER_NONCE_LENGTH",
        "invalid server nonce: expected exactly 64 bytes";
    /// The first 32 bytes of the server nonce differ from the client nonce.
    ServerNonceMismatch = 308, "SERVER_NONCE_MISMATCH",
        "invalid server nonce: its first 32 bytes must equal the client nonce";
    /// The server nonce `s` has a binary subtype other than 0.
    ServerNonceSubtype = 309, "SERVER_NONCE_SUBTYPE",
        "invalid server nonce: expected binary subtype 0 (generic)";
    /// The STS host `h` is empty.
    HostEmpty = 310, "HOST_EMPTY",
        "invalid STS host: expected 1 to 255 bytes, got an empty host";
    /// The STS host `h` is longer than 255 bytes.
    HostTooLong = 311, "HOST_TOO_LONG",
        "invalid STS host: expected at most 255 bytes";
    /// The STS host `h` has an empty label (leading, trailing or doubled '.').
    HostEmptyLabel = 312, "HOST_EMPTY_LABEL",
        "invalid STS host: expected no empty label (no leading, trailing or doubled '.')";
    /// The STS host `h` contains bytes not allowed in a host name (control characters, space, '/', ...).
    HostInvalidCharacter = 313, "HOST_INVALID_CHARACTER",
        "invalid STS host: expected letters, digits, '-', '_', '.' or ':' only";

    // ---- 400–499: credential endpoints and STS responses --------------------------------------
    /// A timestamp (ISO-8601 `Expiration`, or epoch seconds) is malformed or out of range.
    InvalidTimestamp = 400, "INVALID_TIMESTAMP",
        "invalid timestamp: expected ISO-8601 UTC such as 2023-02-07T20:04:27Z, or epoch seconds";
    /// A credential endpoint or STS body is not well-formed JSON (including truncated bodies).
    JsonMalformed = 401, "JSON_MALFORMED",
        "malformed JSON response: expected one complete, well-formed JSON value";
    /// A JSON body nests deeper than the reader accepts.
    JsonTooDeep = 402, "JSON_TOO_DEEP",
        "JSON response nested too deeply: expected at most 64 levels";
    /// An STS body is not well-formed XML (including truncated bodies and DOCTYPE declarations).
    XmlMalformed = 403, "XML_MALFORMED",
        "malformed XML response: expected one complete, well-formed element tree without DOCTYPE";
    /// An XML body nests deeper than the reader accepts.
    XmlTooDeep = 404, "XML_TOO_DEEP",
        "XML response nested too deeply: expected at most 32 levels";
    /// A response lacks a required credential field.
    MissingResponseField = 405, "MISSING_RESPONSE_FIELD",
        "credential response incomplete: expected AccessKeyId, SecretAccessKey and Expiration";
    /// A response field has the wrong type (for example a number where text is expected).
    WrongResponseFieldType = 406, "WRONG_RESPONSE_FIELD_TYPE",
        "credential response field has the wrong type: expected strings, and a string or number Expiration";
    /// A response field appears twice.
    DuplicateResponseField = 407, "DUPLICATE_RESPONSE_FIELD",
        "credential response has a duplicate field: expected each field once";
    /// The response's top-level shape is not the one expected for the request.
    UnexpectedResponseShape = 408, "UNEXPECTED_RESPONSE_SHAPE",
        "unexpected response shape: expected the documented root object or element for this request";
    /// The EC2 instance metadata service answered with `Code` other than `Success`.
    ImdsCodeNotSuccess = 409, "IMDS_CODE_NOT_SUCCESS",
        "EC2 instance metadata returned credentials with Code other than 'Success'";
    /// STS answered with an error document; read its Code and Message with the STS error parser.
    StsErrorResponse = 410, "STS_ERROR_RESPONSE",
        "STS returned an error response (see its Code and Message)";
    /// The IMDS role list is empty: the instance has no IAM role attached.
    NoInstanceRole = 411, "NO_INSTANCE_ROLE",
        "EC2 instance metadata lists no IAM role: attach an instance profile to the instance";
    /// A credential endpoint answered with an HTTP error status (host-side I/O).
    EndpointHttpStatus = 412, "ENDPOINT_HTTP_STATUS",
        "credential endpoint answered with an HTTP error status: expected 200";
    /// A credential endpoint did not answer in time (host-side I/O).
    EndpointTimeout = 413, "ENDPOINT_TIMEOUT",
        "credential endpoint timed out: expected an answer within the timeout";
    /// Connecting to a credential endpoint failed (host-side I/O).
    EndpointUnreachable = 414, "ENDPOINT_UNREACHABLE",
        "credential endpoint unreachable: the connection failed";
    /// The IMDSv2 token PUT timed out: typical inside a container when the hop limit is 1.
    ImdsTokenTimeout = 415, "IMDS_TOKEN_TIMEOUT",
        "EC2 IMDSv2 token request timed out: in a container set the instance's metadata hop limit to 2 or more (HttpPutResponseHopLimit)";
    /// A credential endpoint's HTTP response is malformed or too large (host-side I/O).
    EndpointBadResponse = 416, "ENDPOINT_BAD_RESPONSE",
        "credential endpoint sent a malformed or oversized HTTP response";
    /// A response body is not valid UTF-8 text where text is required.
    ResponseNotText = 417, "RESPONSE_NOT_TEXT",
        "credential endpoint response is not UTF-8 text";
    /// A file the credential chain needs (token file, authorization token file) does not exist or
    /// cannot be read (the failure's detail names the path).
    FileUnreadable = 418, "FILE_UNREADABLE",
        "cannot read a file the credential chain needs: expected a readable file at the path named";
    /// A field of a credential response is longer than the chain keeps (see the chain's limits).
    ResponseFieldTooLong = 419, "RESPONSE_FIELD_TOO_LONG",
        "credential response field too long: longer than the credential chain's documented limit";
    /// The application's custom credential provider failed or returned something unusable.
    CustomProviderFailed = 420, "CUSTOM_PROVIDER_FAILED",
        "the custom credential provider failed: expected it to return an access key id and secret";

    // ---- 440–479: AWS shared config and credentials files (`ini`, profiles) ------------------
    /// A shared config or credentials file is not UTF-8 text.
    IniNotUtf8 = 440, "INI_NOT_UTF8",
        "malformed AWS config or credentials file: expected UTF-8 text";
    /// A shared config or credentials file starts with a byte order mark (botocore refuses it too).
    IniByteOrderMark = 441, "INI_BYTE_ORDER_MARK",
        "malformed AWS config or credentials file: it starts with a byte order mark; save it as UTF-8 without BOM";
    /// A line other than a comment or a blank line comes before the first `[section]` header.
    IniMissingSection = 442, "INI_MISSING_SECTION",
        "malformed AWS config or credentials file: expected a [section] header before the first key";
    /// A line is neither a `[section]` header, `key = value`, a comment nor an indented continuation
    /// (or its key is empty).
    IniSyntax = 443, "INI_SYNTAX",
        "malformed AWS config or credentials file: expected [section], key = value, key: value, a # or ; comment, or an indented continuation";
    /// A section header appears twice.
    IniDuplicateSection = 444, "INI_DUPLICATE_SECTION",
        "malformed AWS config or credentials file: a [section] appears twice; expected each section once";
    /// A key appears twice in one section (keys are case-insensitive).
    IniDuplicateKey = 445, "INI_DUPLICATE_KEY",
        "malformed AWS config or credentials file: a key appears twice in a section (keys are case-insensitive)";
    /// A line of a nested block (`key =` followed by indented lines) has no `=`.
    IniNestedSyntax = 446, "INI_NESTED_SYNTAX",
        "malformed AWS config or credentials file: expected name = value on every line of an indented block under 'key ='";
    // Profiles (the keys of the shared files and what they produce). The failure's detail names the
    // profile, the file, the line or key.
    /// An explicitly chosen profile (the host's profile option, `AWS_DEFAULT_PROFILE`,
    /// `AWS_PROFILE`) or a `source_profile` is in neither shared file.
    ProfileNotFound = 450, "PROFILE_NOT_FOUND",
        "profile not found: the named profile is in neither the credentials file ([NAME]) nor the config file ([profile NAME]); check the name, AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE";
    /// A profile has an access key id without a secret key or the reverse (the two files are never
    /// merged: an id in one and the secret in the other is this error too).
    ProfilePartialCredentials = 451, "PROFILE_PARTIAL_CREDENTIALS",
        "partial credentials in a profile: expected both aws_access_key_id and aws_secret_access_key in the same section of the same file";
    /// `source_profile` links lead back to a profile already on the chain.
    ProfileSourceCycle = 452, "PROFILE_SOURCE_CYCLE",
        "source_profile cycle: the profiles name each other as source_profile; expected a chain that ends at a profile with static keys or a credential_source";
    /// A role chain is longer than the documented bound.
    ProfileChainTooLong = 453, "PROFILE_CHAIN_TOO_LONG",
        "role chain too long: at most 8 role_arn hops through source_profile are followed";
    /// A profile with `role_arn` has both `source_profile` and `credential_source`.
    ProfileRoleSourceConflict = 454, "PROFILE_ROLE_SOURCE_CONFLICT",
        "conflicting role sources: a profile with role_arn must have exactly one of source_profile or credential_source, not both";
    /// A profile with `role_arn` has neither `source_profile` nor `credential_source`.
    ProfileRoleWithoutSource = 455, "PROFILE_ROLE_WITHOUT_SOURCE",
        "role without a source: a profile with role_arn needs source_profile or credential_source (or web_identity_token_file)";
    /// `credential_source` is not `Environment`, `Ec2InstanceMetadata` or `EcsContainer`.
    ProfileInvalidCredentialSource = 456, "PROFILE_INVALID_CREDENTIAL_SOURCE",
        "invalid credential_source: expected Environment, Ec2InstanceMetadata or EcsContainer";
    /// A profile key has a value the chain cannot use (`duration_seconds` not a number in range,
    /// a multi-line value, an unknown `sts_regional_endpoints` ...); the detail names the key.
    ProfileInvalidValue = 457, "PROFILE_INVALID_VALUE",
        "invalid profile value: the key's value does not follow its rule (see the key named in the detail)";
    /// A `source_profile` has no credentials of its own (no static keys, no
    /// `credential_process`, no web identity or SSO settings) and no `role_arn`.
    ProfileSourceWithoutCredentials = 468, "PROFILE_SOURCE_WITHOUT_CREDENTIALS",
        "source profile without credentials: the profile named by source_profile must have aws_access_key_id + aws_secret_access_key, credential_process, web_identity_token_file, SSO settings or a role_arn of its own";
    /// A role profile has `mfa_serial` and no MFA callback is installed.
    MfaCodeRequired = 458, "MFA_CODE_REQUIRED",
        "MFA code required: the profile has mfa_serial and no MFA callback is installed; supply one: Python get_credentials(mfa_callback=...) or set_mfa_callback(), Node getCredentials({ mfaCode }) or setMfaCallback(), C mongodb_aws_get_credentials_with() or mongodb_aws_set_mfa_callback(), Rust Resolver::mfa() or set_mfa_provider(); the mongodb-aws CLI asks on the terminal, or reads stdin";
    /// The MFA callback failed (its own message follows).
    MfaCodeUnavailable = 459, "MFA_CODE_UNAVAILABLE",
        "MFA code unavailable: the MFA callback returned an error instead of a code";
    /// `credential_process` exited with a non-zero status (its stderr follows, bounded).
    CredentialProcessFailed = 460, "CREDENTIAL_PROCESS_FAILED",
        "credential_process failed: the program exited with a non-zero status";
    /// `credential_process` ran past its deadline and was killed.
    CredentialProcessTimeout = 461, "CREDENTIAL_PROCESS_TIMEOUT",
        "credential_process timed out: the program did not exit within the deadline and was killed";
    /// `credential_process` wrote something other than the expected JSON (never echoed: stdout
    /// holds secrets).
    CredentialProcessBadOutput = 462, "CREDENTIAL_PROCESS_BAD_OUTPUT",
        "credential_process output invalid: expected JSON {\"Version\": 1, \"AccessKeyId\", \"SecretAccessKey\", \"SessionToken\"?, \"Expiration\"? (RFC 3339)} on stdout";
    /// `credential_process` could not be started (no such program, not executable, empty command).
    CredentialProcessSpawn = 463, "CREDENTIAL_PROCESS_SPAWN",
        "credential_process cannot be run: the program was not found or is not executable (no shell is used; quote paths with spaces)";
    /// The SSO token cache file of the profile's session is missing or holds no access token.
    SsoTokenMissing = 464, "SSO_TOKEN_MISSING",
        "SSO token missing: no cached IAM Identity Center token; run aws sso login";
    /// The cached SSO token expired and cannot be refreshed.
    SsoTokenExpired = 465, "SSO_TOKEN_EXPIRED",
        "SSO token expired: the cached IAM Identity Center token expired and cannot be refreshed; run aws sso login";
    /// The SSO settings of a profile are incomplete or inconsistent.
    SsoInvalidConfig = 466, "SSO_INVALID_CONFIG",
        "invalid SSO configuration: expected sso_account_id, sso_role_name and either sso_session or sso_start_url + sso_region, with matching values";
    /// `sso_session` names a session without an `[sso-session NAME]` section.
    SsoSessionNotFound = 467, "SSO_SESSION_NOT_FOUND",
        "SSO session not found: sso_session names no [sso-session NAME] section in the config file";

    // ---- 500–599: SASL conversation, server side ----------------------------------------------
    // Client-first (server-side checks; MongoDB server error numbers in brackets where it has one).
    /// Client-first lacks `r` or `p`.
    ClientFirstMissingField = 500, "CLIENT_FIRST_MISSING_FIELD",
        "invalid client-first: expected fields 'r' (binary nonce) and 'p' (int32 channel-binding flag)";
    /// Client-first has a field other than `r` and `p`.
    ClientFirstUnexpectedField = 501, "CLIENT_FIRST_UNEXPECTED_FIELD",
        "invalid client-first: expected only the fields 'r' and 'p'";
    /// Client-first `r` is not binary or `p` is not an int32.
    ClientFirstWrongFieldType = 502, "CLIENT_FIRST_WRONG_FIELD_TYPE",
        "invalid client-first: expected 'r' as binary subtype 0 and 'p' as int32";
    /// The client nonce `r` is not exactly 32 bytes (server error 51285).
    ClientNonceLength = 503, "CLIENT_NONCE_LENGTH",
        "invalid client nonce: expected 'r' to be exactly 32 bytes";
    /// The channel-binding flag `p` is not 110 (`n`) or 121 (`y`); 112 (`p`) is refused (server error 51284).
    Gs2FlagUnsupported = 504, "GS2_FLAG_UNSUPPORTED",
        "unsupported channel-binding flag: expected p = 110 ('n') or 121 ('y'); channel binding ('p') is not supported";

    // Client-final.
    /// Client-final lacks `a` or `d`.
    ClientFinalMissingField = 510, "CLIENT_FINAL_MISSING_FIELD",
        "invalid client-final: expected fields 'a' (Authorization) and 'd' (X-Amz-Date)";
    /// Client-final has a field other than `a`, `d`, `t` (and the reserved `p`, `c`, `o`).
    ClientFinalUnexpectedField = 511, "CLIENT_FINAL_UNEXPECTED_FIELD",
        "invalid client-final: expected only the fields 'a', 'd' and 't'";
    /// A client-final field has the wrong BSON type.
    ClientFinalWrongFieldType = 512, "CLIENT_FINAL_WRONG_FIELD_TYPE",
        "invalid client-final: expected 'a', 'd' and 't' as strings";
    /// The Authorization value does not start with `AWS4-HMAC-SHA256 `.
    AuthorizationAlgorithm = 513, "AUTHORIZATION_ALGORITHM",
        "invalid Authorization: expected it to start with 'AWS4-HMAC-SHA256 '";
    /// The Authorization value is not `Credential=..., SignedHeaders=..., Signature=...`.
    AuthorizationMalformed = 514, "AUTHORIZATION_MALFORMED",
        "invalid Authorization: expected 'Credential=..., SignedHeaders=..., Signature=...' each once";
    /// The Authorization value has no `Credential=` (server error 51742).
    MissingCredential = 515, "MISSING_CREDENTIAL",
        "invalid Authorization: 'Credential=' is missing";
    /// The `Credential=` value has no `/` after the access key id (server error 51743).
    CredentialWithoutSlash = 516, "CREDENTIAL_WITHOUT_SLASH",
        "invalid Authorization: expected 'Credential=<access key id>/<scope>', found no '/'";
    /// The credential scope is not `YYYYMMDD/<region>/sts/aws4_request`.
    CredentialScopeInvalid = 517, "CREDENTIAL_SCOPE_INVALID",
        "invalid credential scope: expected YYYYMMDD/<region>/sts/aws4_request";
    /// The credential scope date is not the date part of `X-Amz-Date`.
    CredentialScopeDateMismatch = 518, "CREDENTIAL_SCOPE_DATE_MISMATCH",
        "invalid credential scope: its date must be the date part of X-Amz-Date";
    /// The credential scope region is not the region the STS host implies.
    CredentialScopeRegionMismatch = 519, "CREDENTIAL_SCOPE_REGION_MISMATCH",
        "invalid credential scope: its region must be the one derived from the STS host";
    /// The Authorization value has no `SignedHeaders=` (server error 51293).
    MissingSignedHeaders = 520, "MISSING_SIGNED_HEADERS",
        "invalid Authorization: 'SignedHeaders=' is missing";
    /// The SignedHeaders list is not followed by a comma (server error 51292).
    SignedHeadersNotTerminated = 521, "SIGNED_HEADERS_NOT_TERMINATED",
        "invalid Authorization: expected a ',' after the SignedHeaders list";
    /// SignedHeaders names a header outside the allowed list or out of order (server error 51290).
    SignedHeadersUnexpected = 522, "SIGNED_HEADERS_UNEXPECTED",
        "invalid SignedHeaders: expected an in-order subset of content-length, content-type, host, x-amz-date, x-amz-security-token, x-mongodb-gs2-cb-flag, x-mongodb-optional-data, x-mongodb-server-nonce";
    /// SignedHeaders lacks `x-mongodb-server-nonce` (server error 51288).
    SignedHeadersMissingServerNonce = 523, "SIGNED_HEADERS_MISSING_SERVER_NONCE",
        "invalid SignedHeaders: x-mongodb-server-nonce must be signed";
    /// SignedHeaders lacks `x-mongodb-gs2-cb-flag` (server error 51289).
    SignedHeadersMissingGs2Flag = 524, "SIGNED_HEADERS_MISSING_GS2_FLAG",
        "invalid SignedHeaders: x-mongodb-gs2-cb-flag must be signed";
    /// The `Signature=` value is missing or not 64 lower-case hex digits.
    SignatureFormat = 525, "SIGNATURE_FORMAT",
        "invalid Authorization: expected 'Signature=' followed by 64 lower-case hex digits";
    /// `t` is sent without `x-amz-security-token` being signed, or the other way round.
    SessionTokenSigning = 526, "SESSION_TOKEN_SIGNING",
        "session token mismatch: send 't' if and only if x-amz-security-token is signed";
    /// `X-Amz-Date` is more than the allowed skew (15 minutes) away from the verifier's clock.
    RequestTimeSkewed = 527, "REQUEST_TIME_SKEWED",
        "request time too skewed: X-Amz-Date must be within 15 minutes of the server's clock";

    // STS GetCallerIdentity reply.
    /// The STS reply is neither a GetCallerIdentity result nor an STS error, in XML or JSON.
    StsReplyMalformed = 540, "STS_REPLY_MALFORMED",
        "malformed STS reply: expected a GetCallerIdentityResponse or an ErrorResponse, as XML or JSON";
    /// The STS reply has no `Arn`.
    StsReplyMissingArn = 541, "STS_REPLY_MISSING_ARN",
        "malformed STS reply: GetCallerIdentityResult has no Arn";
    /// STS answered with an error (see the reply's Code and Message).
    StsRejected = 542, "STS_REJECTED",
        "STS rejected the request: authentication failed (see the STS error code and message)";
    /// The ARN is not `arn:<partition>:<service>:<region>:<account>:<resource>`.
    InvalidArn = 543, "INVALID_ARN",
        "invalid ARN: expected arn:<partition>:<service>:<region>:<account>:<resource>";

    // Request verification (a SigV4 verifier standing in for STS).
    /// The request is not the GetCallerIdentity call (method, path, query or body differ).
    NotGetCallerIdentity = 560, "NOT_GET_CALLER_IDENTITY",
        "not a GetCallerIdentity request: expected POST / with body Action=GetCallerIdentity&Version=2011-06-15";
    /// The request has no `Authorization` header.
    MissingAuthorization = 561, "MISSING_AUTHORIZATION",
        "missing Authorization header: expected a SigV4 signed request";
    /// SignedHeaders is not sorted, has duplicates or upper-case names, or omits `host` or `x-amz-date`.
    SignedHeadersInvalid = 562, "SIGNED_HEADERS_INVALID",
        "invalid SignedHeaders: expected sorted, unique, lower-case names including host and x-amz-date";
    /// A header named in SignedHeaders is absent from the request.
    SignedHeaderAbsent = 563, "SIGNED_HEADER_ABSENT",
        "invalid request: a header named in SignedHeaders is absent";
    /// The access key id is not known to the verifier.
    UnknownAccessKeyId = 564, "UNKNOWN_ACCESS_KEY_ID",
        "the security token included in the request is invalid: unknown access key id";
    /// The session token is missing, unexpected or different from the one issued with the key.
    SessionTokenMismatch = 565, "SESSION_TOKEN_MISMATCH",
        "the security token included in the request is invalid: session token missing, unexpected or wrong";
    /// The recomputed signature differs from the request's.
    SignatureMismatch = 566, "SIGNATURE_MISMATCH",
        "signature does not match: the request was altered or signed with another secret";
    /// The server nonce of this request was already verified once.
    NonceReplayed = 567, "NONCE_REPLAYED",
        "replayed request: this server nonce was already used";
    /// `Authorization`, `Host`, `X-Amz-Date`, `X-Amz-Security-Token` or `X-MongoDB-Server-Nonce` appears twice.
    DuplicateHeader = 568, "DUPLICATE_HEADER",
        "invalid request: Authorization, Host, X-Amz-Date, X-Amz-Security-Token and X-MongoDB-Server-Nonce may appear once each";


    // ---- 900–999: internal ---------------------------------------------------------------------
    /// An internal length computation overflowed (inputs too large to sign).
    LengthOverflow = 900, "LENGTH_OVERFLOW",
        "input too large: a computed length exceeds the address space";
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        if let Error::BufferTooSmall { needed } = self {
            write!(f, " ({needed} bytes needed)")?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_in_blocks() {
        for (i, a) in Error::ALL.iter().enumerate() {
            assert!((100..1000).contains(&a.code()), "{a:?}");
            assert!(a
                .name()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()));
            for b in Error::ALL.iter().skip(i + 1) {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
            assert_eq!(Error::from_code(a.code()).map(|e| e.code()), Some(a.code()));
        }
        assert_eq!(Error::from_code(0), None);
    }

    #[test]
    fn buffer_too_small_reports_size() {
        use std::string::ToString;
        let s = Error::BufferTooSmall { needed: 52 }.to_string();
        assert!(s.ends_with("(52 bytes needed)"), "{s}");
    }
}
