#define FFI_SCOPE "mongodb_aws"
#define FFI_LIB "libmongodb_aws.so"

/*
 * mongodb_aws_ffi.h - the declarations of mongodb_aws.h for FFI loaders that read C but run no
 * preprocessor: PHP's FFI::cdef() and FFI::load() (and LuaJIT's ffi.cdef, cffi's cdef, ...).
 * The same functions, types and layouts as mongodb_aws.h, preprocessed as C99 would:
 *
 * - no #include (uint8_t, uint16_t, uint32_t, uint64_t and size_t are built into the loaders; a
 *   C compiler needs <stdint.h> and <stddef.h> first), no include guard, no C++ or C23 branches;
 * - every integer macro is an enumerator of an anonymous enum (PHP: $ffi->MONGODB_AWS_OK), every
 *   status an enumerator of enum mongodb_aws_status; mongodb_aws_status itself is a uint32_t;
 * - the macros that are not int constants are listed below, not declared;
 * - no comments: the documentation is in mongodb_aws.h.
 *
 * The only directives are the two above, which PHP's FFI::load() reads only as the first lines of
 * the file (FFI::cdef() skips them): FFI_SCOPE, the name for FFI::scope() after opcache.preload,
 * and FFI_LIB, the library to dlopen: here its name (found on the loader's path); ffi-c/install.sh
 * writes the installed library's absolute path.
 * Elsewhere: FFI::cdef(file_get_contents(this file), "/path/to/libmongodb_aws.so").
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/* Generated from mongodb_aws.h by ffi-c/tests/header.rs. Do not edit: run
 * `MONGODB_AWS_BLESS=1 cargo test -p mongodb-aws-ffi --test header`. */

/* Macros of mongodb_aws.h that are not int constants:
 *   MONGODB_AWS_VERSION "0.1.0"
 *   MONGODB_AWS_STS_DEFAULT_HOST "sts.amazonaws.com"
 *   MONGODB_AWS_STS_DEFAULT_REGION "us-east-1"
 *   MONGODB_AWS_STS_SERVICE "sts"
 *   MONGODB_AWS_GET_CALLER_IDENTITY_BODY "Action=GetCallerIdentity&Version=2011-06-15"
 *   MONGODB_AWS_STS_CONTENT_TYPE "application/x-www-form-urlencoded"
 *   MONGODB_AWS_NO_TIME_CHECK UINT64_MAX
 * (PHP: pass MONGODB_AWS_NO_TIME_CHECK as -1, which converts to UINT64_MAX.) */

enum {
    MONGODB_AWS_VERSION_MAJOR = 0,
    MONGODB_AWS_VERSION_MINOR = 1,
    MONGODB_AWS_VERSION_PATCH = 0,
    MONGODB_AWS_VERSION_NUMBER = 256,
    MONGODB_AWS_ACTION_READ_FILE = 1,
    MONGODB_AWS_ACTION_HTTP = 2,
    MONGODB_AWS_ACTION_WAIT = 3,
    MONGODB_AWS_ACTION_CALL_PROVIDER = 4,
    MONGODB_AWS_ACTION_USE_CACHE = 5,
    MONGODB_AWS_ACTION_DONE = 6,
    MONGODB_AWS_ACTION_FAILED = 7,
    MONGODB_AWS_ACTION_RUN_PROCESS = 8,
    MONGODB_AWS_ACTION_ASK_MFA = 9,
    MONGODB_AWS_ACTION_WRITE_FILE = 10,
    MONGODB_AWS_CHAIN_CUSTOM_PROVIDER = 1,
    MONGODB_AWS_CHAIN_CACHED = 2,
    MONGODB_AWS_IO_NOT_FOUND = 1,
    MONGODB_AWS_IO_UNREADABLE = 2,
    MONGODB_AWS_IO_REFUSED = 3,
    MONGODB_AWS_IO_CONNECT_TIMEOUT = 4,
    MONGODB_AWS_IO_TIMEOUT = 5,
    MONGODB_AWS_IO_CLOSED = 6,
    MONGODB_AWS_IO_BAD_RESPONSE = 7,
    MONGODB_AWS_CLIENT_NONCE_LEN = 32,
    MONGODB_AWS_SERVER_NONCE_LEN = 64,
    MONGODB_AWS_CLIENT_FIRST_LEN = 52,
    MONGODB_AWS_MAX_SERVER_FIRST_LEN = 340,
    MONGODB_AWS_CLIENT_FINAL_MAX_LEN = 682,
    MONGODB_AWS_SOURCE_CUSTOM_PROVIDER = 1,
    MONGODB_AWS_SOURCE_ENVIRONMENT = 2,
    MONGODB_AWS_SOURCE_WEB_IDENTITY = 3,
    MONGODB_AWS_SOURCE_ECS = 4,
    MONGODB_AWS_SOURCE_CONTAINER_FULL_URI = 5,
    MONGODB_AWS_SOURCE_EC2 = 6,
    MONGODB_AWS_SOURCE_ASSUME_ROLE = 7,
    MONGODB_AWS_SOURCE_SAML = 8,
    MONGODB_AWS_SOURCE_PROFILE = 9,
    MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS = 10,
    MONGODB_AWS_SOURCE_SSO = 11,
    MONGODB_AWS_SCHEME_HTTP = 1,
    MONGODB_AWS_SCHEME_HTTPS = 2,
    MONGODB_AWS_HTTP_MAX_HEADERS = 8,
    MONGODB_AWS_MAX_RESPONSE_LEN = 65536,
    MONGODB_AWS_SERVER_RANDOM_LEN = 32,
    MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS = 900,
    MONGODB_AWS_SIGNATURE_HEX_LEN = 64,
    MONGODB_AWS_AMZ_DATE_LEN = 16,
    MONGODB_AWS_STS_MAX_HOST_LEN = 255,
    MONGODB_AWS_MAX_HEADERS = 64,
    MONGODB_AWS_SIGN_NO_PATH_NORMALIZATION = 1,
    MONGODB_AWS_SIGN_SINGLE_ENCODE_PATH = 2,
    MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN = 4,
    MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER = 8,
    MONGODB_AWS_SIGN_S3 = 11,
};

enum mongodb_aws_status {
    MONGODB_AWS_OK = 0,
    MONGODB_AWS_NULL_ARGUMENT = 1,
    MONGODB_AWS_PANIC = 2,
    MONGODB_AWS_INVALID_UTF8 = 3,
    MONGODB_AWS_UNKNOWN_ERROR = 4,
    MONGODB_AWS_BUFFER_TOO_SMALL = 100,
    MONGODB_AWS_INVALID_METHOD = 101,
    MONGODB_AWS_INVALID_PATH = 102,
    MONGODB_AWS_INVALID_QUERY = 103,
    MONGODB_AWS_INVALID_HEADER_NAME = 104,
    MONGODB_AWS_INVALID_HEADER_VALUE = 105,
    MONGODB_AWS_TOO_MANY_HEADERS = 106,
    MONGODB_AWS_MISSING_HOST_HEADER = 107,
    MONGODB_AWS_INVALID_REGION = 108,
    MONGODB_AWS_INVALID_SERVICE = 109,
    MONGODB_AWS_INVALID_TIME = 110,
    MONGODB_AWS_INVALID_AMZ_DATE = 111,
    MONGODB_AWS_INVALID_PAYLOAD_HASH = 112,
    MONGODB_AWS_INVALID_EXPIRES = 113,
    MONGODB_AWS_INVALID_PARAMETER = 114,
    MONGODB_AWS_SIGNING_KEY_MISMATCH = 115,
    MONGODB_AWS_INVALID_ENDPOINT_URL = 120,
    MONGODB_AWS_ENDPOINT_HAS_PATH = 121,
    MONGODB_AWS_FORBIDDEN_CONTAINER_HOST = 122,
    MONGODB_AWS_INVALID_RELATIVE_URI = 123,
    MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN = 124,
    MONGODB_AWS_INVALID_ROLE_ARN = 125,
    MONGODB_AWS_INVALID_ROLE_SESSION_NAME = 126,
    MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN = 127,
    MONGODB_AWS_INVALID_DURATION_SECONDS = 128,
    MONGODB_AWS_INVALID_EXTERNAL_ID = 129,
    MONGODB_AWS_INVALID_MFA_SERIAL_NUMBER = 130,
    MONGODB_AWS_INVALID_MFA_TOKEN_CODE = 131,
    MONGODB_AWS_INVALID_PRINCIPAL_ARN = 132,
    MONGODB_AWS_INVALID_SAML_ASSERTION = 133,
    MONGODB_AWS_INVALID_IMDS_TOKEN_TTL = 134,
    MONGODB_AWS_INVALID_ROLE_NAME = 135,
    MONGODB_AWS_INVALID_IMDS_TOKEN = 136,
    MONGODB_AWS_INVALID_ENVIRONMENT_VARIABLE = 137,
    MONGODB_AWS_UNEXPECTED_CHAIN_EVENT = 138,
    MONGODB_AWS_MISSING_ACCESS_KEY_ID = 200,
    MONGODB_AWS_MISSING_SECRET_ACCESS_KEY = 201,
    MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS = 202,
    MONGODB_AWS_INVALID_ACCESS_KEY_ID = 203,
    MONGODB_AWS_INVALID_SECRET_ACCESS_KEY = 204,
    MONGODB_AWS_INVALID_SESSION_TOKEN = 205,
    MONGODB_AWS_NO_CREDENTIALS = 206,
    MONGODB_AWS_CREDENTIALS_EXPIRED = 207,
    MONGODB_AWS_BSON_TRUNCATED = 300,
    MONGODB_AWS_BSON_MALFORMED = 301,
    MONGODB_AWS_BSON_TRAILING_BYTES = 302,
    MONGODB_AWS_UNEXPECTED_FIELD = 303,
    MONGODB_AWS_DUPLICATE_FIELD = 304,
    MONGODB_AWS_MISSING_FIELD = 305,
    MONGODB_AWS_WRONG_FIELD_TYPE = 306,
    MONGODB_AWS_SERVER_NONCE_LENGTH = 307,
    MONGODB_AWS_SERVER_NONCE_MISMATCH = 308,
    MONGODB_AWS_SERVER_NONCE_SUBTYPE = 309,
    MONGODB_AWS_HOST_EMPTY = 310,
    MONGODB_AWS_HOST_TOO_LONG = 311,
    MONGODB_AWS_HOST_EMPTY_LABEL = 312,
    MONGODB_AWS_HOST_INVALID_CHARACTER = 313,
    MONGODB_AWS_INVALID_TIMESTAMP = 400,
    MONGODB_AWS_JSON_MALFORMED = 401,
    MONGODB_AWS_JSON_TOO_DEEP = 402,
    MONGODB_AWS_XML_MALFORMED = 403,
    MONGODB_AWS_XML_TOO_DEEP = 404,
    MONGODB_AWS_MISSING_RESPONSE_FIELD = 405,
    MONGODB_AWS_WRONG_RESPONSE_FIELD_TYPE = 406,
    MONGODB_AWS_DUPLICATE_RESPONSE_FIELD = 407,
    MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE = 408,
    MONGODB_AWS_IMDS_CODE_NOT_SUCCESS = 409,
    MONGODB_AWS_STS_ERROR_RESPONSE = 410,
    MONGODB_AWS_NO_INSTANCE_ROLE = 411,
    MONGODB_AWS_ENDPOINT_HTTP_STATUS = 412,
    MONGODB_AWS_ENDPOINT_TIMEOUT = 413,
    MONGODB_AWS_ENDPOINT_UNREACHABLE = 414,
    MONGODB_AWS_IMDS_TOKEN_TIMEOUT = 415,
    MONGODB_AWS_ENDPOINT_BAD_RESPONSE = 416,
    MONGODB_AWS_RESPONSE_NOT_TEXT = 417,
    MONGODB_AWS_FILE_UNREADABLE = 418,
    MONGODB_AWS_RESPONSE_FIELD_TOO_LONG = 419,
    MONGODB_AWS_CUSTOM_PROVIDER_FAILED = 420,
    MONGODB_AWS_INI_NOT_UTF8 = 440,
    MONGODB_AWS_INI_BYTE_ORDER_MARK = 441,
    MONGODB_AWS_INI_MISSING_SECTION = 442,
    MONGODB_AWS_INI_SYNTAX = 443,
    MONGODB_AWS_INI_DUPLICATE_SECTION = 444,
    MONGODB_AWS_INI_DUPLICATE_KEY = 445,
    MONGODB_AWS_INI_NESTED_SYNTAX = 446,
    MONGODB_AWS_PROFILE_NOT_FOUND = 450,
    MONGODB_AWS_PROFILE_PARTIAL_CREDENTIALS = 451,
    MONGODB_AWS_PROFILE_SOURCE_CYCLE = 452,
    MONGODB_AWS_PROFILE_CHAIN_TOO_LONG = 453,
    MONGODB_AWS_PROFILE_ROLE_SOURCE_CONFLICT = 454,
    MONGODB_AWS_PROFILE_ROLE_WITHOUT_SOURCE = 455,
    MONGODB_AWS_PROFILE_INVALID_CREDENTIAL_SOURCE = 456,
    MONGODB_AWS_PROFILE_INVALID_VALUE = 457,
    MONGODB_AWS_PROFILE_SOURCE_WITHOUT_CREDENTIALS = 468,
    MONGODB_AWS_MFA_CODE_REQUIRED = 458,
    MONGODB_AWS_MFA_CODE_UNAVAILABLE = 459,
    MONGODB_AWS_CREDENTIAL_PROCESS_FAILED = 460,
    MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT = 461,
    MONGODB_AWS_CREDENTIAL_PROCESS_BAD_OUTPUT = 462,
    MONGODB_AWS_CREDENTIAL_PROCESS_SPAWN = 463,
    MONGODB_AWS_SSO_TOKEN_MISSING = 464,
    MONGODB_AWS_SSO_TOKEN_EXPIRED = 465,
    MONGODB_AWS_SSO_INVALID_CONFIG = 466,
    MONGODB_AWS_SSO_SESSION_NOT_FOUND = 467,
    MONGODB_AWS_CLIENT_FIRST_MISSING_FIELD = 500,
    MONGODB_AWS_CLIENT_FIRST_UNEXPECTED_FIELD = 501,
    MONGODB_AWS_CLIENT_FIRST_WRONG_FIELD_TYPE = 502,
    MONGODB_AWS_CLIENT_NONCE_LENGTH = 503,
    MONGODB_AWS_GS2_FLAG_UNSUPPORTED = 504,
    MONGODB_AWS_CLIENT_FINAL_MISSING_FIELD = 510,
    MONGODB_AWS_CLIENT_FINAL_UNEXPECTED_FIELD = 511,
    MONGODB_AWS_CLIENT_FINAL_WRONG_FIELD_TYPE = 512,
    MONGODB_AWS_AUTHORIZATION_ALGORITHM = 513,
    MONGODB_AWS_AUTHORIZATION_MALFORMED = 514,
    MONGODB_AWS_MISSING_CREDENTIAL = 515,
    MONGODB_AWS_CREDENTIAL_WITHOUT_SLASH = 516,
    MONGODB_AWS_CREDENTIAL_SCOPE_INVALID = 517,
    MONGODB_AWS_CREDENTIAL_SCOPE_DATE_MISMATCH = 518,
    MONGODB_AWS_CREDENTIAL_SCOPE_REGION_MISMATCH = 519,
    MONGODB_AWS_MISSING_SIGNED_HEADERS = 520,
    MONGODB_AWS_SIGNED_HEADERS_NOT_TERMINATED = 521,
    MONGODB_AWS_SIGNED_HEADERS_UNEXPECTED = 522,
    MONGODB_AWS_SIGNED_HEADERS_MISSING_SERVER_NONCE = 523,
    MONGODB_AWS_SIGNED_HEADERS_MISSING_GS2_FLAG = 524,
    MONGODB_AWS_SIGNATURE_FORMAT = 525,
    MONGODB_AWS_SESSION_TOKEN_SIGNING = 526,
    MONGODB_AWS_REQUEST_TIME_SKEWED = 527,
    MONGODB_AWS_STS_REPLY_MALFORMED = 540,
    MONGODB_AWS_STS_REPLY_MISSING_ARN = 541,
    MONGODB_AWS_STS_REJECTED = 542,
    MONGODB_AWS_INVALID_ARN = 543,
    MONGODB_AWS_NOT_GET_CALLER_IDENTITY = 560,
    MONGODB_AWS_MISSING_AUTHORIZATION = 561,
    MONGODB_AWS_SIGNED_HEADERS_INVALID = 562,
    MONGODB_AWS_SIGNED_HEADER_ABSENT = 563,
    MONGODB_AWS_UNKNOWN_ACCESS_KEY_ID = 564,
    MONGODB_AWS_SESSION_TOKEN_MISMATCH = 565,
    MONGODB_AWS_SIGNATURE_MISMATCH = 566,
    MONGODB_AWS_NONCE_REPLAYED = 567,
    MONGODB_AWS_DUPLICATE_HEADER = 568,
    MONGODB_AWS_LENGTH_OVERFLOW = 900,
};

typedef uint32_t mongodb_aws_status;

typedef struct mongodb_aws_chain mongodb_aws_chain;

typedef struct mongodb_aws_credentials_handle mongodb_aws_credentials_handle;

typedef struct mongodb_aws_mfa_result mongodb_aws_mfa_result;

typedef struct mongodb_aws_owned_credentials mongodb_aws_owned_credentials;

typedef struct mongodb_aws_provider_result mongodb_aws_provider_result;

typedef struct mongodb_aws_signing_key mongodb_aws_signing_key;

typedef uint32_t (*mongodb_aws_mfa_fn)(void *user_data,
                                       const char *serial,
                                       size_t serial_len,
                                       const char *profile,
                                       size_t profile_len,
                                       struct mongodb_aws_mfa_result *result);

typedef struct mongodb_aws_fetch_options {
    const char *profile;
    size_t profile_len;
    mongodb_aws_mfa_fn mfa_callback;
    void *mfa_user_data;
} mongodb_aws_fetch_options;

typedef struct mongodb_aws_credentials_origin {
    const char *profile;
    size_t profile_len;
    const char *file;
    size_t file_len;
    uint32_t line;
    uint8_t has_origin;
} mongodb_aws_credentials_origin;

typedef struct mongodb_aws_credentials {
    const char *access_key_id;
    size_t access_key_id_len;
    const char *secret_access_key;
    size_t secret_access_key_len;
    const char *session_token;
    size_t session_token_len;
} mongodb_aws_credentials;

typedef struct mongodb_aws_credentials_info {
    struct mongodb_aws_credentials credentials;
    uint64_t expiration_unix;
    uint32_t source;
    uint8_t has_session_token;
    uint8_t has_expiration;
    uint8_t from_cache;
} mongodb_aws_credentials_info;

typedef struct mongodb_aws_assume_role_params {
    const char *role_arn;
    size_t role_arn_len;
    const char *role_session_name;
    size_t role_session_name_len;
    const char *external_id;
    size_t external_id_len;
    const char *mfa_serial_number;
    size_t mfa_serial_number_len;
    const char *mfa_token_code;
    size_t mfa_token_code_len;
    uint32_t duration_seconds;
} mongodb_aws_assume_role_params;

typedef struct mongodb_aws_saml_params {
    const char *role_arn;
    size_t role_arn_len;
    const char *principal_arn;
    size_t principal_arn_len;
    const char *assertion_file;
    size_t assertion_file_len;
    uint32_t duration_seconds;
} mongodb_aws_saml_params;

typedef uint32_t (*mongodb_aws_provider_fn)(void *user_data,
                                            struct mongodb_aws_provider_result *result);

typedef struct mongodb_aws_env_var {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} mongodb_aws_env_var;

typedef struct mongodb_aws_chain_action {
    uint32_t kind;
    const char *path;
    size_t path_len;
    const char *variable;
    size_t variable_len;
    uint32_t scheme;
    uint16_t port;
    const char *host;
    size_t host_len;
    size_t request_len;
    uint32_t connect_timeout_ms;
    uint32_t timeout_ms;
    uint32_t attempt;
    const char *step;
    size_t step_len;
    uint32_t wait_ms;
    size_t arg_count;
    const uint8_t *content;
    size_t content_len;
    struct mongodb_aws_credentials_info credentials;
    uint8_t cache;
    const char *origin_profile;
    size_t origin_profile_len;
    const char *origin_file;
    size_t origin_file_len;
    uint32_t origin_line;
    uint32_t error;
    size_t message_len;
} mongodb_aws_chain_action;

typedef struct mongodb_aws_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} mongodb_aws_header;

typedef struct mongodb_aws_http_request {
    const char *method;
    uint32_t scheme;
    uint16_t port;
    const char *host;
    size_t host_len;
    const char *authority;
    size_t authority_len;
    const char *target;
    size_t target_len;
    struct mongodb_aws_header headers[MONGODB_AWS_HTTP_MAX_HEADERS];
    size_t headers_len;
    const uint8_t *body;
    size_t body_len;
} mongodb_aws_http_request;

typedef struct mongodb_aws_client_conversation {
    uint8_t nonce[MONGODB_AWS_CLIENT_NONCE_LEN];
} mongodb_aws_client_conversation;

typedef struct mongodb_aws_server_first {
    const uint8_t *server_nonce;
    const char *host;
    size_t host_len;
    const char *region;
    size_t region_len;
} mongodb_aws_server_first;

typedef struct mongodb_aws_sts_endpoint {
    const char *override_url;
    size_t override_url_len;
    const char *regional_endpoints;
    size_t regional_endpoints_len;
    const char *region;
    size_t region_len;
} mongodb_aws_sts_endpoint;

typedef struct mongodb_aws_server_conversation {
    uint8_t client_first[52];
    uint8_t server_random[MONGODB_AWS_SERVER_RANDOM_LEN];
    uint8_t sts_host[255];
    uint8_t sts_host_len;
} mongodb_aws_server_conversation;

typedef struct mongodb_aws_client_final {
    const char *access_key_id;
    size_t access_key_id_len;
    const char *session_token;
    size_t session_token_len;
    uint8_t amz_date[16];
    uint64_t date_unix;
} mongodb_aws_client_final;

typedef struct mongodb_aws_caller_identity {
    const char *arn;
    size_t arn_len;
    const char *user_id;
    size_t user_id_len;
    const char *account;
    size_t account_len;
} mongodb_aws_caller_identity;

typedef struct mongodb_aws_sts_error {
    const char *kind;
    size_t kind_len;
    const char *code;
    size_t code_len;
    const char *message;
    size_t message_len;
} mongodb_aws_sts_error;

typedef struct mongodb_aws_request {
    const char *method;
    size_t method_len;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    const struct mongodb_aws_header *headers;
    size_t headers_len;
    const uint8_t *payload;
    size_t payload_len;
    const char *payload_hash;
    size_t payload_hash_len;
} mongodb_aws_request;

typedef struct mongodb_aws_signed_request {
    const char *access_key_id;
    size_t access_key_id_len;
    const char *host;
    size_t host_len;
    const char *region;
    size_t region_len;
    const char *session_token;
    size_t session_token_len;
    const char *server_nonce;
    size_t server_nonce_len;
    uint8_t amz_date[16];
    uint64_t date_unix;
} mongodb_aws_signed_request;

typedef struct mongodb_aws_scope {
    uint64_t now_unix;
    const char *region;
    size_t region_len;
    const char *service;
    size_t service_len;
} mongodb_aws_scope;

const char *mongodb_aws_version(void);

uint32_t mongodb_aws_version_number(void);

const char *mongodb_aws_status_str(uint32_t status);

const char *mongodb_aws_status_name(uint32_t status);

mongodb_aws_status mongodb_aws_get_credentials(struct mongodb_aws_owned_credentials **out);

mongodb_aws_status mongodb_aws_get_credentials_with(const struct mongodb_aws_fetch_options *options,
                                                    struct mongodb_aws_owned_credentials **out);

mongodb_aws_status mongodb_aws_owned_credentials_origin(const struct mongodb_aws_owned_credentials *creds,
                                                        struct mongodb_aws_credentials_origin *origin);

void mongodb_aws_clear_credential_cache(void);

mongodb_aws_status mongodb_aws_last_error_message(uint8_t *out, size_t out_cap, size_t *out_len);

mongodb_aws_status mongodb_aws_owned_credentials_info(const struct mongodb_aws_owned_credentials *creds,
                                                      struct mongodb_aws_credentials_info *info);

mongodb_aws_status mongodb_aws_owned_credentials_refusal_hint(const struct mongodb_aws_owned_credentials *creds,
                                                              uint8_t *out,
                                                              size_t out_cap,
                                                              size_t *out_len);

const struct mongodb_aws_credentials_handle *mongodb_aws_owned_credentials_handle(const struct mongodb_aws_owned_credentials *creds);

void mongodb_aws_owned_credentials_free(struct mongodb_aws_owned_credentials *creds);

mongodb_aws_status mongodb_aws_assume_role(const struct mongodb_aws_credentials *base,
                                           const struct mongodb_aws_assume_role_params *params,
                                           struct mongodb_aws_owned_credentials **out);

mongodb_aws_status mongodb_aws_assume_role_with_saml(const struct mongodb_aws_saml_params *params,
                                                     struct mongodb_aws_owned_credentials **out);

mongodb_aws_status mongodb_aws_set_credential_provider(mongodb_aws_provider_fn callback,
                                                       void *user_data);

mongodb_aws_status mongodb_aws_provider_result_set(struct mongodb_aws_provider_result *result,
                                                   const struct mongodb_aws_credentials *creds,
                                                   uint8_t has_expiration,
                                                   uint64_t expiration_unix);

mongodb_aws_status mongodb_aws_provider_result_set_error(struct mongodb_aws_provider_result *result,
                                                         const char *message,
                                                         size_t message_len);

mongodb_aws_status mongodb_aws_set_mfa_callback(mongodb_aws_mfa_fn callback, void *user_data);

mongodb_aws_status mongodb_aws_mfa_result_set_code(struct mongodb_aws_mfa_result *result,
                                                   const char *code,
                                                   size_t code_len);

mongodb_aws_status mongodb_aws_mfa_result_set_error(struct mongodb_aws_mfa_result *result,
                                                    const char *message,
                                                    size_t message_len);

size_t mongodb_aws_chain_var_count(void);

const char *mongodb_aws_chain_var_name(size_t index);

mongodb_aws_status mongodb_aws_chain_selected_profile(const struct mongodb_aws_env_var *vars,
                                                      size_t vars_len,
                                                      const char *profile,
                                                      size_t profile_len,
                                                      uint8_t *out,
                                                      size_t out_cap,
                                                      size_t *out_len,
                                                      uint8_t *named);

mongodb_aws_status mongodb_aws_chain_new(const struct mongodb_aws_env_var *vars,
                                         size_t vars_len,
                                         const char *profile,
                                         size_t profile_len,
                                         uint64_t now_unix,
                                         const uint8_t *random,
                                         uint32_t flags,
                                         uint64_t cached_expiration_unix,
                                         struct mongodb_aws_chain **out);

void mongodb_aws_chain_free(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_chain_poll(struct mongodb_aws_chain *chain,
                                          struct mongodb_aws_chain_action *action);

mongodb_aws_status mongodb_aws_chain_request(struct mongodb_aws_chain *chain,
                                             uint8_t *out,
                                             size_t out_cap,
                                             size_t *out_len,
                                             struct mongodb_aws_http_request *view);

mongodb_aws_status mongodb_aws_chain_error_message(struct mongodb_aws_chain *chain,
                                                   uint8_t *out,
                                                   size_t out_cap,
                                                   size_t *out_len);

mongodb_aws_status mongodb_aws_chain_on_file(struct mongodb_aws_chain *chain,
                                             const uint8_t *content,
                                             size_t content_len);

mongodb_aws_status mongodb_aws_chain_on_response(struct mongodb_aws_chain *chain,
                                                 uint32_t status,
                                                 const struct mongodb_aws_header *headers,
                                                 size_t headers_len,
                                                 const uint8_t *body,
                                                 size_t body_len);

mongodb_aws_status mongodb_aws_chain_on_io_error(struct mongodb_aws_chain *chain,
                                                 uint32_t kind);

mongodb_aws_status mongodb_aws_chain_process_arg(struct mongodb_aws_chain *chain,
                                                 size_t index,
                                                 const char **arg,
                                                 size_t *arg_len);

mongodb_aws_status mongodb_aws_chain_on_process_exit(struct mongodb_aws_chain *chain,
                                                     uint8_t has_exit_code,
                                                     int32_t exit_code,
                                                     const uint8_t *stdout,
                                                     size_t stdout_len,
                                                     const uint8_t *stderr,
                                                     size_t stderr_len);

mongodb_aws_status mongodb_aws_chain_on_mfa_code(struct mongodb_aws_chain *chain,
                                                 const char *code,
                                                 size_t code_len);

mongodb_aws_status mongodb_aws_chain_on_mfa_unavailable(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_chain_on_mfa_failed(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_chain_on_written(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_chain_on_wake(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_chain_on_provided(struct mongodb_aws_chain *chain,
                                                 const struct mongodb_aws_credentials *creds,
                                                 uint8_t has_expiration,
                                                 uint64_t expiration_unix);

mongodb_aws_status mongodb_aws_chain_on_provider_failed(struct mongodb_aws_chain *chain);

mongodb_aws_status mongodb_aws_client_conversation_init(struct mongodb_aws_client_conversation *conv,
                                                        const uint8_t *nonce,
                                                        size_t nonce_len);

mongodb_aws_status mongodb_aws_client_conversation_client_first(const struct mongodb_aws_client_conversation *conv,
                                                                uint8_t *out,
                                                                size_t out_cap,
                                                                size_t *out_len);

mongodb_aws_status mongodb_aws_client_conversation_parse_server_first(const struct mongodb_aws_client_conversation *conv,
                                                                      const uint8_t *server_first,
                                                                      size_t server_first_len,
                                                                      struct mongodb_aws_server_first *out);

mongodb_aws_status mongodb_aws_client_conversation_client_final(const struct mongodb_aws_client_conversation *conv,
                                                                const uint8_t *server_first,
                                                                size_t server_first_len,
                                                                const struct mongodb_aws_credentials *creds,
                                                                uint64_t now_unix,
                                                                const struct mongodb_aws_signing_key *key,
                                                                uint8_t *out,
                                                                size_t out_cap,
                                                                size_t *out_len);

mongodb_aws_status mongodb_aws_client_conversation_client_final_with_handle(const struct mongodb_aws_client_conversation *conv,
                                                                            const uint8_t *server_first,
                                                                            size_t server_first_len,
                                                                            const struct mongodb_aws_credentials_handle *handle,
                                                                            uint64_t now_unix,
                                                                            const struct mongodb_aws_signing_key *key,
                                                                            uint8_t *out,
                                                                            size_t out_cap,
                                                                            size_t *out_len);

mongodb_aws_status mongodb_aws_client_conversation_canonical_request(const struct mongodb_aws_client_conversation *conv,
                                                                     const uint8_t *server_first,
                                                                     size_t server_first_len,
                                                                     const struct mongodb_aws_credentials *creds,
                                                                     uint64_t now_unix,
                                                                     uint8_t *out,
                                                                     size_t out_cap,
                                                                     size_t *out_len);

mongodb_aws_status mongodb_aws_client_conversation_string_to_sign(const struct mongodb_aws_client_conversation *conv,
                                                                  const uint8_t *server_first,
                                                                  size_t server_first_len,
                                                                  const struct mongodb_aws_credentials *creds,
                                                                  uint64_t now_unix,
                                                                  uint8_t *out,
                                                                  size_t out_cap,
                                                                  size_t *out_len);

mongodb_aws_status mongodb_aws_credentials_handle_new(const struct mongodb_aws_credentials *creds,
                                                      struct mongodb_aws_credentials_handle **out);

void mongodb_aws_credentials_handle_free(struct mongodb_aws_credentials_handle *handle);

mongodb_aws_status mongodb_aws_get_caller_identity_request(const struct mongodb_aws_credentials *creds,
                                                           const struct mongodb_aws_sts_endpoint *sts,
                                                           uint64_t now_unix,
                                                           uint8_t *out,
                                                           size_t out_cap,
                                                           size_t *out_len,
                                                           struct mongodb_aws_http_request *view);

const char *mongodb_aws_source_name(uint32_t source);

mongodb_aws_status mongodb_aws_server_conversation_init(struct mongodb_aws_server_conversation *conv,
                                                        const uint8_t *client_first,
                                                        size_t client_first_len,
                                                        const uint8_t *server_random,
                                                        size_t server_random_len,
                                                        const char *sts_host,
                                                        size_t sts_host_len);

mongodb_aws_status mongodb_aws_server_conversation_server_first(const struct mongodb_aws_server_conversation *conv,
                                                                uint8_t *out,
                                                                size_t out_cap,
                                                                size_t *out_len);

mongodb_aws_status mongodb_aws_server_conversation_client_final(const struct mongodb_aws_server_conversation *conv,
                                                                const uint8_t *client_final,
                                                                size_t client_final_len,
                                                                uint64_t now_unix,
                                                                uint64_t max_skew_seconds,
                                                                struct mongodb_aws_client_final *out);

mongodb_aws_status mongodb_aws_server_conversation_sts_request(const struct mongodb_aws_server_conversation *conv,
                                                               const uint8_t *client_final,
                                                               size_t client_final_len,
                                                               uint8_t *out,
                                                               size_t out_cap,
                                                               size_t *out_len);

mongodb_aws_status mongodb_aws_parse_caller_identity(uint32_t http_status,
                                                     const uint8_t *body,
                                                     size_t body_len,
                                                     uint8_t *scratch,
                                                     size_t scratch_len,
                                                     struct mongodb_aws_caller_identity *out);

mongodb_aws_status mongodb_aws_parse_sts_error(const uint8_t *body,
                                               size_t body_len,
                                               uint8_t *scratch,
                                               size_t scratch_len,
                                               struct mongodb_aws_sts_error *out);

mongodb_aws_status mongodb_aws_user_name_for_arn(const char *arn,
                                                 size_t arn_len,
                                                 uint8_t *out,
                                                 size_t out_cap,
                                                 size_t *out_len);

mongodb_aws_status mongodb_aws_sts_inspect(const struct mongodb_aws_request *req,
                                           struct mongodb_aws_signed_request *out);

mongodb_aws_status mongodb_aws_sts_verify(const struct mongodb_aws_request *req,
                                          const char *secret,
                                          size_t secret_len,
                                          const char *expected_token,
                                          size_t expected_token_len,
                                          uint64_t now_unix);

mongodb_aws_status mongodb_aws_signing_key_new(const char *secret,
                                               size_t secret_len,
                                               const struct mongodb_aws_scope *scope,
                                               struct mongodb_aws_signing_key **out);

void mongodb_aws_signing_key_free(struct mongodb_aws_signing_key *key);

mongodb_aws_status mongodb_aws_signing_key_matches(const struct mongodb_aws_signing_key *key,
                                                   const struct mongodb_aws_scope *scope,
                                                   uint8_t *out_matches);

mongodb_aws_status mongodb_aws_sign(const struct mongodb_aws_request *req,
                                    const struct mongodb_aws_credentials *creds,
                                    const struct mongodb_aws_scope *scope,
                                    uint32_t flags,
                                    const struct mongodb_aws_signing_key *key,
                                    uint8_t *out,
                                    size_t out_cap,
                                    size_t *out_len);

mongodb_aws_status mongodb_aws_sign_authorization(const struct mongodb_aws_request *req,
                                                  const struct mongodb_aws_credentials *creds,
                                                  const struct mongodb_aws_scope *scope,
                                                  uint32_t flags,
                                                  const struct mongodb_aws_signing_key *key,
                                                  uint8_t *out,
                                                  size_t out_cap,
                                                  size_t *out_len);

mongodb_aws_status mongodb_aws_sign_canonical_request(const struct mongodb_aws_request *req,
                                                      const struct mongodb_aws_credentials *creds,
                                                      const struct mongodb_aws_scope *scope,
                                                      uint32_t flags,
                                                      uint8_t *out,
                                                      size_t out_cap,
                                                      size_t *out_len);

mongodb_aws_status mongodb_aws_sign_string_to_sign(const struct mongodb_aws_request *req,
                                                   const struct mongodb_aws_credentials *creds,
                                                   const struct mongodb_aws_scope *scope,
                                                   uint32_t flags,
                                                   uint8_t *out,
                                                   size_t out_cap,
                                                   size_t *out_len);

mongodb_aws_status mongodb_aws_presign(const struct mongodb_aws_request *req,
                                       const struct mongodb_aws_credentials *creds,
                                       const struct mongodb_aws_scope *scope,
                                       uint32_t flags,
                                       uint32_t expires_seconds,
                                       const struct mongodb_aws_signing_key *key,
                                       uint8_t *out,
                                       size_t out_cap,
                                       size_t *out_len);

mongodb_aws_status mongodb_aws_presign_canonical_request(const struct mongodb_aws_request *req,
                                                         const struct mongodb_aws_credentials *creds,
                                                         const struct mongodb_aws_scope *scope,
                                                         uint32_t flags,
                                                         uint32_t expires_seconds,
                                                         uint8_t *out,
                                                         size_t out_cap,
                                                         size_t *out_len);

mongodb_aws_status mongodb_aws_sts_validate_host(const char *host,
                                                 size_t host_len);

mongodb_aws_status mongodb_aws_sts_region_for_host(const char *host,
                                                   size_t host_len,
                                                   const char **out_region,
                                                   size_t *out_region_len);

mongodb_aws_status mongodb_aws_credentials_check(const struct mongodb_aws_credentials *creds);

mongodb_aws_status mongodb_aws_amz_date(uint64_t now_unix,
                                        uint8_t *out,
                                        size_t out_cap,
                                        size_t *out_len);

mongodb_aws_status mongodb_aws_parse_iso8601(const char *timestamp,
                                             size_t timestamp_len,
                                             uint64_t *out_unix);
