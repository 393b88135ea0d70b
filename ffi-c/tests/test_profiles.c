/*
 * The AWS shared config and credentials files through the blocking C API, with real files in a
 * temporary directory (no network: STS and instance metadata at 127.0.0.1 port 1):
 *   - mongodb_aws_get_credentials_with: an explicit profile (over AWS_PROFILE), its origin
 *     (mongodb_aws_owned_credentials_origin: profile, file, section-header line), a missing profile;
 *   - the MFA callback of a role with mfa_serial: per call (options) and process-wide
 *     (mongodb_aws_set_mfa_callback); it gets the serial and the profile; a failing callback and
 *     its message (MONGODB_AWS_MFA_CODE_UNAVAILABLE), no callback (MONGODB_AWS_MFA_CODE_REQUIRED),
 *     and a code handed over (the call then reaches STS, refused on loopback);
 *   - NULL arguments.
 * Requests with real answers run in the scenario suite (scripts/test.d/21-c-providers).
 *
 * Usage: test_profiles
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

static char dir[] = "/tmp/mongodb-aws-profiles-XXXXXX";
static char credentials_path[256], config_path[256], home[256];

static const char CREDENTIALS[] =
    "[default]\naws_access_key_id = AKIADEFAULTCCCCCC01\naws_secret_access_key = x\n"
    "\n"
    "[dev]\naws_access_key_id = AKIACPROFILEDEV0001\naws_secret_access_key = cProfileSecret/0123\n"
    "[base]\naws_access_key_id = AKIACPROFILEBASE001\naws_secret_access_key = baseSecret\n";
/* [dev] is on line 5, [default] on line 1 (counted from the text above). */
static const char CONFIG[] =
    "[profile admin]\n"
    "role_arn = arn:aws:iam::123456789012:role/admin\n"
    "source_profile = base\n"
    "mfa_serial = arn:aws:iam::123456789012:mfa/c-user\n";

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL) return;
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

static char *last_error(void) {
    size_t len = 0, n = 0;
    char *m;
    CHECK_STATUS(mongodb_aws_last_error_message(NULL, 0, &len), MONGODB_AWS_OK);
    m = calloc(1, len + 1);
    CHECK_STATUS(mongodb_aws_last_error_message((uint8_t *)m, len, &n), MONGODB_AWS_OK);
    return m;
}

static void set_env(void) {
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_PROFILE");
    setenv("HOME", home, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials_path, 1);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:1", 1);
    setenv("MONGODB_AWS_EC2_METADATA_ENDPOINT", "http://127.0.0.1:1", 1);
}

static void profile_and_origin(void) {
    mongodb_aws_fetch_options o;
    mongodb_aws_owned_credentials *creds = NULL;
    mongodb_aws_credentials_info info;
    mongodb_aws_credentials_origin origin;
    char *m;
    memset(&o, 0, sizeof o);
    set_env();
    setenv("AWS_PROFILE", "default", 1);
    o.profile = "dev";
    o.profile_len = 3;
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_OK);
    if (creds != NULL) {
        CHECK_STATUS(mongodb_aws_owned_credentials_info(creds, &info), MONGODB_AWS_OK);
        CHECK(tl_view_eq(info.credentials.access_key_id, info.credentials.access_key_id_len, "AKIACPROFILEDEV0001"));
        CHECK(info.source == MONGODB_AWS_SOURCE_PROFILE);
        CHECK(strcmp(mongodb_aws_source_name(info.source), "profile") == 0);
        CHECK_STATUS(mongodb_aws_owned_credentials_origin(creds, &origin), MONGODB_AWS_OK);
        CHECK(origin.has_origin == 1);
        CHECK(tl_view_eq(origin.profile, origin.profile_len, "dev"));
        CHECK(tl_view_eq(origin.file, origin.file_len, credentials_path));
        CHECK(origin.line == 5);
        CHECK_STATUS(mongodb_aws_owned_credentials_origin(creds, NULL), MONGODB_AWS_NULL_ARGUMENT);
        mongodb_aws_owned_credentials_free(creds);
        creds = NULL;
    }
    /* No options: AWS_PROFILE (default, line 1). */
    CHECK_STATUS(mongodb_aws_get_credentials_with(NULL, &creds), MONGODB_AWS_OK);
    if (creds != NULL) {
        CHECK_STATUS(mongodb_aws_owned_credentials_origin(creds, &origin), MONGODB_AWS_OK);
        CHECK(tl_view_eq(origin.profile, origin.profile_len, "default") && origin.line == 1);
        mongodb_aws_owned_credentials_free(creds);
        creds = NULL;
    }
    /* Environment credentials have no origin. */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT0001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    CHECK_STATUS(mongodb_aws_get_credentials(&creds), MONGODB_AWS_OK);
    if (creds != NULL) {
        CHECK_STATUS(mongodb_aws_owned_credentials_origin(creds, &origin), MONGODB_AWS_OK);
        CHECK(origin.has_origin == 0 && origin.profile == NULL && origin.file_len == 0 && origin.line == 0);
        mongodb_aws_owned_credentials_free(creds);
        creds = NULL;
    }
    set_env();
    o.profile = "nope";
    o.profile_len = 4;
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_PROFILE_NOT_FOUND);
    CHECK(creds == NULL);
    m = last_error();
    CHECK(strstr(m, "nope") != NULL);
    free(m);
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, NULL), MONGODB_AWS_NULL_ARGUMENT);
    CHECK_STATUS(mongodb_aws_owned_credentials_origin(NULL, &origin), MONGODB_AWS_NULL_ARGUMENT);
}

/* What the MFA callback was asked, and how it answers. */
struct mfa_state {
    int calls;
    int fail;
    char serial[128];
    char profile[64];
};

static uint32_t mfa(void *user_data, const char *serial, size_t serial_len, const char *profile,
                    size_t profile_len, mongodb_aws_mfa_result *result) {
    struct mfa_state *s = user_data;
    static const char why[] = "no token device attached";
    s->calls++;
    if (serial_len < sizeof s->serial && profile_len < sizeof s->profile) {
        memcpy(s->serial, serial, serial_len);
        s->serial[serial_len] = 0;
        memcpy(s->profile, profile, profile_len);
        s->profile[profile_len] = 0;
    }
    if (s->fail) {
        CHECK_STATUS(mongodb_aws_mfa_result_set_error(result, why, sizeof why - 1), MONGODB_AWS_OK);
        return 1;
    }
    CHECK_STATUS(mongodb_aws_mfa_result_set_code(NULL, "123456", 6), MONGODB_AWS_NULL_ARGUMENT);
    return mongodb_aws_mfa_result_set_code(result, "123456", 6);
}

static void mfa_callbacks(void) {
    mongodb_aws_fetch_options o;
    mongodb_aws_owned_credentials *creds = NULL;
    struct mfa_state s;
    char *m;
    memset(&o, 0, sizeof o);
    memset(&s, 0, sizeof s);
    set_env();
    o.profile = "admin";
    o.profile_len = 5;
    /* No callback anywhere. */
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_MFA_CODE_REQUIRED);
    m = last_error();
    CHECK(strstr(m, "profile admin") != NULL && strstr(m, "mfa_serial") != NULL);
    free(m);
    /* A callback that fails: its message is kept. */
    s.fail = 1;
    o.mfa_callback = mfa;
    o.mfa_user_data = &s;
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_MFA_CODE_UNAVAILABLE);
    CHECK(s.calls == 1);
    CHECK(strcmp(s.serial, "arn:aws:iam::123456789012:mfa/c-user") == 0);
    CHECK(strcmp(s.profile, "admin") == 0);
    m = last_error();
    CHECK(strstr(m, "no token device attached") != NULL);
    free(m);
    /* A code: the chain goes on to STS AssumeRole, refused on loopback port 1. */
    s.fail = 0;
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_ENDPOINT_UNREACHABLE);
    CHECK(s.calls == 2);
    m = last_error();
    CHECK(strstr(m, "123456") == NULL); /* never the code */
    free(m);
    /* The process-wide callback, used when the call has none. */
    o.mfa_callback = NULL;
    o.mfa_user_data = NULL;
    s.fail = 1;
    CHECK_STATUS(mongodb_aws_set_mfa_callback(mfa, &s), MONGODB_AWS_OK);
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_MFA_CODE_UNAVAILABLE);
    CHECK(s.calls == 3);
    CHECK_STATUS(mongodb_aws_set_mfa_callback(NULL, NULL), MONGODB_AWS_OK);
    CHECK_STATUS(mongodb_aws_get_credentials_with(&o, &creds), MONGODB_AWS_MFA_CODE_REQUIRED);
    CHECK(s.calls == 3);
    CHECK(creds == NULL);
}

int main(void) {
    int rc;
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(credentials_path, sizeof credentials_path, "%s/credentials", dir);
    snprintf(config_path, sizeof config_path, "%s/config", dir);
    snprintf(home, sizeof home, "%s/home", dir);
    write_file(credentials_path, CREDENTIALS);
    write_file(config_path, CONFIG);
    profile_and_origin();
    mfa_callbacks();
    unlink(credentials_path);
    unlink(config_path);
    rmdir(dir);
    rc = tl_summary("test_profiles");
    return rc;
}
