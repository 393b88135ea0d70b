/*
 * The vectors the core runs, through the C API: the MONGODB-AWS GetCallerIdentity conversation (with
 * and without a session token), the four driver signature vectors, the specification's wire example,
 * the host/region and server-nonce cases of the derived vectors, and every case of both AWS SigV4
 * suites (header signing; query signing for the CRT suite).
 *
 * Usage: test_vectors TESTDATA_DIR   (the repository's testdata/)
 * Case directories are discovered with opendir, as the core's tests do, so a new case is never
 * skipped silently; the case counts are asserted.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testlib.h"

static const char *testdata;

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm), for turning vector dates into
 * unix seconds independently of the library. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYYMMDDTHHMMSSZ" -> unix seconds. */
static uint64_t unix_from_amz(const char *s) {
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &se) != 6) {
        fprintf(stderr, "FATAL: bad amz date %s\n", s);
        exit(2);
    }
    return (uint64_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se);
}

static mongodb_aws_scope scope_of(uint64_t now, const char *region, const char *service) {
    mongodb_aws_scope s;
    s.now_unix = now;
    s.region = region;
    s.region_len = strlen(region);
    s.service = service;
    s.service_len = strlen(service);
    return s;
}

static mongodb_aws_request request_of(const char *method, const char *path, const char *query,
                                      const mongodb_aws_header *headers, size_t n,
                                      const void *body, size_t body_len) {
    mongodb_aws_request r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.method_len = strlen(method);
    r.path = path;
    r.path_len = strlen(path);
    r.query = query;
    r.query_len = strlen(query);
    r.headers = headers;
    r.headers_len = n;
    r.payload = (const uint8_t *)body;
    r.payload_len = body_len;
    return r;
}

static uint8_t buf[16384];
static size_t n;

/* ---- GetCallerIdentity conversation ------------------------------------------------------------- */

#define GCI "vectors/mongodb-aws-getcalleridentity"

static void getcalleridentity_conversation(void) {
    size_t len, cf_len, sf_len, nonce_len, sn_len;
    char *inputs_text = tl_read(testdata, GCI "/inputs.json", &len);
    tj_value *in = tj_parse(inputs_text);
    char *cf_hex = tl_read(testdata, GCI "/client-first.bson.hex", &len);
    char *sf_hex = tl_read(testdata, GCI "/server-first.bson.hex", &len);
    uint8_t *cf = tl_unhex(cf_hex, &cf_len);
    uint8_t *sf = tl_unhex(sf_hex, &sf_len);
    uint8_t *nonce, *server_nonce;
    mongodb_aws_client_conversation conv;
    mongodb_aws_server_first view;
    uint64_t now, parsed;
    const char *amz;
    char iso[32];
    int variant;

    CHECK(in != NULL);
    if (!in) return;
    nonce = tl_unhex(tj_str(in, "client_nonce_hex"), &nonce_len);
    server_nonce = tl_unhex(tj_str(in, "server_nonce_hex"), &sn_len);
    amz = tj_str(in, "amz_date");
    now = unix_from_amz(amz);
    /* The library's ISO-8601 parser agrees with the independent conversion. */
    snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", amz, amz + 4, amz + 6, amz + 9,
             amz + 11, amz + 13);
    CHECK_STATUS(mongodb_aws_parse_iso8601(iso, strlen(iso), &parsed), MONGODB_AWS_OK);
    CHECK(parsed == now);
    CHECK_STATUS(mongodb_aws_amz_date(now, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, amz, strlen(amz));

    CHECK_STATUS(mongodb_aws_client_conversation_init(&conv, nonce, nonce_len), MONGODB_AWS_OK);
    CHECK_STATUS(mongodb_aws_client_conversation_client_first(&conv, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, cf, cf_len);

    CHECK_STATUS(mongodb_aws_client_conversation_parse_server_first(&conv, sf, sf_len, &view), MONGODB_AWS_OK);
    CHECK_MEM(view.host, view.host_len, tj_str(in, "host"), strlen(tj_str(in, "host")));
    CHECK_MEM(view.region, view.region_len, tj_str(in, "region"), strlen(tj_str(in, "region")));
    CHECK_MEM(view.server_nonce, (size_t)MONGODB_AWS_SERVER_NONCE_LEN, server_nonce, sn_len);
    /* Views point into the caller's bytes. */
    CHECK((const uint8_t *)view.host > sf && (const uint8_t *)view.host < sf + sf_len);

    for (variant = 0; variant < 2; variant++) {
        const char *dir = variant == 0 ? GCI "/with-session-token" : GCI "/without-session-token";
        char rel[256];
        size_t creq_len, sts_len, final_hex_len, final_len, authz_len, sig_len;
        char *creq, *sts, *final_hex, *authz, *sig;
        uint8_t *final;
        mongodb_aws_credentials creds = tl_creds(tj_str(in, "access_key_id"), tj_str(in, "secret_access_key"),
                                                 variant == 0 ? tj_str(in, "session_token") : NULL);
        mongodb_aws_scope scope = scope_of(now, "us-east-1", "sts");
        mongodb_aws_scope tomorrow = scope_of(now + 86400, "us-east-1", "sts");
        mongodb_aws_signing_key *key = NULL, *stale = NULL;
        uint8_t matches = 0;

        snprintf(rel, sizeof rel, "%s/canonical-request.txt", dir);
        creq = tl_read(testdata, rel, &creq_len);
        snprintf(rel, sizeof rel, "%s/string-to-sign.txt", dir);
        sts = tl_read(testdata, rel, &sts_len);
        snprintf(rel, sizeof rel, "%s/client-final.bson.hex", dir);
        final_hex = tl_read(testdata, rel, &final_hex_len);
        final = tl_unhex(final_hex, &final_len);
        snprintf(rel, sizeof rel, "%s/authorization.txt", dir);
        authz = tl_read(testdata, rel, &authz_len);
        snprintf(rel, sizeof rel, "%s/signature.txt", dir);
        sig = tl_read(testdata, rel, &sig_len);
        while (sig_len && (sig[sig_len - 1] == '\n' || sig[sig_len - 1] == ' ')) sig[--sig_len] = 0;

        CHECK_STATUS(mongodb_aws_client_conversation_canonical_request(&conv, sf, sf_len, &creds, now, buf, sizeof buf, &n),
                     MONGODB_AWS_OK);
        CHECK_MEM(buf, n, creq, creq_len);
        CHECK_STATUS(mongodb_aws_client_conversation_string_to_sign(&conv, sf, sf_len, &creds, now, buf, sizeof buf, &n),
                     MONGODB_AWS_OK);
        CHECK_MEM(buf, n, sts, sts_len);

        /* Size query, then the exact size. */
        n = 0;
        CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, now, NULL, NULL, 0, &n),
                     MONGODB_AWS_OK);
        CHECK(n == final_len);
        {
            uint8_t *exact = (uint8_t *)malloc(final_len);
            CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, now, NULL, exact,
                                                                      final_len, &n),
                         MONGODB_AWS_OK);
            CHECK_MEM(exact, n, final, final_len);
            free(exact);
        }

        /* With a cached signing key: identical bytes. */
        CHECK_STATUS(mongodb_aws_signing_key_new(creds.secret_access_key, creds.secret_access_key_len, &scope, &key),
                     MONGODB_AWS_OK);
        CHECK_STATUS(mongodb_aws_signing_key_matches(key, &scope, &matches), MONGODB_AWS_OK);
        CHECK(matches);
        CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, now, key, buf, sizeof buf, &n),
                     MONGODB_AWS_OK);
        CHECK_MEM(buf, n, final, final_len);
        /* A key for another day is refused, never used. */
        CHECK_STATUS(mongodb_aws_signing_key_new(creds.secret_access_key, creds.secret_access_key_len, &tomorrow, &stale),
                     MONGODB_AWS_OK);
        CHECK_STATUS(mongodb_aws_signing_key_matches(stale, &scope, &matches), MONGODB_AWS_OK);
        CHECK(!matches);
        CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, now, stale, buf, sizeof buf, &n),
                     MONGODB_AWS_SIGNING_KEY_MISMATCH);

        /* Credentials checked once into a handle: the same bytes, with and without the key. */
        {
            mongodb_aws_credentials_handle *h = NULL;
            CHECK_STATUS(mongodb_aws_credentials_handle_new(&creds, &h), MONGODB_AWS_OK);
            n = 0;
            CHECK_STATUS(mongodb_aws_client_conversation_client_final_with_handle(&conv, sf, sf_len, h, now, NULL, NULL,
                                                                                  0, &n),
                         MONGODB_AWS_OK);
            CHECK(n == final_len);
            CHECK_STATUS(mongodb_aws_client_conversation_client_final_with_handle(&conv, sf, sf_len, h, now, NULL, buf,
                                                                                  sizeof buf, &n),
                         MONGODB_AWS_OK);
            CHECK_MEM(buf, n, final, final_len);
            CHECK_STATUS(mongodb_aws_client_conversation_client_final_with_handle(&conv, sf, sf_len, h, now, key, buf,
                                                                                  sizeof buf, &n),
                         MONGODB_AWS_OK);
            CHECK_MEM(buf, n, final, final_len);
            CHECK_STATUS(mongodb_aws_client_conversation_client_final_with_handle(&conv, sf, sf_len, h, now, stale, buf,
                                                                                  sizeof buf, &n),
                         MONGODB_AWS_SIGNING_KEY_MISMATCH);
            mongodb_aws_credentials_handle_free(h);
        }

        /* The general signer, given the same request, agrees byte for byte. */
        {
            mongodb_aws_header headers[5];
            mongodb_aws_request req;
            const char *body = MONGODB_AWS_GET_CALLER_IDENTITY_BODY;
            headers[0] = tl_hdr("Content-Type", MONGODB_AWS_STS_CONTENT_TYPE);
            headers[1] = tl_hdr("Content-Length", "43");
            headers[2] = tl_hdr("Host", "sts.amazonaws.com");
            headers[3] = tl_hdr("X-MongoDB-Server-Nonce", tj_str(in, "server_nonce_base64"));
            headers[4] = tl_hdr("X-MongoDB-GS2-CB-Flag", "n");
            req = request_of("POST", "/", "", headers, 5, body, strlen(body));
            CHECK_STATUS(mongodb_aws_sign_authorization(&req, &creds, &scope, 0, NULL, buf, sizeof buf, &n), MONGODB_AWS_OK);
            CHECK_MEM(buf, n, authz, authz_len);
            CHECK_STATUS(mongodb_aws_sign_authorization(&req, &creds, &scope, 0, key, buf, sizeof buf, &n), MONGODB_AWS_OK);
            CHECK_MEM(buf, n, authz, authz_len);
            CHECK_STATUS(mongodb_aws_sign(&req, &creds, &scope, 0, key, buf, sizeof buf, &n), MONGODB_AWS_OK);
            CHECK_MEM(buf, n, sig, sig_len);
            CHECK_STATUS(mongodb_aws_sign(&req, &creds, &scope, 0, stale, buf, sizeof buf, &n),
                         MONGODB_AWS_SIGNING_KEY_MISMATCH);
            /* The signature is the one in inputs.json too. */
            CHECK_MEM(sig, sig_len,
                      tj_str(in, variant == 0 ? "expected_signature_with_token" : "expected_signature_without_token"),
                      (size_t)64);
        }
        mongodb_aws_signing_key_free(key);
        mongodb_aws_signing_key_free(stale);
        free(creq);
        free(sts);
        free(final_hex);
        free(final);
        free(authz);
        free(sig);
    }
    free(nonce);
    free(server_nonce);
    free(cf);
    free(sf);
    free(cf_hex);
    free(sf_hex);
    free(inputs_text);
    tj_free(in);
}

/* ---- derived vectors ---------------------------------------------------------------------------- */

static void driver_signature_vectors(const tj_value *d) {
    const tj_value *vs = tj_get(d, "signature_vectors");
    size_t i;
    CHECK(vs && vs->type == TJ_ARRAY && vs->len == 4);
    if (!vs) return;
    for (i = 0; i < vs->len; i++) {
        const tj_value *v = &vs->items[i];
        const char *token = tj_str(v, "session_token");
        mongodb_aws_credentials creds = tl_creds(tj_str(v, "access_key_id"), tj_str(v, "secret_access_key"), token);
        mongodb_aws_scope scope = scope_of(unix_from_amz(tj_str(v, "amz_date")), tj_str(v, "region"), "sts");
        mongodb_aws_header headers[5];
        mongodb_aws_request req;
        const char *body = MONGODB_AWS_GET_CALLER_IDENTITY_BODY;
        const char *authz = tj_str(v, "authorization");
        size_t final_len;
        uint8_t *final = tl_unhex(tj_str(v, "client_final_bson_hex"), &final_len);
        tb_doc doc;

        headers[0] = tl_hdr("Content-Length", "43");
        headers[1] = tl_hdr("Content-Type", MONGODB_AWS_STS_CONTENT_TYPE);
        headers[2] = tl_hdr("Host", tj_str(v, "host"));
        headers[3] = tl_hdr("X-MongoDB-GS2-CB-Flag", "n");
        headers[4] = tl_hdr("X-MongoDB-Server-Nonce", tj_str(v, "x_mongodb_server_nonce_header"));
        req = request_of("POST", "/", "", headers, 5, body, strlen(body));
        CHECK_STATUS(mongodb_aws_sign_canonical_request(&req, &creds, &scope, 0, buf, sizeof buf, &n), MONGODB_AWS_OK);
        CHECK_MEM(buf, n, tj_str(v, "canonical_request"), strlen(tj_str(v, "canonical_request")));
        CHECK_STATUS(mongodb_aws_sign_string_to_sign(&req, &creds, &scope, 0, buf, sizeof buf, &n), MONGODB_AWS_OK);
        CHECK_MEM(buf, n, tj_str(v, "string_to_sign"), strlen(tj_str(v, "string_to_sign")));
        CHECK_STATUS(mongodb_aws_sign_authorization(&req, &creds, &scope, 0, NULL, buf, sizeof buf, &n), MONGODB_AWS_OK);
        CHECK_MEM(buf, n, authz, strlen(authz));
        /* client-final {a, d[, t]} built from these values matches the vector's BSON. */
        tb_init(&doc);
        tb_string(&doc, "a", (const char *)buf, n);
        tb_string(&doc, "d", tj_str(v, "amz_date"), strlen(tj_str(v, "amz_date")));
        if (token) tb_string(&doc, "t", token, strlen(token));
        tb_finish(&doc);
        CHECK_MEM(doc.buf, doc.len, final, final_len);
        free(final);
    }
}

static void spec_wire_example(const tj_value *d) {
    const tj_value *ex = tj_get(d, "spec_conversation_example");
    const tj_value *sizes = tj_get(ex, "sizes_bytes");
    size_t cf_len, sf_len, final_len;
    uint8_t *cf = tl_unhex(tj_str(ex, "client_first_hex"), &cf_len);
    uint8_t *sf = tl_unhex(tj_str(ex, "server_first_hex"), &sf_len);
    uint8_t *final = tl_unhex(tj_str(ex, "client_final_hex"), &final_len);
    mongodb_aws_client_conversation conv;
    mongodb_aws_server_first view;
    mongodb_aws_credentials creds = tl_creds("AKIAICGVLKOKZVY3X3DA", "unknown-secret", NULL);
    const char *order = tj_str(tj_get(d, "client_first_field_order"), "r_then_p_hex");
    size_t order_len, sig_at;
    uint8_t *r_then_p = tl_unhex(order, &order_len);

    CHECK_STATUS(mongodb_aws_client_conversation_init(&conv, cf + 12, 32), MONGODB_AWS_OK);
    CHECK_STATUS(mongodb_aws_client_conversation_client_first(&conv, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, cf, cf_len);
    CHECK_MEM(buf, n, r_then_p, order_len);
    CHECK_STATUS(mongodb_aws_client_conversation_parse_server_first(&conv, sf, sf_len, &view), MONGODB_AWS_OK);
    CHECK_MEM(view.host, view.host_len, "sts.amazonaws.com", (size_t)17);
    CHECK_MEM(view.region, view.region_len, "us-east-1", (size_t)9);
    CHECK(sf_len == (size_t)tj_get(sizes, "server_first")->number);
    CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, 0, NULL, NULL, 0, &n),
                 MONGODB_AWS_OK);
    CHECK(n == (size_t)tj_get(sizes, "client_final")->number);
    CHECK_STATUS(mongodb_aws_client_conversation_client_final(&conv, sf, sf_len, &creds, unix_from_amz("20191112T210122Z"),
                                                              NULL, buf, sizeof buf, &n),
                 MONGODB_AWS_OK);
    /* Everything but the 64 signature hex digits equals the example (its secret is unpublished). */
    CHECK(n == final_len);
    for (sig_at = 0; sig_at + 10 <= final_len && memcmp(final + sig_at, "Signature=", 10); sig_at++) {
    }
    sig_at += 10;
    CHECK(sig_at + 64 < final_len);
    if (n == final_len && sig_at + 64 < final_len) {
        CHECK_MEM(buf, sig_at, final, sig_at);
        CHECK_MEM(buf + sig_at + 64, n - sig_at - 64, final + sig_at + 64, final_len - sig_at - 64);
    }
    free(cf);
    free(sf);
    free(final);
    free(r_then_p);
}

static void host_and_region_cases(const tj_value *d) {
    const tj_value *cases = CASES(d, "region_and_host_cases", 20);
    size_t i;
    for (i = 0; cases && i < cases->len; i++) {
        const tj_value *c = &cases->items[i];
        const tj_value *err = tj_get(c, "error");
        const tj_value *rep = tj_get(c, "host_repeat");
        char host[1024];
        size_t host_len;
        const char *region = NULL;
        size_t region_len = 0;
        uint32_t st, vst;
        if (tj_str(c, "host")) {
            const tj_value *h = tj_get(c, "host");
            host_len = h->str_len;
            memcpy(host, h->str, host_len);
        } else {
            const char *ch = tj_str(rep, "char");
            size_t count = (size_t)tj_get(rep, "count")->number, k, cl = strlen(ch);
            host_len = 0;
            for (k = 0; k < count && host_len + cl < sizeof host; k++) {
                memcpy(host + host_len, ch, cl);
                host_len += cl;
            }
        }
        st = mongodb_aws_sts_region_for_host(host, host_len, &region, &region_len);
        vst = mongodb_aws_sts_validate_host(host, host_len);
        if (err && err->type == TJ_BOOL && err->boolean) {
            CHECK(st != MONGODB_AWS_OK);
            CHECK(vst == st);
            CHECK(region == NULL); /* nothing written on failure */
            if (st == MONGODB_AWS_OK) fprintf(stderr, "  host %.*s should fail\n", (int)host_len, host);
        } else {
            const char *want = tj_str(c, "region");
            CHECK_STATUS(st, MONGODB_AWS_OK);
            CHECK_STATUS(vst, MONGODB_AWS_OK);
            if (st == MONGODB_AWS_OK) CHECK_MEM(region, region_len, want, strlen(want));
        }
    }
}

/* Parses a server-first with the nonce `s` (`len` bytes, binary `subtype`), the host and, with
 * `extra`, an unexpected int32 field. */
static uint32_t parse_with_nonce(const mongodb_aws_client_conversation *conv, const uint8_t *s, size_t len,
                                 uint8_t subtype, int extra) {
    tb_doc doc;
    tb_init(&doc);
    tb_binary(&doc, "s", subtype, s, len);
    tb_string(&doc, "h", "sts.amazonaws.com", 17);
    if (extra) tb_int32(&doc, "u", 1);
    tb_finish(&doc);
    return mongodb_aws_client_conversation_parse_server_first(conv, doc.buf, doc.len, NULL);
}

static void nonce_cases(const tj_value *d) {
    /* The good nonce cut or extended, another subtype, an extra field. */
    static const struct {
        size_t len;
        uint8_t subtype;
        int extra;
        uint32_t want;
    } shapes[] = {
        {64, 0, 0, MONGODB_AWS_OK},
        {63, 0, 0, MONGODB_AWS_SERVER_NONCE_LENGTH},
        {65, 0, 0, MONGODB_AWS_SERVER_NONCE_LENGTH},
        {2, 0, 0, MONGODB_AWS_SERVER_NONCE_LENGTH},
        {64, 4, 0, MONGODB_AWS_SERVER_NONCE_SUBTYPE},
        {64, 0, 1, MONGODB_AWS_UNEXPECTED_FIELD},
    };
    const tj_value *cases = tj_get(tj_get(d, "server_nonce_cases"), "cases");
    mongodb_aws_client_conversation conv;
    uint8_t nonce[32], good[65];
    size_t k;
    int i;
    CHECK(cases && cases->len == 6);
    memset(nonce, 7, 32);
    memset(good, 7, 32);
    memset(good + 32, 9, 33);
    CHECK_STATUS(mongodb_aws_client_conversation_init(&conv, nonce, 32), MONGODB_AWS_OK);
    for (k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        CHECK_STATUS(parse_with_nonce(&conv, good, shapes[k].len, shapes[k].subtype, shapes[k].extra), shapes[k].want);
    for (i = 0; i < 32; i++) {
        uint8_t bad[64];
        memcpy(bad, good, 64);
        bad[i] ^= 0x80;
        CHECK_STATUS(parse_with_nonce(&conv, bad, 64, 0, 0), MONGODB_AWS_SERVER_NONCE_MISMATCH);
    }
}

/* ---- AWS SigV4 suites ------------------------------------------------------------------------------ */

typedef struct {
    char method[16];
    char *path;
    char *query;
    mongodb_aws_header headers[MONGODB_AWS_MAX_HEADERS];
    size_t n_headers;
    /* storage for header values built by folding */
    char *values[MONGODB_AWS_MAX_HEADERS];
    const char *body;
    size_t body_len;
    char *text;
} parsed_req;

/* Parses a suite request. fold_as_values: the classic suite treats a continuation line as another
 * value of the same header; the CRT suite treats it as part of the value (an obsolete line fold). */
static void parse_request(char *text, int fold_as_values, parsed_req *p) {
    char *head_end = strstr(text, "\n\n");
    char *line, *next, *sp, *http;
    memset(p, 0, sizeof *p);
    p->text = text;
    if (head_end) {
        *head_end = '\0';
        p->body = head_end + 2;
        p->body_len = strlen(p->body);
    } else {
        p->body = "";
    }
    next = strchr(text, '\n');
    if (next) *next++ = '\0';
    /* Request line: METHOD SP TARGET SP HTTP/1.1 */
    sp = strchr(text, ' ');
    *sp = '\0';
    snprintf(p->method, sizeof p->method, "%s", text);
    http = strstr(sp + 1, " HTTP/1.1");
    {
        char *q;
        char *target = sp + 1;
        size_t tl = (size_t)(http - target);
        p->path = (char *)malloc(tl + 1);
        memcpy(p->path, target, tl);
        p->path[tl] = '\0';
        q = strchr(p->path, '?');
        if (q) {
            *q = '\0';
            p->query = q + 1;
        } else {
            p->query = p->path + tl; /* "" */
        }
    }
    for (line = next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if ((line[0] == ' ' || line[0] == '\t') && p->n_headers > 0) {
            mongodb_aws_header *last = &p->headers[p->n_headers - 1];
            if (fold_as_values) {
                p->headers[p->n_headers].name = last->name;
                p->headers[p->n_headers].name_len = last->name_len;
                p->headers[p->n_headers].value = line;
                p->headers[p->n_headers].value_len = strlen(line);
                p->n_headers++;
            } else {
                size_t ol = last->value_len, ll = strlen(line);
                char *v = (char *)malloc(ol + 1 + ll + 1);
                memcpy(v, last->value, ol);
                v[ol] = '\n';
                memcpy(v + ol + 1, line, ll + 1);
                free(p->values[p->n_headers - 1]);
                p->values[p->n_headers - 1] = v;
                last->value = v;
                last->value_len = ol + 1 + ll;
            }
        } else {
            char *colon = strchr(line, ':');
            if (!colon) continue;
            *colon = '\0';
            p->headers[p->n_headers].name = line;
            p->headers[p->n_headers].name_len = strlen(line);
            p->headers[p->n_headers].value = colon + 1;
            p->headers[p->n_headers].value_len = strlen(colon + 1);
            p->n_headers++;
        }
    }
}

static void free_request(parsed_req *p) {
    size_t i;
    for (i = 0; i < MONGODB_AWS_MAX_HEADERS; i++) free(p->values[i]);
    free(p->path);
    free(p->text);
}

static mongodb_aws_request as_request(const parsed_req *p) {
    return request_of(p->method, p->path, p->query, p->headers, p->n_headers, p->body, p->body_len);
}

static const char *AKID = "AKIDEXAMPLE";
static const char *SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static const uint64_t T = 1440938160; /* 2015-08-30T12:36:00Z */

static void check_header_signing(const char *name, const mongodb_aws_request *req, const mongodb_aws_credentials *creds,
                                 uint32_t flags, const char *creq, size_t creq_len, const char *sts, size_t sts_len,
                                 const char *sig, size_t sig_len, const char *authz, size_t authz_len) {
    mongodb_aws_scope scope = scope_of(T, "us-east-1", "service");
    mongodb_aws_signing_key *key = NULL;
    size_t q = 0;
    int before = tl_failed;
    CHECK_STATUS(mongodb_aws_sign_canonical_request(req, creds, &scope, flags, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, creq, creq_len);
    CHECK_STATUS(mongodb_aws_sign_canonical_request(req, creds, &scope, flags, NULL, 0, &q), MONGODB_AWS_OK);
    CHECK(q == creq_len);
    CHECK_STATUS(mongodb_aws_sign_string_to_sign(req, creds, &scope, flags, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, sts, sts_len);
    CHECK_STATUS(mongodb_aws_sign(req, creds, &scope, flags, NULL, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, sig, sig_len);
    CHECK_STATUS(mongodb_aws_signing_key_new(SECRET, strlen(SECRET), &scope, &key), MONGODB_AWS_OK);
    CHECK_STATUS(mongodb_aws_sign(req, creds, &scope, flags, key, buf, sizeof buf, &n), MONGODB_AWS_OK);
    CHECK_MEM(buf, n, sig, sig_len);
    if (authz) {
        CHECK_STATUS(mongodb_aws_sign_authorization(req, creds, &scope, flags, key, buf, sizeof buf, &n), MONGODB_AWS_OK);
        CHECK_MEM(buf, n, authz, authz_len);
        CHECK_STATUS(mongodb_aws_sign_authorization(req, creds, &scope, flags, NULL, NULL, 0, &q), MONGODB_AWS_OK);
        CHECK(q == authz_len);
    }
    mongodb_aws_signing_key_free(key);
    if (tl_failed != before) fprintf(stderr, "  in case %s\n", name);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Sorted names of the sub-directories of DIR (caller frees each and calls nothing else). */
static size_t list_dirs(const char *dir, char **names, size_t max) {
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t count = 0;
    char path[4096];
    if (!d) {
        fprintf(stderr, "FATAL: cannot list %s\n", dir);
        exit(2);
    }
    while ((e = readdir(d)) != NULL && count < max) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!is_dir(path)) continue;
        names[count] = (char *)malloc(strlen(e->d_name) + 1);
        strcpy(names[count], e->d_name);
        count++;
    }
    closedir(d);
    qsort(names, count, sizeof names[0], cmp_str);
    return count;
}

/* The classic suite: a case is a directory NAME holding NAME.req/.creq/.sts/.authz, at the top
 * level or one level down (normalize-path/, post-sts-token/). */
static void classic_suite(void) {
    size_t i, top_count, count = 0;
    char *top[64], *cases[64];
    char root[4096];
    mongodb_aws_credentials creds = tl_creds(AKID, SECRET, NULL);
    snprintf(root, sizeof root, "%s/vectors/aws-sig-v4-test-suite", testdata);
    top_count = list_dirs(root, top, 64);
    for (i = 0; i < top_count; i++) {
        char p[8400];
        snprintf(p, sizeof p, "%s/%s/%s.req", root, top[i], top[i]);
        {
            FILE *f = fopen(p, "rb");
            if (f) {
                fclose(f);
                cases[count++] = top[i];
                continue;
            }
        }
        {
            char *sub[16];
            size_t k, ns;
            snprintf(p, sizeof p, "%s/%s", root, top[i]);
            ns = list_dirs(p, sub, 16);
            for (k = 0; k < ns && count < 64; k++) {
                char *c = (char *)malloc(strlen(top[i]) + 1 + strlen(sub[k]) + 1);
                sprintf(c, "%s/%s", top[i], sub[k]);
                cases[count++] = c;
                free(sub[k]);
            }
            free(top[i]);
        }
    }
    CHECK(count == 31);
    for (i = 0; i < count; i++) {
        const char *slash = strrchr(cases[i], '/');
        const char *name = slash ? slash + 1 : cases[i];
        char rel[512];
        size_t l, creq_len, sts_len, authz_len;
        char *req_text, *creq, *sts, *authz, *sig;
        parsed_req p;
        mongodb_aws_request req;
        snprintf(rel, sizeof rel, "vectors/aws-sig-v4-test-suite/%s/%s.req", cases[i], name);
        req_text = tl_read(testdata, rel, &l);
        snprintf(rel, sizeof rel, "vectors/aws-sig-v4-test-suite/%s/%s.creq", cases[i], name);
        creq = tl_read(testdata, rel, &creq_len);
        snprintf(rel, sizeof rel, "vectors/aws-sig-v4-test-suite/%s/%s.sts", cases[i], name);
        sts = tl_read(testdata, rel, &sts_len);
        snprintf(rel, sizeof rel, "vectors/aws-sig-v4-test-suite/%s/%s.authz", cases[i], name);
        authz = tl_read(testdata, rel, &authz_len);
        sig = strstr(authz, "Signature=") + 10;
        parse_request(req_text, 1, &p);
        req = as_request(&p);
        /* post-sts-header-before includes its token in the request; header-after signs without. */
        check_header_signing(name, &req, &creds, 0, creq, creq_len, sts, sts_len, sig,
                             authz_len - (size_t)(sig - authz), authz, authz_len);
        free_request(&p);
        free(creq);
        free(sts);
        free(authz);
        free(cases[i]);
    }
}

/* The CRT suite: every directory of vectors/aws-signing-test-suite-v4. */
static void crt_suite(void) {
    size_t l, count, i;
    char *names[128];
    char root[4096];
    snprintf(root, sizeof root, "%s/vectors/aws-signing-test-suite-v4", testdata);
    count = list_dirs(root, names, 128);
    CHECK(count == 38);
    for (i = 0; i < count; i++) {
        char dir[512], rel[600];
        size_t creq_len, sts_len, sig_len, sreq_len, qcreq_len, qsig_len, qline_len;
        char *ctx_text, *req_text, *creq, *sts, *sig, *sreq, *qcreq, *qsig, *qline, *authz, *eol;
        tj_value *ctx;
        const tj_value *cc;
        parsed_req p;
        mongodb_aws_request req;
        mongodb_aws_credentials creds;
        mongodb_aws_scope scope = scope_of(T, "us-east-1", "service");
        uint32_t flags = 0;
        uint64_t ts = 0;
        int normalize, sign_body, omit;
        snprintf(dir, sizeof dir, "vectors/aws-signing-test-suite-v4/%s", names[i]);
#define READ(var, len, file) (snprintf(rel, sizeof rel, "%s/%s", dir, file), var = tl_read(testdata, rel, &len))
        READ(ctx_text, l, "context.json");
        READ(req_text, l, "request.txt");
        READ(creq, creq_len, "header-canonical-request.txt");
        READ(sts, sts_len, "header-string-to-sign.txt");
        READ(sig, sig_len, "header-signature.txt");
        READ(sreq, sreq_len, "header-signed-request.txt");
        READ(qcreq, qcreq_len, "query-canonical-request.txt");
        READ(qsig, qsig_len, "query-signature.txt");
        READ(qline, qline_len, "query-signed-request.txt");
#undef READ
        (void)sreq_len;
        (void)qline_len;
        while (sig_len && (sig[sig_len - 1] == '\n' || sig[sig_len - 1] == '\r')) sig[--sig_len] = 0;
        while (qsig_len && (qsig[qsig_len - 1] == '\n' || qsig[qsig_len - 1] == '\r')) qsig[--qsig_len] = 0;
        ctx = tj_parse(ctx_text);
        CHECK(ctx != NULL);
        if (!ctx) continue;
        cc = tj_get(ctx, "credentials");
        creds = tl_creds(tj_str(cc, "access_key_id"), tj_str(cc, "secret_access_key"), tj_str(cc, "token"));
        CHECK(strcmp(tj_str(ctx, "region"), "us-east-1") == 0 && strcmp(tj_str(ctx, "service"), "service") == 0);
        CHECK_STATUS(mongodb_aws_parse_iso8601(tj_str(ctx, "timestamp"), strlen(tj_str(ctx, "timestamp")), &ts),
                     MONGODB_AWS_OK);
        CHECK(ts == T);
        normalize = tj_get(ctx, "normalize")->boolean;
        sign_body = tj_get(ctx, "sign_body")->boolean;
        omit = tj_get(ctx, "omit_session_token") && tj_get(ctx, "omit_session_token")->boolean;
        if (!normalize) flags |= MONGODB_AWS_SIGN_NO_PATH_NORMALIZATION | MONGODB_AWS_SIGN_SINGLE_ENCODE_PATH;
        if (omit) flags |= MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN;
        if (sign_body) flags |= MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER;
        parse_request(req_text, 0, &p);
        req = as_request(&p);
        authz = strstr(sreq, "\nAuthorization:");
        CHECK(authz != NULL);
        if (authz) {
            authz += strlen("\nAuthorization:");
            eol = strchr(authz, '\n');
            if (eol) *eol = '\0';
            check_header_signing(names[i], &req, &creds, flags, creq, creq_len, sts, sts_len, sig, sig_len, authz,
                                 strlen(authz));
        }
        /* Query signing: the canonical request, the signature, and every parameter we emit appears,
         * identically encoded, in the suite's signed request line. */
        {
            uint32_t qflags = flags & ~(uint32_t)MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER;
            uint32_t expires = (uint32_t)tj_get(ctx, "expiration_in_seconds")->number;
            char *param, *end, *qsig_in;
            int before = tl_failed;
            eol = strchr(qline, '\n');
            if (eol) *eol = '\0';
            CHECK_STATUS(mongodb_aws_presign_canonical_request(&req, &creds, &scope, qflags, expires, buf, sizeof buf, &n),
                         MONGODB_AWS_OK);
            CHECK_MEM(buf, n, qcreq, qcreq_len);
            CHECK_STATUS(mongodb_aws_presign(&req, &creds, &scope, qflags, expires, NULL, buf, sizeof buf - 1, &n),
                         MONGODB_AWS_OK);
            buf[n] = '\0';
            qsig_in = strstr((char *)buf, "X-Amz-Signature=");
            CHECK(qsig_in != NULL);
            if (qsig_in) CHECK_MEM(qsig_in + 16, strlen(qsig_in + 16), qsig, qsig_len);
            for (param = (char *)buf; param && *param; param = end) {
                end = strchr(param, '&');
                if (end) *end++ = '\0';
                CHECK(strstr(qline, param) != NULL);
            }
            if (tl_failed != before) fprintf(stderr, "  in query case %s\n", names[i]);
        }
        free_request(&p);
        tj_free(ctx);
        free(ctx_text);
        free(creq);
        free(sts);
        free(sig);
        free(sreq);
        free(qcreq);
        free(qsig);
        free(qline);
        free(names[i]);
    }
}

int main(int argc, char **argv) {
    tj_value *derived;
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
        return 2;
    }
    testdata = argv[1];
    getcalleridentity_conversation();
    derived = tl_read_json(testdata, "spec-tests/derived/mongodb-aws-derived-vectors.json");
    CHECK(derived != NULL);
    if (derived) {
        driver_signature_vectors(derived);
        spec_wire_example(derived);
        host_and_region_cases(derived);
        nonce_cases(derived);
    }
    tj_free(derived);
    classic_suite();
    crt_suite();
    return tl_summary("test_vectors");
}
