/*
 * The server side through the C API:
 *   - the server conversation on the GetCallerIdentity vector (server-first byte for byte, the
 *     client-finals of the vector accepted, the STS request carrying the vector's Authorization),
 *     the MongoDB server's SignedHeaders cases from the derived vectors, client-first and
 *     client-final error paths, the clock check;
 *   - STS replies (GetCallerIdentity identity and error documents, XML and JSON) and ARN mapping;
 *     the signed GetCallerIdentity request builder checked through its HTTP view;
 *   - the STS side: inspecting and verifying the forwarded request (signature, token, time, shape);
 *   - NULL arguments and short buffers for every output; a pseudo-random sweep of the parsed inputs;
 *     every status of the 500-599 block reached (except those only a key table or nonce memory
 *     produces). The credential chain has its own suite, test_chain.c.
 *
 * Usage: test_server TESTDATA_DIR
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"


static const char *testdata;
static uint8_t out[16384];
static size_t n;



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
    CHECK(tl_view_eq(info.access_key_id, info.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(tl_view_eq(info.session_token, info.session_token_len, tj_str(inputs, "session_token")));
    CHECK(memcmp(info.amz_date, "20150830T123600Z", 16) == 0 && info.date_unix == now);
    EXPECT(mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, out, sizeof out, &n),
           MONGODB_AWS_OK);
    CHECK(n > 4 && memcmp(out, "POST / HTTP/1.1\r\n", 17) == 0);
    CHECK(tl_mem_has(out, n, "\r\nContent-Length: 43\r\n"));
    CHECK(tl_mem_has(out, n, "\r\nContent-Type: application/x-www-form-urlencoded\r\n"));
    CHECK(tl_mem_has(out, n, "\r\nHost: sts.amazonaws.com\r\n"));
    CHECK(tl_mem_has(out, n, "\r\nX-Amz-Date: 20150830T123600Z\r\n"));
    CHECK(tl_mem_has(out, n, "\r\nX-MongoDB-GS2-CB-Flag: n\r\n"));
    {
        char line[512];
        snprintf(line, sizeof line, "\r\nX-MongoDB-Server-Nonce: %s\r\n", tj_str(inputs, "server_nonce_base64"));
        CHECK(tl_mem_has(out, n, line));
        snprintf(line, sizeof line, "\r\nAuthorization: %s\r\n", authz_tok);
        CHECK(tl_mem_has(out, n, line));
        CHECK(tl_mem_has(out, n, "\r\nX-Amz-Security-Token: AQoDYXdzEPT"));
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
    CHECK(!tl_mem_has(out, n, "X-Amz-Security-Token"));
    {
        char line[512];
        snprintf(line, sizeof line, "\r\nAuthorization: %s\r\n", authz_notok);
        CHECK(tl_mem_has(out, n, line));
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
    const tj_value *cases = CASES(d, "server_signed_headers_cases", 5);
    size_t i;
    for (i = 0; cases && i < cases->len; i++) {
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
        st = tl_observe(mongodb_aws_server_conversation_client_final(&sconv, b, len, 0, MONGODB_AWS_NO_TIME_CHECK, NULL));
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
    /* The vector's Authorization with a SignedHeaders the STS side must refuse. */
    static const struct {
        const char *authorization;
        uint32_t want;
    } bad_signed_headers[] = {
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
         "SignedHeaders=x-amz-date;host;x-mongodb-server-nonce, "
         "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be",
         MONGODB_AWS_SIGNED_HEADERS_INVALID},
        {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
         "SignedHeaders=host;x-amz-date;x-not-sent, "
         "Signature=839d01251b7fc911c2d27c442dc2e78ccc2b4c31f71b48e639ceaa32e321b8be",
         MONGODB_AWS_SIGNED_HEADER_ABSENT},
    };
    static http_req h;
    mongodb_aws_signed_request info;
    const char *secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    uint64_t now = 1440938160;
    size_t l, tl, i, k;
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
    CHECK(tl_view_eq(info.access_key_id, info.access_key_id_len, "AKIDEXAMPLE"));
    CHECK(tl_view_eq(info.host, info.host_len, "sts.amazonaws.com") && tl_view_eq(info.region, info.region_len, "us-east-1"));
    CHECK(tl_view_eq(info.session_token, info.session_token_len, token));
    CHECK(tl_view_eq(info.server_nonce, info.server_nonce_len, tj_str(inputs, "server_nonce_base64")));
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
        if (tl_view_eq(h.headers[i].name, h.headers[i].name_len, "X-MongoDB-Server-Nonce")) {
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
            if (tl_view_eq(h.headers[i].name, h.headers[i].name_len, "Authorization")) {
                h.headers[i].name = "X-Other";
                h.headers[i].name_len = 7;
                EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), MONGODB_AWS_MISSING_AUTHORIZATION);
                memcpy(h.headers, saved, sizeof saved);
                for (k = 0; k < sizeof bad_signed_headers / sizeof bad_signed_headers[0]; k++) {
                    h.headers[i].value = bad_signed_headers[k].authorization;
                    h.headers[i].value_len = strlen(h.headers[i].value);
                    EXPECT(mongodb_aws_sts_inspect(&h.req, NULL), bad_signed_headers[k].want);
                }
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
    CHECK(tl_view_eq(id.arn, id.arn_len, "arn:aws:iam::123456789012:user/Alice"));
    CHECK(tl_view_eq(id.user_id, id.user_id_len, "AIDACKCEVSQ6C2EXAMPLE"));
    CHECK(tl_view_eq(id.account, id.account_len, "123456789012"));
    EXPECT(mongodb_aws_parse_caller_identity(200, (const uint8_t *)identity_json, strlen(identity_json), scratch,
                                             sizeof scratch, &id),
           MONGODB_AWS_OK);
    CHECK(tl_view_eq(id.arn, id.arn_len, "arn:aws:sts::123456789012:assumed-role/demo/s1"));
    EXPECT(mongodb_aws_parse_caller_identity(403, (const uint8_t *)error_xml, strlen(error_xml), scratch,
                                             sizeof scratch, &id),
           MONGODB_AWS_STS_REJECTED);
    EXPECT(mongodb_aws_parse_sts_error((const uint8_t *)error_xml, strlen(error_xml), scratch, sizeof scratch, &e),
           MONGODB_AWS_OK);
    CHECK(tl_view_eq(e.code, e.code_len, "SignatureDoesNotMatch"));
    CHECK(tl_view_eq(e.kind, e.kind_len, "Sender"));
    CHECK(tl_view_eq(e.message, e.message_len, "The request signature we calculated does not match & so on"));
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
        if (tl_view_eq(v->headers[i].name, v->headers[i].name_len, name) &&
            (!value || tl_view_eq(v->headers[i].value, v->headers[i].value_len, value)))
            return 1;
    }
    return 0;
}

static void caller_identity_request(void) {
    mongodb_aws_http_request v;
    size_t q;
    memset(&v, 0, sizeof v);
    /* GetCallerIdentity: signed with the token, the fixed body, the size convention. */
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

/* ---- NULL arguments and short buffers --------------------------------------------------------------------- */

static void null_and_short(void) {
    mongodb_aws_client_final info;
    mongodb_aws_http_request v;
    mongodb_aws_caller_identity id;
    mongodb_aws_sts_error e;
    size_t q;
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
    EXPECT(mongodb_aws_get_caller_identity_request(NULL, NULL, 0, out, sizeof out, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_get_caller_identity_request(&c, NULL, 0, out, sizeof out, NULL, &v), MONGODB_AWS_NULL_ARGUMENT);
    EXPECT(mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, NULL, 5, &n, &v), MONGODB_AWS_NULL_ARGUMENT);
    /* Short buffers: nothing written, exact size reported, for every request writer. */
    {
        int k;
        for (k = 0; k < 4; k++) {
            uint32_t st;
            q = 0;
            switch (k) {
            case 0: st = mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, NULL, 0, &q, NULL); break;
            case 1: st = mongodb_aws_user_name_for_arn("arn:aws:iam::1:user/u", 21, NULL, 0, &q); break;
            case 2: st = mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, NULL, 0, &q); break;
            default: st = mongodb_aws_server_conversation_server_first(&sconv, NULL, 0, &q); break;
            }
            EXPECT(st, MONGODB_AWS_OK);
            CHECK(q > 0);
            memset(out, 0xA5, sizeof out);
            memset(&v, 0x5A, sizeof v);
            n = 0;
            switch (k) {
            case 0: st = mongodb_aws_get_caller_identity_request(&c, NULL, 1440938160, out, q - 1, &n, &v); break;
            case 1: st = mongodb_aws_user_name_for_arn("arn:aws:iam::1:user/u", 21, out, q - 1, &n); break;
            case 2: st = mongodb_aws_server_conversation_sts_request(&sconv, final_tok, final_tok_len, out, q - 1, &n); break;
            default: st = mongodb_aws_server_conversation_server_first(&sconv, out, q - 1, &n); break;
            }
            EXPECT(st, MONGODB_AWS_BUFFER_TOO_SMALL);
            CHECK(n == q && out[0] == 0xA5 && out[q - 2] == 0xA5 && v.port == 0x5A5A);
        }
    }
}

/* Pseudo-random mutations of every parsed input: never a panic, never an unknown status (the chain's
 * parsers are swept through the chain in test_chain.c). */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void) { return tl_rnd(&rng); }

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
        size_t len, edits = 1 + rnd() % 4;
        uint32_t st, which = rnd() % 4;
        const uint8_t *src = which == 0 ? final_tok : which == 1 ? final_notok
                             : which == 2 ? (const uint8_t *)body_json : (const uint8_t *)body_xml;
        size_t src_len = which == 0 ? final_tok_len : which == 1 ? final_notok_len
                         : which == 2 ? strlen(body_json) : strlen(body_xml);
        mongodb_aws_caller_identity id;
        mongodb_aws_sts_error e;
        memcpy(b, src, src_len);
        len = src_len;
        tl_mutate(&rng, b, &len, sizeof b, edits, TL_SPECIALS);
        if (which < 2) {
            st = tl_observe(mongodb_aws_server_conversation_client_final(&sconv, b, len, 0, MONGODB_AWS_NO_TIME_CHECK, NULL));
            if (tl_bad_status(st)) bad++;
            st = tl_observe(mongodb_aws_server_conversation_sts_request(&sconv, b, len, out, sizeof out, &n));
        } else {
            st = tl_observe(mongodb_aws_parse_sts_error(b, len, scratch, sizeof scratch, &e));
            if (tl_bad_status(st)) bad++;
            st = tl_observe(mongodb_aws_parse_caller_identity(200 + 203 * (rnd() % 2), b, len, scratch, sizeof scratch, &id));
        }
        if (tl_bad_status(st)) bad++;
    }
    CHECK(bad == 0);
}

static void every_status_observed(void) {
    /* Statuses only an STS stand-in produces: its key table and nonce memory. */
    static const uint32_t host_only[] = {MONGODB_AWS_UNKNOWN_ACCESS_KEY_ID, MONGODB_AWS_NONCE_REPLAYED};
    uint32_t c;
    int missing = 0;
    for (c = 500; c < 600; c++) {
        size_t k;
        int skip = 0;
        if (strcmp(mongodb_aws_status_name(c), "UNKNOWN") == 0 || tl_seen[c]) continue;
        for (k = 0; k < sizeof host_only / sizeof host_only[0]; k++) skip |= host_only[k] == c;
        printf("  status %u %s not reached%s\n", c, mongodb_aws_status_name(c), skip ? " (host only)" : " (REQUIRED)");
        if (!skip) missing++;
    }
    CHECK(missing == 0);
}

int main(int argc, char **argv) {
    tj_value *derived;
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
        return 2;
    }
    testdata = argv[1];
    load_vector();
    server_vector();
    derived = tl_read_json(testdata, "spec-tests/derived/mongodb-aws-derived-vectors.json");
    CHECK(derived != NULL);
    if (derived) signed_headers_cases(derived);
    tj_free(derived);
    server_errors();
    sts_side();
    sts_replies();
    caller_identity_request();
    null_and_short();
    sweep(getenv("MONGODB_AWS_SWEEP_ITERATIONS") ? atoi(getenv("MONGODB_AWS_SWEEP_ITERATIONS")) : 3000);
    every_status_observed();
    return tl_summary("test_server");
}
