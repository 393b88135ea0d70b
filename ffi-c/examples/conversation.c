/*
 * A whole MONGODB-AWS conversation through libmongodb_aws, in two modes.
 *
 *   conversation --vectors TESTDATA_DIR
 *       Offline: replays the GetCallerIdentity vector (testdata/vectors/mongodb-aws-getcalleridentity):
 *       client-first from the vector's nonce, the vector's server-first, client-final signed at the
 *       vector's time with and without a session token, each compared with the expected bytes.
 *
 *   conversation --server HOST PORT
 *   conversation --uri mongodb://HOST:PORT/...
 *       Live: authenticates to a MongoDB server (for instance `mongodb-aws serve --in-process-sts`)
 *       over the wire protocol (OP_MSG), with credentials from the driver's chain
 *       (mongodb_aws_get_credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 *       else web identity, ECS, EC2; signed through their handle, no copy), a nonce from
 *       /dev/urandom and the system clock: hello, saslStart (client-first), saslContinue
 *       (client-final), then connectionStatus and a find on test.e2e. Prints one JSON line,
 *       {"ok": true, "user": ..., "db": ..., "arn": ...} or {"ok": false, "code": N, "error": ...}
 *       (the server's refusal), as the end-to-end tests' clients do (tests/e2e/clients.py).
 *       A refusal also prints on stderr what the server looks up: the credential source, the access
 *       key id and the $external user (see explain_refusal; `mongodb-aws doctor` says more).
 *
 * Build:  cc $(pkg-config --cflags mongodb-aws) conversation.c $(pkg-config --libs mongodb-aws)
 * Exit status 0 on success; in live mode 1 when the credentials or the authentication are refused,
 * 2 on any other failure. Plain C99 + POSIX sockets.
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <mongodb_aws.h>

/* ---- small utilities ------------------------------------------------------------------------ */

static int fail(const char *what, uint32_t st) {
    fprintf(stderr, "%s: %s (%u): %s\n", what, mongodb_aws_status_name(st), st, mongodb_aws_status_str(st));
    return 1;
}

static void print_hex(const char *label, const uint8_t *b, size_t n) {
    size_t i;
    printf("%s (%lu bytes): ", label, (unsigned long)n);
    for (i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

static char *read_file(const char *dir, const char *rel) {
    char path[4096];
    FILE *f;
    long n;
    char *s;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = (char *)malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) exit(1);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    unsigned v;
    while (*hex && n < cap && sscanf(hex, "%2x", &v) == 1) {
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

/* The value of "key": "value" in a flat JSON object (the vector's inputs.json). */
static size_t json_string(const char *json, const char *key, char *out, size_t cap) {
    char pat[128];
    const char *p, *end;
    size_t n;
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    p = strstr(json, pat);
    if (!p) return 0;
    p += strlen(pat);
    end = strchr(p, '"');
    n = (size_t)(end - p);
    if (n >= cap) return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

/* "YYYYMMDDTHHMMSSZ" -> unix seconds (days-from-civil). */
static uint64_t unix_from_amz(const char *s) {
    int y, m, d, hh, mm, ss;
    long long era, yoe, doy, doe, days;
    sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &y, &m, &d, &hh, &mm, &ss);
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    return (uint64_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
}

/* ---- offline: the vector ---------------------------------------------------------------------- */

static int offline(const char *testdata) {
    const char *gci = "vectors/mongodb-aws-getcalleridentity";
    char rel[256], id[64], secret[128], token[1024], amz[32], nonce_hex[128];
    char *inputs, *text;
    uint8_t nonce[32], server_first[512], expected[2048], out[2048];
    size_t sf_len, expected_len, n = 0;
    mongodb_aws_client_conversation conv;
    mongodb_aws_server_first view;
    mongodb_aws_credentials creds;
    uint64_t now;
    uint32_t st;
    int variant, failures = 0;

    snprintf(rel, sizeof rel, "%s/inputs.json", gci);
    inputs = read_file(testdata, rel);
    json_string(inputs, "access_key_id", id, sizeof id);
    json_string(inputs, "secret_access_key", secret, sizeof secret);
    json_string(inputs, "session_token", token, sizeof token);
    json_string(inputs, "amz_date", amz, sizeof amz);
    json_string(inputs, "client_nonce_hex", nonce_hex, sizeof nonce_hex);
    unhex(nonce_hex, nonce, sizeof nonce);
    now = unix_from_amz(amz);

    /* 1. client-first: the saslStart payload. */
    st = mongodb_aws_client_conversation_init(&conv, nonce, sizeof nonce);
    if (st != MONGODB_AWS_OK) return fail("init", st);
    st = mongodb_aws_client_conversation_client_first(&conv, out, sizeof out, &n);
    if (st != MONGODB_AWS_OK) return fail("client_first", st);
    print_hex("client-first", out, n);

    /* 2. server-first: the saslStart reply payload, validated. */
    snprintf(rel, sizeof rel, "%s/server-first.bson.hex", gci);
    text = read_file(testdata, rel);
    sf_len = unhex(text, server_first, sizeof server_first);
    free(text);
    st = mongodb_aws_client_conversation_parse_server_first(&conv, server_first, sf_len, &view);
    if (st != MONGODB_AWS_OK) return fail("server-first", st);
    printf("server-first: host %.*s, region %.*s\n", (int)view.host_len, view.host, (int)view.region_len,
           view.region);

    /* 3. client-final: the saslContinue payload, sized exactly, with and without a session token. */
    for (variant = 0; variant < 2; variant++) {
        uint8_t *final;
        creds.access_key_id = id;
        creds.access_key_id_len = strlen(id);
        creds.secret_access_key = secret;
        creds.secret_access_key_len = strlen(secret);
        creds.session_token = variant == 0 ? token : NULL;
        creds.session_token_len = variant == 0 ? strlen(token) : 0;
        st = mongodb_aws_client_conversation_client_final(&conv, server_first, sf_len, &creds, now, NULL, NULL, 0, &n);
        if (st != MONGODB_AWS_OK) return fail("client_final size", st);
        final = (uint8_t *)malloc(n);
        st = mongodb_aws_client_conversation_client_final(&conv, server_first, sf_len, &creds, now, NULL, final, n, &n);
        if (st != MONGODB_AWS_OK) {
            free(final);
            return fail("client_final", st);
        }
        print_hex(variant == 0 ? "client-final (session token)" : "client-final (no token)", final, n);
        snprintf(rel, sizeof rel, "%s/%s/client-final.bson.hex", gci,
                 variant == 0 ? "with-session-token" : "without-session-token");
        text = read_file(testdata, rel);
        expected_len = unhex(text, expected, sizeof expected);
        free(text);
        if (expected_len != n || memcmp(expected, final, n) != 0) {
            fprintf(stderr, "client-final differs from the vector\n");
            failures++;
        } else {
            printf("client-final matches the vector\n");
        }
        free(final);
    }
    free(inputs);
    return failures ? 1 : 0;
}

/* ---- live: the wire protocol -------------------------------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} doc;

static void put(doc *d, const void *p, size_t n) {
    if (d->n + n <= sizeof d->b) memcpy(d->b + d->n, p, n);
    d->n += n;
}
static void put_i32(doc *d, int32_t v) {
    uint8_t b[4];
    uint32_t u = (uint32_t)v;
    b[0] = (uint8_t)u;
    b[1] = (uint8_t)(u >> 8);
    b[2] = (uint8_t)(u >> 16);
    b[3] = (uint8_t)(u >> 24);
    put(d, b, 4);
}
static int32_t get_i32(const uint8_t *p) {
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}
static void begin(doc *d) {
    d->n = 0;
    put_i32(d, 0);
}
static void key(doc *d, uint8_t type, const char *k) {
    put(d, &type, 1);
    put(d, k, strlen(k) + 1);
}
static void add_i32(doc *d, const char *k, int32_t v) {
    key(d, 0x10, k);
    put_i32(d, v);
}
static void add_str(doc *d, const char *k, const char *s) {
    key(d, 0x02, k);
    put_i32(d, (int32_t)strlen(s) + 1);
    put(d, s, strlen(s) + 1);
}
static void add_bin(doc *d, const char *k, const uint8_t *b, size_t n) {
    uint8_t sub = 0;
    key(d, 0x05, k);
    put_i32(d, (int32_t)n);
    put(d, &sub, 1);
    put(d, b, n);
}
static void end(doc *d) {
    uint8_t z = 0;
    put(d, &z, 1);
    d->b[0] = (uint8_t)d->n;
    d->b[1] = (uint8_t)(d->n >> 8);
    d->b[2] = (uint8_t)(d->n >> 16);
    d->b[3] = (uint8_t)(d->n >> 24);
}

/* Finds a top-level element; returns its type (0 if absent) and points *val at its value. */
static uint8_t find(const uint8_t *d, size_t len, const char *name, const uint8_t **val, size_t *val_len) {
    size_t at = 4;
    while (at < len && d[at] != 0) {
        uint8_t type = d[at++];
        const char *k = (const char *)d + at;
        size_t klen = strnlen(k, len - at), sz;
        const uint8_t *v;
        at += klen + 1;
        if (at > len) return 0;
        v = d + at;
        switch (type) {
        case 0x01: case 0x09: case 0x11: case 0x12: sz = 8; break;
        case 0x02: case 0x0D: case 0x0E: sz = 4 + (size_t)get_i32(v); break;
        case 0x03: case 0x04: sz = (size_t)get_i32(v); break;
        case 0x05: sz = 5 + (size_t)get_i32(v); break;
        case 0x07: sz = 12; break;
        case 0x08: sz = 1; break;
        case 0x0A: sz = 0; break;
        case 0x10: sz = 4; break;
        case 0x13: sz = 16; break;
        default: return 0;
        }
        if (at + sz > len) return 0;
        if (strcmp(k, name) == 0) {
            *val = v;
            *val_len = sz;
            return type;
        }
        at += sz;
    }
    return 0;
}

static int send_all(int fd, const uint8_t *b, size_t n) {
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0) return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, uint8_t *b, size_t n) {
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r <= 0) return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Sends one OP_MSG command and reads the reply document into reply. */
static int command(int fd, const doc *cmd, doc *reply) {
    static int32_t request_id = 1;
    doc msg;
    uint8_t header[16];
    int32_t len;
    msg.n = 0;
    put_i32(&msg, (int32_t)(16 + 4 + 1 + cmd->n));
    put_i32(&msg, request_id++);
    put_i32(&msg, 0);
    put_i32(&msg, 2013); /* OP_MSG */
    put_i32(&msg, 0);    /* flagBits */
    put(&msg, "", 1);    /* section kind 0: body */
    put(&msg, cmd->b, cmd->n);
    if (msg.n > sizeof msg.b || send_all(fd, msg.b, msg.n) != 0) return -1;
    if (recv_all(fd, header, 16) != 0) return -1;
    len = get_i32(header);
    if (get_i32(header + 12) != 2013 || len < 16 + 5 + 5 || (size_t)len - 16 > sizeof reply->b) return -1;
    if (recv_all(fd, reply->b, (size_t)len - 16) != 0) return -1;
    /* flagBits (4) + kind byte (1), then the document. */
    reply->n = (size_t)len - 16 - 5;
    memmove(reply->b, reply->b + 5, reply->n);
    return 0;
}

static int reply_ok(const doc *r) {
    const uint8_t *v;
    size_t n;
    uint8_t t = find(r->b, r->n, "ok", &v, &n);
    double d;
    if (t == 0x01) {
        memcpy(&d, v, 8);
        return d == 1.0;
    }
    if (t == 0x10) return get_i32(v) == 1;
    return 0;
}

/* Follows a dotted path through embedded documents and arrays ("cursor.firstBatch.0.arn"). */
static uint8_t find_path(const uint8_t *d, size_t len, const char *path, const uint8_t **val, size_t *val_len) {
    char seg[64];
    uint8_t t = 0;
    while (*path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof seg) return 0;
        memcpy(seg, path, n);
        seg[n] = '\0';
        path += n + (path[n] == '.');
        t = find(d, len, seg, val, val_len);
        if (*path && t != 0x03 && t != 0x04) return 0;
        d = *val;
        len = *val_len;
    }
    return t;
}

/* A BSON string value at path, or "" when absent. */
static const char *string_at(const doc *r, const char *path) {
    const uint8_t *v;
    size_t n;
    return find_path(r->b, r->n, path, &v, &n) == 0x02 ? (const char *)v + 4 : "";
}

/* Prints s as a JSON string. */
static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", (unsigned)(unsigned char)*s);
        else putchar(*s);
    }
    putchar('"');
}

/* A library error in live mode: reported like any other, exit status 2 (not an authentication refusal). */
static int other_failure(const char *what, uint32_t st) {
    fail(what, st);
    return 2;
}

/* A refused command: the server's error, on stderr and as the JSON result line. */
static int refused(const char *what, const doc *r) {
    const uint8_t *v;
    size_t n;
    long code = -1;
    double d;
    uint8_t t = find(r->b, r->n, "code", &v, &n);
    if (t == 0x10) code = get_i32(v);
    if (t == 0x01) {
        memcpy(&d, v, 8);
        code = (long)d;
    }
    fprintf(stderr, "%s failed: %s (code %ld)\n", what, string_at(r, "errmsg"), code);
    printf("{\"ok\": false, \"code\": %ld, \"error\": ", code);
    json_str(string_at(r, "errmsg"));
    printf("}\n");
    return 1;
}

/* hello, saslStart, saslContinue, then connectionStatus and a find on test.e2e. Returns the exit status. */
static int authenticate(int fd, const mongodb_aws_credentials_handle *creds) {
    uint8_t nonce[32], first[MONGODB_AWS_CLIENT_FIRST_LEN], final[4096];
    size_t n, sf_len;
    const uint8_t *v, *server_first;
    doc cmd, reply;
    int32_t conversation_id;
    FILE *urandom;
    mongodb_aws_client_conversation conv;
    uint32_t st;

    /* A fresh nonce from the OS CSPRNG. */
    urandom = fopen("/dev/urandom", "rb");
    if (!urandom || fread(nonce, 1, sizeof nonce, urandom) != sizeof nonce) {
        fprintf(stderr, "cannot read /dev/urandom\n");
        return 2;
    }
    fclose(urandom);

    begin(&cmd);
    add_i32(&cmd, "hello", 1);
    add_str(&cmd, "$db", "admin");
    end(&cmd);
    if (command(fd, &cmd, &reply) != 0 || !reply_ok(&reply)) {
        fprintf(stderr, "hello failed\n");
        return 2;
    }

    st = mongodb_aws_client_conversation_init(&conv, nonce, sizeof nonce);
    if (st != MONGODB_AWS_OK) return other_failure("init", st);
    st = mongodb_aws_client_conversation_client_first(&conv, first, sizeof first, &n);
    if (st != MONGODB_AWS_OK) return other_failure("client_first", st);
    begin(&cmd);
    add_i32(&cmd, "saslStart", 1);
    add_str(&cmd, "mechanism", "MONGODB-AWS");
    add_bin(&cmd, "payload", first, n);
    add_str(&cmd, "$db", "$external");
    end(&cmd);
    if (command(fd, &cmd, &reply) != 0) return 2;
    if (!reply_ok(&reply)) return refused("saslStart", &reply);
    if (find(reply.b, reply.n, "conversationId", &v, &n) != 0x10) {
        fprintf(stderr, "saslStart reply without conversationId\n");
        return 2;
    }
    conversation_id = get_i32(v);
    if (find(reply.b, reply.n, "payload", &v, &n) != 0x05) {
        fprintf(stderr, "saslStart reply without payload\n");
        return 2;
    }
    server_first = v + 5;
    sf_len = (size_t)get_i32(v);

    /* The handle's credentials were checked once, when it was made. */
    st = mongodb_aws_client_conversation_client_final_with_handle(&conv, server_first, sf_len, creds,
                                                                  (uint64_t)time(NULL), NULL, final, sizeof final, &n);
    if (st != MONGODB_AWS_OK) return other_failure("client_final", st);
    begin(&cmd);
    add_i32(&cmd, "saslContinue", 1);
    add_i32(&cmd, "conversationId", conversation_id);
    add_bin(&cmd, "payload", final, n);
    add_str(&cmd, "$db", "$external");
    end(&cmd);
    if (command(fd, &cmd, &reply) != 0) return 2;
    if (!reply_ok(&reply)) return refused("saslContinue", &reply);
    if (find(reply.b, reply.n, "done", &v, &n) != 0x08 || v[0] != 1) {
        fprintf(stderr, "saslContinue did not finish the conversation\n");
        return 2;
    }

    begin(&cmd);
    add_i32(&cmd, "connectionStatus", 1);
    add_str(&cmd, "$db", "admin");
    end(&cmd);
    if (command(fd, &cmd, &reply) != 0 || !reply_ok(&reply)) {
        fprintf(stderr, "connectionStatus failed\n");
        return 2;
    }
    fprintf(stderr, "authenticated as %s\n", string_at(&reply, "authInfo.authenticatedUsers.0.user"));
    printf("{\"ok\": true, \"user\": ");
    json_str(string_at(&reply, "authInfo.authenticatedUsers.0.user"));
    printf(", \"db\": ");
    json_str(string_at(&reply, "authInfo.authenticatedUsers.0.db"));

    begin(&cmd);
    add_str(&cmd, "find", "e2e");
    add_i32(&cmd, "limit", 1);
    add_str(&cmd, "$db", "test");
    end(&cmd);
    if (command(fd, &cmd, &reply) != 0 || !reply_ok(&reply)) {
        printf("}\n");
        fprintf(stderr, "find failed\n");
        return 2;
    }
    printf(", \"arn\": ");
    json_str(string_at(&reply, "cursor.firstBatch.0.arn"));
    printf("}\n");
    return 0;
}

/* After a refusal: what the server looked up — the credential source, the access key id, the
 * $external user as far as the credentials tell, the assumed-role hint — in the library's one text
 * (the runtime's Credentials::refusal_hint, which the Python and Node libraries add too). */
static void explain_refusal(const mongodb_aws_owned_credentials *creds) {
    size_t need = 0;
    char *text;
    /* A size query first (out NULL, out_cap 0), then the text. */
    if (mongodb_aws_owned_credentials_refusal_hint(creds, NULL, 0, &need) != MONGODB_AWS_OK || need == 0)
        return;
    text = malloc(need);
    if (text == NULL) return;
    if (mongodb_aws_owned_credentials_refusal_hint(creds, (uint8_t *)text, need, &need) == MONGODB_AWS_OK)
        fprintf(stderr, "MONGODB-AWS: %.*s\n", (int)need, text);
    free(text);
}

static int live(const char *host, const char *port) {
    struct addrinfo hints, *ai;
    int fd, rc;
    mongodb_aws_owned_credentials *creds = NULL;
    uint32_t st;

    /* The driver's credential chain, blocking, with the process-wide cache; the handle signs
     * every connection until the credentials expire. */
    st = mongodb_aws_get_credentials(&creds);
    if (st != MONGODB_AWS_OK) {
        char message[2048];
        size_t n = 0;
        if (mongodb_aws_last_error_message((uint8_t *)message, sizeof message, &n) != MONGODB_AWS_OK) n = 0;
        fprintf(stderr, "credentials: %s: %.*s\n", mongodb_aws_status_name(st), (int)n, message);
        printf("{\"ok\": false, \"code\": %u, \"error\": \"credentials: %s\"}\n", (unsigned)st,
               mongodb_aws_status_name(st));
        return 1;
    }

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
        fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
        mongodb_aws_owned_credentials_free(creds);
        return 2;
    }
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    /* 10 s for each send and receive; on Linux the send timeout also bounds connect(). */
    if (fd >= 0) {
        struct timeval tv;
        tv.tv_sec = 10;
        tv.tv_usec = 0;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        perror("connect");
        freeaddrinfo(ai);
        mongodb_aws_owned_credentials_free(creds);
        return 2;
    }
    freeaddrinfo(ai);
    rc = authenticate(fd, mongodb_aws_owned_credentials_handle(creds));
    close(fd);
    /* The server refused them: say what it looked up, and drop the cached credentials before the
     * next attempt, as a driver does. */
    if (rc == 1) {
        explain_refusal(creds);
        mongodb_aws_clear_credential_cache();
    }
    mongodb_aws_owned_credentials_free(creds);
    return rc;
}

int main(int argc, char **argv) {
    printf("libmongodb_aws %s\n", mongodb_aws_version());
    if (mongodb_aws_version_number() != MONGODB_AWS_VERSION_NUMBER) {
        fprintf(stderr, "header %s does not match the library %s\n", MONGODB_AWS_VERSION, mongodb_aws_version());
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--vectors") == 0) return offline(argv[2]);
    if (argc == 4 && strcmp(argv[1], "--server") == 0) return live(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "--uri") == 0) {
        /* mongodb://HOST:PORT[/...]: only the host and port are used (no IPv6 literal). */
        char host[256], port[16];
        const char *p = argv[2], *colon, *stop;
        if (strncmp(p, "mongodb://", 10) == 0) p += 10;
        colon = strchr(p, ':');
        stop = colon ? colon + 1 + strspn(colon + 1, "0123456789") : NULL;
        if (!colon || (size_t)(colon - p) >= sizeof host || stop == colon + 1 ||
            (size_t)(stop - colon - 1) >= sizeof port || (*stop && *stop != '/' && *stop != '?')) {
            fprintf(stderr, "expected mongodb://HOST:PORT, got %s\n", argv[2]);
            return 2;
        }
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
        memcpy(port, colon + 1, (size_t)(stop - colon - 1));
        port[stop - colon - 1] = '\0';
        return live(host, port);
    }
    fprintf(stderr, "usage: %s --vectors TESTDATA_DIR | --server HOST PORT | --uri mongodb://HOST:PORT\n", argv[0]);
    return 2;
}
