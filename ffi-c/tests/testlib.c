/* Helpers for the C test suite; see testlib.h. */
#include "testlib.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int tl_passed = 0;
int tl_failed = 0;

void tl_check(int ok, const char *file, int line, const char *what) {
    if (ok) {
        tl_passed++;
    } else {
        tl_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
}

void tl_check_status(uint32_t got, uint32_t want, const char *file, int line, const char *what) {
    if (got == want) {
        tl_passed++;
    } else {
        tl_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n  got %u %s (%s), want %u %s\n", file, line, what, got,
                mongodb_aws_status_name(got), mongodb_aws_status_str(got), want,
                mongodb_aws_status_name(want));
    }
}

void tl_check_mem(const void *got, size_t got_len, const void *want, size_t want_len,
                  const char *file, int line, const char *what) {
    if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0)) {
        tl_passed++;
    } else {
        tl_failed++;
        fprintf(stderr, "FAIL %s:%d: %s differs\n  got  (%lu) %.*s\n  want (%lu) %.*s\n", file,
                line, what, (unsigned long)got_len, (int)got_len, (const char *)got,
                (unsigned long)want_len, (int)want_len, (const char *)want);
    }
}

int tl_summary(const char *name) {
    printf("%s: %d checks passed, %d failed\n", name, tl_passed, tl_failed);
    return tl_failed == 0 && tl_passed > 0 ? 0 : 1;
}

int tl_seen[TL_MAX_CODE + 1];

uint32_t tl_observe(uint32_t s) {
    if (s <= TL_MAX_CODE) tl_seen[s] = 1;
    return s;
}

int tl_defined_status(uint32_t s) { return strcmp(mongodb_aws_status_name(s), "UNKNOWN") != 0; }

int tl_bad_status(uint32_t s) { return s == MONGODB_AWS_PANIC || !tl_defined_status(s); }

uint32_t tl_rnd(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state >> 32);
}

void tl_mutate(uint64_t *state, uint8_t *b, size_t *len, size_t cap, size_t edits, const char *specials) {
    size_t k;
    for (k = 0; k < edits; k++) {
        switch (tl_rnd(state) % 4) {
        case 0: if (*len) b[tl_rnd(state) % *len] ^= (uint8_t)(1 + tl_rnd(state) % 255); break;
        case 1:
            if (*len) b[tl_rnd(state) % *len] = (uint8_t)(specials ? specials[tl_rnd(state) % 16] : (char)tl_rnd(state));
            break;
        case 2: *len = tl_rnd(state) % (*len + 1); break;
        default: if (*len < cap) b[(*len)++] = (uint8_t)tl_rnd(state); break;
        }
    }
}

int tl_view_eq(const char *p, size_t len, const char *want) {
    return p && len == strlen(want) && memcmp(p, want, len) == 0;
}

int tl_mem_has(const void *hay, size_t hay_len, const char *needle) {
    size_t nl = strlen(needle), i;
    for (i = 0; i + nl <= hay_len; i++)
        if (memcmp((const char *)hay + i, needle, nl) == 0) return 1;
    return 0;
}

mongodb_aws_header tl_hdr(const char *name, const char *value) {
    mongodb_aws_header h;
    h.name = name;
    h.name_len = strlen(name);
    h.value = value;
    h.value_len = strlen(value);
    return h;
}

char *tl_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = (char *)realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) {
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) {
        *len = n;
    }
    return buf;
}

const char *tl_path(const char *dir, const char *rel) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return path;
}

char *tl_read(const char *dir, const char *rel, size_t *len) {
    const char *p = tl_path(dir, rel);
    char *s = tl_read_file(p, len);
    if (!s) {
        fprintf(stderr, "FATAL: cannot read %s\n", p);
        exit(2);
    }
    return s;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

uint8_t *tl_unhex(const char *hex, size_t *len) {
    size_t n, i;
    uint8_t *out;
    while (*hex && isspace((unsigned char)*hex)) hex++;
    n = strlen(hex);
    while (n > 0 && isspace((unsigned char)hex[n - 1])) n--;
    if (n % 2) return NULL;
    out = (uint8_t *)malloc(n / 2 + 1);
    if (!out) return NULL;
    for (i = 0; i < n / 2; i++) {
        int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
        if (a < 0 || b < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(a * 16 + b);
    }
    *len = n / 2;
    return out;
}

mongodb_aws_credentials tl_creds(const char *id, const char *secret, const char *token) {
    mongodb_aws_credentials c;
    c.access_key_id = id;
    c.access_key_id_len = id ? strlen(id) : 0;
    c.secret_access_key = secret;
    c.secret_access_key_len = secret ? strlen(secret) : 0;
    c.session_token = token;
    c.session_token_len = token ? strlen(token) : 0;
    return c;
}

/* ---- minimal JSON ------------------------------------------------------------------------------ */

typedef struct {
    const char *p;
    int err;
} tj_parser;

static void tj_ws(tj_parser *ps) {
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t') ps->p++;
}

static int tj_value_parse(tj_parser *ps, tj_value *out, int depth);

static void tj_put_utf8(char *buf, size_t *n, unsigned long cp) {
    if (cp < 0x80) {
        buf[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*n)++] = (char)(0xC0 | (cp >> 6));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[(*n)++] = (char)(0xE0 | (cp >> 12));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[(*n)++] = (char)(0xF0 | (cp >> 18));
        buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static unsigned long tj_hex4(tj_parser *ps) {
    unsigned long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int h = hexval((unsigned char)ps->p[i]);
        if (h < 0) {
            ps->err = 1;
            return 0;
        }
        v = v * 16 + (unsigned long)h;
    }
    ps->p += 4;
    return v;
}

static char *tj_string(tj_parser *ps, size_t *len) {
    const char *start = ++ps->p; /* after the quote */
    size_t cap = 0, n = 0;
    char *buf;
    while (start[cap] && start[cap] != '"') {
        cap += start[cap] == '\\' ? 2 : 1;
    }
    buf = (char *)malloc(cap * 2 + 8);
    if (!buf) {
        ps->err = 1;
        return NULL;
    }
    while (*ps->p && *ps->p != '"') {
        char c = *ps->p++;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        c = *ps->p++;
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned long cp = tj_hex4(ps);
            if (cp >= 0xD800 && cp < 0xDC00 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                unsigned long lo;
                ps->p += 2;
                lo = tj_hex4(ps);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            tj_put_utf8(buf, &n, cp);
            break;
        }
        default: ps->err = 1; break;
        }
    }
    if (*ps->p != '"') {
        ps->err = 1;
    } else {
        ps->p++;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int tj_push(tj_value *v, size_t *cap) {
    if (v->len == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        tj_value *ni = (tj_value *)realloc(v->items, nc * sizeof *ni);
        if (!ni) return 0;
        v->items = ni;
        if (v->type == TJ_OBJECT) {
            char **nk = (char **)realloc(v->keys, nc * sizeof *nk);
            if (!nk) return 0;
            v->keys = nk;
        }
        *cap = nc;
    }
    memset(&v->items[v->len], 0, sizeof v->items[0]);
    return 1;
}

static int tj_value_parse(tj_parser *ps, tj_value *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > 64) return 0;
    tj_ws(ps);
    switch (*ps->p) {
    case '{':
    case '[': {
        int obj = *ps->p == '{';
        char close = obj ? '}' : ']';
        size_t cap = 0;
        out->type = obj ? TJ_OBJECT : TJ_ARRAY;
        ps->p++;
        tj_ws(ps);
        if (*ps->p == close) {
            ps->p++;
            return 1;
        }
        for (;;) {
            if (!tj_push(out, &cap)) return 0;
            tj_ws(ps);
            if (obj) {
                size_t kl;
                if (*ps->p != '"') return 0;
                out->keys[out->len] = tj_string(ps, &kl);
                tj_ws(ps);
                if (*ps->p != ':') {
                    out->len++;
                    return 0;
                }
                ps->p++;
            }
            if (!tj_value_parse(ps, &out->items[out->len], depth + 1)) {
                out->len++;
                return 0;
            }
            out->len++;
            tj_ws(ps);
            if (*ps->p == ',') {
                ps->p++;
                continue;
            }
            if (*ps->p == close) {
                ps->p++;
                return !ps->err;
            }
            return 0;
        }
    }
    case '"':
        out->type = TJ_STRING;
        out->str = tj_string(ps, &out->str_len);
        return !ps->err;
    case 't':
        if (strncmp(ps->p, "true", 4)) return 0;
        ps->p += 4;
        out->type = TJ_BOOL;
        out->boolean = 1;
        return 1;
    case 'f':
        if (strncmp(ps->p, "false", 5)) return 0;
        ps->p += 5;
        out->type = TJ_BOOL;
        return 1;
    case 'n':
        if (strncmp(ps->p, "null", 4)) return 0;
        ps->p += 4;
        out->type = TJ_NULL;
        return 1;
    default: {
        char *end;
        out->type = TJ_NUMBER;
        out->number = strtod(ps->p, &end);
        if (end == ps->p) return 0;
        ps->p = end;
        return 1;
    }
    }
}

static void tj_release(tj_value *v) {
    size_t i;
    free(v->str);
    for (i = 0; i < v->len; i++) {
        tj_release(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

tj_value *tj_parse(const char *text) {
    tj_parser ps;
    tj_value *v = (tj_value *)calloc(1, sizeof *v);
    if (!v) return NULL;
    ps.p = text;
    ps.err = 0;
    if (!tj_value_parse(&ps, v, 0)) {
        tj_free(v);
        return NULL;
    }
    return v;
}

void tj_free(tj_value *v) {
    if (!v) return;
    tj_release(v);
    free(v);
}

const tj_value *tj_get(const tj_value *obj, const char *key) {
    size_t i;
    if (!obj || obj->type != TJ_OBJECT) return NULL;
    for (i = 0; i < obj->len; i++) {
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    }
    return NULL;
}

const char *tj_str(const tj_value *obj, const char *key) {
    const tj_value *v = tj_get(obj, key);
    return v && v->type == TJ_STRING ? v->str : NULL;
}

tj_value *tl_read_json(const char *dir, const char *rel) {
    char *text = tl_read(dir, rel, NULL);
    tj_value *v = tj_parse(text);
    free(text);
    return v;
}

const tj_value *tl_cases(const tj_value *d, const char *section, size_t at_least, const char *file, int line) {
    const tj_value *cases = tj_get(tj_get(d, section), "cases");
    tl_check(cases && cases->type == TJ_ARRAY && cases->len >= at_least, file, line, section);
    return cases && cases->type == TJ_ARRAY ? cases : NULL;
}

/* ---- BSON builder ------------------------------------------------------------------------------ */

static void tb_put(tb_doc *d, const void *p, size_t n) {
    if (d->len + n <= sizeof d->buf) {
        memcpy(d->buf + d->len, p, n);
    }
    d->len += n;
}

static void tb_i32(tb_doc *d, int32_t v) {
    uint8_t b[4];
    uint32_t u = (uint32_t)v;
    b[0] = (uint8_t)u;
    b[1] = (uint8_t)(u >> 8);
    b[2] = (uint8_t)(u >> 16);
    b[3] = (uint8_t)(u >> 24);
    tb_put(d, b, 4);
}

void tb_init(tb_doc *d) {
    d->len = 0;
    tb_i32(d, 0);
}

static void tb_name(tb_doc *d, uint8_t type, const char *name) {
    tb_put(d, &type, 1);
    tb_put(d, name, strlen(name) + 1);
}

void tb_binary(tb_doc *d, const char *name, uint8_t subtype, const uint8_t *bytes, size_t n) {
    tb_name(d, 0x05, name);
    tb_i32(d, (int32_t)n);
    tb_put(d, &subtype, 1);
    tb_put(d, bytes, n);
}

void tb_string(tb_doc *d, const char *name, const char *s, size_t n) {
    uint8_t zero = 0;
    tb_name(d, 0x02, name);
    tb_i32(d, (int32_t)(n + 1));
    tb_put(d, s, n);
    tb_put(d, &zero, 1);
}

void tb_int32(tb_doc *d, const char *name, int32_t v) {
    tb_name(d, 0x10, name);
    tb_i32(d, v);
}

void tb_finish(tb_doc *d) {
    uint8_t zero = 0;
    uint32_t n;
    tb_put(d, &zero, 1);
    n = (uint32_t)d->len;
    d->buf[0] = (uint8_t)n;
    d->buf[1] = (uint8_t)(n >> 8);
    d->buf[2] = (uint8_t)(n >> 16);
    d->buf[3] = (uint8_t)(n >> 24);
}

void tl_server_first(tb_doc *d, uint8_t subtype, const uint8_t *nonce, size_t nonce_len, const char *host,
                     size_t host_len) {
    tb_init(d);
    tb_binary(d, "s", subtype, nonce, nonce_len);
    tb_string(d, "h", host, host_len);
    tb_finish(d);
}

void tl_nonces(uint8_t nonce[32], uint8_t server_nonce[64]) {
    int i;
    for (i = 0; i < 32; i++) nonce[i] = (uint8_t)(i * 7 + 1);
    memcpy(server_nonce, nonce, 32);
    for (i = 32; i < 64; i++) server_nonce[i] = (uint8_t)(i * 13);
}
