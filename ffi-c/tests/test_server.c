/*
 * The server side and the credential providers through the C API:
 *   - the server conversation on the GetCallerIdentity vector (server-first byte for byte, the
 *     client-finals of the vector accepted, the STS request carrying the vector's Authorization),
 *     the MongoDB server's SignedHeaders cases from the derived vectors, client-first and
 *     client-final error paths, the clock check;
 *   - STS replies (GetCallerIdentity identity and error documents, XML and JSON) and ARN mapping;
 *   - provider request builders (ECS, container full URI, IMDSv2, web identity, AssumeRole, SAML,
 *     GetCallerIdentity) checked through their HTTP views, and the reply parsers on documented
 *     reply shapes; the chain order and the freshness rule;
 *   - the STS side: inspecting and verifying the forwarded request (signature, token, time, shape);
 *   - NULL arguments and short buffers for every new output; every status of the 120-139, 400-419 and
 *     500-599 blocks reached (except those only a host's I/O or key table produces).
 *
 * Usage: test_providers_server TESTDATA_DIR
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define MAX_CODE 1000
static int seen[MAX_CODE + 1];
static uint32_t observe(uint32_t s) {
    if (s <= MAX_CODE) seen[s] = 1;
    return s;
}
#define EXPECT(expr, want) CHECK_STATUS(observe((uint32_t)(expr)), (want))

static const char *testdata;
static uint8_t out[16384];
static size_t n;

static int mem_has(const uint8_t *hay, size_t hay_len, const char *needle) {
    size_t nl = strlen(needle), i;
    for (i = 0; i + nl <= hay_len; i++) {
        if (memcmp(hay + i, needle, nl) == 0) return 1;
    }
    return 0;
}

static int view_eq(const char *p, size_t len, const char *want) { return p && len == strlen(want) && memcmp(p, want, len) == 0; }

/* ---- server conversation on the vector ------------------------------------------------------------ */

#define GCI "vectors/mongodb-aws-getcalleridentity"

static uint8_t cf[64], sf[512], final_tok[2048], final_notok[2048];
static size_t cf_len, sf_len, final_tok_len, final_notok_len;
static mongodb_aws_server_conversation sconv;

static void load_vector(void) {
    size_t l;
    char *h;
    uint8_t *b;
    const char *files[4] = {GCI "/client-first.bson.hex", GCI "/server-first.bson.hex",
                            GCI "/with-session-token/client-final.bson.hex",
                            GCI "/without-session-token/client-final.bson.hex"};
    uint8_t *dst[4] = {cf, sf, final_tok, final_notok};
    size_t *lens[4] = {&cf_len, &sf_len, &final_tok_len, &final_notok_len};
    int i;
    for (i = 0; i < 4; i++) {
        h = tl_read(testdata, files[i], &l);
        b = tl_unhex(h, lens[i]);
        memcpy(dst[i], b, *lens[i]);
        free(b);
        free(h);
    }
}

static void server_vector(void) {
    uint8_t random[32];
    size_t i, l;
    mongodb_aws_client_final info;
    char *authz_tok, *authz_notok, *inputs_text;
    tj_value *inputs;
    uint64_t now;
    for (i = 0; i < 32; i++) random[i] = (uint8_t)(32 + i); /* the vector's server nonce is 00..3f */
    EXPECT(mongodb_aws_server_conversation_init(&sconv, cf, cf_len, random, 32, "sts.amazonaws.com", 17),
           MONGODB_AWS_OK);
    EXPECT(mongodb_aws_server_conversation_server_first(&sconv, out, sizeof out, &n), MONGODB_AWS_OK);
    CHECK_MEM(out, n, sf, sf_len);
    EXPECT(mongodb_aws_server_conversation_server_first(&sconv, NULL, 0, &n), MONGODB_AWS_OK);
    CHECK(n == sf_len && n == 85 + 17);

    inputs_text = tl_read(testdata, GCI "/inputs.json", &l);
    inputs = tj_parse(inputs_text);
    authz_tok = tl_read(testdata, GCI "/with-session-token/authorization.txt", &l);
    authz_notok = tl_read(testdata, GCI "/without-session-token/authorization.txt", &l);
    now = 1440938160; /* 20150830T123600Z */

    /* With a session token: accepted, views, the STS request. */
    memset(&info, 0, sizeof info);
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, final_tok, final_tok_len, now, 900, &info),
           MONGODB_AWS_OK);
    CHECK(view_eq(info.access_key_id, info.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(view_eq(info.session_token, info.session_token_len, tj_str(inputs, "session_token")));
    CHECK(memcmp(info.amz_date, "20150830T123600Z", 16) == 0 && info.date_unix == now);
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, out, sizeof out, &n),
           MONGODB_AWS_OK);
    CHECK(n > 4 && memcmp(out, "POST / HTTP/1.1\r\n", 17) == 0);
    CHECK(mem_has(out, n, "\r\nContent-Length: 43\r\n"));
    CHECK(mem_has(out, n, "\r\nContent-Type: application/x-www-form-urlencoded\r\n"));
    CHECK(mem_has(out, n, "\r\nHost: sts.amazonaws.com\r\n"));
    CHECK(mem_has(out, n, "\r\nX-Amz-Date: 20150830T123600Z\r\n"));
    CHECK(mem_has(out, n, "\r\nX-MongoDB-GS2-CB-Flag: n\r\n"));
    {
        char line[512];
        snprintf(line, sizeof line, "\r\nX-MongoDB-Server-Nonce: %s\r\n", tj_str(inputs, "server_nonce_base64"));
        CHECK(mem_has(out, n, line));
        snprintf(line, sizeof line, "\r\nAuthorization: %s\r\n", authz_tok);
        CHECK(mem_has(out, n, line));
        CHECK(mem_has(out, n, "\r\nX-Amz-Security-Token: AQoDYXdzEPT"));
    }
    CHECK(n > 43 && memcmp(out + n - 43, MONGODB_AWS_GET_CALLER_IDENTITY_BODY, 43) == 0);
    CHECK(n > 47 && memcmp(out + n - 47, "\r\n\r\n", 4) == 0);

    /* Without a session token. */
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, final_notok, final_notok_len, now,
                                                        MONGODB_AWS_NO_TIME_CHECK, &info),
           MONGODB_AWS_OK);
    CHECK(info.session_token == NULL && info.session_token_len == 0);
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_notok, final_notok_len, out, sizeof out, &n),
           MONGODB_AWS_OK);
    CHECK(!mem_has(out, n, "X-Amz-Security-Token"));
    {
        char line[512];
        snprintf(line, sizeof line, "\r\nAuthorization: %s\r\n", authz_notok);
        CHECK(mem_has(out, n, line));
    }
    /* The clock check (optional, stricter than the MongoDB server). */
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, final_notok, final_notok_len, now + 900,
                                                        MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS, NULL),
           MONGODB_AWS_OK);
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, final_notok, final_notok_len, now + 901,
                                                        MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS, NULL),
           MONGODB_AWS_REQUEST_TIME_SKEWED);
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, final_notok, final_notok_len, 0,
                                                        MONGODB_AWS_NO_TIME_CHECK, NULL),
           MONGODB_AWS_OK);
    /* The same client-final against a server with another host (region) or nonce is refused. */
    {
        mongodb_aws_server_conversation other;
        EXPECT(mongodb_aws_server_conversation_init(&other, cf, cf_len, random, 32, "sts.us-west-2.amazonaws.com", 27),
               MONGODB_AWS_OK);
        EXPECT(mongodb_aws_server_conversation_client_final(&other, final_notok, final_notok_len, now,
                                                            MONGODB_AWS_NO_TIME_CHECK, NULL),
               MONGODB_AWS_CREDENTIAL_SCOPE_REGION_MISMATCH);
    }
    free(authz_tok);
    free(authz_notok);
    free(inputs_text);
    tj_free(inputs);
}

/* Client-final with the given Authorization / date / token. */
static size_t build_final(uint8_t *buf, const char *a, const char *d, const char *t) {
    tb_doc doc;
    tb_init(&doc);
    if (a) tb_string(&doc, "a", a, strlen(a));
    if (d) tb_string(&doc, "d", d, strlen(d));
    if (t) tb_string(&doc, "t", t, strlen(t));
    tb_finish(&doc);
    memcpy(buf, doc.buf, doc.len);
    return doc.len;
}

static void signed_headers_cases(const tj_value *d) {
    const tj_value *cases = tj_get(tj_get(d, "server_signed_headers_cases"), "cases");
    size_t i;
    CHECK(cases && cases->len >= 5);
    if (!cases) return;
    for (i = 0; i < cases->len; i++) {
        const tj_value *c = &cases->items[i];
        const char *sh = tj_str(c, "signed_headers");
        const tj_value *acc = tj_get(c, "accepted");
        char a[1024];
        uint8_t b[2048];
        size_t len;
        uint32_t st;
        if (!sh || !acc) continue;
        snprintf(a, sizeof a,
                 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=%s, "
                 "Signature=1b53c1aeea0c0da7166b3a62645de8d92a41e026e9b679f20af38b9a9e4822d7",
                 sh);
        len = build_final(b, a, "20150830T123600Z", strstr(sh, "x-amz-security-token") ? "token" : NULL);
        st = observe(mongodb_aws_server_conversation_client_final(&sconv, b, len, 0, MONGODB_AWS_NO_TIME_CHECK, NULL));
        if (acc->boolean) {
            CHECK_STATUS(st, MONGODB_AWS_OK);
        } else {
            CHECK(st != MONGODB_AWS_OK);
        }
        if ((st == MONGODB_AWS_OK) != acc->boolean) fprintf(stderr, "  SignedHeaders case %s\n", sh);
    }
}

static void server_errors(void) {
    uint8_t random[32] = {0}, b[2048];
    mongodb_aws_server_conversation c;
    tb_doc d;
    size_t len;
    const char *good_a =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
        "SignedHeaders=content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, "
        "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be";
    memset(&c, 0x77, sizeof c);
    /* client-first */
    EXPECT(mongodb_aws_server_conversation_init(&c, cf, cf_len, random, 31, "sts.amazonaws.com", 17),
           MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_server_conversation_init(&c, cf, cf_len, random, 32, "sts..com", 8), MONGODB_AWS_HOST_EMPTY_LABEL);
    EXPECT(mongodb_aws_server_conversation_init(&c, cf, cf_len - 1, random, 32, "sts.amazonaws.com", 17),
           MONGODB_AWS_BSON_TRUNCATED);
    tb_init(&d);
    tb_binary(&d, "r", 0, random, 32);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "h", 1), MONGODB_AWS_CLIENT_FIRST_MISSING_FIELD);
    tb_init(&d);
    tb_binary(&d, "r", 0, random, 32);
    tb_int32(&d, "p", 110);
    tb_int32(&d, "x", 1);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "h", 1), MONGODB_AWS_CLIENT_FIRST_UNEXPECTED_FIELD);
    tb_init(&d);
    tb_binary(&d, "r", 0, random, 32);
    tb_string(&d, "p", "n", 1);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "h", 1), MONGODB_AWS_CLIENT_FIRST_WRONG_FIELD_TYPE);
    tb_init(&d);
    tb_binary(&d, "r", 0, random, 31);
    tb_int32(&d, "p", 110);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "h", 1), MONGODB_AWS_CLIENT_NONCE_LENGTH);
    tb_init(&d);
    tb_binary(&d, "r", 0, random, 32);
    tb_int32(&d, "p", 112);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "h", 1), MONGODB_AWS_GS2_FLAG_UNSUPPORTED);
    CHECK(c.sts_host_len == 0x77); /* nothing written on failure */
    /* p = 121 (y) is accepted, and Go's order (p first). */
    tb_init(&d);
    tb_int32(&d, "p", 121);
    tb_binary(&d, "r", 0, random, 32);
    tb_finish(&d);
    EXPECT(mongodb_aws_server_conversation_init(&c, d.buf, d.len, random, 32, "localhost", 9), MONGODB_AWS_OK);

    /* client-final */
#define FINAL(buf, l) mongodb_aws_server_conversation_client_final(&sconv, (buf), (l), 0, MONGODB_AWS_NO_TIME_CHECK, NULL)
    len = build_final(b, good_a, "20150830T123600Z", NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_OK);
    EXPECT(FINAL(b, len - 1), MONGODB_AWS_BSON_TRUNCATED);
    len = build_final(b, good_a, NULL, NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_CLIENT_FINAL_MISSING_FIELD);
    tb_init(&d);
    tb_string(&d, "a", good_a, strlen(good_a));
    tb_string(&d, "d", "20150830T123600Z", 16);
    tb_int32(&d, "z", 1);
    tb_finish(&d);
    EXPECT(FINAL(d.buf, d.len), MONGODB_AWS_CLIENT_FINAL_UNEXPECTED_FIELD);
    tb_init(&d);
    tb_string(&d, "a", good_a, strlen(good_a));
    tb_int32(&d, "d", 1);
    tb_finish(&d);
    EXPECT(FINAL(d.buf, d.len), MONGODB_AWS_CLIENT_FINAL_WRONG_FIELD_TYPE);
    tb_init(&d);
    tb_string(&d, "a", good_a, strlen(good_a));
    tb_string(&d, "a", good_a, strlen(good_a));
    tb_string(&d, "d", "20150830T123600Z", 16);
    tb_finish(&d);
    EXPECT(FINAL(d.buf, d.len), MONGODB_AWS_DUPLICATE_FIELD);
    len = build_final(b, "AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=x, Signature=00",
                      "20150830T123600Z", NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_AUTHORIZATION_ALGORITHM);
    len = build_final(b, "AWS4-HMAC-SHA256 garbage", "20150830T123600Z", NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_AUTHORIZATION_MALFORMED);
    {
        /* The Authorization shapes the MongoDB server refuses (errors 51742, 51743, 51293, 51292). */
        static const struct {
            const char *a;
            uint32_t want;
        } cases[] = {
            {"AWS4-HMAC-SHA256 SignedHeaders=x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=00",
             MONGODB_AWS_MISSING_CREDENTIAL},
            {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, "
             "Signature=00",
             MONGODB_AWS_CREDENTIAL_WITHOUT_SLASH},
            {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts, "
             "SignedHeaders=x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=00",
             MONGODB_AWS_CREDENTIAL_SCOPE_INVALID},
            {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, Signature=00",
             MONGODB_AWS_MISSING_SIGNED_HEADERS},
            {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
             "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be, "
             "SignedHeaders=x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
             MONGODB_AWS_SIGNED_HEADERS_NOT_TERMINATED},
            {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
             "SignedHeaders=x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=XYZ",
             MONGODB_AWS_SIGNATURE_FORMAT},
        };
        size_t k;
        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            len = build_final(b, cases[k].a, "20150830T123600Z", NULL);
            EXPECT(FINAL(b, len), cases[k].want);
        }
    }
    len = build_final(b, good_a, "2015-08-30", NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_INVALID_AMZ_DATE);
    len = build_final(b, good_a, "20150831T123600Z", NULL);
    EXPECT(FINAL(b, len), MONGODB_AWS_CREDENTIAL_SCOPE_DATE_MISMATCH);
    len = build_final(b, good_a, "20150830T123600Z", "token-without-signing-it");
    EXPECT(FINAL(b, len), MONGODB_AWS_SESSION_TOKEN_SIGNING);
    {
        /* A token that would inject headers into the forwarded request. */
        const char *a_tok =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
            "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;"
            "x-mongodb-server-nonce, Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be";
        len = build_final(b, a_tok, "20150830T123600Z", "tok\r\nX-Evil: 1");
        EXPECT(FINAL(b, len), MONGODB_AWS_INVALID_SESSION_TOKEN);
        n = 5;
        EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, b, len, out, sizeof out, &n),
               MONGODB_AWS_INVALID_SESSION_TOKEN);
        CHECK(n == 5);
    }
#undef FINAL
}

/* ---- the STS side: verifying the forwarded request ------------------------------------------------- */

typedef struct {
    char text[4096];
    mongodb_aws_header headers[16];
    size_t n_headers;
    mongodb_aws_request req;
} http_req;

/* Splits an HTTP/1.1 request (as mongodb_aws_server_conversation_sts_request writes it). */
static void parse_http(const uint8_t *b, size_t len, http_req *h) {
    char *p, *eol, *body;
    memset(h, 0, sizeof *h);
    memcpy(h->text, b, len);
    body = strstr(h->text, "\r\n\r\n");
    *body = '\0';
    body += 4;
    eol = strstr(h->text, "\r\n");
    *eol = '\0';
    h->req.method = "POST";
    h->req.method_len = 4;
    h->req.path = "/";
    h->req.path_len = 1;
    for (p = eol + 2; p && *p; p = eol ? eol + 2 : NULL) {
        char *colon = strstr(p, ": ");
        eol = strstr(p, "\r\n");
        if (eol) *eol = '\0';
        h->headers[h->n_headers].name = p;
        h->headers[h->n_headers].name_len = (size_t)(colon - p);
        h->headers[h->n_headers].value = colon + 2;
        h->headers[h->n_headers].value_len = strlen(colon + 2);
        h->n_headers++;
    }
    h->req.headers = h->headers;
    h->req.headers_len = h->n_headers;
    h->req.payload = (const uint8_t *)body;
    h->req.payload_len = (size_t)(h->text + len - body);
}

static void sts_side(void) {
    static http_req h;
    mongodb_aws_signed_request info;
    const char *secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    uint64_t now = 1440938160;
    size_t l, tl, i;
    char *inputs_text = tl_read(testdata, GCI "/inputs.json", &l);
    tj_value *inputs = tj_parse(inputs_text);
    const char *token = tj_str(inputs, "session_token");
    tl = strlen(token);
    /* With a session token. */
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, out, sizeof out, &n),
           MONGODB_AWS_OK);
    parse_http(out, n, &h);
    CHECK(h.n_headers == 8);
    memset(&info, 0, sizeof info);
    EXPECT(mongodb_aws_sts_inspect(&h.req, &info), MONGODB_AWS_OK);
    CHECK(view_eq(info.access_key_id, info.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(view_eq(info.host, info.host_len, "sts.amazonaws.com") && view_eq(info.region, info.region_len, "us-east-1"));
    CHECK(view_eq(info.session_token, info.session_token_len, token));
    CHECK(view_eq(info.server_nonce, info.server_nonce_len, tj_str(inputs, "server_nonce_base64")));
    CHECK(info.date_unix == now && memcmp(info.amz_date, "20150830T123600Z", 16) == 0);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), token, tl, now), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), token, tl, now + 900), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), token, tl, now + 901), MONGODB_AWS_REQUEST_TIME_SKEWED);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), NULL, 0, now), MONGODB_AWS_SESSION_TOKEN_MISMATCH);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), token, tl - 1, now), MONGODB_AWS_SESSION_TOKEN_MISMATCH);
    EXPECT(mongodb_aws_sts_verify(&h.req, "wrong-secret", 12, token, tl, now), MONGODB_AWS_SIGNATURE_MISMATCH);
    /* Without a token; then tampering. */
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_notok, final_notok_len, out, sizeof out, &n),
           MONGODB_AWS_OK);
    parse_http(out, n, &h);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), NULL, 0, now), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), "t", 1, now), MONGODB_AWS_SESSION_TOKEN_MISMATCH);
    for (i = 0; i < h.n_headers; i++) {
        if (view_eq(h.headers[i].name, h.headers[i].name_len, "X-MongoDB-Server-Nonce")) {
            /* another nonce: the signature no longer matches */
            ((char *)h.headers[i].value)[0] ^= 1;
            EXPECT(mongodb_aws_sts_verify(&h.req, secret, strlen(secret), NULL, 0, now), MONGODB_AWS_SIGNATURE_MISMATCH);
            ((char *)h.headers[i].value)[0] ^= 1;
        }
    }
    h.req.method = "GET";
    h.req.method_len = 3;
    EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_NOT_GET_CALLER_IDENTITY);
    h.req.method = "POST";
    h.req.method_len = 4;
    h.req.payload_hash = "UNSIGNED-PAYLOAD";
    h.req.payload_hash_len = 16;
    EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_INVALID_PARAMETER);
    h.req.payload_hash = NULL;
    h.req.payload_hash_len = 0;
    {
        /* Duplicate Host; missing Authorization; a signed header absent; SignedHeaders out of order. */
        mongodb_aws_header saved[16];
        memcpy(saved, h.headers, sizeof saved);
        h.headers[h.n_headers].name = "Host";
        h.headers[h.n_headers].name_len = 4;
        h.headers[h.n_headers].value = "evil.example.com";
        h.headers[h.n_headers].value_len = 16;
        h.req.headers_len = h.n_headers + 1;
        EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_DUPLICATE_HEADER);
        h.req.headers_len = h.n_headers;
        for (i = 0; i < h.n_headers; i++) {
            if (view_eq(h.headers[i].name, h.headers[i].name_len, "Authorization")) {
                h.headers[i].name = "X-Other";
                h.headers[i].name_len = 7;
                EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_MISSING_AUTHORIZATION);
                memcpy(h.headers, saved, sizeof saved);
                h.headers[i].value =
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
                    "SignedHeaders=x-amz-date;host;x-mongodb-server-nonce, "
                    "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be";
                h.headers[i].value_len = strlen(h.headers[i].value);
                EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_SIGNED_HEADERS_INVALID);
                h.headers[i].value =
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
                    "SignedHeaders=host;x-amz-date;x-not-sent, "
                    "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be";
                h.headers[i].value_len = strlen(h.headers[i].value);
                EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_SIGNED_HEADER_ABSENT);
                memcpy(h.headers, saved, sizeof saved);
            }
        }
    }
    EXPECT(mongodb_aws_sts_inspect(NULL, &info), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_sts_verify(&h.req, NULL, 5, NULL, 0, now), MONGODB_AWS_NULL_ARGUMENT);
    free(inputs_text);
    tj_free(inputs);
}

/* ---- STS replies and ARN mapping ------------------------------------------------------------------ */

static void sts_replies(void) {
    static const char identity_xml[] =
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <GetCallerIdentityResult>\n"
        "    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"
        "    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"
        "    <Account>123456789012</Account>\n"
        "  </GetCallerIdentityResult>\n"
        "  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n";
    static const char identity_json[] =
        "{\"GetCallerIdentityResponse\":{\"GetCallerIdentityResult\":{\"Account\":\"123456789012\","
        "\"Arn\":\"arn:aws:sts::123456789012:assumed-role\\/demo\\/s1\",\"UserId\":\"AROAEXAMPLE:s1\"},"
        "\"ResponseMetadata\":{\"RequestId\":\"r\"}}}";
    static const char error_xml[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
        "<Message>The request signature we calculated does not match &amp; so on</Message></Error>\n"
        "  <RequestId>x</RequestId>\n</ErrorResponse>\n";
    uint8_t scratch[1024];
    mongodb_aws_caller_identity id;
    mongodb_aws_sts_error e;
    memset(&id, 0, sizeof id);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)identity_xml, strlen(identity_xml), scratch,
                                             sizeof scratch, &id),
           MONGODB_AWS_OK);
    CHECK(view_eq(id.arn, id.arn_len, "arn:aws:iam::123456789012:user/Alice"));
    CHECK(view_eq(id.user_id, id.user_id_len, "AIDACKCEVSQ6C2EXAMPLE"));
    CHECK(view_eq(id.account, id.account_len, "123456789012"));
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)identity_json, strlen(identity_json), scratch,
                                             sizeof scratch, &id),
           MONGODB_AWS_OK);
    CHECK(view_eq(id.arn, id.arn_len, "arn:aws:sts::123456789012:assumed-role/demo/s1"));
    EXPECT(mongodb_aws_parse_caller_identity(403, (const uint8_t *)error_xml, strlen(error_xml), scratch,
                                             sizeof scratch, &id),
           MONGODB_AWS_STS_REJECTED);
    EXPECT(mongodb_aws_parse_sts_error((const uint8_t *)error_xml, strlen(error_xml), scratch, sizeof scratch, &e),
           MONGODB_AWS_OK);
    CHECK(view_eq(e.code, e.code_len, "SignatureDoesNotMatch"));
    CHECK(view_eq(e.kind, e.kind_len, "Sender"));
    CHECK(view_eq(e.message, e.message_len, "The request signature we calculated does not match & so on"));
    EXPECT(mongodb_aws_parse_caller_identity(500, (const uint8_t *)"Internal Server Error", 21, NULL, 0, &id),
           MONGODB_AWS_STS_REJECTED);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)"nonsense", 8, NULL, 0, &id),
           MONGODB_AWS_STS_REPLY_MALFORMED);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)"<a><b></a>", 10, scratch, sizeof scratch, &id),
           MONGODB_AWS_XML_MALFORMED);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)"{\"a\":", 5, scratch, sizeof scratch, &id),
           MONGODB_AWS_JSON_MALFORMED);
    {
        static const char no_arn[] =
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>"
            "</GetCallerIdentityResponse>";
        EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)no_arn, strlen(no_arn), scratch, sizeof scratch,
                                                 &id),
               MONGODB_AWS_STS_REPLY_MISSING_ARN);
    }
    EXPECT(mongodb_aws_parse_caller_identity(70000, (const uint8_t *)"{}", 2, NULL, 0, &id), MONGODB_AWS_INVALID_PARAMETER);

    /* ARN to user name (TESTING.md: assumed-role sessions become .../ROLE/ followed by '*'). */
    EXPECT(mongodb_aws_user_name_for_arn("arn:aws:iam::123456789012:user/demo", 35, out, sizeof out, &n), MONGODB_AWS_OK);
    CHECK_MEM(out, n, "arn:aws:iam::123456789012:user/demo", (size_t)35);
    {
        const char *arn = "arn:aws:sts::123456789012:assumed-role/ROLE/SESSION";
        const char *want = "arn:aws:sts::123456789012:assumed-role/ROLE/*";
        size_t q = 0;
        EXPECT(mongodb_aws_user_name_for_arn(arn, strlen(arn), NULL, 0, &q), MONGODB_AWS_OK);
        CHECK(q == strlen(want));
        memset(out, 0xA5, 64);
        EXPECT(mongodb_aws_user_name_for_arn(arn, strlen(arn), out, q - 1, &n), MONGODB_AWS_BUFFER_TOO_SMALL);
        CHECK(n == q && out[0] == 0xA5);
        EXPECT(mongodb_aws_user_name_for_arn(arn, strlen(arn), out, sizeof out, &n), MONGODB_AWS_OK);
        CHECK_MEM(out, n, want, strlen(want));
    }
    EXPECT(mongodb_aws_user_name_for_arn("not-an-arn", 10, out, sizeof out, &n), MONGODB_AWS_INVALID_ARN);
}

/* ---- providers ---------------------------------------------------------------------------------------- */

static int has_header(const mongodb_aws_http_request *v, const char *name, const char *value) {
    size_t i;
    for (i = 0; i < v->headers_len; i++) {
        if (view_eq(v->headers[i].name, v->headers[i].name_len, name) &&
            (!value || view_eq(v->headers[i].value, v->headers[i].value_len, value)))
            return 1;
    }
    return 0;
}

static void provider_requests(void) {
    mongodb_aws_http_request v;
    size_t q;
    memset(&v, 0, sizeof v);
    /* ECS (AWS: GET http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI). */
    EXPECT(mongodb_aws_ecs_request(NULL, 0, "/v2/credentials/abc", 19, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(strcmp(v.method, "GET") == 0 && v.scheme == MONGODB_AWS_SCHEME_HTTP && v.port == 80);
    CHECK(view_eq(v.host, v.host_len, "169.254.170.2") && view_eq(v.target, v.target_len, "/v2/credentials/abc"));
    CHECK(n > 20 && memcmp(out, "GET /v2/credentials/abc HTTP/1.1\r\nHost: 169.254.170.2\r\n", 55) == 0);
    CHECK(v.body_len == 0 && (const uint8_t *)v.target > out && (const uint8_t *)v.target < out + n);
    EXPECT(mongodb_aws_ecs_request("http://127.0.0.1:9000", 21, "/creds", 6, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(v.port == 9000 && view_eq(v.authority, v.authority_len, "127.0.0.1:9000"));
    EXPECT(mongodb_aws_ecs_request(NULL, 0, "no-slash", 8, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_RELATIVE_URI);
    EXPECT(mongodb_aws_ecs_request("ftp://x", 7, "/a", 2, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_ENDPOINT_URL);
    EXPECT(mongodb_aws_ecs_request("http://127.0.0.1/path", 21, "/a", 2, out, sizeof out, &n, &v),
           MONGODB_AWS_ENDPOINT_HAS_PATH);

    /* Container full URI: the authorization token header; plain http only to allowed hosts. */
    EXPECT(mongodb_aws_container_request("http://169.254.170.23/v1/credentials", 36, "tok123", 6, out, sizeof out, &n, &v),
           MONGODB_AWS_OK);
    CHECK(has_header(&v, "Authorization", "tok123"));
    EXPECT(mongodb_aws_container_request("http://example.com/creds", 24, NULL, 0, out, sizeof out, &n, &v),
           MONGODB_AWS_FORBIDDEN_CONTAINER_HOST);
    EXPECT(mongodb_aws_container_request("http://127.0.0.1/creds", 22, "bad\ntoken", 9, out, sizeof out, &n, &v),
           MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN);
    {
        const char *tok = NULL;
        size_t tl = 0;
        EXPECT(mongodb_aws_container_token_from_file((const uint8_t *)"abc.def\n", 8, &tok, &tl), MONGODB_AWS_OK);
        CHECK(view_eq(tok, tl, "abc.def"));
    }

    /* IMDSv2: PUT token with the TTL header, then role name and credentials with the token. */
    EXPECT(mongodb_aws_imds_token_request(NULL, 0, 30, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(strcmp(v.method, "PUT") == 0 && view_eq(v.host, v.host_len, "169.254.169.254"));
    CHECK(view_eq(v.target, v.target_len, "/latest/api/token"));
    CHECK(has_header(&v, "X-aws-ec2-metadata-token-ttl-seconds", "30"));
    EXPECT(mongodb_aws_imds_token_request(NULL, 0, 0, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_IMDS_TOKEN_TTL);
    EXPECT(mongodb_aws_imds_token_request("http://[fd00:ec2::254]", 22, 30, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(view_eq(v.host, v.host_len, "fd00:ec2::254") && view_eq(v.authority, v.authority_len, "[fd00:ec2::254]"));
    EXPECT(mongodb_aws_imds_role_name_request(NULL, 0, "AQAEAtoken==", 12, out, sizeof out, &n, &v), MONGODB_AWS_OK);
    CHECK(view_eq(v.target, v.target_len, "/latest/meta-data/iam/security-credentials/"));
    CHECK(has_header(&v, "X-aws-ec2-metadata-token", "AQAEAtoken=="));
    EXPECT(mongodb_aws_imds_credentials_request(NULL, 0, "AQAEAtoken==", 12, "my-role", 7, out, sizeof out, &n, &v),
           MONGODB_AWS_OK);
    CHECK(view_eq(v.target, v.target_len, "/latest/meta-data/iam/security-credentials/my-role"));
    EXPECT(mongodb_aws_imds_credentials_request(NULL, 0, "AQAEAtoken==", 12, "../etc", 6, out, sizeof out, &n, &v),
           MONGODB_AWS_INVALID_ROLE_NAME);
    EXPECT(mongodb_aws_imds_role_name_request(NULL, 0, "bad token", 9, out, sizeof out, &n, &v),
           MONGODB_AWS_INVALID_IMDS_TOKEN);
    {
        const char *s = NULL;
        size_t sl = 0;
        EXPECT(mongodb_aws_imds_parse_token((const uint8_t *)"AQAEAtoken==", 12, &s, &sl), MONGODB_AWS_OK);
        CHECK(view_eq(s, sl, "AQAEAtoken=="));
        EXPECT(mongodb_aws_imds_parse_role_name((const uint8_t *)"my-role\n", 8, &s, &sl), MONGODB_AWS_OK);
        CHECK(view_eq(s, sl, "my-role"));
        EXPECT(mongodb_aws_imds_parse_role_name((const uint8_t *)"", 0, &s, &sl), MONGODB_AWS_NO_INSTANCE_ROLE);
    }

    /* Web identity: form body with the action, role, token; a generated session name. */
    {
        mongodb_aws_web_identity_params p;
        mongodb_aws_sts_endpoint ep;
        uint8_t random[16];
        const char *tok = NULL;
        size_t tl = 0;
        memset(&p, 0, sizeof p);
        memset(&ep, 0, sizeof ep);
        memset(random, 0xAB, sizeof random);
        EXPECT(mongodb_aws_web_identity_token_from_file((const uint8_t *)"eyJhbGciOiJSUzI1NiJ9.e30.sig\n", 29, &tok, &tl),
               MONGODB_AWS_OK);
        p.role_arn = "arn:aws:iam::123456789012:role/irsa";
        p.role_arn_len = strlen(p.role_arn);
        p.web_identity_token = tok;
        p.web_identity_token_len = tl;
        p.random = random;
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_OK);
        CHECK(strcmp(v.method, "POST") == 0 && v.scheme == MONGODB_AWS_SCHEME_HTTPS && v.port == 443);
        CHECK(view_eq(v.host, v.host_len, "sts.amazonaws.com"));
        CHECK(mem_has(v.body, v.body_len, "Action=AssumeRoleWithWebIdentity"));
        CHECK(mem_has(v.body, v.body_len, "RoleSessionName=mongodb-aws-abababababababababababababababab"));
        CHECK(mem_has(v.body, v.body_len, "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.e30.sig"));
        /* Regional endpoint. */
        ep.regional_endpoints = "regional";
        ep.regional_endpoints_len = 8;
        ep.region = "eu-west-1";
        ep.region_len = 9;
        p.sts = &ep;
        p.duration_seconds = 3600;
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_OK);
        CHECK(view_eq(v.host, v.host_len, "sts.eu-west-1.amazonaws.com"));
        CHECK(mem_has(v.body, v.body_len, "DurationSeconds=3600"));
        p.duration_seconds = 10;
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_DURATION_SECONDS);
        p.duration_seconds = 0;
        p.role_session_name = "x";
        p.role_session_name_len = 1;
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_ROLE_SESSION_NAME);
        p.role_session_name = NULL;
        p.role_session_name_len = 0;
        p.role_arn = "role";
        p.role_arn_len = 4;
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_ROLE_ARN);
        EXPECT(mongodb_aws_web_identity_token_from_file((const uint8_t *)"a b", 3, &tok, &tl),
               MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN);
        /* Plain http to a non-loopback override is refused. */
        ep.override_url = "http://example.com";
        ep.override_url_len = 18;
        p.role_arn = "arn:aws:iam::123456789012:role/irsa";
        p.role_arn_len = strlen(p.role_arn);
        EXPECT(mongodb_aws_web_identity_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_ENDPOINT_URL);
    }

    /* AssumeRole: signed with the base credentials; ExternalId and MFA in the form. */
    {
        mongodb_aws_assume_role_params p;
        mongodb_aws_credentials base = tl_creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
        memset(&p, 0, sizeof p);
        p.role_arn = "arn:aws:iam::123456789012:role/demo";
        p.role_arn_len = strlen(p.role_arn);
        p.role_session_name = "session-1";
        p.role_session_name_len = 9;
        p.external_id = "ext-id-1";
        p.external_id_len = 8;
        p.mfa_serial_number = "arn:aws:iam::123456789012:mfa/user";
        p.mfa_serial_number_len = strlen(p.mfa_serial_number);
        p.mfa_token_code = "123456";
        p.mfa_token_code_len = 6;
        EXPECT(mongodb_aws_assume_role_request(&p, &base, 1440938160, out, sizeof out, &n, &v), MONGODB_AWS_OK);
        CHECK(mem_has(v.body, v.body_len, "Action=AssumeRole&"));
        CHECK(mem_has(v.body, v.body_len, "ExternalId=ext-id-1"));
        CHECK(mem_has(v.body, v.body_len, "TokenCode=123456"));
        CHECK(has_header(&v, "X-Amz-Date", "20150830T123600Z"));
        CHECK(mem_has(out, n, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request"));
        p.mfa_token_code = "12345";
        p.mfa_token_code_len = 5;
        EXPECT(mongodb_aws_assume_role_request(&p, &base, 1440938160, out, sizeof out, &n, &v),
               MONGODB_AWS_INVALID_MFA_TOKEN_CODE);
        p.mfa_token_code = "123456";
        p.mfa_token_code_len = 6;
        p.mfa_serial_number = "short";
        p.mfa_serial_number_len = 5;
        EXPECT(mongodb_aws_assume_role_request(&p, &base, 1440938160, out, sizeof out, &n, &v),
               MONGODB_AWS_INVALID_MFA_SERIAL_NUMBER);
        p.mfa_serial_number = NULL;
        p.mfa_serial_number_len = 0;
        p.mfa_token_code = NULL;
        p.mfa_token_code_len = 0;
        p.external_id = "x";
        p.external_id_len = 1;
        EXPECT(mongodb_aws_assume_role_request(&p, &base, 1440938160, out, sizeof out, &n, &v),
               MONGODB_AWS_INVALID_EXTERNAL_ID);
    }

    /* SAML. */
    {
        mongodb_aws_saml_params p;
        memset(&p, 0, sizeof p);
        p.role_arn = "arn:aws:iam::123456789012:role/saml-role";
        p.role_arn_len = strlen(p.role_arn);
        p.principal_arn = "arn:aws:iam::123456789012:saml-provider/idp";
        p.principal_arn_len = strlen(p.principal_arn);
        p.saml_assertion = "PHNhbWxwOlJlc3BvbnNlPg==";
        p.saml_assertion_len = strlen(p.saml_assertion);
        EXPECT(mongodb_aws_saml_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_OK);
        CHECK(mem_has(v.body, v.body_len, "Action=AssumeRoleWithSAML"));
        p.saml_assertion = "not base64!";
        p.saml_assertion_len = 11;
        EXPECT(mongodb_aws_saml_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_SAML_ASSERTION);
        p.saml_assertion = "PHNhbWxwOlJlc3BvbnNlPg==";
        p.saml_assertion_len = strlen(p.saml_assertion);
        p.principal_arn = "idp";
        p.principal_arn_len = 3;
        EXPECT(mongodb_aws_saml_request(&p, out, sizeof out, &n, &v), MONGODB_AWS_INVALID_PRINCIPAL_ARN);
    }

    /* GetCallerIdentity, and the size convention for every builder. */
    {
        mongodb_aws_credentials c = tl_creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok");
        EXPECT(mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, NULL, 0, &q, NULL), MONGODB_AWS_OK);
        memset(out, 0xA5, sizeof out);
        EXPECT(mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, out, q - 1, &n, &v),
               MONGODB_AWS_BUFFER_TOO_SMALL);
        CHECK(n == q && out[0] == 0xA5 && out[q - 2] == 0xA5);
        EXPECT(mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, out, q, &n, &v), MONGODB_AWS_OK);
        CHECK(n == q);
        CHECK(v.body_len == 43 && memcmp(v.body, MONGODB_AWS_GET_CALLER_IDENTITY_BODY, 43) == 0);
        CHECK(has_header(&v, "X-Amz-Security-Token", "tok"));
    }
}

static void provider_replies(void) {
    /* Shapes from the AWS documentation (ECS task role, EC2 instance role, STS XML). */
    static const char ecs_json[] =
        "{\n  \"AccessKeyId\": \"ASIAIOSFODNN7EXAMPLE\",\n  \"Expiration\": \"2023-02-07T20:04:27Z\",\n"
        "  \"RoleArn\": \"arn:aws:iam::123456789012:role/ecs-task\",\n"
        "  \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\n  \"Token\": \"IQoJb3JpZ2luX2VjEXAMPLE\"\n}";
    static const char ec2_json[] =
        "{\"Code\":\"Success\",\"LastUpdated\":\"2023-02-07T14:00:00Z\",\"Type\":\"AWS-HMAC\","
        "\"AccessKeyId\":\"ASIAEXAMPLE2\",\"SecretAccessKey\":\"c2VjcmV0\\/EXAMPLE\",\"Token\":\"tok2\","
        "\"Expiration\":\"2023-02-07T20:04:27Z\"}";
    static const char ec2_fail[] =
        "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\","
        "\"Expiration\":\"2023-02-07T20:04:27Z\"}";
    static const char wi_xml[] =
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <AssumeRoleWithWebIdentityResult>\n"
        "    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>\n"
        "    <AssumedRoleUser>\n"
        "      <Arn>arn:aws:sts::123456789012:assumed-role/irsa/s1</Arn>\n"
        "      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:s1</AssumedRoleId>\n"
        "    </AssumedRoleUser>\n"
        "    <Credentials>\n"
        "      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>\n"
        "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
        "      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
        "      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
        "    </Credentials>\n"
        "  </AssumeRoleWithWebIdentityResult>\n"
        "  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>\n"
        "</AssumeRoleWithWebIdentityResponse>\n";
    static const char sts_err[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
        "<Code>AccessDenied</Code><Message>Not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>";
    uint8_t scratch[4096];
    mongodb_aws_fetched_credentials f;
    memset(&f, 0, sizeof f);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)ecs_json, strlen(ecs_json), scratch,
                                         sizeof scratch, &f),
           MONGODB_AWS_OK);
    CHECK(view_eq(f.credentials.access_key_id, f.credentials.access_key_id_len, "ASIAIOSFODNN7EXAMPLE"));
    CHECK(view_eq(f.credentials.session_token, f.credentials.session_token_len, "IQoJb3JpZ2luX2VjEXAMPLE"));
    CHECK(f.has_expiration && f.expiration_unix == 1675800267ull);
    CHECK(view_eq(f.arn, f.arn_len, "arn:aws:iam::123456789012:role/ecs-task"));
    CHECK(f.source == MONGODB_AWS_SOURCE_ECS && strcmp(mongodb_aws_source_name(f.source), "ecs") == 0);
    /* The parsed credentials sign directly. */
    EXPECT(mongodb_aws_credentials_check(&f.credentials), MONGODB_AWS_OK);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_CONTAINER_FULL_URI, (const uint8_t *)ecs_json,
                                         strlen(ecs_json), scratch, sizeof scratch, &f),
           MONGODB_AWS_OK);
    CHECK(f.source == MONGODB_AWS_SOURCE_CONTAINER_FULL_URI);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_EC2, (const uint8_t *)ec2_json, strlen(ec2_json), scratch,
                                         sizeof scratch, &f),
           MONGODB_AWS_OK);
    CHECK(view_eq(f.credentials.secret_access_key, f.credentials.secret_access_key_len, "c2VjcmV0/EXAMPLE"));
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_EC2, (const uint8_t *)ec2_fail, strlen(ec2_fail), scratch,
                                         sizeof scratch, &f),
           MONGODB_AWS_IMDS_CODE_NOT_SUCCESS);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_WEB_IDENTITY, (const uint8_t *)wi_xml, strlen(wi_xml),
                                         scratch, sizeof scratch, &f),
           MONGODB_AWS_OK);
    CHECK(view_eq(f.credentials.access_key_id, f.credentials.access_key_id_len, "ASgeIAIOSFODNN7EXAMPLE"));
    CHECK(view_eq(f.arn, f.arn_len, "arn:aws:sts::123456789012:assumed-role/irsa/s1"));
    CHECK(view_eq(f.assumed_role_id, f.assumed_role_id_len, "AROACLKWSDQRAOEXAMPLE:s1"));
    CHECK(f.expiration_unix == 1414191623ull);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ASSUME_ROLE, (const uint8_t *)sts_err, strlen(sts_err),
                                         scratch, sizeof scratch, &f),
           MONGODB_AWS_STS_ERROR_RESPONSE);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_SAML, (const uint8_t *)wi_xml, strlen(wi_xml), scratch,
                                         sizeof scratch, &f),
           MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)"{\"AccessKeyId\":\"A\"}", 19, scratch,
                                         sizeof scratch, &f),
           MONGODB_AWS_MISSING_RESPONSE_FIELD);
    {
        static const char wrong_type[] = "{\"AccessKeyId\":1,\"SecretAccessKey\":\"s\",\"Expiration\":\"2023-02-07T20:04:27Z\"}";
        static const char dup[] = "{\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"s\","
                                  "\"Expiration\":\"2023-02-07T20:04:27Z\"}";
        static const char bad_time[] = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"soon\"}";
        EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)wrong_type, strlen(wrong_type),
                                             scratch, sizeof scratch, &f),
               MONGODB_AWS_WRONG_RESPONSE_FIELD_TYPE);
        EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)dup, strlen(dup), scratch,
                                             sizeof scratch, &f),
               MONGODB_AWS_DUPLICATE_RESPONSE_FIELD);
        EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)bad_time, strlen(bad_time), scratch,
                                             sizeof scratch, &f),
               MONGODB_AWS_INVALID_TIMESTAMP);
    }
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)"[1]", 3, scratch, sizeof scratch, &f),
           MONGODB_AWS_UNEXPECTED_RESPONSE_SHAPE);
    {
        char deep[600];
        memset(deep, '[', sizeof deep);
        EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)deep, sizeof deep, scratch,
                                             sizeof scratch, &f),
               MONGODB_AWS_JSON_TOO_DEEP);
        for (n = 0; n + 3 <= sizeof deep; n += 3) memcpy(deep + n, "<a>", 3);
        EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_SAML, (const uint8_t *)deep, n, scratch, sizeof scratch,
                                             &f),
               MONGODB_AWS_XML_TOO_DEEP);
    }
    {
        const char *s = NULL;
        size_t sl = 0;
        EXPECT(mongodb_aws_imds_parse_role_name((const uint8_t *)"\xff\xfe", 2, &s, &sl), MONGODB_AWS_RESPONSE_NOT_TEXT);
    }
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ENVIRONMENT, (const uint8_t *)ecs_json, strlen(ecs_json),
                                         scratch, sizeof scratch, &f),
           MONGODB_AWS_INVALID_PARAMETER);
    EXPECT(mongodb_aws_parse_credentials(99, (const uint8_t *)ecs_json, strlen(ecs_json), scratch, sizeof scratch, &f),
           MONGODB_AWS_INVALID_PARAMETER);
    CHECK(strcmp(mongodb_aws_source_name(99), "unknown") == 0);
    CHECK(strcmp(mongodb_aws_source_name(MONGODB_AWS_SOURCE_WEB_IDENTITY), "web-identity") == 0);
}

static void chain_and_cache(void) {
    mongodb_aws_chain_inputs in;
    uint32_t step = 0;
    memset(&in, 0, sizeof in);
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_EC2);
    in.ec2_disabled = true;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_NONE);
    in.container_full_uri = "http://127.0.0.1/x";
    in.container_full_uri_len = 18;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_CONTAINER_FULL_URI);
    in.ecs_relative_uri = "/v2/x";
    in.ecs_relative_uri_len = 5;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_ECS);
    in.web_identity_token_file = "/var/run/token";
    in.web_identity_token_file_len = 14;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_ECS); /* the token file alone is not enough */
    in.role_arn = "arn:aws:iam::1:role/r";
    in.role_arn_len = 21;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_WEB_IDENTITY);
    in.environment = tl_creds(NULL, NULL, "");
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_WEB_IDENTITY); /* empty counts as unset */
    in.environment = tl_creds(NULL, NULL, "tok");
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_ENVIRONMENT);
    in.fresh_cache = true;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_CACHE);
    in.custom_provider = true;
    EXPECT(mongodb_aws_chain_select(&in, &step), MONGODB_AWS_OK);
    CHECK(step == MONGODB_AWS_STEP_CUSTOM_PROVIDER);
    EXPECT(mongodb_aws_chain_select(NULL, &step), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_chain_select(&in, NULL), MONGODB_AWS_NULL_ARGUMENT);
    /* Fresh while strictly more than 5 minutes remain. */
    CHECK(mongodb_aws_cache_is_fresh(true, 1000, 699));
    CHECK(!mongodb_aws_cache_is_fresh(true, 1000, 700));
    CHECK(mongodb_aws_cache_is_fresh(false, 0, 4000000000ull));
    CHECK(!mongodb_aws_cache_is_fresh(true, 100, 0xFFFFFFFFFFFFFFFFull));
}

/* ---- NULL arguments and short buffers for the new functions ---------------------------------------------- */

static void null_and_short(void) {
    mongodb_aws_client_final info;
    mongodb_aws_http_request v;
    mongodb_aws_caller_identity id;
    mongodb_aws_sts_error e;
    mongodb_aws_fetched_credentials f;
    const char *s;
    size_t sl, q;
    uint8_t random[32] = {0};
    mongodb_aws_credentials c = tl_creds("AKIDEXAMPLE", "secret", NULL);
    EXPECT(mongodb_aws_server_conversation_init(NULL, cf, cf_len, random, 32, "h", 1), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_init(&sconv, NULL, cf_len, random, 32, "h", 1), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_init(&sconv, cf, cf_len, NULL, 32, "h", 1), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_init(&sconv, cf, cf_len, random, 32, NULL, 1), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_server_first(NULL, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_server_first(&sconv, out, sizeof out, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_client_final(NULL, final_tok, final_tok_len, 0, 0, &info),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_client_final(&sconv, NULL, final_tok_len, 0, 0, &info),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, NULL, 5, &n),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_caller_identity(200, NULL, 5, NULL, 0, &id), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)"{}", 2, NULL, 5, &id), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)"{}", 2, NULL, 0, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_sts_error((const uint8_t *)"{}", 2, NULL, 0, NULL), MONGODB_AWS_NULL_ARGUMENT);
    (void)e;
    EXPECT(mongodb_aws_user_name_for_arn(NULL, 5, out, sizeof out, &n), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_ecs_request(NULL, 0, NULL, 5, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_ecs_request(NULL, 0, "/a", 2, out, sizeof out, NULL, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_container_request(NULL, 5, NULL, 0, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_token_request(NULL, 0, 30, NULL, 10, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_role_name_request(NULL, 0, NULL, 3, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_credentials_request(NULL, 0, "t", 1, NULL, 3, out, sizeof out, &n, &v),
           MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_web_identity_request(NULL, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_assume_role_request(NULL, &c, 0, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_saml_request(NULL, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_get_caller_identity_request(NULL, NULL, 0, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_parse_token(NULL, 3, &s, &sl), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_parse_token((const uint8_t *)"abc", 3, NULL, &sl), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_imds_parse_role_name((const uint8_t *)"abc", 3, &s, NULL), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, NULL, 3, NULL, 0, &f), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, (const uint8_t *)"{}", 2, NULL, 0, NULL),
           MONGODB_AWS_NULL_ARGUMENT);
    /* Short buffers: nothing written, exact size reported, for every request builder. */
    {
        int k;
        for (k = 0; k < 4; k++) {
            uint32_t st;
            q = 0;
            switch (k) {
            case 0: st = mongodb_aws_ecs_request(NULL, 0, "/v2/x", 5, NULL, 0, &q, NULL); break;
            case 1: st = mongodb_aws_imds_token_request(NULL, 0, 30, NULL, 0, &q, NULL); break;
            case 2: st = mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, NULL, 0, &q); break;
            default: st = mongodb_aws_server_conversation_server_first(&sconv, NULL, 0, &q); break;
            }
            EXPECT(st, MONGODB_AWS_OK);
            CHECK(q > 0);
            memset(out, 0xA5, sizeof out);
            memset(&v, 0x5A, sizeof v);
            n = 0;
            switch (k) {
            case 0: st = mongodb_aws_ecs_request(NULL, 0, "/v2/x", 5, out, q - 1, &n, &v); break;
            case 1: st = mongodb_aws_imds_token_request(NULL, 0, 30, out, q - 1, &n, &v); break;
            case 2: st = mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, out, q - 1, &n); break;
            default: st = mongodb_aws_server_conversation_server_first(&sconv, out, q - 1, &n); break;
            }
            EXPECT(st, MONGODB_AWS_BUFFER_TOO_SMALL);
            CHECK(n == q && out[0] == 0xA5 && out[q - 2] == 0xA5 && v.port == 0x5A5A);
        }
    }
}

/* Pseudo-random mutations of every parsed input: never a panic, never an unknown status. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void sweep(int iterations) {
    static const char body_json[] =
        "{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"c2VjcmV0\\/x\",\"Token\":\"t\\u0041\","
        "\"Expiration\":\"2023-02-07T20:04:27Z\",\"Code\":\"Success\"}";
    static const char body_xml[] =
        "<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
        "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
        "<SecretAccessKey>s&amp;x</SecretAccessKey><SessionToken>t</SessionToken>"
        "<Expiration>2023-02-07T20:04:27Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    uint8_t b[4096], scratch[4096];
    int i, bad = 0;
    for (i = 0; i < iterations; i++) {
        size_t len, k, edits = 1 + rnd() % 4;
        uint32_t st, which = rnd() % 4;
        const uint8_t *src = which == 0 ? final_tok : which == 1 ? final_notok
                             : which == 2 ? (const uint8_t *)body_json : (const uint8_t *)body_xml;
        size_t src_len = which == 0 ? final_tok_len : which == 1 ? final_notok_len
                         : which == 2 ? strlen(body_json) : strlen(body_xml);
        mongodb_aws_fetched_credentials f;
        mongodb_aws_caller_identity id;
        memcpy(b, src, src_len);
        len = src_len;
        for (k = 0; k < edits; k++) {
            switch (rnd() % 4) {
            case 0: if (len) b[rnd() % len] ^= (uint8_t)(1 + rnd() % 255); break;
            case 1: if (len) b[rnd() % len] = (uint8_t)"<>&;\\\"{}[]:,/\x00\xff"[rnd() % 16]; break;
            case 2: len = rnd() % (len + 1); break;
            default: if (len < sizeof b) b[len++] = (uint8_t)rnd(); break;
            }
        }
        if (which < 2) {
            st = observe(mongodb_aws_server_conversation_client_final(&sconv, b, len, 0, MONGODB_AWS_NO_TIME_CHECK, NULL));
            if (st == MONGODB_AWS_PANIC || strcmp(mongodb_aws_status_name(st), "UNKNOWN") == 0) bad++;
            st = observe(mongodb_aws_server_conversation_sts_request(&sconv, b, len, out, sizeof out, &n));
        } else {
            st = observe(mongodb_aws_parse_credentials(which == 2 ? MONGODB_AWS_SOURCE_EC2 : MONGODB_AWS_SOURCE_ASSUME_ROLE,
                                                       b, len, scratch, sizeof scratch, &f));
            if (st == MONGODB_AWS_PANIC || strcmp(mongodb_aws_status_name(st), "UNKNOWN") == 0) bad++;
            st = observe(mongodb_aws_parse_caller_identity(200 + 203 * (rnd() % 2), b, len, scratch, sizeof scratch, &id));
        }
        if (st == MONGODB_AWS_PANIC || strcmp(mongodb_aws_status_name(st), "UNKNOWN") == 0) bad++;
    }
    CHECK(bad == 0);
}

static void every_status_observed(void) {
    /* Statuses only a host produces: its I/O (timeouts, unreachable, HTTP status, body too large)
     * and, for an STS stand-in, its key table and nonce memory. */
    static const uint32_t host_only[] = {MONGODB_AWS_ENDPOINT_HTTP_STATUS, MONGODB_AWS_ENDPOINT_TIMEOUT,
                                         MONGODB_AWS_ENDPOINT_UNREACHABLE, MONGODB_AWS_IMDS_TOKEN_TIMEOUT,
                                         MONGODB_AWS_ENDPOINT_BAD_RESPONSE, MONGODB_AWS_UNKNOWN_ACCESS_KEY_ID,
                                         MONGODB_AWS_NONCE_REPLAYED};
    uint32_t c;
    int missing = 0;
    for (c = 120; c < 600; c++) {
        size_t k;
        int skip = 0;
        if ((c >= 140 && c < 400) || strcmp(mongodb_aws_status_name(c), "UNKNOWN") == 0 || seen[c]) continue;
        for (k = 0; k < sizeof host_only / sizeof host_only[0]; k++) skip |= host_only[k] == c;
        printf("  status %u %s not reached%s\n", c, mongodb_aws_status_name(c), skip ? " (host only)" : " (REQUIRED)");
        if (!skip) missing++;
    }
    CHECK(missing == 0);
}

int main(int argc, char **argv) {
    size_t len;
    char *derived_text;
    tj_value *derived;
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
        return 2;
    }
    testdata = argv[1];
    load_vector();
    server_vector();
    derived_text = tl_read(testdata, "spec-tests/derived/mongodb-aws-derived-vectors.json", &len);
    derived = tj_parse(derived_text);
    CHECK(derived != NULL);
    if (derived) signed_headers_cases(derived);
    tj_free(derived);
    free(derived_text);
    server_errors();
    sts_side();
    sts_replies();
    provider_requests();
    provider_replies();
    chain_and_cache();
    null_and_short();
    sweep(getenv("MONGODB_AWS_SWEEP_ITERATIONS") ? atoi(getenv("MONGODB_AWS_SWEEP_ITERATIONS")) : 3000);
    every_status_observed();
    return tl_summary("test_providers_server");
}
