/*
 * The credential chain through the C API, both ways:
 *   - the state machine (mongodb_aws_chain_*) driven with scripted answers: the variable names, the
 *     environment snapshot (copied), every action kind and its fields (IMDS's three steps, ECS
 *     retries with backoff and Retry-After, web identity's file and STS form, the custom provider,
 *     the cache flag), the request writer and error message under the output convention, wrong
 *     events, NULL arguments; every status of the 120-139 and 400-420 blocks reached through it
 *     (or through the blocking AssumeRole and SAML argument checks), and a sweep of mutated
 *     answers (never a panic or an unknown status);
 *   - the blocking call (mongodb_aws_get_credentials) on environment credentials and on refused
 *     endpoints (no network: 127.0.0.1 port 1): owned credentials, their views and handle (signing
 *     with it equals signing with the struct), the per-thread last error message and its output
 *     convention, clear_credential_cache, AssumeRole and SAML, the custom provider hook.
 * Requests with real answers run in the scenario suite (scripts/test.d/21-c-providers).
 *
 * Usage: test_chain
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"


#define NOW 1700000000ull /* 2023-11-14T22:13:20Z */
static uint8_t out[1 << 17];
static size_t n;


/* ---- helpers: a chain from "NAME=VALUE" strings, answers, the outcome ----------------------------- */

/* `profile`: the explicit profile (pointer + length; NULL with 0 for none). */
static mongodb_aws_chain *chain_with(const char *const *env, const char *profile, size_t profile_len, uint32_t flags,
                                     uint64_t cached_expiration) {
    mongodb_aws_env_var vars[32];
    size_t k = 0;
    static const uint8_t random[16] = {0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB,
                                       0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB};
    mongodb_aws_chain *c = NULL;
    for (; env && env[k] && k < 32; k++) {
        const char *eq = strchr(env[k], '=');
        vars[k].name = env[k];
        vars[k].name_len = (size_t)(eq - env[k]);
        vars[k].value = eq + 1;
        vars[k].value_len = strlen(eq + 1);
    }
    EXPECT(mongodb_aws_chain_new(vars, k, profile, profile_len, NOW, random, flags, cached_expiration, &c),
           MONGODB_AWS_OK);
    return c;
}

static mongodb_aws_chain *chain_of(const char *const *env, uint32_t flags, uint64_t cached_expiration) {
    return chain_with(env, NULL, 0, flags, cached_expiration);
}

static mongodb_aws_chain_action poll_chain(mongodb_aws_chain *c) {
    mongodb_aws_chain_action a;
    memset(&a, 0x5A, sizeof a);
    EXPECT(mongodb_aws_chain_poll(c, &a), MONGODB_AWS_OK);
    return a;
}

static void answer(mongodb_aws_chain *c, uint32_t status, const char *body) {
    EXPECT(mongodb_aws_chain_on_response(c, status, NULL, 0, (const uint8_t *)body, strlen(body)), MONGODB_AWS_OK);
}

/* The error the chain failed with (0 if it did not fail); frees the chain. */
static uint32_t failure_of(mongodb_aws_chain *c) {
    mongodb_aws_chain_action a = poll_chain(c);
    uint32_t e = a.kind == MONGODB_AWS_ACTION_FAILED ? a.error : 0;
    tl_observe(e);
    mongodb_aws_chain_free(c);
    return e;
}

/* The chain's full message as a new NUL-terminated string (free it). */
static char *message_of(mongodb_aws_chain *c) {
    size_t len = 0;
    char *m;
    EXPECT(mongodb_aws_chain_error_message(c, NULL, 0, &len), MONGODB_AWS_OK);
    m = calloc(1, len + 1);
    EXPECT(mongodb_aws_chain_error_message(c, (uint8_t *)m, len, &n), MONGODB_AWS_OK);
    CHECK(n == len);
    return m;
}

static const char IMDS_TOKEN[] = "AQAEAImdsToken0123456789abcdef==";
static const char IMDS_CREDS[] =
    "{\"Code\":\"Success\",\"LastUpdated\":\"2023-11-14T22:00:00Z\",\"Type\":\"AWS-HMAC\","
    "\"AccessKeyId\":\"ASIAIMDS1\",\"SecretAccessKey\":\"imds\\/secret+key\",\"Token\":\"imds-token\","
    "\"Expiration\":\"2100-01-01T00:00:00Z\"}";
static const char ECS_CREDS[] =
    "{\"RoleArn\":\"arn:aws:iam::123456789012:role/ecs\",\"AccessKeyId\":\"ASIAECS1\","
    "\"SecretAccessKey\":\"ecs-secret\",\"Token\":\"ecs-token\",\"Expiration\":\"2100-01-01T00:00:00Z\"}";
static const char STS_WI[] =
    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<AssumeRoleWithWebIdentityResult><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/irsa/s"
    "</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser><Credentials>"
    "<SessionToken>sts-token</SessionToken><SecretAccessKey>sts-secret</SecretAccessKey>"
    "<Expiration>2100-01-01T00:00:00Z</Expiration><AccessKeyId>ASIASTS1</AccessKeyId></Credentials>"
    "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

static const char *const ECS_ENV[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/task",
                                      "MONGODB_AWS_ECS_ENDPOINT=http://127.0.0.1:9", NULL};
static const char *const WI_ENV[] = {"AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token", "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa",
                                     "MONGODB_AWS_STS_ENDPOINT=http://127.0.0.1:9", NULL};

/* ---- the variable names ---------------------------------------------------------------------------- */

static void variable_names(void) {
    size_t count = mongodb_aws_chain_var_count(), i, j;
    int id = 0, imds = 0;
    CHECK(count >= 15);
    for (i = 0; i < count; i++) {
        const char *name = mongodb_aws_chain_var_name(i);
        CHECK(name != NULL && strlen(name) >= 4);
        if (!name) continue;
        /* AWS_*, MONGODB_AWS_*, and the home directory of the shared files (~/.aws). */
        CHECK(strncmp(name, "AWS_", 4) == 0 || strncmp(name, "MONGODB_AWS_", 12) == 0 ||
              strcmp(name, "HOME") == 0 || strcmp(name, "USERPROFILE") == 0);
        id |= strcmp(name, "AWS_ACCESS_KEY_ID") == 0;
        imds |= strcmp(name, "AWS_METADATA_SERVICE_NUM_ATTEMPTS") == 0;
        for (j = 0; j < i; j++) CHECK(strcmp(name, mongodb_aws_chain_var_name(j)) != 0);
    }
    CHECK(id && imds);
    CHECK(mongodb_aws_chain_var_name(count) == NULL);
    CHECK(mongodb_aws_chain_var_name((size_t)-1) == NULL);
}

/* ---- new: arguments, the copied snapshot, flags ------------------------------------------------------ */

static void new_and_snapshot(void) {
    static const uint8_t random[16] = {0};
    char id[] = "AKIDEXAMPLE", secret[] = "chain-secret";
    mongodb_aws_env_var vars[3];
    mongodb_aws_chain *c = (mongodb_aws_chain *)&n, *sentinel = (mongodb_aws_chain *)&n;
    mongodb_aws_chain_action a;
    vars[0].name = "AWS_ACCESS_KEY_ID";
    vars[0].name_len = 17;
    vars[0].value = id;
    vars[0].value_len = strlen(id);
    vars[1].name = "AWS_SECRET_ACCESS_KEY";
    vars[1].name_len = 21;
    vars[1].value = secret;
    vars[1].value_len = strlen(secret);
    vars[2].name = "NOT_READ_BY_THE_CHAIN";
    vars[2].name_len = 21;
    vars[2].value = "\xff";
    vars[2].value_len = 1;
    EXPECT(mongodb_aws_chain_new(vars, 3, NULL, 0, NOW, random, 0, 0, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_new(vars, 3, NULL, 0, NOW, NULL, 0, 0, &c), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_new(NULL, 3, NULL, 0, NOW, random, 0, 0, &c), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_new(vars, 3, NULL, 0, NOW, random, 4, 0, &c), MONGODB_AWS_INVALID_PARAMETER);
    vars[1].value = "\xff\xfe";
    vars[1].value_len = 2;
    EXPECT(mongodb_aws_chain_new(vars, 3, NULL, 0, NOW, random, 0, 0, &c), MONGODB_AWS_INVALID_UTF8);
    CHECK(c == sentinel); /* nothing written on failure */
    vars[1].value = secret;
    vars[1].value_len = strlen(secret);
    EXPECT(mongodb_aws_chain_new(vars, 3, NULL, 0, NOW, random, 0, 0, &c), MONGODB_AWS_OK);
    /* The values were copied: the caller's buffers may change. */
    memset(id, 'X', strlen(id));
    memset(secret, 'X', strlen(secret));
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.cache == 0);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(tl_view_eq(a.credentials.credentials.secret_access_key, a.credentials.credentials.secret_access_key_len,
                  "chain-secret"));
    CHECK(a.credentials.source == MONGODB_AWS_SOURCE_ENVIRONMENT && a.credentials.has_expiration == 0);
    CHECK(a.credentials.has_session_token == 0 && a.credentials.credentials.session_token == NULL);
    CHECK(a.credentials.from_cache == 0);
    CHECK(strcmp(mongodb_aws_source_name(a.credentials.source), "environment") == 0);
    /* Unused fields are zero. */
    CHECK(a.path == NULL && a.host == NULL && a.request_len == 0 && a.wait_ms == 0 && a.error == 0);
    /* Polling again gives the same action. */
    {
        mongodb_aws_chain_action b = poll_chain(c);
        CHECK(b.kind == a.kind && b.credentials.credentials.access_key_id == a.credentials.credentials.access_key_id);
    }
    EXPECT(mongodb_aws_credentials_check(&a.credentials.credentials), MONGODB_AWS_OK);
    /* Not HTTP, not failed. */
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, &n, NULL), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    EXPECT(mongodb_aws_chain_error_message(c, out, sizeof out, &n), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    /* An event after DONE is refused and fails the chain. */
    EXPECT(mongodb_aws_chain_on_wake(c), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    CHECK(failure_of(c) == MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    mongodb_aws_chain_free(NULL);

    /* An empty value counts as unset; duplicates: the last wins. */
    {
        const char *const env[] = {"AWS_ACCESS_KEY_ID=first", "AWS_ACCESS_KEY_ID=AKIDLAST", "AWS_SECRET_ACCESS_KEY=s",
                                   "AWS_SESSION_TOKEN=", NULL};
        c = chain_of(env, 0, 0);
        a = poll_chain(c);
        CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.credentials.has_session_token == 0);
        CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDLAST"));
        mongodb_aws_chain_free(c);
    }
}

/* ---- EC2 IMDSv2: three HTTP steps --------------------------------------------------------------------- */

static void imds_steps(void) {
    mongodb_aws_chain *c = chain_of(NULL, 0, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    mongodb_aws_http_request v;
    size_t q = 0;
    mongodb_aws_credentials_handle *h = NULL;
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP);
    CHECK(a.scheme == MONGODB_AWS_SCHEME_HTTP && a.port == 80 && tl_view_eq(a.host, a.host_len, "169.254.169.254"));
    CHECK(a.connect_timeout_ms == 1000 && a.timeout_ms == 1000 && a.attempt == 1);
    CHECK(tl_view_eq(a.step, a.step_len, "IMDSv2 token"));
    /* The request under the output convention. */
    EXPECT(mongodb_aws_chain_request(c, NULL, 0, &q, NULL), MONGODB_AWS_OK);
    CHECK(q == a.request_len && q > 40);
    memset(out, 0xA5, sizeof out);
    memset(&v, 0x5A, sizeof v);
    n = 0;
    EXPECT(mongodb_aws_chain_request(c, out, q - 1, &n, &v), MONGODB_AWS_BUFFER_TOO_SMALL);
    CHECK(n == q && out[0] == 0xA5 && out[q - 2] == 0xA5 && v.port == 0x5A5A);
    EXPECT(mongodb_aws_chain_request(c, NULL, 5, &n, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, NULL, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(n == q && memcmp(out, "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\n", 55) == 0);
    CHECK(strcmp(v.method, "PUT") == 0 && tl_view_eq(v.target, v.target_len, "/latest/api/token"));
    CHECK(tl_mem_has(out, n, "\r\nX-aws-ec2-metadata-token-ttl-seconds: "));
    /* Step 2: the role name, with the token. */
    answer(c, 200, IMDS_TOKEN);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && tl_view_eq(a.step, a.step_len, "IMDS role name"));
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(tl_view_eq(v.target, v.target_len, "/latest/meta-data/iam/security-credentials/"));
    CHECK(tl_mem_has(out, n, "\r\nX-aws-ec2-metadata-token: AQAEAImdsToken0123456789abcdef==\r\n"));
    /* Step 3: the role's credentials. */
    answer(c, 200, "ec2-role\n");
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP);
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(tl_view_eq(v.target, v.target_len, "/latest/meta-data/iam/security-credentials/ec2-role"));
    answer(c, 200, IMDS_CREDS);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.cache == 1);
    CHECK(a.credentials.source == MONGODB_AWS_SOURCE_EC2 && strcmp(mongodb_aws_source_name(a.credentials.source), "ec2") == 0);
    CHECK(a.credentials.has_expiration == 1 && a.credentials.expiration_unix == 4102444800ull);
    CHECK(a.credentials.has_session_token == 1);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "ASIAIMDS1"));
    CHECK(tl_view_eq(a.credentials.credentials.secret_access_key, a.credentials.credentials.secret_access_key_len,
                  "imds/secret+key")); /* unescaped */
    CHECK(tl_view_eq(a.credentials.credentials.session_token, a.credentials.credentials.session_token_len, "imds-token"));
    /* A driver keeps them past the chain in a handle. */
    EXPECT(mongodb_aws_credentials_handle_new(&a.credentials.credentials, &h), MONGODB_AWS_OK);
    mongodb_aws_chain_free(c);
    mongodb_aws_credentials_handle_free(h);

    /* AWS_METADATA_SERVICE_TIMEOUT and _NUM_ATTEMPTS: deadlines and retries of every step. */
    {
        const char *const env[] = {"AWS_METADATA_SERVICE_TIMEOUT=2.5", "AWS_METADATA_SERVICE_NUM_ATTEMPTS=2", NULL};
        c = chain_of(env, 0, 0);
        a = poll_chain(c);
        CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.connect_timeout_ms == 2500 && a.timeout_ms == 2500);
        EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_TIMEOUT), MONGODB_AWS_OK);
        a = poll_chain(c); /* IMDS retries at once, no backoff */
        CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.attempt == 2);
        EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_TIMEOUT), MONGODB_AWS_OK);
        {
            char *m = message_of(c);
            CHECK(strstr(m, "PUT http://169.254.169.254/latest/api/token") != NULL);
            CHECK(strstr(m, "after 2 attempts") != NULL && strstr(m, "2500 ms") != NULL);
            free(m);
        }
        CHECK(failure_of(c) == MONGODB_AWS_IMDS_TOKEN_TIMEOUT);
    }
}

/* ---- ECS: retries, backoff, Retry-After, the message -------------------------------------------------- */

static void ecs_retries(void) {
    mongodb_aws_chain *c = chain_of(ECS_ENV, 0, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    mongodb_aws_header retry_after;
    char *m;
    size_t len;
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.port == 9 && tl_view_eq(a.host, a.host_len, "127.0.0.1"));
    CHECK(a.connect_timeout_ms == 2000 && a.timeout_ms == 10000 && tl_view_eq(a.step, a.step_len, "ECS credentials"));
    answer(c, 500, "oops");
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_WAIT && a.wait_ms == 200);
    EXPECT(mongodb_aws_chain_on_response(c, 200, NULL, 0, NULL, 0), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    CHECK(failure_of(c) == MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);

    c = chain_of(ECS_ENV, 0, 0);
    poll_chain(c);
    answer(c, 503, "busy");
    EXPECT(mongodb_aws_chain_on_wake(c), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.attempt == 2);
    retry_after.name = "Retry-After";
    retry_after.name_len = 11;
    retry_after.value = "1";
    retry_after.value_len = 1;
    EXPECT(mongodb_aws_chain_on_response(c, 429, &retry_after, 1, (const uint8_t *)"slow", 4), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_WAIT && a.wait_ms == 1000);
    EXPECT(mongodb_aws_chain_on_wake(c), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.attempt == 3);
    answer(c, 500, "still");
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_FAILED && a.error == MONGODB_AWS_ENDPOINT_HTTP_STATUS);
    /* The message under the output convention. */
    len = 0;
    EXPECT(mongodb_aws_chain_error_message(c, NULL, 0, &len), MONGODB_AWS_OK);
    CHECK(len == a.message_len);
    memset(out, 0xA5, sizeof out);
    EXPECT(mongodb_aws_chain_error_message(c, out, len - 1, &n), MONGODB_AWS_BUFFER_TOO_SMALL);
    CHECK(n == len && out[0] == 0xA5 && out[len - 2] == 0xA5);
    EXPECT(mongodb_aws_chain_error_message(c, NULL, 3, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_error_message(c, out, sizeof out, NULL), MONGODB_AWS_NULL_ARGUMENT);
    m = message_of(c);
    CHECK(strstr(m, "source ecs") != NULL && strstr(m, "GET http://127.0.0.1:9/v2/credentials/task") != NULL);
    CHECK(strstr(m, "HTTP 500") != NULL && strstr(m, "after 3 attempts") != NULL);
    free(m);
    CHECK(failure_of(c) == MONGODB_AWS_ENDPOINT_HTTP_STATUS);

    /* Refused is not retried for ECS; a reset is. */
    c = chain_of(ECS_ENV, 0, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_CLOSED), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_WAIT);
    EXPECT(mongodb_aws_chain_on_wake(c), MONGODB_AWS_OK);
    poll_chain(c);
    answer(c, 200, ECS_CREDS);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.cache == 1 && a.credentials.source == MONGODB_AWS_SOURCE_ECS);
    mongodb_aws_chain_free(c);
}

/* ---- web identity: the file, the STS form -------------------------------------------------------------- */

static void web_identity(void) {
    mongodb_aws_chain *c = chain_of(WI_ENV, 0, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    mongodb_aws_http_request v;
    char *m;
    CHECK(a.kind == MONGODB_AWS_ACTION_READ_FILE && tl_view_eq(a.path, a.path_len, "/var/run/token"));
    CHECK(tl_view_eq(a.variable, a.variable_len, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)"eyJhbGciOiJSUzI1NiJ9.e30.sig\n", 29), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.connect_timeout_ms == 5000 && a.timeout_ms == 10000);
    EXPECT(mongodb_aws_chain_request(c, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(strcmp(v.method, "POST") == 0 && v.scheme == MONGODB_AWS_SCHEME_HTTP);
    CHECK(tl_mem_has(v.body, v.body_len, "Action=AssumeRoleWithWebIdentity"));
    CHECK(tl_mem_has(v.body, v.body_len, "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.e30.sig"));
    CHECK(tl_mem_has(v.body, v.body_len, "RoleSessionName=mongodb-aws-abababababababababababababababab"));
    answer(c, 200, STS_WI);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.credentials.source == MONGODB_AWS_SOURCE_WEB_IDENTITY && a.cache == 1);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "ASIASTS1"));
    mongodb_aws_chain_free(c);

    /* A missing file: FILE_UNREADABLE naming the path and the variable. */
    c = chain_of(WI_ENV, 0, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND), MONGODB_AWS_OK);
    m = message_of(c);
    CHECK(strstr(m, "/var/run/token") != NULL && strstr(m, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL);
    free(m);
    CHECK(failure_of(c) == MONGODB_AWS_FILE_UNREADABLE);

    /* An STS error document: its Code and Message in the message, never the token. */
    c = chain_of(WI_ENV, 0, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)"secret-web-token", 16), MONGODB_AWS_OK);
    answer(c, 400,
           "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message>"
           "</Error><RequestId>r</RequestId></ErrorResponse>");
    m = message_of(c);
    CHECK(strstr(m, "STS AccessDenied: Not authorized") != NULL && strstr(m, "secret-web-token") == NULL);
    free(m);
    CHECK(failure_of(c) == MONGODB_AWS_STS_ERROR_RESPONSE);
}

/* ---- custom provider and cache ------------------------------------------------------------------------ */

static void provider_and_cache(void) {
    mongodb_aws_credentials good = tl_creds("AKIDPROVIDED", "provided-secret", "provided-token");
    mongodb_aws_credentials bad = tl_creds("AKID-BAD", "s", NULL);
    mongodb_aws_chain *c = chain_of(NULL, MONGODB_AWS_CHAIN_CUSTOM_PROVIDER, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_CALL_PROVIDER);
    EXPECT(mongodb_aws_chain_on_provided(c, NULL, 0, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_provided(c, &good, 1, NOW + 3600), MONGODB_AWS_OK);
    good.access_key_id = "XXXXXXXXXXXX"; /* copied */
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.cache == 0 && a.credentials.source == MONGODB_AWS_SOURCE_CUSTOM_PROVIDER);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDPROVIDED"));
    CHECK(a.credentials.has_expiration == 1 && a.credentials.expiration_unix == NOW + 3600);
    mongodb_aws_chain_free(c);

    good = tl_creds("AKIDPROVIDED", "provided-secret", NULL);
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CUSTOM_PROVIDER, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_provided(c, &good, 1, NOW + 300), MONGODB_AWS_OK); /* within 5 minutes */
    CHECK(failure_of(c) == MONGODB_AWS_CREDENTIALS_EXPIRED);
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CUSTOM_PROVIDER, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_provided(c, &bad, 0, 0), MONGODB_AWS_OK);
    CHECK(failure_of(c) == MONGODB_AWS_INVALID_ACCESS_KEY_ID);
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CUSTOM_PROVIDER, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_provider_failed(c), MONGODB_AWS_OK);
    CHECK(failure_of(c) == MONGODB_AWS_CUSTOM_PROVIDER_FAILED);

    /* The driver's cache: fresh while strictly more than 5 minutes remain; the provider comes first. */
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CACHED, NOW + 301);
    CHECK(poll_chain(c).kind == MONGODB_AWS_ACTION_USE_CACHE);
    mongodb_aws_chain_free(c);
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CACHED, NOW + 300);
    CHECK(poll_chain(c).kind == MONGODB_AWS_ACTION_HTTP);
    mongodb_aws_chain_free(c);
    c = chain_of(NULL, MONGODB_AWS_CHAIN_CACHED | MONGODB_AWS_CHAIN_CUSTOM_PROVIDER, NOW + 3600);
    CHECK(poll_chain(c).kind == MONGODB_AWS_ACTION_CALL_PROVIDER);
    mongodb_aws_chain_free(c);
    {
        const char *const env[] = {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=s", NULL};
        c = chain_of(env, MONGODB_AWS_CHAIN_CACHED, NOW + 3600); /* a fresh cache wins over the environment */
        CHECK(poll_chain(c).kind == MONGODB_AWS_ACTION_USE_CACHE);
        mongodb_aws_chain_free(c);
    }
}

/* ---- wrong events and NULL arguments ---------------------------------------------------------------- */

static void wrong_events_and_nulls(void) {
    mongodb_aws_chain *c = chain_of(ECS_ENV, 0, 0);
    mongodb_aws_chain_action a;
    mongodb_aws_header h;
    poll_chain(c);
    /* Arguments the chain never sees: refused without changing it. */
    EXPECT(mongodb_aws_chain_on_io_error(c, 0), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_chain_on_io_error(c, 8), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_chain_on_response(c, 1000, NULL, 0, NULL, 0), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_chain_on_response(c, 99, NULL, 0, NULL, 0), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_chain_on_response(c, 200, NULL, 1, NULL, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_response(c, 200, NULL, 0, NULL, 1), MONGODB_AWS_NULL_ARGUMENT);
    h.name = NULL;
    h.name_len = 3;
    h.value = "v";
    h.value_len = 1;
    EXPECT(mongodb_aws_chain_on_response(c, 200, &h, 1, NULL, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_file(c, NULL, 1), MONGODB_AWS_NULL_ARGUMENT);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP && a.attempt == 1);
    /* A header that is not UTF-8 is skipped, not refused. */
    h.name = "X-\xff";
    h.name_len = 3;
    EXPECT(mongodb_aws_chain_on_response(c, 200, &h, 1, (const uint8_t *)ECS_CREDS, strlen(ECS_CREDS)), MONGODB_AWS_OK);
    CHECK(poll_chain(c).kind == MONGODB_AWS_ACTION_DONE);
    mongodb_aws_chain_free(c);
    /* The answer to another action. */
    c = chain_of(ECS_ENV, 0, 0);
    poll_chain(c);
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)"x", 1), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_FAILED && a.error == MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    EXPECT(mongodb_aws_chain_on_provided(c, NULL, 0, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_provider_failed(c), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    mongodb_aws_chain_free(c);
    /* Without even a first poll. */
    c = chain_of(ECS_ENV, 0, 0);
    EXPECT(mongodb_aws_chain_on_wake(c), MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    CHECK(failure_of(c) == MONGODB_AWS_UNEXPECTED_CHAIN_EVENT);
    /* NULL chain or action everywhere. */
    EXPECT(mongodb_aws_chain_poll(NULL, &a), MONGODB_AWS_NULL_ARGUMENT);
    c = chain_of(NULL, 0, 0);
    EXPECT(mongodb_aws_chain_poll(c, NULL), MONGODB_AWS_NULL_ARGUMENT);
    mongodb_aws_chain_free(c);
    EXPECT(mongodb_aws_chain_request(NULL, out, sizeof out, &n, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_error_message(NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_file(NULL, NULL, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_response(NULL, 200, NULL, 0, NULL, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_io_error(NULL, MONGODB_AWS_IO_CLOSED), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_wake(NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_provided(NULL, NULL, 0, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_on_provider_failed(NULL), MONGODB_AWS_NULL_ARGUMENT);
}

/* ---- every status of the chain's blocks ------------------------------------------------------------- */

/* Runs a chain on `env` answering each HTTP step with the next of `bodies` (status 200) and each file
 * with `file`; returns the error it failed with (0 if it did not fail). */
static uint32_t scripted(const char *const *env, const char *file, const char *const *bodies) {
    mongodb_aws_chain *c = chain_of(env, 0, 0);
    int guard;
    for (guard = 0; guard < 16; guard++) {
        mongodb_aws_chain_action a = poll_chain(c);
        if (a.kind == MONGODB_AWS_ACTION_READ_FILE) {
            mongodb_aws_chain_on_file(c, (const uint8_t *)file, strlen(file));
        } else if (a.kind == MONGODB_AWS_ACTION_HTTP && bodies && *bodies) {
            answer(c, 200, *bodies++);
        } else if (a.kind == MONGODB_AWS_ACTION_WAIT) {
            mongodb_aws_chain_on_wake(c);
        } else {
            break;
        }
    }
    return failure_of(c);
}

/* Fails the first HTTP step of `env` with an I/O error or status. */
static uint32_t first_step_fails(const char *const *env, uint32_t io, uint32_t status) {
    mongodb_aws_chain *c = chain_of(env, 0, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_HTTP);
    if (io) EXPECT(mongodb_aws_chain_on_io_error(c, io), MONGODB_AWS_OK);
    else answer(c, status, "not found");
    return failure_of(c);
}

static char *repeat(char ch, size_t count, const char *prefix, const char *suffix) {
    size_t p = strlen(prefix), s = strlen(suffix);
    char *b = malloc(p + count + s + 1);
    memcpy(b, prefix, p);
    memset(b + p, ch, count);
    memcpy(b + p + count, suffix, s + 1);
    return b;
}

static void chain_statuses(void) {
    static const char *const none[] = {NULL};
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define BODIES(...) ((const char *const[]){__VA_ARGS__, NULL})
    CHECK(scripted(ENV("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/x", "MONGODB_AWS_ECS_ENDPOINT=ftp://x"), "", none) ==
          MONGODB_AWS_INVALID_ENDPOINT_URL);
    CHECK(scripted(ENV("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/x", "MONGODB_AWS_ECS_ENDPOINT=http://127.0.0.1/p"), "",
                   none) == MONGODB_AWS_ENDPOINT_HAS_PATH);
    CHECK(scripted(ENV("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds"), "", none) ==
          MONGODB_AWS_FORBIDDEN_CONTAINER_HOST);
    CHECK(scripted(ENV("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=no-slash"), "", none) == MONGODB_AWS_INVALID_RELATIVE_URI);
    CHECK(scripted(ENV("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/c", "AWS_CONTAINER_AUTHORIZATION_TOKEN=a\nb"),
                   "", none) == MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN);
    CHECK(scripted(ENV("AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_ROLE_ARN=role"), "token", none) == MONGODB_AWS_INVALID_ROLE_ARN);
    CHECK(scripted(ENV("AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_ROLE_ARN=arn:aws:iam::1:role/r", "AWS_ROLE_SESSION_NAME=x"),
                   "token", none) == MONGODB_AWS_INVALID_ROLE_SESSION_NAME);
    CHECK(scripted(ENV("AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_ROLE_ARN=arn:aws:iam::1:role/r"), "a b", none) ==
          MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN);
    CHECK(scripted(none, "", BODIES(IMDS_TOKEN, "../etc")) == MONGODB_AWS_INVALID_ROLE_NAME);
    CHECK(scripted(none, "", BODIES("bad token")) == MONGODB_AWS_INVALID_IMDS_TOKEN);
    CHECK(scripted(ENV("AWS_METADATA_SERVICE_TIMEOUT=soon"), "", none) == MONGODB_AWS_INVALID_ENVIRONMENT_VARIABLE);
    CHECK(scripted(ENV("AWS_METADATA_SERVICE_NUM_ATTEMPTS=11"), "", none) == MONGODB_AWS_INVALID_ENVIRONMENT_VARIABLE);
    /* Answers. */
    CHECK(scripted(ECS_ENV, "", BODIES("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"soon\"}")) ==
          MONGODB_AWS_INVALID_TIMESTAMP);
    CHECK(scripted(ECS_ENV, "", BODIES("{")) == MONGODB_AWS_JSON_MALFORMED);
    {
        char *deep = repeat('[', 600, "", ""), *xml = malloc(3 * 200 + 1);
        size_t k;
        for (k = 0; k < 200; k++) memcpy(xml + 3 * k, "<a>", 3);
        xml[600] = 0;
        CHECK(scripted(ECS_ENV, "", BODIES(deep)) == MONGODB_AWS_JSON_TOO_DEEP);
        CHECK(scripted(WI_ENV, "token", BODIES(xml)) == MONGODB_AWS_XML_TOO_DEEP);
        free(deep);
        free(xml);
    }
    CHECK(scripted(WI_ENV, "token", BODIES("<a><b></a>")) == MONGODB_AWS_XML_MALFORMED);
    CHECK(scripted(ECS_ENV, "", BODIES("{\"AccessKeyId\":\"A\"}")) == MONGODB_AWS_MISSING_RESPONSE_FIELD);
    CHECK(scripted(ECS_ENV, "", BODIES("{\"AccessKeyId\":1,\"SecretAccessKey\":\"s\",\"Expiration\":\"2100-01-01T00:00:00Z\"}")) ==
          MONGODB_AWS_WRONG_RESPONSE_FIELD_TYPE);
    CHECK(scripted(ECS_ENV, "",
                   BODIES("{\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"s\",\"Expiration\":\"2100-01-01T00:00:00Z\"}")) ==
          MONGODB_AWS_DUPLICATE_RESPONSE_FIELD);
    CHECK(scripted(ECS_ENV, "", BODIES("[1]")) == MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE);
    CHECK(scripted(none, "",
                   BODIES(IMDS_TOKEN, "role",
                          "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\","
                          "\"Expiration\":\"2100-01-01T00:00:00Z\"}")) == MONGODB_AWS_IMDS_CODE_NOT_SUCCESS);
    CHECK(scripted(none, "", BODIES(IMDS_TOKEN, "")) == MONGODB_AWS_NO_INSTANCE_ROLE);
    CHECK(scripted(none, "", BODIES(IMDS_TOKEN, "\xff\xfe")) == MONGODB_AWS_RESPONSE_NOT_TEXT);
    CHECK(scripted(ECS_ENV, "", BODIES("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2023-11-14T22:00:00Z\"}")) ==
          MONGODB_AWS_CREDENTIALS_EXPIRED);
    {
        char *body = repeat('t', 17000, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"2100-01-01T00:00:00Z\",\"Token\":\"", "\"}");
        CHECK(scripted(ECS_ENV, "", BODIES(body)) == MONGODB_AWS_RESPONSE_FIELD_TOO_LONG);
        free(body);
    }
    /* Transport and status. */
    CHECK(first_step_fails(ECS_ENV, 0, 404) == MONGODB_AWS_ENDPOINT_HTTP_STATUS);
    CHECK(first_step_fails(ECS_ENV, MONGODB_AWS_IO_TIMEOUT, 0) == MONGODB_AWS_ENDPOINT_TIMEOUT);
    CHECK(first_step_fails(ECS_ENV, MONGODB_AWS_IO_CONNECT_TIMEOUT, 0) == MONGODB_AWS_ENDPOINT_TIMEOUT);
    CHECK(first_step_fails(ECS_ENV, MONGODB_AWS_IO_REFUSED, 0) == MONGODB_AWS_ENDPOINT_UNREACHABLE);
    CHECK(first_step_fails(ECS_ENV, MONGODB_AWS_IO_BAD_RESPONSE, 0) == MONGODB_AWS_ENDPOINT_BAD_RESPONSE);
    CHECK(first_step_fails(none, MONGODB_AWS_IO_TIMEOUT, 0) == MONGODB_AWS_IMDS_TOKEN_TIMEOUT);
    CHECK(first_step_fails(none, MONGODB_AWS_IO_CONNECT_TIMEOUT, 0) == MONGODB_AWS_ENDPOINT_TIMEOUT);
    {
        /* An oversized body (one byte over MONGODB_AWS_MAX_RESPONSE_LEN). */
        static uint8_t big[MONGODB_AWS_MAX_RESPONSE_LEN + 1];
        mongodb_aws_chain *c = chain_of(ECS_ENV, 0, 0);
        memset(big, ' ', sizeof big);
        poll_chain(c);
        EXPECT(mongodb_aws_chain_on_response(c, 200, NULL, 0, big, sizeof big), MONGODB_AWS_OK);
        CHECK(failure_of(c) == MONGODB_AWS_ENDPOINT_BAD_RESPONSE);
    }
    /* Environment credentials. */
    CHECK(scripted(ENV("AWS_ACCESS_KEY_ID=AKID"), "", none) == MONGODB_AWS_MISSING_SECRET_ACCESS_KEY);
    CHECK(scripted(ENV("AWS_EC2_METADATA_DISABLED=TRUE"), "", none) == MONGODB_AWS_NO_CREDENTIALS);
#undef ENV
#undef BODIES
}

/* Mutated answers at every HTTP step: never a panic, never an unknown status, always a final action. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { return tl_rnd(&rng); }

static void sweep(int iterations) {
    static const char *const sources[] = {IMDS_CREDS, ECS_CREDS, STS_WI};
    static uint8_t b[8192];
    int i, bad = 0;
    for (i = 0; i < iterations; i++) {
        uint32_t which = rnd() % 3, edits = 1 + rnd() % 4, st;
        const char *src = sources[which];
        size_t len = strlen(src);
        mongodb_aws_chain *c = chain_of(which == 0 ? NULL : which == 1 ? ECS_ENV : WI_ENV, 0, 0);
        mongodb_aws_chain_action a;
        int steps;
        memcpy(b, src, len);
        tl_mutate(&rng, b, &len, sizeof b, edits, TL_SPECIALS);
        for (steps = 0; steps < 12; steps++) {
            a = poll_chain(c);
            if (a.kind == MONGODB_AWS_ACTION_READ_FILE) st = mongodb_aws_chain_on_file(c, (const uint8_t *)"token", 5);
            else if (a.kind == MONGODB_AWS_ACTION_WAIT) st = mongodb_aws_chain_on_wake(c);
            else if (a.kind == MONGODB_AWS_ACTION_HTTP) {
                /* IMDS: a token and a role first; then the mutated credentials, with a random status. */
                uint32_t status = rnd() % 4 == 0 ? 200 + rnd() % 400 : 200;
                if (which == 0 && tl_view_eq(a.step, a.step_len, "IMDSv2 token")) st = mongodb_aws_chain_on_response(c, 200, NULL, 0, (const uint8_t *)IMDS_TOKEN, strlen(IMDS_TOKEN));
                else if (which == 0 && tl_view_eq(a.step, a.step_len, "IMDS role name")) st = mongodb_aws_chain_on_response(c, 200, NULL, 0, (const uint8_t *)"r", 1);
                else st = mongodb_aws_chain_on_response(c, status, NULL, 0, b, len);
            } else break;
            if (st != MONGODB_AWS_OK) bad++;
        }
        CHECK(a.kind == MONGODB_AWS_ACTION_DONE || a.kind == MONGODB_AWS_ACTION_FAILED);
        if (a.kind == MONGODB_AWS_ACTION_FAILED) {
            tl_observe(a.error);
            if (tl_bad_status(a.error)) bad++;
            if (mongodb_aws_chain_error_message(c, out, sizeof out, &n) != MONGODB_AWS_OK || n != a.message_len) bad++;
        }
        mongodb_aws_chain_free(c);
    }
    CHECK(bad == 0);
}

/* ---- the blocking call ------------------------------------------------------------------------------- */

static void clear_env(void) {
    size_t i;
    for (i = 0; i < mongodb_aws_chain_var_count(); i++) unsetenv(mongodb_aws_chain_var_name(i));
}

static char *last_error(void) {
    size_t len = 99;
    char *m;
    EXPECT(mongodb_aws_last_error_message(NULL, 0, &len), MONGODB_AWS_OK);
    m = calloc(1, len + 1);
    EXPECT(mongodb_aws_last_error_message((uint8_t *)m, len, &n), MONGODB_AWS_OK);
    CHECK(n == len);
    return m;
}

static void *other_thread(void *arg) {
    char *m = last_error(); /* this thread made no call: no message */
    *(int *)arg = m[0] == 0;
    free(m);
    return NULL;
}

/* Many threads at once: each gets its own object; failures keep their own message. */
static void *concurrent_caller(void *arg) {
    int i, *ok = arg;
    *ok = 1;
    for (i = 0; i < 20; i++) {
        mongodb_aws_owned_credentials *creds = NULL;
        mongodb_aws_credentials_info info;
        if (mongodb_aws_get_credentials(&creds) != MONGODB_AWS_OK ||
            mongodb_aws_owned_credentials_info(creds, &info) != MONGODB_AWS_OK ||
            !tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIDEXAMPLE"))
            *ok = 0;
        mongodb_aws_owned_credentials_free(creds);
        if (mongodb_aws_get_credentials(NULL) != MONGODB_AWS_NULL_ARGUMENT) *ok = 0;
    }
    return NULL;
}

static void blocking(void) {
    mongodb_aws_owned_credentials *creds = NULL, *sentinel = (mongodb_aws_owned_credentials *)&n;
    mongodb_aws_credentials_info info;
    const mongodb_aws_credentials_handle *h;
    char *m;
    size_t len;
    clear_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_SESSION_TOKEN", "blocking-token", 1);
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    m = last_error();
    CHECK(m[0] == 0); /* a success leaves no message */
    free(m);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(info.source == MONGODB_AWS_SOURCE_ENVIRONMENT && info.from_cache == 0 && info.has_expiration == 0);
    CHECK(info.has_session_token == 1);
    CHECK(tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(tl_view_eq(info.credentials.session_token, info.credentials.session_token_len, "blocking-token"));
    /* Signing with the owned handle equals signing with the struct. */
    h = mongodb_aws_owned_credentials_handle(creds);
    CHECK(h != NULL && mongodb_aws_owned_credentials_handle(NULL) == NULL);
    {
        static uint8_t a[4096], b[4096];
        uint8_t nonce[32], server_nonce[64];
        size_t la = 0, lb = 0;
        mongodb_aws_client_conversation conv;
        tb_doc sf;
        tl_nonces(nonce, server_nonce);
        tl_server_first(&sf, 0, server_nonce, 64, "sts.amazonaws.com", 17);
        EXPECT(mongodb_aws_client_conversation_init(&conv, nonce, 32), MONGODB_AWS_OK);
        EXPECT(mongodb_aws_client_conversation_client_final_with_handle(&conv, sf.buf, sf.len, h, NOW, NULL, a, sizeof a, &la),
               MONGODB_AWS_OK);
        EXPECT(mongodb_aws_client_conversation_client_final(&conv, sf.buf, sf.len, &info.credentials, NOW, NULL, b, sizeof b, &lb),
               MONGODB_AWS_OK);
        CHECK_MEM(a, la, b, lb);
    }
    {
        pthread_t t[8];
        int ok[8], k;
        for (k = 0; k < 8; k++) CHECK(pthread_create(&t[k], NULL, concurrent_caller, &ok[k]) == 0);
        for (k = 0; k < 8; k++) {
            CHECK(pthread_join(t[k], NULL) == 0);
            CHECK(ok[k]);
        }
    }
    /* The object is the caller's: the environment may change. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDOTHER", 1);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIDEXAMPLE"));
    EXPECT(mongodb_aws_owned_credentials_info(NULL, &info), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_owned_credentials_info(creds, NULL), MONGODB_AWS_NULL_ARGUMENT);
    mongodb_aws_owned_credentials_free(creds);
    mongodb_aws_owned_credentials_free(NULL);
    /* Environment credentials are never cached: the next call reads the environment again. */
    mongodb_aws_clear_credential_cache();
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIDOTHER") && info.from_cache == 0);
    mongodb_aws_owned_credentials_free(creds);

    /* Failures: the status, *out untouched, the message kept per thread. */
    clear_env();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    creds = sentinel;
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_NO_CREDENTIALS);
    CHECK(creds == sentinel);
    m = last_error();
    CHECK(strstr(m, "no AWS credentials found") != NULL && strstr(m, "AWS_EC2_METADATA_DISABLED") != NULL);
    len = strlen(m);
    free(m);
    memset(out, 0xA5, sizeof out);
    EXPECT(mongodb_aws_last_error_message(out, len - 1, &n), MONGODB_AWS_BUFFER_TOO_SMALL);
    CHECK(n == len && out[0] == 0xA5 && out[len - 2] == 0xA5);
    EXPECT(mongodb_aws_last_error_message(NULL, 4, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_last_error_message(out, sizeof out, NULL), MONGODB_AWS_NULL_ARGUMENT);
    {
        pthread_t t;
        int empty = 0;
        CHECK(pthread_create(&t, NULL, other_thread, &empty) == 0);
        CHECK(pthread_join(t, NULL) == 0);
        CHECK(empty);
    }
    EXPECT(mongodb_aws_get_credentials(NULL), MONGODB_AWS_NULL_ARGUMENT);
    m = last_error();
    CHECK(strcmp(m, mongodb_aws_status_str(MONGODB_AWS_NULL_ARGUMENT)) == 0);
    free(m);
    /* An endpoint that refuses (127.0.0.1 port 1): the runtime's I/O, the chain's mapping (no retry). */
    clear_env();
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x", 1);
    setenv("MONGODB_AWS_ECS_ENDPOINT", "http://127.0.0.1:1", 1);
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_ENDPOINT_UNREACHABLE);
    m = last_error();
    CHECK(strstr(m, "GET http://127.0.0.1:1/v2/credentials/x") != NULL);
    free(m);
    clear_env();
}

static void assume_role_and_saml(void) {
    mongodb_aws_credentials base = tl_creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
    mongodb_aws_assume_role_params p;
    mongodb_aws_saml_params s;
    mongodb_aws_owned_credentials *creds = NULL;
    char path[] = "/tmp/mongodb-aws-saml-XXXXXX", *m;
    int fd;
    memset(&p, 0, sizeof p);
    p.role_arn = "arn:aws:iam::123456789012:role/demo";
    p.role_arn_len = strlen(p.role_arn);
    setenv("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:1", 1);
    /* Arguments are checked before any request. */
    p.duration_seconds = 10;
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_INVALID_DURATION_SECONDS);
    p.duration_seconds = 0;
    p.external_id = "x";
    p.external_id_len = 1;
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_INVALID_EXTERNAL_ID);
    p.external_id = NULL;
    p.external_id_len = 0;
    p.mfa_serial_number = "short";
    p.mfa_serial_number_len = 5;
    p.mfa_token_code = "123456";
    p.mfa_token_code_len = 6;
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_INVALID_MFA_SERIAL_NUMBER);
    p.mfa_serial_number = "arn:aws:iam::123456789012:mfa/user";
    p.mfa_serial_number_len = strlen(p.mfa_serial_number);
    p.mfa_token_code = "12345";
    p.mfa_token_code_len = 5;
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_INVALID_MFA_TOKEN_CODE);
    p.mfa_token_code = NULL;
    p.mfa_token_code_len = 0;
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_INVALID_MFA_TOKEN_CODE); /* serial without code */
    p.mfa_serial_number = NULL;
    p.mfa_serial_number_len = 0;
    EXPECT(mongodb_aws_assume_role(NULL, &p, &creds), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_assume_role(&base, NULL, &creds), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_assume_role(&base, &p, NULL), MONGODB_AWS_NULL_ARGUMENT);
    /* Then the request: refused here. */
    EXPECT(mongodb_aws_assume_role(&base, &p, &creds), MONGODB_AWS_ENDPOINT_UNREACHABLE);
    m = last_error();
    CHECK(strstr(m, "source assume-role") != NULL && strstr(m, "POST http://127.0.0.1:1/") != NULL);
    CHECK(strstr(m, "EXAMPLEKEY") == NULL);
    free(m);
    CHECK(creds == NULL);

    /* SAML: the assertion from a file. */
    memset(&s, 0, sizeof s);
    s.role_arn = "arn:aws:iam::123456789012:role/saml";
    s.role_arn_len = strlen(s.role_arn);
    s.principal_arn = "arn:aws:iam::123456789012:saml-provider/idp";
    s.principal_arn_len = strlen(s.principal_arn);
    s.assertion_file = "/nonexistent/saml";
    s.assertion_file_len = strlen(s.assertion_file);
    EXPECT(mongodb_aws_assume_role_with_saml(&s, &creds), MONGODB_AWS_FILE_UNREADABLE);
    fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "not base64!\n", 12) == 12);
    close(fd);
    s.assertion_file = path;
    s.assertion_file_len = strlen(path);
    EXPECT(mongodb_aws_assume_role_with_saml(&s, &creds), MONGODB_AWS_INVALID_SAML_ASSERTION);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && write(fd, "PHNhbWxwOlJlc3BvbnNlPg==\n", 25) == 25);
    close(fd);
    s.principal_arn = "idp";
    s.principal_arn_len = 3;
    EXPECT(mongodb_aws_assume_role_with_saml(&s, &creds), MONGODB_AWS_INVALID_PRINCIPAL_ARN);
    s.principal_arn = "arn:aws:iam::123456789012:saml-provider/idp";
    s.principal_arn_len = strlen(s.principal_arn);
    EXPECT(mongodb_aws_assume_role_with_saml(&s, &creds), MONGODB_AWS_ENDPOINT_UNREACHABLE);
    EXPECT(mongodb_aws_assume_role_with_saml(NULL, &creds), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_assume_role_with_saml(&s, NULL), MONGODB_AWS_NULL_ARGUMENT);
    unlink(path);
    unsetenv("MONGODB_AWS_STS_ENDPOINT");
}

/* A custom provider: what it returns depends on *(int *)user_data. */
static int provider_calls;
static uint64_t provider_expiration; /* the runtime checks it against the real clock */
static uint32_t provider(void *user_data, mongodb_aws_provider_result *result) {
    int mode = *(int *)user_data;
    char id[] = "AKIDPROVIDER", secret[] = "provider-secret";
    mongodb_aws_credentials c = tl_creds(id, secret, mode == 1 ? "provider-token" : NULL);
    provider_calls++;
    if (mode == 2) {
        EXPECT(mongodb_aws_provider_result_set_error(result, "vault is sealed", 15), MONGODB_AWS_OK);
        return 7;
    }
    if (mode == 3) {
        mongodb_aws_credentials bad = tl_creds("AKID-BAD", "s", NULL);
        EXPECT(mongodb_aws_provider_result_set(result, &bad, 0, 0), MONGODB_AWS_INVALID_ACCESS_KEY_ID);
        return 0; /* returned nothing usable */
    }
    EXPECT(mongodb_aws_provider_result_set(NULL, &c, 0, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_provider_result_set(result, NULL, 0, 0), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_provider_result_set(result, &c, mode == 1, provider_expiration), MONGODB_AWS_OK);
    memset(id, 'X', sizeof id - 1); /* copied by the library */
    memset(secret, 'X', sizeof secret - 1);
    return 0;
}

static void custom_provider(void) {
    int mode = 1;
    mongodb_aws_owned_credentials *creds = NULL;
    mongodb_aws_credentials_info info;
    char *m;
    provider_expiration = (uint64_t)time(NULL) + 7200;
    clear_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1); /* the provider runs first */
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    EXPECT(mongodb_aws_set_credential_provider(provider, &mode), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(info.source == MONGODB_AWS_SOURCE_CUSTOM_PROVIDER && info.from_cache == 0 && info.has_session_token == 1);
    CHECK(tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIDPROVIDER"));
    CHECK(tl_view_eq(info.credentials.secret_access_key, info.credentials.secret_access_key_len, "provider-secret"));
    CHECK(info.has_expiration == 1 && info.expiration_unix == provider_expiration);
    mongodb_aws_owned_credentials_free(creds);
    /* Never cached: called again. */
    provider_calls = 0;
    mode = 0;
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(provider_calls == 1 && info.has_session_token == 0 && info.has_expiration == 0);
    mongodb_aws_owned_credentials_free(creds);
    /* Its failure, with its own message. */
    mode = 2;
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_CUSTOM_PROVIDER_FAILED);
    m = last_error();
    CHECK(strstr(m, "vault is sealed") != NULL);
    free(m);
    mode = 3;
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_CUSTOM_PROVIDER_FAILED);
    m = last_error();
    CHECK(strstr(m, "no credentials") != NULL);
    free(m);
    /* Removed: the environment again. */
    EXPECT(mongodb_aws_set_credential_provider(NULL, NULL), MONGODB_AWS_OK);
    provider_calls = 0;
    EXPECT(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
    CHECK(provider_calls == 0 && info.source == MONGODB_AWS_SOURCE_ENVIRONMENT);
    mongodb_aws_owned_credentials_free(creds);
    EXPECT(mongodb_aws_provider_result_set_error(NULL, "x", 1), MONGODB_AWS_NULL_ARGUMENT);
    clear_env();
}

/* ---- the AWS shared files: READ_FILE of both files, RUN_PROCESS, ASK_MFA, origin ---------------- */

/* The shared-files chain of the profile r (whose source profile p runs a credential_process) up to
 * its next action after the process answered: ASK_MFA when r has mfa_serial. */
static mongodb_aws_chain_action to_ask_mfa(mongodb_aws_chain *c, const char *config, const char *process_out) {
    (void)poll_chain(c);
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)config, strlen(config)), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_chain_on_process_exit(c, 1, 0, (const uint8_t *)process_out, strlen(process_out), NULL, 0),
           MONGODB_AWS_OK);
    return poll_chain(c);
}

static void shared_files(void) {
    static const char *const env[] = {"HOME=/h", "AWS_PROFILE=p", NULL};
    static const char config[] = "[profile p]\ncredential_process = /bin/helper 'a b' c\n\n"
                                 "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = p\n"
                                 "mfa_serial = arn:aws:iam::123456789012:mfa/u\n";
    static const char process_out[] = "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"s\"}";
    const char *arg = NULL;
    size_t arg_len = 0;
    mongodb_aws_chain *c = chain_of(env, 0, 0);
    mongodb_aws_chain_action a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_READ_FILE && tl_view_eq(a.path, a.path_len, "/h/.aws/config"));
    CHECK(tl_view_eq(a.variable, a.variable_len, "HOME"));
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)config, strlen(config)), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_READ_FILE && tl_view_eq(a.path, a.path_len, "/h/.aws/credentials"));
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_RUN_PROCESS && tl_view_eq(a.path, a.path_len, "/bin/helper"));
    CHECK(a.arg_count == 2 && a.timeout_ms > 0);
    EXPECT(mongodb_aws_chain_process_arg(c, 0, &arg, &arg_len), MONGODB_AWS_OK);
    CHECK(tl_view_eq(arg, arg_len, "a b"));
    EXPECT(mongodb_aws_chain_process_arg(c, 1, &arg, &arg_len), MONGODB_AWS_OK);
    CHECK(tl_view_eq(arg, arg_len, "c"));
    EXPECT(mongodb_aws_chain_process_arg(c, 2, &arg, &arg_len), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_chain_on_process_exit(c, 1, 0, (const uint8_t *)process_out, strlen(process_out), NULL, 0),
           MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.cache == 0);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDPROCESS"));
    CHECK(tl_view_eq(a.origin_profile, a.origin_profile_len, "p") && a.origin_line == 1);
    CHECK(tl_view_eq(a.origin_file, a.origin_file_len, "/h/.aws/config"));
    mongodb_aws_chain_free(c);
    /* A failing process: its stderr is in the message. */
    c = chain_of(env, 0, 0);
    (void)poll_chain(c);
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)config, strlen(config)), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_chain_on_process_exit(c, 1, 2, NULL, 0, (const uint8_t *)"denied\n", 7), MONGODB_AWS_OK);
    {
        char *m = message_of(c);
        CHECK(strstr(m, "stderr: denied") != NULL && strstr(m, "a b") == NULL);
        free(m);
    }
    CHECK(failure_of(c) == MONGODB_AWS_CREDENTIAL_PROCESS_FAILED);
    /* A role with mfa_serial under the explicit AWS_PROFILE=r: ASK_MFA, then no callback. */
    {
        static const char *const renv[] = {"HOME=/h", "AWS_PROFILE=r", NULL};
        c = chain_of(renv, 0, 0);
        a = to_ask_mfa(c, config, process_out);
        CHECK(a.kind == MONGODB_AWS_ACTION_ASK_MFA && tl_view_eq(a.path, a.path_len, "arn:aws:iam::123456789012:mfa/u"));
        CHECK(tl_view_eq(a.variable, a.variable_len, "r"));
        CHECK(a.timeout_ms == 300000); /* the core's MFA_TIMEOUT_MS */
        EXPECT(mongodb_aws_chain_on_mfa_unavailable(c), MONGODB_AWS_OK);
        CHECK(failure_of(c) == MONGODB_AWS_MFA_CODE_REQUIRED);
    }
    /* MONGODB_AWS_MFA_TIMEOUT sets the callback's deadline; a late code is answered as a failure. */
    {
        static const char *const tenv[] = {"HOME=/h", "AWS_PROFILE=r", "MONGODB_AWS_MFA_TIMEOUT=2.5", NULL};
        c = chain_of(tenv, 0, 0);
        a = to_ask_mfa(c, config, process_out);
        CHECK(a.kind == MONGODB_AWS_ACTION_ASK_MFA && a.timeout_ms == 2500);
        EXPECT(mongodb_aws_chain_on_mfa_failed(c), MONGODB_AWS_OK);
        CHECK(failure_of(c) == MONGODB_AWS_MFA_CODE_UNAVAILABLE);
    }
}

/* ---- an explicit profile (boto3 Session(profile_name=), aws --profile) ------------------------------ */

/* Answers the two READ_FILEs (config, then credentials: not found) and returns the next action. */
static mongodb_aws_chain_action after_files(mongodb_aws_chain *c, const char *config) {
    mongodb_aws_chain_action a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_READ_FILE && tl_view_eq(a.path, a.path_len, "/h/.aws/config"));
    EXPECT(mongodb_aws_chain_on_file(c, (const uint8_t *)config, strlen(config)), MONGODB_AWS_OK);
    a = poll_chain(c);
    CHECK(a.kind == MONGODB_AWS_ACTION_READ_FILE && tl_view_eq(a.path, a.path_len, "/h/.aws/credentials"));
    EXPECT(mongodb_aws_chain_on_io_error(c, MONGODB_AWS_IO_NOT_FOUND), MONGODB_AWS_OK);
    return poll_chain(c);
}

static void explicit_profile(void) {
    static const char *const env[] = {"HOME=/h", "AWS_PROFILE=p", "AWS_ACCESS_KEY_ID=AKIDENVIRON",
                                      "AWS_SECRET_ACCESS_KEY=envsecret", NULL};
    static const char config[] = "[profile p]\naws_access_key_id = AKIDPROFILEP\naws_secret_access_key = ps\n\n"
                                 "[profile q]\naws_access_key_id = AKIDPROFILEQ\naws_secret_access_key = qs\n";
    static const uint8_t random[16] = {0};
    mongodb_aws_chain *c = NULL;
    mongodb_aws_chain_action a;
    /* botocore: AWS_PROFILE keeps the environment's keys first (EnvProvider precedes the profile). */
    c = chain_of(env, 0, 0);
    a = after_files(c, config);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.credentials.source == MONGODB_AWS_SOURCE_ENVIRONMENT);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDENVIRON"));
    mongodb_aws_chain_free(c);
    /* The explicit profile ("q", given by length: no NUL needed) wins over AWS_PROFILE and switches
     * the environment's keys off, as botocore's profile_name. */
    c = chain_with(env, "qXYZ", 1, 0, 0);
    a = after_files(c, config);
    CHECK(a.kind == MONGODB_AWS_ACTION_DONE && a.credentials.source == MONGODB_AWS_SOURCE_PROFILE);
    /* The contract's stable names of the sources of the shared files (issue 14). */
    CHECK(strcmp(mongodb_aws_source_name(a.credentials.source), "profile") == 0);
    CHECK(strcmp(mongodb_aws_source_name(MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS), "credential-process") == 0);
    CHECK(strcmp(mongodb_aws_source_name(MONGODB_AWS_SOURCE_SSO), "sso") == 0);
    CHECK(strcmp(mongodb_aws_source_name(12), "unknown") == 0);
    CHECK(tl_view_eq(a.credentials.credentials.access_key_id, a.credentials.credentials.access_key_id_len, "AKIDPROFILEQ"));
    CHECK(tl_view_eq(a.origin_profile, a.origin_profile_len, "q") && a.origin_line == 5);
    CHECK(tl_view_eq(a.origin_file, a.origin_file_len, "/h/.aws/config"));
    mongodb_aws_chain_free(c);
    /* A name in neither file: PROFILE_NOT_FOUND naming it, though the environment has keys. */
    c = chain_with(env, "ghost", 5, 0, 0);
    a = after_files(c, config);
    CHECK(a.kind == MONGODB_AWS_ACTION_FAILED && a.error == MONGODB_AWS_PROFILE_NOT_FOUND);
    {
        char *m = message_of(c);
        CHECK(strstr(m, "profile ghost") != NULL && strstr(m, "envsecret") == NULL);
        free(m);
    }
    CHECK(failure_of(c) == MONGODB_AWS_PROFILE_NOT_FOUND);
    /* Input errors: a length without a pointer, not UTF-8; nothing is written. */
    c = NULL;
    EXPECT(mongodb_aws_chain_new(NULL, 0, NULL, 3, NOW, random, 0, 0, &c), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_new(NULL, 0, "\xff", 1, NOW, random, 0, 0, &c), MONGODB_AWS_INVALID_UTF8);
    CHECK(c == NULL);
}

/* The profile a snapshot selects: name and named flag (NUL-terminated copy in `name`). */
static uint32_t selected_of(const char *const *env, const char *profile, char *name, size_t cap, uint8_t *named) {
    mongodb_aws_env_var vars[8];
    size_t k = 0, len = 0;
    uint32_t st;
    for (; env && env[k] && k < 8; k++) {
        const char *eq = strchr(env[k], '=');
        vars[k].name = env[k];
        vars[k].name_len = (size_t)(eq - env[k]);
        vars[k].value = eq + 1;
        vars[k].value_len = strlen(eq + 1);
    }
    st = mongodb_aws_chain_selected_profile(vars, k, profile, profile ? strlen(profile) : 0, (uint8_t *)name, cap - 1,
                                            &len, named);
    name[st == MONGODB_AWS_OK ? len : 0] = 0;
    return st;
}

static void selected_profile(void) {
    /* botocore's order (configprovider.py, the session variable "profile"): the explicit profile,
     * else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else "default". */
    static const char *const none[] = {NULL};
    static const char *const p[] = {"AWS_PROFILE=p", NULL};
    static const char *const both[] = {"AWS_PROFILE=p", "AWS_DEFAULT_PROFILE=d", NULL};
    static const char *const explicit_default[] = {"AWS_PROFILE=default", NULL};
    char name[64];
    uint8_t named = 9;
    size_t len = 0;
    mongodb_aws_env_var v;
    EXPECT(selected_of(none, NULL, name, sizeof name, &named), MONGODB_AWS_OK);
    CHECK(strcmp(name, "default") == 0 && named == 0);
    EXPECT(selected_of(p, NULL, name, sizeof name, &named), MONGODB_AWS_OK);
    CHECK(strcmp(name, "p") == 0 && named == 1);
    EXPECT(selected_of(both, NULL, name, sizeof name, &named), MONGODB_AWS_OK);
    CHECK(strcmp(name, "d") == 0 && named == 1);
    EXPECT(selected_of(both, "x", name, sizeof name, &named), MONGODB_AWS_OK);
    CHECK(strcmp(name, "x") == 0 && named == 1);
    named = 9;
    EXPECT(selected_of(explicit_default, NULL, name, sizeof name, &named), MONGODB_AWS_OK);
    CHECK(strcmp(name, "default") == 0 && named == 1);
    EXPECT(selected_of(none, NULL, name, sizeof name, NULL), MONGODB_AWS_OK); /* named is optional */
    CHECK(strcmp(name, "default") == 0);
    /* The output convention: size query, a short buffer (nothing written), NULL out_len. */
    v.name = "AWS_PROFILE";
    v.name_len = 11;
    v.value = "longer-name";
    v.value_len = 11;
    EXPECT(mongodb_aws_chain_selected_profile(&v, 1, NULL, 0, NULL, 0, &len, &named), MONGODB_AWS_OK);
    CHECK(len == 11);
    memset(name, 0, sizeof name);
    named = 9;
    EXPECT(mongodb_aws_chain_selected_profile(&v, 1, NULL, 0, (uint8_t *)name, 4, &len, &named),
           MONGODB_AWS_BUFFER_TOO_SMALL);
    CHECK(len == 11 && name[0] == 0 && named == 9);
    EXPECT(mongodb_aws_chain_selected_profile(&v, 1, NULL, 0, (uint8_t *)name, sizeof name, NULL, &named),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_selected_profile(NULL, 1, NULL, 0, (uint8_t *)name, sizeof name, &len, &named),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_selected_profile(NULL, 0, "\xff", 1, (uint8_t *)name, sizeof name, &len, &named),
           MONGODB_AWS_INVALID_UTF8);
}

static void every_status_observed(void) {
    /* Not reachable through the chain: the IMDS token TTL is the chain's own constant. */
    uint32_t c;
    int missing = 0;
    for (c = 120; c <= 420; c++) {
        if ((c >= 140 && c < 400) || strcmp(mongodb_aws_status_name(c), "UNKNOWN") == 0 || tl_seen[c]) continue;
        if (c == MONGODB_AWS_INVALID_IMDS_TOKEN_TTL) continue;
        printf("  status %u %s not reached (REQUIRED)\n", c, mongodb_aws_status_name(c));
        missing++;
    }
    CHECK(tl_seen[MONGODB_AWS_CREDENTIALS_EXPIRED]);
    CHECK(missing == 0);
}

int main(void) {
    const char *iterations = getenv("MONGODB_AWS_SWEEP_ITERATIONS");
    variable_names();
    new_and_snapshot();
    imds_steps();
    ecs_retries();
    web_identity();
    provider_and_cache();
    wrong_events_and_nulls();
    chain_statuses();
    sweep(iterations ? atoi(iterations) / 20 : 200); /* a chain costs ~2 ms in a debug build */
    blocking();
    assume_role_and_saml();
    custom_provider();
    shared_files();
    explicit_profile();
    selected_profile();
    every_status_observed();
    return tl_summary("test_chain");
}
