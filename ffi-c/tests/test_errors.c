/*
 * Every error path of the C API: NULL pointers for every pointer argument, short buffers for every
 * output (nothing written, exact size reported), size queries, malformed BSON, bad nonces, bad hosts,
 * bad credentials, every signer input error, non-UTF-8 text, lengths beyond the address space; the
 * status names and messages; the version three ways; a pseudo-random sweep over all entry points
 * (no input may produce MONGODB_AWS_PANIC or an unknown status, or crash under valgrind/ASan); and
 * concurrent use from several threads. At the end, every status the C API can return must have been
 * observed at least once.
 *
 * Usage: test_errors [CARGO_TOML_VERSION]
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* ---- fixtures ------------------------------------------------------------------------------------ */

static uint8_t nonce[32];
static uint8_t server_nonce[64];
static tb_doc good_sf;
static mongodb_aws_client_conversation conv;
static const char *AKID = "AKIDEXAMPLE";
static const char *SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static const char *TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtoken";
static const uint64_t NOW = 1440938160;

static mongodb_aws_header good_headers[2];

static mongodb_aws_request good_request(void) {
    mongodb_aws_request r;
    memset(&r, 0, sizeof r);
    r.method = "POST";
    r.method_len = 4;
    r.path = "/";
    r.path_len = 1;
    r.query = "a=b";
    r.query_len = 3;
    good_headers[0] = tl_hdr("Host", "sts.amazonaws.com");
    good_headers[1] = tl_hdr("Content-Type", "application/x-www-form-urlencoded");
    r.headers = good_headers;
    r.headers_len = 2;
    r.payload = (const uint8_t *)"Action=GetCallerIdentity&Version=2011-06-15";
    r.payload_len = 43;
    return r;
}

static mongodb_aws_scope good_scope(void) {
    mongodb_aws_scope s;
    s.now_unix = NOW;
    s.region = "us-east-1";
    s.region_len = 9;
    s.service = "sts";
    s.service_len = 3;
    return s;
}

static void setup(void) {
    tl_nonces(nonce, server_nonce);
    tl_server_first(&good_sf, 0, server_nonce, 64, "sts.us-west-2.amazonaws.com", 27);
    EXPECT(mongodb_aws_client_conversation_init(&conv, nonce, 32), MONGODB_AWS_OK);
}

/* A buffer full of a marker byte, to prove nothing was written. */
static uint8_t out[8192];
static int untouched(size_t from) {
    size_t i;
    for (i = from; i < sizeof out; i++) {
        if (out[i] != 0xA5) return 0;
    }
    return 1;
}
static void mark(void) { memset(out, 0xA5, sizeof out); }

/* ---- status strings and version --------------------------------------------------------------------- */

static void status_strings(void) {
    uint32_t c;
    int known = 0;
    for (c = 0; c <= TL_MAX_CODE + 5; c++) {
        const char *name = mongodb_aws_status_name(c);
        const char *msg = mongodb_aws_status_str(c);
        CHECK(name != NULL && msg != NULL);
        if (strcmp(name, "UNKNOWN") != 0) {
            const char *p;
            int ok = strlen(msg) > 5;
            known++;
            for (p = name; *p; p++) ok = ok && ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
            CHECK(ok);
        } else {
            CHECK(strcmp(msg, "unknown status") == 0);
        }
    }
    CHECK(known >= 45);
    CHECK(strcmp(mongodb_aws_status_name(0xFFFFFFFFu), "UNKNOWN") == 0);
    /* The enumerators carry the numbers and names the library reports. */
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_OK), "OK") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_NULL_ARGUMENT), "NULL_ARGUMENT") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_PANIC), "PANIC") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_INVALID_UTF8), "INVALID_UTF8") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_BUFFER_TOO_SMALL), "BUFFER_TOO_SMALL") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_HOST_EMPTY_LABEL), "HOST_EMPTY_LABEL") == 0);
    CHECK(strcmp(mongodb_aws_status_name(MONGODB_AWS_SERVER_NONCE_MISMATCH), "SERVER_NONCE_MISMATCH") == 0);
    CHECK(MONGODB_AWS_OK == 0 && MONGODB_AWS_NULL_ARGUMENT == 1 && MONGODB_AWS_BUFFER_TOO_SMALL == 100);
    CHECK(sizeof(mongodb_aws_status) == 4);
}

static void version(const char *cargo_version) {
    char expect[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", MONGODB_AWS_VERSION_MAJOR, MONGODB_AWS_VERSION_MINOR,
             MONGODB_AWS_VERSION_PATCH);
    CHECK(strcmp(mongodb_aws_version(), MONGODB_AWS_VERSION) == 0);
    CHECK(strcmp(mongodb_aws_version(), expect) == 0);
    CHECK(mongodb_aws_version_number() == MONGODB_AWS_VERSION_NUMBER);
    CHECK(MONGODB_AWS_VERSION_NUMBER ==
          ((MONGODB_AWS_VERSION_MAJOR << 16) | (MONGODB_AWS_VERSION_MINOR << 8) | MONGODB_AWS_VERSION_PATCH));
    if (cargo_version) CHECK(strcmp(mongodb_aws_version(), cargo_version) == 0);
}

/* ---- NULL arguments ---------------------------------------------------------------------------------- */

static void null_arguments(void) {
    size_t n = 12345;
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, TOKEN);
    mongodb_aws_scope scope = good_scope();
    mongodb_aws_signing_key *key = NULL;
    mongodb_aws_server_first view;
    const char *region = NULL;
    size_t region_len = 0;
    uint8_t matches = 0;
    uint64_t t = 7;
    mongodb_aws_client_conversation c2;

    mark();
    memset(&c2, 0x5A, sizeof c2);
    EXPECT(mongodb_aws_client_conversation_init(NULL, nonce, 32), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_init(&c2, NULL, 32), MONGODB_AWS_NULL_ARGUMENT);
    CHECK(c2.nonce[0] == 0x5A);

    EXPECT(mongodb_aws_client_conversation_client_first(NULL, out, 52, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_client_first(&conv, NULL, 52, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_client_first(&conv, out, 52, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_client_first(&conv, NULL, 0, NULL), MONGODB_AWS_NULL_ARGUMENT);

    EXPECT(mongodb_aws_client_conversation_parse_server_first(NULL, good_sf.buf, good_sf.len, &view),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_parse_server_first(&conv, NULL, good_sf.len, &view),
           MONGODB_AWS_NULL_ARGUMENT);
    /* out may be NULL: validation only. */
    EXPECT(mongodb_aws_client_conversation_parse_server_first(&conv, good_sf.buf, good_sf.len, NULL), MONGODB_AWS_OK);

#define FINAL(cv, sf, sfl, cr, k, o, cap, nl) \
    mongodb_aws_client_conversation_client_final((cv), (sf), (sfl), (cr), NOW, (k), (o), (cap), (nl))
    EXPECT(FINAL(NULL, good_sf.buf, good_sf.len, &creds, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(FINAL(&conv, NULL, good_sf.len, &creds, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, NULL, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, &creds, NULL, NULL, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, &creds, NULL, out, sizeof out, NULL), MONGODB_AWS_NULL_ARGUMENT);
    {
        mongodb_aws_credentials bad = creds;
        bad.access_key_id = NULL;
        EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, &bad, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        bad = creds;
        bad.secret_access_key = NULL;
        EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, &bad, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        bad = creds;
        bad.session_token = NULL;
        EXPECT(FINAL(&conv, good_sf.buf, good_sf.len, &bad, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    }
#undef FINAL
    {
        mongodb_aws_credentials_handle *h = NULL;
        EXPECT(mongodb_aws_credentials_handle_new(NULL, &h), MONGODB_AWS_NULL_ARGUMENT);
        EXPECT(mongodb_aws_credentials_handle_new(&creds, NULL), MONGODB_AWS_NULL_ARGUMENT);
        CHECK(h == NULL);
        mongodb_aws_credentials_handle_free(NULL);
        EXPECT(mongodb_aws_credentials_handle_new(&creds, &h), MONGODB_AWS_OK);
#define FINAL_H(cv, sf, sfl, hd, o, cap, nl) \
    mongodb_aws_client_conversation_client_final_with_handle((cv), (sf), (sfl), (hd), NOW, NULL, (o), (cap), (nl))
        EXPECT(FINAL_H(NULL, good_sf.buf, good_sf.len, h, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        EXPECT(FINAL_H(&conv, NULL, good_sf.len, h, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        EXPECT(FINAL_H(&conv, good_sf.buf, good_sf.len, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        EXPECT(FINAL_H(&conv, good_sf.buf, good_sf.len, h, NULL, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
        EXPECT(FINAL_H(&conv, good_sf.buf, good_sf.len, h, out, sizeof out, NULL), MONGODB_AWS_NULL_ARGUMENT);
#undef FINAL_H
        mongodb_aws_credentials_handle_free(h);
    }
    EXPECT(mongodb_aws_client_conversation_canonical_request(NULL, good_sf.buf, good_sf.len, &creds, NOW, out,
                                                             sizeof out, &n),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_canonical_request(&conv, good_sf.buf, good_sf.len, NULL, NOW, out,
                                                             sizeof out, &n),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_canonical_request(&conv, good_sf.buf, good_sf.len, &creds, NOW, out,
                                                             sizeof out, NULL),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_string_to_sign(&conv, NULL, 3, &creds, NOW, out, sizeof out, &n),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_client_conversation_string_to_sign(&conv, good_sf.buf, good_sf.len, &creds, NOW, NULL, 9, &n),
           MONGODB_AWS_NULL_ARGUMENT);

    EXPECT(mongodb_aws_signing_key_new(NULL, 5, &scope, &key), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), NULL, &key), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, NULL), MONGODB_AWS_NULL_ARGUMENT);
    {
        mongodb_aws_scope bad = scope;
        bad.region = NULL;
        EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &bad, &key), MONGODB_AWS_NULL_ARGUMENT);
        bad = scope;
        bad.service = NULL;
        EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &bad, &key), MONGODB_AWS_NULL_ARGUMENT);
    }
    CHECK(key == NULL);
    mongodb_aws_signing_key_free(NULL);
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, &key), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_signing_key_matches(NULL, &scope, &matches), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_signing_key_matches(key, NULL, &matches), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_signing_key_matches(key, &scope, NULL), MONGODB_AWS_NULL_ARGUMENT);
    CHECK(!matches);

    /* Every signer entry point, every pointer argument. */
    {
        int f;
        for (f = 0; f < 6; f++) {
            int arg;
            for (arg = 0; arg < 10; arg++) {
                mongodb_aws_request r = good_request();
                mongodb_aws_header hs[2];
                mongodb_aws_scope s = scope;
                const mongodb_aws_request *rp = &r;
                const mongodb_aws_credentials *cp = &creds;
                const mongodb_aws_scope *sp = &s;
                size_t *nl = &n;
                uint8_t *o = out;
                uint32_t st;
                hs[0] = good_headers[0];
                hs[1] = good_headers[1];
                r.headers = hs;
                switch (arg) {
                case 0: rp = NULL; break;
                case 1: cp = NULL; break;
                case 2: sp = NULL; break;
                case 3: nl = NULL; break;
                case 4: o = NULL; break; /* with a capacity */
                case 5: r.method = NULL; break;
                case 6: r.headers = NULL; break;
                case 7: hs[1].value = NULL; break;
                case 8: r.payload = NULL; break;
                case 9: s.service = NULL; break;
                }
                switch (f) {
                case 0: st = mongodb_aws_sign(rp, cp, sp, 0, key, o, sizeof out, nl); break;
                case 1: st = mongodb_aws_sign_authorization(rp, cp, sp, 0, key, o, sizeof out, nl); break;
                case 2: st = mongodb_aws_sign_canonical_request(rp, cp, sp, 0, o, sizeof out, nl); break;
                case 3: st = mongodb_aws_sign_string_to_sign(rp, cp, sp, 0, o, sizeof out, nl); break;
                case 4: st = mongodb_aws_presign(rp, cp, sp, 0, 60, key, o, sizeof out, nl); break;
                default: st = mongodb_aws_presign_canonical_request(rp, cp, sp, 0, 60, o, sizeof out, nl); break;
                }
                EXPECT(st, MONGODB_AWS_NULL_ARGUMENT);
            }
        }
    }
    /* The payload hash pointer: NULL with a length. */
    {
        mongodb_aws_request r = good_request();
        r.payload_hash_len = 64;
        EXPECT(mongodb_aws_sign(&r, &creds, &scope, 0, NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    }

    EXPECT(mongodb_aws_sts_validate_host(NULL, 5), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_sts_region_for_host(NULL, 5, &region, &region_len), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_sts_region_for_host("a.b", 3, NULL, &region_len), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_sts_region_for_host("a.b", 3, &region, NULL), MONGODB_AWS_NULL_ARGUMENT);
    CHECK(region == NULL && region_len == 0);
    EXPECT(mongodb_aws_credentials_check(NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_amz_date(NOW, NULL, 16, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_amz_date(NOW, out, 16, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_iso8601(NULL, 20, &t), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_iso8601("2015-08-30T12:36:00Z", 20, NULL), MONGODB_AWS_NULL_ARGUMENT);
    CHECK(t == 7);
    CHECK(n == 12345); /* no failing call wrote *out_len */
    CHECK(untouched(0));
    mongodb_aws_signing_key_free(key);
}

/* ---- short buffers and size queries ------------------------------------------------------------ */

typedef uint32_t (*out_fn)(uint8_t *o, size_t cap, size_t *n, void *ctx);

static mongodb_aws_signing_key *shared_key;

static uint32_t f_first(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    (void)ctx;
    return mongodb_aws_client_conversation_client_first(&conv, o, cap, n);
}
static uint32_t f_final(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    return mongodb_aws_client_conversation_client_final(&conv, good_sf.buf, good_sf.len,
                                                        (const mongodb_aws_credentials *)ctx, NOW, NULL, o, cap, n);
}
static uint32_t f_final_handle(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_credentials_handle *h = NULL;
    uint32_t st = mongodb_aws_credentials_handle_new((const mongodb_aws_credentials *)ctx, &h);
    if (st != MONGODB_AWS_OK) return st;
    st = mongodb_aws_client_conversation_client_final_with_handle(&conv, good_sf.buf, good_sf.len, h, NOW, NULL, o, cap,
                                                                  n);
    mongodb_aws_credentials_handle_free(h);
    return st;
}
static uint32_t f_conv_creq(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    return mongodb_aws_client_conversation_canonical_request(&conv, good_sf.buf, good_sf.len,
                                                             (const mongodb_aws_credentials *)ctx, NOW, o, cap, n);
}
static uint32_t f_conv_sts(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    return mongodb_aws_client_conversation_string_to_sign(&conv, good_sf.buf, good_sf.len,
                                                          (const mongodb_aws_credentials *)ctx, NOW, o, cap, n);
}
static uint32_t f_sign(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_sign(&r, (const mongodb_aws_credentials *)ctx, &s, 0, shared_key, o, cap, n);
}
static uint32_t f_authz(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_sign_authorization(&r, (const mongodb_aws_credentials *)ctx, &s, 0, NULL, o, cap, n);
}
static uint32_t f_creq(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_sign_canonical_request(&r, (const mongodb_aws_credentials *)ctx, &s, 0, o, cap, n);
}
static uint32_t f_sts(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_sign_string_to_sign(&r, (const mongodb_aws_credentials *)ctx, &s, 0, o, cap, n);
}
static uint32_t f_presign(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_presign(&r, (const mongodb_aws_credentials *)ctx, &s, 0, 900, NULL, o, cap, n);
}
static uint32_t f_presign_creq(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    mongodb_aws_request r = good_request();
    mongodb_aws_scope s = good_scope();
    return mongodb_aws_presign_canonical_request(&r, (const mongodb_aws_credentials *)ctx, &s, 0, 900, o, cap, n);
}
static uint32_t f_date(uint8_t *o, size_t cap, size_t *n, void *ctx) {
    (void)ctx;
    return mongodb_aws_amz_date(NOW, o, cap, n);
}

static void short_buffers(void) {
    static const struct {
        const char *name;
        out_fn f;
    } fns[] = {
        {"client_first", f_first}, {"client_final", f_final}, {"client_final_with_handle", f_final_handle},
        {"conv canonical_request", f_conv_creq},
        {"conv string_to_sign", f_conv_sts}, {"sign", f_sign}, {"sign_authorization", f_authz},
        {"sign_canonical_request", f_creq}, {"sign_string_to_sign", f_sts}, {"presign", f_presign},
        {"presign_canonical_request", f_presign_creq}, {"amz_date", f_date},
    };
    size_t i;
    int with_token;
    mongodb_aws_scope scope = good_scope();
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, &shared_key), MONGODB_AWS_OK);
    for (with_token = 0; with_token < 2; with_token++) {
        mongodb_aws_credentials creds = tl_creds(AKID, SECRET, with_token ? TOKEN : NULL);
        for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
            size_t needed = 0, n, cap;
            int before = tl_failed;
            /* Size query. */
            EXPECT(fns[i].f(NULL, 0, &needed, &creds), MONGODB_AWS_OK);
            CHECK(needed > 0 && needed < sizeof out);
            /* Exact fit. */
            mark();
            n = 0;
            EXPECT(fns[i].f(out, needed, &n, &creds), MONGODB_AWS_OK);
            CHECK(n == needed);
            CHECK(untouched(needed));
            /* Every shorter capacity, including 0 with a real pointer: nothing written, size reported. */
            for (cap = 0; cap < needed; cap += (cap < 8 || needed - cap < 8) ? 1 : 7) {
                mark();
                n = 0;
                EXPECT(fns[i].f(out, cap, &n, &creds), MONGODB_AWS_BUFFER_TOO_SMALL);
                CHECK(n == needed);
                CHECK(untouched(0));
            }
            /* A larger buffer: same length. */
            n = 0;
            EXPECT(fns[i].f(out, sizeof out, &n, &creds), MONGODB_AWS_OK);
            CHECK(n == needed);
            if (tl_failed != before) fprintf(stderr, "  in %s (token %d)\n", fns[i].name, with_token);
        }
    }
    mongodb_aws_signing_key_free(shared_key);
    shared_key = NULL;
}

/* ---- malformed BSON, nonces, hosts ---------------------------------------------------------------- */

static uint32_t parse_sf(const uint8_t *b, size_t len) {
    size_t n = 999;
    uint32_t st = mongodb_aws_client_conversation_parse_server_first(&conv, b, len, NULL);
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, NULL);
    /* client_final must agree with parse_server_first and write nothing on failure. */
    mark();
    CHECK_STATUS(tl_observe(mongodb_aws_client_conversation_client_final(&conv, b, len, &creds, NOW, NULL, out, sizeof out, &n)),
                 st);
    if (st != MONGODB_AWS_OK) CHECK(n == 999 && untouched(0));
    {
        mongodb_aws_credentials_handle *h = NULL;
        CHECK_STATUS(mongodb_aws_credentials_handle_new(&creds, &h), MONGODB_AWS_OK);
        mark();
        CHECK_STATUS(mongodb_aws_client_conversation_client_final_with_handle(&conv, b, len, h, NOW, NULL, out, sizeof out,
                                                                              &n),
                     st);
        if (st != MONGODB_AWS_OK) CHECK(n == 999 && untouched(0));
        mongodb_aws_credentials_handle_free(h);
    }
    return tl_observe(st);
}

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A server-first from one letter a field: s the nonce, h the host, S an "s" string, H an "h" int32,
 * x an unexpected int32 "x". */
static void build_fields(tb_doc *d, const char *fields) {
    tb_init(d);
    for (; *fields; fields++) {
        switch (*fields) {
        case 's': tb_binary(d, "s", 0, server_nonce, 64); break;
        case 'h': tb_string(d, "h", "sts.amazonaws.com", 17); break;
        case 'S': tb_string(d, "s", "x", 1); break;
        case 'H': tb_int32(d, "h", 1); break;
        default: tb_int32(d, "x", 1); break;
        }
    }
    tb_finish(d);
}

static const struct {
    const char *fields;
    uint32_t want;
} field_rules[] = {
    {"s", MONGODB_AWS_MISSING_FIELD},        {"h", MONGODB_AWS_MISSING_FIELD},
    {"", MONGODB_AWS_MISSING_FIELD},         {"Sh", MONGODB_AWS_WRONG_FIELD_TYPE},
    {"sH", MONGODB_AWS_WRONG_FIELD_TYPE},    {"shh", MONGODB_AWS_DUPLICATE_FIELD},
    {"ssh", MONGODB_AWS_DUPLICATE_FIELD},    {"shx", MONGODB_AWS_UNEXPECTED_FIELD},
};

static void malformed_bson(void) {
    uint8_t b[1100];
    tb_doc d;
    size_t i;
    size_t len = good_sf.len;
    CHECK_STATUS(parse_sf(good_sf.buf, good_sf.len), MONGODB_AWS_OK);
    /* Empty, shorter than its length prefix, cut anywhere. */
    CHECK_STATUS(parse_sf(NULL, 0), MONGODB_AWS_BSON_TRUNCATED);
    CHECK_STATUS(parse_sf(good_sf.buf, 3), MONGODB_AWS_BSON_TRUNCATED);
    {
        size_t cut;
        for (cut = 4; cut < len; cut++) CHECK_STATUS(parse_sf(good_sf.buf, cut), MONGODB_AWS_BSON_TRUNCATED);
    }
    /* Trailing bytes. */
    memcpy(b, good_sf.buf, len);
    b[len] = 0;
    CHECK_STATUS(parse_sf(b, len + 1), MONGODB_AWS_BSON_TRAILING_BYTES);
    /* Declared length too small, negative, missing terminator. */
    memcpy(b, good_sf.buf, len);
    put_le32(b, 4);
    CHECK_STATUS(parse_sf(b, len), MONGODB_AWS_BSON_MALFORMED);
    put_le32(b, 0xFFFFFFFFu);
    CHECK_STATUS(parse_sf(b, len), MONGODB_AWS_BSON_MALFORMED);
    memcpy(b, good_sf.buf, len);
    b[len - 1] = 1;
    CHECK_STATUS(parse_sf(b, len), MONGODB_AWS_BSON_MALFORMED);
    /* Unknown element type. */
    memcpy(b, good_sf.buf, len);
    b[4] = 0x7E;
    CHECK_STATUS(parse_sf(b, len), MONGODB_AWS_BSON_MALFORMED);
    /* String length inconsistent with its terminator; a string that is not UTF-8. */
    tl_server_first(&d, 0, server_nonce, 64, "sts.amazonaws.com", 17);
    memcpy(b, d.buf, d.len);
    b[d.len - 2] = 'x'; /* the string's NUL */
    CHECK_STATUS(parse_sf(b, d.len), MONGODB_AWS_BSON_MALFORMED);
    tl_server_first(&d, 0, server_nonce, 64, "st\xff.amazonaws.com", 17);
    CHECK_STATUS(parse_sf(d.buf, d.len), MONGODB_AWS_BSON_MALFORMED);
    /* Field-level rules. */
    for (i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++) {
        build_fields(&d, field_rules[i].fields);
        CHECK_STATUS(parse_sf(d.buf, d.len), field_rules[i].want);
    }
}

static void bad_nonces(void) {
    /* The server nonce (65 bytes: ours, one more) with its first byte flipped, cut to `len`, as
     * binary `subtype`. */
    static const struct {
        uint8_t flip, subtype;
        size_t len;
        uint32_t want;
    } cases[] = {
        {1, 0, 64, MONGODB_AWS_SERVER_NONCE_MISMATCH},
        {0, 0, 65, MONGODB_AWS_SERVER_NONCE_LENGTH},
        {0, 0, 32, MONGODB_AWS_SERVER_NONCE_LENGTH}, /* only the client's half */
        {0, 0, 0, MONGODB_AWS_SERVER_NONCE_LENGTH},
        {0, 4, 64, MONGODB_AWS_SERVER_NONCE_SUBTYPE},
    };
    mongodb_aws_client_conversation c;
    uint8_t sn[65];
    tb_doc d;
    size_t i;
    memset(&c, 0x33, sizeof c);
    EXPECT(mongodb_aws_client_conversation_init(&c, nonce, 31), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_client_conversation_init(&c, nonce, 33), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_client_conversation_init(&c, NULL, 0), MONGODB_AWS_INVALID_PARAMETER);
    CHECK(c.nonce[0] == 0x33 && c.nonce[31] == 0x33); /* untouched */
    memcpy(sn, server_nonce, 64);
    sn[64] = 0;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sn[0] ^= cases[i].flip;
        tl_server_first(&d, cases[i].subtype, sn, cases[i].len, "sts.amazonaws.com", 17);
        CHECK_STATUS(parse_sf(d.buf, d.len), cases[i].want);
        sn[0] ^= cases[i].flip;
    }
    /* A conversation with another nonce rejects this server-first. */
    {
        uint8_t other[32];
        mongodb_aws_client_conversation saved = conv;
        memset(other, 0, sizeof other);
        EXPECT(mongodb_aws_client_conversation_init(&conv, other, 32), MONGODB_AWS_OK);
        CHECK_STATUS(parse_sf(good_sf.buf, good_sf.len), MONGODB_AWS_SERVER_NONCE_MISMATCH);
        conv = saved;
    }
}

static void bad_hosts(void) {
    static const struct {
        const char *host;
        uint32_t want;
    } cases[] = {
        {"", MONGODB_AWS_HOST_EMPTY},
        {".", MONGODB_AWS_HOST_EMPTY_LABEL},
        {".sts.amazonaws.com", MONGODB_AWS_HOST_EMPTY_LABEL},
        {"sts.amazonaws.com.", MONGODB_AWS_HOST_EMPTY_LABEL},
        {"sts..amazonaws.com", MONGODB_AWS_HOST_EMPTY_LABEL},
        {"sts amazonaws.com", MONGODB_AWS_HOST_INVALID_CHARACTER},
        {"sts.amazonaws.com/x", MONGODB_AWS_HOST_INVALID_CHARACTER},
        {"user@sts.amazonaws.com", MONGODB_AWS_HOST_INVALID_CHARACTER},
        {"sts.amazonaws.com\r\nX-Evil: 1", MONGODB_AWS_HOST_INVALID_CHARACTER},
        {"sts.us:west.amazonaws.com", MONGODB_AWS_INVALID_REGION}, /* valid host, region unusable */
        {"sts.us-west-2.amazonaws.com", MONGODB_AWS_OK},
        {"localhost:8080", MONGODB_AWS_OK},
    };
    char long_host[300];
    size_t i;
    tb_doc d;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *region = NULL;
        size_t rl = 0;
        uint32_t want_sts = cases[i].want == MONGODB_AWS_INVALID_REGION ? MONGODB_AWS_OK : cases[i].want;
        tl_server_first(&d, 0, server_nonce, 64, cases[i].host, strlen(cases[i].host));
        CHECK_STATUS(parse_sf(d.buf, d.len), cases[i].want);
        EXPECT(mongodb_aws_sts_validate_host(cases[i].host, strlen(cases[i].host)), want_sts);
        EXPECT(mongodb_aws_sts_region_for_host(cases[i].host, strlen(cases[i].host), &region, &rl), want_sts);
        if (want_sts != MONGODB_AWS_OK) CHECK(region == NULL && rl == 0);
    }
    memset(long_host, 'a', sizeof long_host);
    EXPECT(mongodb_aws_sts_validate_host(long_host, 255), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_sts_validate_host(long_host, 256), MONGODB_AWS_HOST_TOO_LONG);
    tl_server_first(&d, 0, server_nonce, 64, long_host, 256);
    CHECK_STATUS(parse_sf(d.buf, d.len), MONGODB_AWS_HOST_TOO_LONG);
    EXPECT(mongodb_aws_sts_validate_host("sts.\xe9.com", 9), MONGODB_AWS_INVALID_UTF8);
    /* Lengths no object can have are refused before any read. */
    EXPECT(mongodb_aws_sts_validate_host("x", (size_t)-1), MONGODB_AWS_LENGTH_OVERFLOW);
    EXPECT(mongodb_aws_client_conversation_parse_server_first(&conv, good_sf.buf, (size_t)-1, NULL),
           MONGODB_AWS_LENGTH_OVERFLOW);
    {
        size_t n = 5;
        EXPECT(mongodb_aws_amz_date(NOW, out, (size_t)-1, &n), MONGODB_AWS_LENGTH_OVERFLOW);
        CHECK(n == 5);
    }
}

/* ---- credentials -------------------------------------------------------------------------------------- */

static void bad_credentials(void) {
    static const struct {
        const char *id, *secret, *token;
        uint32_t want;
    } cases[] = {
        {"AKIDEXAMPLE", "secret", NULL, MONGODB_AWS_OK},
        {"AKIDEXAMPLE", "secret", "", MONGODB_AWS_OK},
        {"AKIDEXAMPLE", "secret", "tok", MONGODB_AWS_OK},
        {NULL, NULL, NULL, MONGODB_AWS_NO_CREDENTIALS},
        {"", "", "", MONGODB_AWS_NO_CREDENTIALS},
        {"AKID", NULL, NULL, MONGODB_AWS_MISSING_SECRET_ACCESS_KEY},
        {"AKID", "", "tok", MONGODB_AWS_MISSING_SECRET_ACCESS_KEY},
        {NULL, "secret", NULL, MONGODB_AWS_MISSING_ACCESS_KEY_ID},
        {NULL, NULL, "tok", MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS},
        {"AKID-1", "secret", NULL, MONGODB_AWS_INVALID_ACCESS_KEY_ID},
        {"AKID", "sec ret", NULL, MONGODB_AWS_INVALID_SECRET_ACCESS_KEY},
        {"AKID", "secret", "to ken", MONGODB_AWS_INVALID_SESSION_TOKEN},
        {"AKID", "secret", "tok\n", MONGODB_AWS_INVALID_SESSION_TOKEN},
        {"AK\xff", "secret", NULL, MONGODB_AWS_INVALID_UTF8},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mongodb_aws_credentials c = tl_creds(cases[i].id, cases[i].secret, cases[i].token);
        size_t n = 77;
        mongodb_aws_request r = good_request();
        mongodb_aws_scope s = good_scope();
        EXPECT(mongodb_aws_credentials_check(&c), cases[i].want);
        /* The same verdict wherever credentials are taken. */
        mark();
        EXPECT(mongodb_aws_client_conversation_client_final(&conv, good_sf.buf, good_sf.len, &c, NOW, NULL, out,
                                                            sizeof out, &n),
               cases[i].want);
        EXPECT(mongodb_aws_sign(&r, &c, &s, 0, NULL, out + 4096, 4096, &n), cases[i].want);
        if (cases[i].want != MONGODB_AWS_OK) CHECK(n == 77 && untouched(0));
        {
            /* A handle is refused for the same reason, and *out is left alone. */
            mongodb_aws_credentials_handle *sentinel = (mongodb_aws_credentials_handle *)&c, *h = sentinel;
            EXPECT(mongodb_aws_credentials_handle_new(&c, &h), cases[i].want);
            if (cases[i].want != MONGODB_AWS_OK) CHECK(h == sentinel);
            else mongodb_aws_credentials_handle_free(h);
        }
    }
    {
        mongodb_aws_scope s = good_scope();
        mongodb_aws_signing_key *k = NULL;
        EXPECT(mongodb_aws_signing_key_new("sec ret", 7, &s, &k), MONGODB_AWS_INVALID_SECRET_ACCESS_KEY);
        EXPECT(mongodb_aws_signing_key_new("", 0, &s, &k), MONGODB_AWS_INVALID_SECRET_ACCESS_KEY);
        CHECK(k == NULL);
    }
}

/* ---- signer inputs ------------------------------------------------------------------------------------ */

typedef enum { F_METHOD, F_PATH, F_QUERY, F_PAYLOAD_HASH, F_REGION, F_SERVICE } text_field;

/* A text field of a request or scope set to a value, and what signing then gives. */
static const struct {
    text_field field;
    const char *value;
    uint32_t want;
} field_cases[] = {
    {F_METHOD, "", MONGODB_AWS_INVALID_METHOD},
    {F_METHOD, "G3T", MONGODB_AWS_INVALID_METHOD},
    {F_PATH, "", MONGODB_AWS_INVALID_PATH},
    {F_PATH, "relative", MONGODB_AWS_INVALID_PATH},
    {F_QUERY, "a=%zz", MONGODB_AWS_INVALID_QUERY},
    {F_PAYLOAD_HASH, "abc", MONGODB_AWS_INVALID_PAYLOAD_HASH},
    {F_PAYLOAD_HASH, "AB821AE955788B0E33EBD34C208442CCFC2D406E2EDC5E7A39BD6458FBB4F843", MONGODB_AWS_INVALID_PAYLOAD_HASH},
    {F_PAYLOAD_HASH, "UNSIGNED-PAYLOAD", MONGODB_AWS_OK},
    {F_REGION, "", MONGODB_AWS_INVALID_REGION},
    {F_REGION, "us east", MONGODB_AWS_INVALID_REGION},
    {F_SERVICE, "", MONGODB_AWS_INVALID_SERVICE},
};

static void set_text(const char **p, size_t *len, const char *value) {
    *p = value;
    *len = strlen(value);
}

static void set_field(mongodb_aws_request *r, mongodb_aws_scope *s, text_field f, const char *value) {
    switch (f) {
    case F_METHOD: set_text(&r->method, &r->method_len, value); break;
    case F_PATH: set_text(&r->path, &r->path_len, value); break;
    case F_QUERY: set_text(&r->query, &r->query_len, value); break;
    case F_PAYLOAD_HASH: set_text(&r->payload_hash, &r->payload_hash_len, value); break;
    case F_REGION: set_text(&s->region, &s->region_len, value); break;
    case F_SERVICE: set_text(&s->service, &s->service_len, value); break;
    }
}

/* Two headers, the first with the value "example.com", and what signing them gives. */
static const struct {
    const char *name0, *name1, *value1;
    size_t value1_len; /* 0: strlen(value1) */
    uint32_t want;
} header_cases[] = {
    {"Host", "Bad Name", "v", 0, MONGODB_AWS_INVALID_HEADER_NAME},
    {"Host", "", "v", 0, MONGODB_AWS_INVALID_HEADER_NAME},
    {"Host", "X-Ok", "line\r\nX-Evil: 1", 0, MONGODB_AWS_INVALID_HEADER_VALUE},
    {"Host", "X-Ok", "a\0b", 3, MONGODB_AWS_INVALID_HEADER_VALUE},
    {"Host", "X-Ok", "\xc3\x28", 0, MONGODB_AWS_INVALID_UTF8},
    {"X-Not-Host", "X-Ok", "v", 0, MONGODB_AWS_MISSING_HOST_HEADER},
    {"Host", "X-Amz-Date", "20150830T123600Z", 0, MONGODB_AWS_OK},
    {"Host", "X-Amz-Date", "20150830T123601Z", 0, MONGODB_AWS_INVALID_AMZ_DATE},
};

static void bad_requests(void) {
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, TOKEN);
    mongodb_aws_signing_key *key = NULL, *other = NULL;
    mongodb_aws_scope scope = good_scope();
    mongodb_aws_scope s2;
    mongodb_aws_request r;
    mongodb_aws_header many[MONGODB_AWS_MAX_HEADERS + 1];
    mongodb_aws_header hs[3];
    size_t n = 0, i;
    uint64_t t = 0;
#define SIGN(req, sc, flags, k) mongodb_aws_sign((req), &creds, (sc), (flags), (k), out, sizeof out, &n)
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, &key), MONGODB_AWS_OK);
    r = good_request();
    EXPECT(SIGN(&r, &scope, 0, key), MONGODB_AWS_OK);
    /* One text field of the good request or scope replaced (a scope case signs without the key). */
    for (i = 0; i < sizeof field_cases / sizeof field_cases[0]; i++) {
        int in_scope = field_cases[i].field == F_REGION || field_cases[i].field == F_SERVICE;
        r = good_request();
        s2 = scope;
        set_field(&r, &s2, field_cases[i].field, field_cases[i].value);
        EXPECT(SIGN(&r, &s2, 0, in_scope ? NULL : key), field_cases[i].want);
    }
    /* Two headers: names and values, the host header, a caller's x-amz-date (it must equal the
     * scope's time). */
    r = good_request();
    r.headers = hs;
    r.headers_len = 2;
    for (i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        hs[0] = tl_hdr(header_cases[i].name0, "example.com");
        hs[1] = tl_hdr(header_cases[i].name1, header_cases[i].value1);
        if (header_cases[i].value1_len) hs[1].value_len = header_cases[i].value1_len;
        EXPECT(SIGN(&r, &scope, 0, key), header_cases[i].want);
    }
    for (i = 0; i < MONGODB_AWS_MAX_HEADERS + 1; i++) many[i] = tl_hdr(i == 0 ? "Host" : "X-A", "v");
    r.headers = many;
    r.headers_len = MONGODB_AWS_MAX_HEADERS;
    EXPECT(SIGN(&r, &scope, 0, key), MONGODB_AWS_OK);
    r.headers_len = MONGODB_AWS_MAX_HEADERS + 1;
    EXPECT(SIGN(&r, &scope, 0, key), MONGODB_AWS_TOO_MANY_HEADERS);
    /* A payload hash equal to the body's hash gives the body's signature. */
    {
        uint8_t sig_body[64];
        r = good_request();
        EXPECT(SIGN(&r, &scope, 0, key), MONGODB_AWS_OK);
        memcpy(sig_body, out, 64);
        r.payload_hash = "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843";
        r.payload_hash_len = 64;
        r.payload = NULL;
        r.payload_len = 0;
        EXPECT(SIGN(&r, &scope, 0, key), MONGODB_AWS_OK);
        CHECK_MEM(out, (size_t)64, sig_body, (size_t)64);
    }
    r = good_request();
    s2 = scope;
    s2.now_unix = 253402300800ull; /* year 10000 */
    EXPECT(SIGN(&r, &s2, 0, NULL), MONGODB_AWS_INVALID_TIME);
    EXPECT(mongodb_aws_amz_date(253402300800ull, out, sizeof out, &n), MONGODB_AWS_INVALID_TIME);
    EXPECT(mongodb_aws_amz_date(253402300799ull, out, sizeof out, &n), MONGODB_AWS_OK);
    CHECK_MEM(out, n, "99991231T235959Z", (size_t)16);
    /* Flags. */
    EXPECT(SIGN(&r, &scope, 16, key), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(SIGN(&r, &scope, 0x80000000u, key), MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(SIGN(&r, &scope, MONGODB_AWS_SIGN_S3, key), MONGODB_AWS_OK);
    /* Keys for another day, region or service. */
    s2 = scope;
    s2.now_unix += 86400;
    EXPECT(SIGN(&r, &s2, 0, key), MONGODB_AWS_SIGNING_KEY_MISMATCH);
    s2 = scope;
    s2.region = "eu-west-1";
    s2.region_len = 9;
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &s2, &other), MONGODB_AWS_OK);
    EXPECT(SIGN(&r, &scope, 0, other), MONGODB_AWS_SIGNING_KEY_MISMATCH);
    EXPECT(mongodb_aws_sign_authorization(&r, &creds, &scope, 0, other, out, sizeof out, &n),
           MONGODB_AWS_SIGNING_KEY_MISMATCH);
    EXPECT(mongodb_aws_presign(&r, &creds, &scope, 0, 60, other, out, sizeof out, &n), MONGODB_AWS_SIGNING_KEY_MISMATCH);
    {
        uint8_t sf_other[512];
        tb_doc d;
        memcpy(sf_other, good_sf.buf, good_sf.len);
        (void)sf_other;
        tl_server_first(&d, 0, server_nonce, 64, "sts.amazonaws.com", 17);
        /* The conversation signs for us-east-1; a eu-west-1 key is refused. */
        EXPECT(mongodb_aws_client_conversation_client_final(&conv, d.buf, d.len, &creds, NOW, other, out, sizeof out, &n),
               MONGODB_AWS_SIGNING_KEY_MISMATCH);
        EXPECT(mongodb_aws_client_conversation_client_final(&conv, d.buf, d.len, &creds, NOW, key, out, sizeof out, &n),
               MONGODB_AWS_OK);
        /* A time the scope cannot express. */
        EXPECT(mongodb_aws_client_conversation_client_final(&conv, d.buf, d.len, &creds, 253402300800ull, NULL, out,
                                                            sizeof out, &n),
               MONGODB_AWS_INVALID_TIME);
    }
    /* Presign expiry. */
    EXPECT(mongodb_aws_presign(&r, &creds, &scope, 0, 0, key, out, sizeof out, &n), MONGODB_AWS_INVALID_EXPIRES);
    EXPECT(mongodb_aws_presign(&r, &creds, &scope, 0, 604801, key, out, sizeof out, &n), MONGODB_AWS_INVALID_EXPIRES);
    EXPECT(mongodb_aws_presign(&r, &creds, &scope, 0, 604800, key, out, sizeof out, &n), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_presign_canonical_request(&r, &creds, &scope, 0, 0, out, sizeof out, &n),
           MONGODB_AWS_INVALID_EXPIRES);
    /* Size queries report input errors too. */
    r.method = "";
    r.method_len = 0;
    EXPECT(mongodb_aws_sign(&r, &creds, &scope, 0, key, NULL, 0, &n), MONGODB_AWS_INVALID_METHOD);
    EXPECT(mongodb_aws_sign_authorization(&r, &creds, &scope, 0, key, NULL, 0, &n), MONGODB_AWS_INVALID_METHOD);
    /* Timestamps. */
    EXPECT(mongodb_aws_parse_iso8601("2023-02-07T20:04:27Z", 20, &t), MONGODB_AWS_OK);
    CHECK(t == 1675800267ull);
    EXPECT(mongodb_aws_parse_iso8601("yesterday", 9, &t), MONGODB_AWS_INVALID_TIMESTAMP);
    EXPECT(mongodb_aws_parse_iso8601("2023-02-30T20:04:27Z", 20, &t), MONGODB_AWS_INVALID_TIMESTAMP);
    EXPECT(mongodb_aws_parse_iso8601("", 0, &t), MONGODB_AWS_INVALID_TIMESTAMP);
    CHECK(t == 1675800267ull);
#undef SIGN
    mongodb_aws_signing_key_free(key);
    mongodb_aws_signing_key_free(other);
}

/* ---- pseudo-random sweep ---------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { return tl_rnd(&rng_state); }

static void sweep(int iterations) {
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, TOKEN);
    mongodb_aws_scope scope = good_scope();
    int i, bad = 0, ok = 0;
    static const char alphabet[] = "aZ09-_.:/ %&=?\r\n\t\x01\x7f\xc3\xa9\xff;,";
    for (i = 0; i < iterations; i++) {
        uint8_t sf[400];
        size_t len = good_sf.len, n = 0, k, edits = 1 + rnd() % 4, q = 0;
        uint32_t st, st2;
        char text[300], text2[64];
        size_t tl = rnd() % sizeof text, tl2 = rnd() % sizeof text2;
        mongodb_aws_request r = good_request();
        mongodb_aws_header hs[3];
        const char *region;
        size_t rl;
        uint64_t t;
        memcpy(sf, good_sf.buf, len);
        tl_mutate(&rng_state, sf, &len, sizeof sf, edits, NULL);
        st = tl_observe(mongodb_aws_client_conversation_client_final(&conv, sf, len, &creds, NOW, NULL, out, sizeof out, &n));
        st2 = tl_observe(mongodb_aws_client_conversation_client_final(&conv, sf, len, &creds, NOW, NULL, NULL, 0, &q));
        if (tl_bad_status(st) || st != st2 || (st == MONGODB_AWS_OK && q != n)) bad++;
        if (st == MONGODB_AWS_OK) ok++;
        for (k = 0; k < tl; k++) text[k] = alphabet[rnd() % (sizeof alphabet - 1)];
        for (k = 0; k < tl2; k++) text2[k] = alphabet[rnd() % (sizeof alphabet - 1)];
        st = tl_observe(mongodb_aws_sts_region_for_host(text, tl, &region, &rl));
        if (tl_bad_status(st)) bad++;
        st = tl_observe(mongodb_aws_parse_iso8601(text2, tl2, &t));
        if (tl_bad_status(st)) bad++;
        hs[0] = tl_hdr("Host", "example.com");
        hs[1].name = text2;
        hs[1].name_len = tl2 % 12;
        hs[1].value = text;
        hs[1].value_len = tl % 40;
        hs[2] = tl_hdr("X-Amz-Date", rnd() % 2 ? "20150830T123600Z" : "2015");
        r.headers = hs;
        r.headers_len = 1 + rnd() % 3;
        r.path = text + tl / 2;
        r.path_len = tl - tl / 2;
        if (rnd() % 2 && r.path_len) text[tl / 2] = '/';
        r.query = text2;
        r.query_len = tl2;
        if (rnd() % 3 == 0) {
            r.payload_hash = text;
            r.payload_hash_len = rnd() % 2 ? 64 : tl % 70;
        }
        st = tl_observe(mongodb_aws_sign_canonical_request(&r, &creds, &scope, rnd() % 20, out, sizeof out, &n));
        if (tl_bad_status(st)) bad++;
        st = tl_observe(mongodb_aws_presign(&r, &creds, &scope, rnd() % 16, rnd() % 700000, NULL, out, sizeof out, &n));
        if (tl_bad_status(st)) bad++;
    }
    CHECK(bad == 0);
    CHECK(ok > 0); /* some mutations leave a valid message (e.g. appended-then-truncated) */
    if (bad) fprintf(stderr, "  sweep: %d calls returned PANIC, an unknown status or inconsistent sizes\n", bad);
}

/* ---- threads ------------------------------------------------------------------------------------------ */

typedef struct {
    const mongodb_aws_signing_key *key;
    const mongodb_aws_credentials_handle *handle;
    uint8_t final[1024];
    size_t len;
    int failures;
} thread_arg;

static void *worker(void *p) {
    thread_arg *a = (thread_arg *)p;
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, TOKEN);
    int i;
    for (i = 0; i < 200; i++) {
        uint8_t o[1024];
        size_t n = 0;
        uint32_t st = a->handle ? mongodb_aws_client_conversation_client_final_with_handle(
                                      &conv, good_sf.buf, good_sf.len, a->handle, NOW, a->key, o, sizeof o, &n)
                                : mongodb_aws_client_conversation_client_final(&conv, good_sf.buf, good_sf.len, &creds,
                                                                               NOW, a->key, o, sizeof o, &n);
        if (st != MONGODB_AWS_OK || (i > 0 && (n != a->len || memcmp(o, a->final, n) != 0))) a->failures++;
        memcpy(a->final, o, n);
        a->len = n;
    }
    return NULL;
}

static void threads(void) {
    pthread_t th[4];
    thread_arg args[4];
    mongodb_aws_signing_key *key = NULL;
    mongodb_aws_credentials_handle *handle = NULL;
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, TOKEN);
    mongodb_aws_scope scope = good_scope();
    int i;
    scope.region = "us-west-2";
    EXPECT(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, &key), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_credentials_handle_new(&creds, &handle), MONGODB_AWS_OK);
    for (i = 0; i < 4; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].key = i % 2 ? key : NULL; /* shared key and derived keys agree */
        args[i].handle = i >= 2 ? handle : NULL; /* so do a shared handle and per-call structs */
        CHECK(pthread_create(&th[i], NULL, worker, &args[i]) == 0);
    }
    for (i = 0; i < 4; i++) CHECK(pthread_join(th[i], NULL) == 0);
    for (i = 0; i < 4; i++) {
        CHECK(args[i].failures == 0);
        CHECK_MEM(args[i].final, args[i].len, args[0].final, args[0].len);
    }
    mongodb_aws_signing_key_free(key);
    mongodb_aws_credentials_handle_free(handle);
}

/* ---- coverage of statuses -------------------------------------------------------------------------- */

static void every_status_observed(void) {
    uint32_t c;
    int missing = 0;
    for (c = 1; c <= TL_MAX_CODE; c++) {
        int required;
        if (!tl_defined_status(c) || tl_seen[c]) continue;
        /* Not reachable here: a panic (a bug), a core error this build lacks (the generated table keeps
         * it impossible). Expiry and the chain's blocks (120-139, 400-420) are checked by test_chain,
         * the server's (140-159, 220-239, 500-599) by test_server. */
        required = !(c == MONGODB_AWS_PANIC || c == MONGODB_AWS_UNKNOWN_ERROR || c == MONGODB_AWS_CREDENTIALS_EXPIRED ||
                     (c >= 120 && c < 140) || (c >= 140 && c < 160) || (c >= 220 && c < 240) || (c >= 400 && c < 600));
        printf("  status %u %s not reached%s\n", c, mongodb_aws_status_name(c), required ? " (REQUIRED)" : "");
        if (required) missing++;
    }
    CHECK(missing == 0);
}

int main(int argc, char **argv) {
    int iterations = 3000;
    const char *env = getenv("MONGODB_AWS_SWEEP_ITERATIONS");
    if (env) iterations = atoi(env);
    setup();
    status_strings();
    version(argc > 1 ? argv[1] : NULL);
    null_arguments();
    short_buffers();
    malformed_bson();
    bad_nonces();
    bad_hosts();
    bad_credentials();
    bad_requests();
    sweep(iterations);
    threads();
    every_status_observed();
    return tl_summary("test_errors");
}
