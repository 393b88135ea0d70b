/*
 * credentials.c - a credential provider host in C over libmongodb_aws: where a MONGODB-AWS client
 * gets its AWS credentials, the way the drivers do (PROTOCOL.md A7, A8).
 *
 * libmongodb_aws is sans-IO: it decides the chain order (mongodb_aws_chain_select), renders every
 * HTTP request (mongodb_aws_*_request) and parses every reply (mongodb_aws_parse_credentials,
 * mongodb_aws_imds_parse_*), but never touches the environment, files, the clock or the network.
 * This file is the I/O around it, in C99 + POSIX (sockets, poll, pthreads) and nothing else:
 *
 *   - reads AWS_* from the environment on every call (environment credentials are never cached)
 *     and the token files (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) on
 *     every fetch (they rotate);
 *   - resolves the chain: environment, web identity, ECS, container full URI, EC2 IMDSv2; no
 *     fall-back once a source is chosen (its failure is the answer);
 *   - speaks HTTP/1.1 over plain TCP with short timeouts: non-blocking connect + poll, and one
 *     deadline for sending the request and reading the whole answer. IMDS: 1 s to connect, 1 s to
 *     answer (the AWS SDK default); ECS and the full URI: 2 s / 10 s; STS: 5 s / 10 s;
 *     AWS_METADATA_SERVICE_TIMEOUT (seconds) overrides the metadata endpoints' answer time. When
 *     the IMDSv2 token PUT gets no answer in time the error is MONGODB_AWS_IMDS_TOKEN_TIMEOUT, whose
 *     message names the hop limit (in a container the PUT's answer dies after one hop);
 *   - https endpoints are refused before connecting, with MONGODB_AWS_ENDPOINT_UNREACHABLE and the
 *     detail "https needs a TLS library; this example only speaks http". The metadata endpoints
 *     (ECS 169.254.170.2, EKS Pod Identity 169.254.170.23, IMDS 169.254.169.254, Lambda's loopback
 *     full URI) are plain http; STS (web identity) and https full URIs need TLS: plug a TLS library
 *     (OpenSSL, mbedTLS, libcurl) into http_exchange() where it refuses https;
 *   - keeps one process-wide cache that holds only endpoint credentials, is replaced atomically (a
 *     pointer swapped under a short mutex; readers hold a reference, so a replaced set stays valid
 *     until its last reader releases it), is never locked while a fetch runs, lets concurrent callers
 *     share one in-flight fetch (they wait on a condition variable), and is emptied by
 *     mac_clear_cache(), which the caller calls after any MONGODB-AWS authentication failure.
 *     Secrets are wiped (volatile stores) when a set is released, and so are request, response,
 *     scratch and file buffers;
 *   - says where every result came from (mongodb_aws_source_name: "environment", "ecs", ...).
 *
 * Test-only endpoint overrides (core/src/providers/mod.rs): MONGODB_AWS_ECS_ENDPOINT,
 * MONGODB_AWS_EC2_METADATA_ENDPOINT (or AWS_EC2_METADATA_SERVICE_ENDPOINT), MONGODB_AWS_STS_ENDPOINT;
 * base URLs such as http://127.0.0.1:8080.
 *
 * The program:
 *
 *   credentials [--json] [--threads N [--clear-during-fetch] | STEP...]    STEP: get (default), clear
 *
 * prints, for each `get`, the source, access key id, expiry and ARN with the secret and the token
 * redacted (like `mongodb-aws credentials`); `clear` empties the cache as after an authentication
 * failure. --threads N calls mac_get_credentials from N threads at once; with --clear-during-fetch
 * the main thread also clears the cache 100 ms into their fetch (it must not wait for the fetch),
 * then calls once more (which fetches again). The last line counts the fetches and HTTP requests
 * this process made. Exit status 0 if every `get` succeeded, 1 if one
 * failed, 2 for a usage error.
 *
 * Build:  cc -std=c99 $(pkg-config --cflags mongodb-aws) credentials.c $(pkg-config --libs mongodb-aws) -pthread
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <mongodb_aws.h>

/* =============================================================================================
 * The provider host's interface (what an application would put in a header).
 * ============================================================================================= */

/** Credentials owned by the host; immutable once returned. Strings are NUL-terminated. */
typedef struct mac_credentials {
    const char *access_key_id;
    const char *secret_access_key; /* secret: never print or log */
    const char *session_token;     /* secret; NULL when there is none */
    bool has_expiration;
    uint64_t expiration_unix;
    const char *arn;             /* ECS RoleArn, STS AssumedRoleUser.Arn; or NULL */
    const char *assumed_role_id; /* STS AssumedRoleUser.AssumedRoleId; or NULL */
    const char *account_id;      /* EKS Pod Identity AccountId; or NULL */
    const char *instance_role;   /* EC2: the role name IMDS listed; or NULL */
    uint32_t source;             /* MONGODB_AWS_SOURCE_* */
    const char *source_name;     /* mongodb_aws_source_name(source): "ecs", "ec2", ... */
} mac_credentials;

/** How a successful result was obtained. */
typedef enum mac_origin {
    MAC_ORIGIN_NONE = 0,    /* the call failed */
    MAC_ORIGIN_ENVIRONMENT, /* read from AWS_* just now; never cached */
    MAC_ORIGIN_CACHED,      /* the process-wide cache */
    MAC_ORIGIN_FETCHED,     /* this call fetched them and stored them in the cache */
    MAC_ORIGIN_SHARED       /* another caller's fetch, which this call waited for */
} mac_origin;

#define MAC_DETAIL_LEN 512

/** The answer of mac_get_credentials. Release it with mac_result_release. */
typedef struct mac_result {
    mongodb_aws_status status;          /* MONGODB_AWS_OK, or why it failed */
    const mac_credentials *credentials; /* on success; valid until mac_result_release */
    mac_origin origin;
    const char *selected_by;     /* static: what chose the source (a variable name, ...) */
    char detail[MAC_DETAIL_LEN]; /* on failure: URL, HTTP status, STS Code, errno; never a secret */
} mac_result;

/** Resolves credentials (thread-safe). Returns out->status. */
mongodb_aws_status mac_get_credentials(mac_result *out);
/** Drops the result's reference to its credentials (wiped when the last reference goes). */
void mac_result_release(mac_result *r);
/** Empties the cache. Call after any MONGODB-AWS authentication failure. Thread-safe. */
void mac_clear_cache(void);
/** The credentials as the signing functions take them (views; valid while the result is held). */
mongodb_aws_credentials mac_credentials_for_signing(const mac_credentials *c);
/** Counters since the process started: fetches run (not shared, not cached) and HTTP requests sent. */
unsigned long mac_fetch_count(void);
unsigned long mac_http_request_count(void);
/** "environment", "cached", "fetched", "shared" (or "none"). */
const char *mac_origin_name(mac_origin o);

/* =============================================================================================
 * Small utilities
 * ============================================================================================= */

/* Zeroes memory in a way the compiler may not remove (explicit_bzero is not in C99 or POSIX). */
static void wipe(void *p, size_t n) {
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--) *v++ = 0;
}

static void wipe_free(void *p, size_t n) {
    if (p) {
        wipe(p, n);
        free(p);
    }
}

/* The variable's value, or NULL when unset or empty (the drivers' rule: empty counts as unset). */
static const char *env_nonempty(const char *name) {
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static size_t slen(const char *s) { return s ? strlen(s) : 0; }

static uint64_t unix_now(void) {
    time_t t = time(NULL);
    return t < 0 ? 0 : (uint64_t)t;
}

static struct timespec mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

static struct timespec deadline_in(long ms) {
    struct timespec t = mono_now();
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Milliseconds left until `d` (0 when past), rounded up so a poll never wakes early forever. */
static int ms_left(const struct timespec *d) {
    struct timespec n = mono_now();
    long long ms = ((long long)d->tv_sec - (long long)n.tv_sec) * 1000LL +
                   ((long long)d->tv_nsec - (long long)n.tv_nsec + 999999LL) / 1000000LL;
    if (ms <= 0) return 0;
    return ms > 3600000LL ? 3600000 : (int)ms;
}

#if defined(__GNUC__)
static void set_detail(char *detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
static void set_detail(char *detail, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, MAC_DETAIL_LEN, fmt, ap);
    va_end(ap);
}

static void errno_text(int err, char *buf, size_t cap) {
    if (strerror_r(err, buf, cap) != 0) snprintf(buf, cap, "errno %d", err);
}

/* Reads a whole (small) file into a new buffer; the caller wipes and frees it. */
static int read_small_file(const char *path, uint8_t **out, size_t *out_len, char *why, size_t why_cap) {
    const size_t cap = 128 * 1024;
    uint8_t *buf;
    size_t n = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        errno_text(errno, why, why_cap);
        return -1;
    }
    buf = (uint8_t *)malloc(cap + 1);
    if (!buf) {
        close(fd);
        snprintf(why, why_cap, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            errno_text(errno, why, why_cap);
            close(fd);
            wipe_free(buf, n);
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > cap) {
            snprintf(why, why_cap, "larger than %lu bytes", (unsigned long)cap);
            close(fd);
            wipe_free(buf, n);
            return -1;
        }
    }
    close(fd);
    *out = buf;
    *out_len = n;
    return 0;
}

/* =============================================================================================
 * Owned credentials: one allocation (the struct, then its strings), reference-counted under
 * g_lock, wiped when the last reference goes.
 * ============================================================================================= */

typedef struct mac_entry {
    mac_credentials pub; /* first member: a mac_credentials pointer is the entry's address */
    unsigned refs;       /* guarded by g_lock */
    size_t size;         /* bytes allocated, all wiped on free */
} mac_entry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static char *put_str(char **cursor, const char *s, size_t n) {
    char *dst;
    if (!s) return NULL;
    dst = *cursor;
    memcpy(dst, s, n);
    dst[n] = '\0';
    *cursor += n + 1;
    return dst;
}

/* Copies fetched credentials (views into a body and scratch) into a new entry with one reference. */
static mac_entry *entry_new(const mongodb_aws_fetched_credentials *f, const char *instance_role) {
    const mongodb_aws_credentials *c = &f->credentials;
    size_t role_len = slen(instance_role);
    size_t size = sizeof(mac_entry) + c->access_key_id_len + 1 + c->secret_access_key_len + 1 +
                  (c->session_token ? c->session_token_len + 1 : 0) + (f->arn ? f->arn_len + 1 : 0) +
                  (f->assumed_role_id ? f->assumed_role_id_len + 1 : 0) +
                  (f->account_id ? f->account_id_len + 1 : 0) + (instance_role ? role_len + 1 : 0);
    mac_entry *e = (mac_entry *)calloc(1, size);
    char *cur;
    if (!e) return NULL;
    cur = (char *)(e + 1);
    e->size = size;
    e->refs = 1;
    e->pub.access_key_id = put_str(&cur, c->access_key_id, c->access_key_id_len);
    e->pub.secret_access_key = put_str(&cur, c->secret_access_key, c->secret_access_key_len);
    e->pub.session_token = put_str(&cur, c->session_token, c->session_token_len);
    e->pub.arn = put_str(&cur, f->arn, f->arn_len);
    e->pub.assumed_role_id = put_str(&cur, f->assumed_role_id, f->assumed_role_id_len);
    e->pub.account_id = put_str(&cur, f->account_id, f->account_id_len);
    e->pub.instance_role = put_str(&cur, instance_role, role_len);
    e->pub.has_expiration = f->has_expiration;
    e->pub.expiration_unix = f->expiration_unix;
    e->pub.source = f->source;
    e->pub.source_name = mongodb_aws_source_name(f->source);
    return e;
}

/* Drops one reference; the last one wipes the whole allocation (secrets included). */
static void entry_release(mac_entry *e) {
    bool last;
    if (!e) return;
    pthread_mutex_lock(&g_lock);
    last = --e->refs == 0;
    pthread_mutex_unlock(&g_lock);
    if (last) wipe_free(e, e->size);
}

/* =============================================================================================
 * HTTP/1.1 over a plain TCP socket: one request per connection (the core writes
 * `Connection: close`), a connect timeout, one deadline for the whole answer, size limits.
 * ============================================================================================= */

typedef struct timeouts {
    int connect_ms;
    int answer_ms;
} timeouts;

typedef enum wire_error { WIRE_OK = 0, WIRE_UNREACHABLE, WIRE_CONNECT_TIMEOUT, WIRE_ANSWER_TIMEOUT, WIRE_BAD } wire_error;

#define MAX_HEAD 16384
#define RESP_CAP (MAX_HEAD + 2 * MONGODB_AWS_MAX_RESPONSE_LEN)

typedef struct http_response {
    int status;
    uint8_t *buf; /* RESP_CAP bytes; holds secrets: wiped on free */
    size_t used;  /* bytes received */
    uint8_t *body;
    size_t body_len;
    char url[300]; /* "METHOD scheme://authority/path", for messages */
} http_response;

static void response_free(http_response *r) {
    wipe_free(r->buf, r->used);
    r->buf = NULL;
    r->used = 0;
    r->body = NULL;
    r->body_len = 0;
}

static int connect_with_timeout(const char *host, uint16_t port, int timeout_ms, wire_error *err, char *why,
                                size_t why_cap) {
    struct addrinfo hints, *res = NULL, *ai;
    char port_s[8];
    struct timespec deadline = deadline_in(timeout_ms);
    int rc, fd = -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    /* Note: resolving a name blocks without a timeout; the documented endpoints are IP literals. */
    rc = getaddrinfo(host, port_s, &hints, &res);
    if (rc != 0) {
        *err = WIRE_UNREACHABLE;
        snprintf(why, why_cap, "cannot resolve: %s", gai_strerror(rc));
        return -1;
    }
    *err = WIRE_UNREACHABLE;
    snprintf(why, why_cap, "no address");
    for (ai = res; ai; ai = ai->ai_next) {
        int flags, soerr = 0;
        socklen_t sl = sizeof soerr;
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            errno_text(errno, why, why_cap);
            continue;
        }
        flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            errno_text(errno, why, why_cap);
            close(fd);
            fd = -1;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            struct pollfd p;
            p.fd = fd;
            p.events = POLLOUT;
            p.revents = 0;
            for (;;) {
                rc = poll(&p, 1, ms_left(&deadline));
                if (rc < 0 && errno == EINTR) continue;
                break;
            }
            if (rc == 0) {
                *err = WIRE_CONNECT_TIMEOUT;
                snprintf(why, why_cap, "connect timed out after %d ms", timeout_ms);
            } else if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                break; /* connected */
            } else {
                *err = WIRE_UNREACHABLE;
                errno_text(rc < 0 ? errno : soerr, why, why_cap);
            }
        } else {
            *err = WIRE_UNREACHABLE;
            errno_text(errno, why, why_cap);
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) *err = WIRE_OK;
    return fd;
}

/* Waits until `fd` is ready for `events` or the deadline passes: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, const struct timespec *deadline) {
    struct pollfd p;
    int rc;
    p.fd = fd;
    p.events = events;
    for (;;) {
        int left = ms_left(deadline);
        if (left == 0) return 0;
        p.revents = 0;
        rc = poll(&p, 1, left);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return -1;
        if (rc == 0) return 0;
        return 1;
    }
}

/* Case-insensitive comparison of a header name (`s`, `n` bytes) with `name`. */
static bool name_is(const char *s, size_t n, const char *name) {
    size_t i;
    if (n != strlen(name)) return false;
    for (i = 0; i < n; i++) {
        char a = s[i], b = name[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

static size_t find_crlf(const uint8_t *p, size_t n) {
    size_t i;
    for (i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n') return i;
    return (size_t)-1;
}

/* Decodes a chunked body from `in` (n bytes) into `out` (may equal `in`: it never overtakes the
 * reading position). 1 complete (*out_len set), 0 more bytes needed, -1 malformed. */
static int dechunk(uint8_t *in, size_t n, uint8_t *out, size_t *out_len) {
    size_t i = 0, o = 0;
    for (;;) {
        size_t le = find_crlf(in + i, n - i), size = 0, k;
        bool digits = false;
        if (le == (size_t)-1) return 0;
        for (k = 0; k < le; k++) {
            char ch = (char)in[i + k];
            int d;
            if (ch >= '0' && ch <= '9') d = ch - '0';
            else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
            else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
            else if (ch == ';' || ch == ' ') break; /* chunk extension */
            else return -1;
            if (size > (size_t)MONGODB_AWS_MAX_RESPONSE_LEN) return -1;
            size = size * 16 + (size_t)d;
            digits = true;
        }
        if (!digits || size > (size_t)MONGODB_AWS_MAX_RESPONSE_LEN) return -1;
        i += le + 2;
        if (size == 0) {
            *out_len = o;
            return 1;
        }
        if (n - i < size + 2) return 0;
        if (o + size > (size_t)MONGODB_AWS_MAX_RESPONSE_LEN) return -1;
        memmove(out + o, in + i, size);
        o += size;
        i += size + 2;
    }
}

/* Parses what has arrived: 1 complete (status and body set), 0 need more, -1 malformed (why set). */
static int parse_response(http_response *r, bool eof, char *why, size_t why_cap) {
    const uint8_t *p = r->buf;
    size_t head_end = (size_t)-1, i, line, pos;
    long long content_length = -1;
    bool chunked = false;
    int status;
    for (i = 0; i + 3 < r->used; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
            head_end = i + 4;
            break;
        }
    }
    if (head_end == (size_t)-1) {
        if (r->used > MAX_HEAD) {
            snprintf(why, why_cap, "response head larger than %d bytes", MAX_HEAD);
            return -1;
        }
        if (eof) {
            snprintf(why, why_cap, "connection closed before the response head ended");
            return -1;
        }
        return 0;
    }
    /* Status line: HTTP/1.x NNN reason */
    line = find_crlf(p, head_end);
    if (line < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' ||
        p[10] > '9' || p[11] < '0' || p[11] > '9' || (line > 12 && p[12] != ' ')) {
        snprintf(why, why_cap, "bad status line");
        return -1;
    }
    status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    /* Header lines up to the blank line. */
    pos = line + 2;
    while (pos < head_end - 2) {
        size_t len = find_crlf(p + pos, head_end - pos), colon, vs, ve;
        const char *h = (const char *)p + pos;
        for (colon = 0; colon < len && h[colon] != ':'; colon++) {
        }
        if (colon == 0 || colon >= len) {
            snprintf(why, why_cap, "bad header line");
            return -1;
        }
        vs = colon + 1;
        while (vs < len && (h[vs] == ' ' || h[vs] == '\t')) vs++;
        ve = len;
        while (ve > vs && (h[ve - 1] == ' ' || h[ve - 1] == '\t')) ve--;
        if (name_is(h, colon, "content-length")) {
            size_t k;
            if (vs == ve) {
                snprintf(why, why_cap, "bad Content-Length");
                return -1;
            }
            content_length = 0;
            for (k = vs; k < ve; k++) {
                if (h[k] < '0' || h[k] > '9' || content_length > (long long)RESP_CAP) {
                    snprintf(why, why_cap, "bad Content-Length");
                    return -1;
                }
                content_length = content_length * 10 + (h[k] - '0');
            }
        } else if (name_is(h, colon, "transfer-encoding")) {
            size_t k;
            for (k = vs; k + 7 <= ve; k++)
                if (name_is(h + k, 7, "chunked")) chunked = true;
        }
        pos += len + 2;
    }
    r->status = status;
    r->body = r->buf + head_end;
    if (chunked) {
        size_t n = 0;
        int rc = dechunk(r->body, r->used - head_end, r->body, &n);
        if (rc < 0) {
            snprintf(why, why_cap, "bad chunked body");
            return -1;
        }
        if (rc == 0) {
            if (eof) {
                snprintf(why, why_cap, "truncated chunked body");
                return -1;
            }
            return 0;
        }
        r->body_len = n;
        return 1;
    }
    if (content_length >= 0) {
        if (content_length > (long long)MONGODB_AWS_MAX_RESPONSE_LEN) {
            snprintf(why, why_cap, "body larger than %d bytes", MONGODB_AWS_MAX_RESPONSE_LEN);
            return -1;
        }
        if (r->used - head_end < (size_t)content_length) {
            if (eof) {
                snprintf(why, why_cap, "truncated body: %lu of %lld bytes", (unsigned long)(r->used - head_end),
                         content_length);
                return -1;
            }
            return 0;
        }
        r->body_len = (size_t)content_length;
        return 1;
    }
    if (!eof) return 0; /* no length: the body ends when the peer closes */
    r->body_len = r->used - head_end;
    if (r->body_len > (size_t)MONGODB_AWS_MAX_RESPONSE_LEN) {
        snprintf(why, why_cap, "body larger than %d bytes", MONGODB_AWS_MAX_RESPONSE_LEN);
        return -1;
    }
    return 1;
}

static pthread_mutex_t g_count_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_http_requests, g_fetches;

static void count(unsigned long *counter) {
    pthread_mutex_lock(&g_count_lock);
    (*counter)++;
    pthread_mutex_unlock(&g_count_lock);
}

/* Sends `req` (`req_len` bytes) to host:port and reads the answer into `r`. */
static wire_error http_send(const char *host, uint16_t port, const uint8_t *req, size_t req_len, timeouts t,
                            http_response *r, char *why, size_t why_cap) {
    wire_error err;
    struct timespec deadline;
    size_t sent = 0;
    int fd = connect_with_timeout(host, port, t.connect_ms, &err, why, why_cap), rc = 0;
    if (fd < 0) return err;
    count(&g_http_requests);
    deadline = deadline_in(t.answer_ms);
    while (sent < req_len) {
        ssize_t w;
        rc = wait_fd(fd, POLLOUT, &deadline);
        if (rc <= 0) break;
        w = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (w < 0) {
            errno_text(errno, why, why_cap);
            close(fd);
            return WIRE_UNREACHABLE;
        }
        sent += (size_t)w;
    }
    if (sent < req_len) {
        close(fd);
        if (rc == 0) {
            snprintf(why, why_cap, "no answer within %d ms", t.answer_ms);
            return WIRE_ANSWER_TIMEOUT;
        }
        errno_text(errno, why, why_cap);
        return WIRE_UNREACHABLE;
    }
    r->buf = (uint8_t *)malloc(RESP_CAP);
    if (!r->buf) {
        close(fd);
        snprintf(why, why_cap, "out of memory");
        return WIRE_BAD;
    }
    for (;;) {
        ssize_t got;
        bool eof = false;
        rc = wait_fd(fd, POLLIN, &deadline);
        if (rc == 0) {
            close(fd);
            snprintf(why, why_cap, "no answer within %d ms", t.answer_ms);
            return WIRE_ANSWER_TIMEOUT;
        }
        if (rc < 0) {
            errno_text(errno, why, why_cap);
            close(fd);
            return WIRE_BAD;
        }
        if (r->used == RESP_CAP) {
            close(fd);
            snprintf(why, why_cap, "response larger than %d bytes", RESP_CAP);
            return WIRE_BAD;
        }
        got = recv(fd, r->buf + r->used, RESP_CAP - r->used, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (got < 0) {
            errno_text(errno, why, why_cap);
            close(fd);
            return WIRE_BAD;
        }
        if (got == 0) eof = true;
        r->used += (size_t)got;
        rc = parse_response(r, eof, why, why_cap);
        if (rc != 0) {
            close(fd);
            return rc > 0 ? WIRE_OK : WIRE_BAD;
        }
    }
}

/* =============================================================================================
 * Requests: the core renders them; this part sizes the buffer, sends, and maps failures to the
 * core's status codes.
 * ============================================================================================= */

typedef enum req_kind { REQ_ECS, REQ_CONTAINER, REQ_IMDS_TOKEN, REQ_IMDS_ROLE, REQ_IMDS_CREDS, REQ_WEB_IDENTITY } req_kind;

typedef struct req_spec {
    req_kind kind;
    const char *endpoint;  /* override base URL or NULL (ECS, IMDS) */
    const char *uri;       /* ECS relative URI, container full URI */
    const char *token;     /* container authorization token, IMDS token; secret */
    size_t token_len;
    const char *role_name; /* IMDS */
    const mongodb_aws_web_identity_params *web_identity;
} req_spec;

static mongodb_aws_status build(const req_spec *s, uint8_t *out, size_t cap, size_t *len, mongodb_aws_http_request *v) {
    size_t el = slen(s->endpoint);
    switch (s->kind) {
    case REQ_ECS:
        return mongodb_aws_ecs_request(s->endpoint, el, s->uri, slen(s->uri), out, cap, len, v);
    case REQ_CONTAINER:
        return mongodb_aws_container_request(s->uri, slen(s->uri), s->token, s->token_len, out, cap, len, v);
    case REQ_IMDS_TOKEN:
        return mongodb_aws_imds_token_request(s->endpoint, el, MONGODB_AWS_IMDS_DEFAULT_TOKEN_TTL_SECONDS, out, cap,
                                              len, v);
    case REQ_IMDS_ROLE:
        return mongodb_aws_imds_role_name_request(s->endpoint, el, s->token, s->token_len, out, cap, len, v);
    case REQ_IMDS_CREDS:
        return mongodb_aws_imds_credentials_request(s->endpoint, el, s->token, s->token_len, s->role_name,
                                                    slen(s->role_name), out, cap, len, v);
    case REQ_WEB_IDENTITY:
        return mongodb_aws_web_identity_request(s->web_identity, out, cap, len, v);
    }
    return MONGODB_AWS_INVALID_PARAMETER;
}

/* "METHOD scheme://authority/path" for messages (the query is left out: it may carry a token). */
static void describe(const mongodb_aws_http_request *v, char *out, size_t cap) {
    size_t path = 0;
    while (path < v->target_len && v->target[path] != '?') path++;
    snprintf(out, cap, "%s %s://%.*s%.*s", v->method, v->scheme == MONGODB_AWS_SCHEME_HTTPS ? "https" : "http",
             (int)v->authority_len, v->authority, (int)path, v->target);
}

/* Renders and sends a request and checks for HTTP 200. `on_answer_timeout` is the status when the
 * answer does not come in time (the IMDS token PUT: MONGODB_AWS_IMDS_TOKEN_TIMEOUT). On success
 * `r` holds the response (free it with response_free). */
static mongodb_aws_status exchange(const req_spec *spec, timeouts t, mongodb_aws_status on_answer_timeout,
                                   http_response *r, char *detail) {
    mongodb_aws_http_request v;
    size_t need = 0, len = 0;
    uint8_t *req;
    char *url = r->url, host[256], why[200];
    mongodb_aws_status st;
    wire_error werr;

    memset(r, 0, sizeof *r);
    st = build(spec, NULL, 0, &need, NULL);
    if (st != MONGODB_AWS_OK) return st;
    req = (uint8_t *)malloc(need ? need : 1);
    if (!req) {
        set_detail(detail, "out of memory");
        return MONGODB_AWS_UNKNOWN_ERROR;
    }
    st = build(spec, req, need, &len, &v);
    if (st != MONGODB_AWS_OK) {
        wipe_free(req, need);
        return st;
    }
    describe(&v, url, sizeof r->url);
    if (v.scheme != MONGODB_AWS_SCHEME_HTTP) {
        /* This is where a TLS library would go. Nothing has been sent. */
        wipe_free(req, need);
        set_detail(detail, "%s: https needs a TLS library; this example only speaks http", url);
        return MONGODB_AWS_ENDPOINT_UNREACHABLE;
    }
    if (v.host_len >= sizeof host) {
        wipe_free(req, need);
        set_detail(detail, "%s: host name too long", url);
        return MONGODB_AWS_ENDPOINT_UNREACHABLE;
    }
    memcpy(host, v.host, v.host_len);
    host[v.host_len] = '\0';
    why[0] = '\0';
    werr = http_send(host, v.port, req, len, t, r, why, sizeof why);
    wipe_free(req, need); /* it may hold a token */
    switch (werr) {
    case WIRE_OK:
        break;
    case WIRE_UNREACHABLE:
        set_detail(detail, "%s: connection failed: %s", url, why);
        response_free(r);
        return MONGODB_AWS_ENDPOINT_UNREACHABLE;
    case WIRE_CONNECT_TIMEOUT:
        /* No connection at all (e.g. not on EC2): a plain timeout, not the hop-limit case. */
        set_detail(detail, "%s: %s", url, why);
        response_free(r);
        return MONGODB_AWS_ENDPOINT_TIMEOUT;
    case WIRE_ANSWER_TIMEOUT:
        set_detail(detail, "%s: %s", url, why);
        response_free(r);
        return on_answer_timeout;
    case WIRE_BAD:
        set_detail(detail, "%s: bad HTTP response: %s", url, why);
        response_free(r);
        return MONGODB_AWS_ENDPOINT_BAD_RESPONSE;
    }
    if (r->status != 200) {
        /* STS explains itself (Code, Message); its text holds no secret. */
        mongodb_aws_sts_error e;
        uint8_t *scratch = (uint8_t *)malloc(r->body_len ? r->body_len : 1);
        if (spec->kind == REQ_WEB_IDENTITY && scratch &&
            mongodb_aws_parse_sts_error(r->body, r->body_len, scratch, r->body_len, &e) == MONGODB_AWS_OK)
            set_detail(detail, "%s answered HTTP %d: STS %.*s %.*s", url, r->status, (int)e.code_len, e.code,
                       (int)e.message_len, e.message);
        else
            set_detail(detail, "%s answered HTTP %d", url, r->status);
        wipe_free(scratch, r->body_len);
        response_free(r);
        return MONGODB_AWS_ENDPOINT_HTTP_STATUS;
    }
    return MONGODB_AWS_OK;
}

/* Parses a credentials body with a scratch as long as the body, copies the result into a new
 * entry, wipes the scratch. */
static mongodb_aws_status parse_into_entry(uint32_t source, const http_response *r, const char *instance_role,
                                           mac_entry **out, char *detail) {
    mongodb_aws_fetched_credentials f;
    size_t cap = r->body_len ? r->body_len : 1;
    uint8_t *scratch = (uint8_t *)malloc(cap);
    mongodb_aws_status st;
    if (!scratch) {
        set_detail(detail, "out of memory");
        return MONGODB_AWS_UNKNOWN_ERROR;
    }
    st = mongodb_aws_parse_credentials(source, r->body, r->body_len, scratch, r->body_len, &f);
    if (st == MONGODB_AWS_STS_ERROR_RESPONSE) {
        mongodb_aws_sts_error e;
        if (mongodb_aws_parse_sts_error(r->body, r->body_len, scratch, r->body_len, &e) == MONGODB_AWS_OK)
            set_detail(detail, "%s: STS %.*s: %.*s", r->url, (int)e.code_len, e.code, (int)e.message_len, e.message);
    } else if (st != MONGODB_AWS_OK) {
        set_detail(detail, "%s: reply of %lu bytes", r->url, (unsigned long)r->body_len);
    } else if (st == MONGODB_AWS_OK) {
        *out = entry_new(&f, instance_role);
        if (!*out) {
            set_detail(detail, "out of memory");
            st = MONGODB_AWS_UNKNOWN_ERROR;
        } else if (f.has_expiration && unix_now() >= f.expiration_unix) {
            /* Usable only if not yet expired (a set inside the 5-minute window is used once). */
            set_detail(detail, "%s returned credentials that already expired", mongodb_aws_source_name(source));
            entry_release(*out);
            *out = NULL;
            st = MONGODB_AWS_CREDENTIALS_EXPIRED;
        }
    }
    wipe_free(scratch, cap);
    return st;
}

/* =============================================================================================
 * The sources
 * ============================================================================================= */

/* IMDS 1 s / 1 s; ECS and full URI 2 s / 10 s; STS 5 s / 10 s. AWS_METADATA_SERVICE_TIMEOUT
 * (seconds, an AWS SDK convention) overrides the metadata endpoints' answer time. */
static timeouts timeouts_for(uint32_t source) {
    timeouts t;
    const char *m = env_nonempty("AWS_METADATA_SERVICE_TIMEOUT");
    double secs = 0;
    if (m) {
        char *end = NULL;
        secs = strtod(m, &end);
        if (!end || *end != '\0' || !(secs > 0 && secs <= 3600)) secs = 0;
    }
    switch (source) {
    case MONGODB_AWS_SOURCE_EC2:
        t.connect_ms = 1000;
        t.answer_ms = secs > 0 ? (int)(secs * 1000) : 1000;
        break;
    case MONGODB_AWS_SOURCE_ECS:
    case MONGODB_AWS_SOURCE_CONTAINER_FULL_URI:
        t.connect_ms = 2000;
        t.answer_ms = secs > 0 ? (int)(secs * 1000) : 10000;
        break;
    default:
        t.connect_ms = 5000;
        t.answer_ms = 10000;
    }
    if (t.answer_ms < 1) t.answer_ms = 1;
    return t;
}

/* The environment as the chain sees it, read once per call. */
typedef struct chain_env {
    const char *access_key_id, *secret_access_key, *session_token;
    const char *web_identity_token_file, *role_arn, *ecs_relative_uri, *container_full_uri;
    bool ec2_disabled;
} chain_env;

static mongodb_aws_status fetch_ecs(const chain_env *env, mac_entry **out, char *detail) {
    http_response r;
    req_spec s;
    mongodb_aws_status st;
    memset(&s, 0, sizeof s);
    s.kind = REQ_ECS;
    s.endpoint = env_nonempty("MONGODB_AWS_ECS_ENDPOINT");
    s.uri = env->ecs_relative_uri;
    st = exchange(&s, timeouts_for(MONGODB_AWS_SOURCE_ECS), MONGODB_AWS_ENDPOINT_TIMEOUT, &r, detail);
    if (st != MONGODB_AWS_OK) return st;
    st = parse_into_entry(MONGODB_AWS_SOURCE_ECS, &r, NULL, out, detail);
    response_free(&r);
    return st;
}

static mongodb_aws_status fetch_container(const chain_env *env, mac_entry **out, char *detail) {
    http_response r;
    req_spec s;
    mongodb_aws_status st;
    uint8_t *file = NULL;
    size_t file_len = 0;
    const char *path = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    memset(&s, 0, sizeof s);
    s.kind = REQ_CONTAINER;
    s.uri = env->container_full_uri;
    if (path) {
        /* The file wins over the variable and is read on every fetch (EKS rotates it). */
        char why[128];
        if (read_small_file(path, &file, &file_len, why, sizeof why) != 0) {
            set_detail(detail, "cannot read authorization token file %s: %s", path, why);
            return MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN;
        }
        st = mongodb_aws_container_token_from_file(file, file_len, &s.token, &s.token_len);
        if (st != MONGODB_AWS_OK) {
            set_detail(detail, "authorization token file %s", path);
            wipe_free(file, file_len);
            return st;
        }
    } else {
        s.token = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        s.token_len = slen(s.token);
    }
    st = exchange(&s, timeouts_for(MONGODB_AWS_SOURCE_CONTAINER_FULL_URI), MONGODB_AWS_ENDPOINT_TIMEOUT, &r, detail);
    wipe_free(file, file_len);
    if (st != MONGODB_AWS_OK) return st;
    st = parse_into_entry(MONGODB_AWS_SOURCE_CONTAINER_FULL_URI, &r, NULL, out, detail);
    response_free(&r);
    return st;
}

static mongodb_aws_status fetch_ec2(mac_entry **out, char *detail) {
    http_response r;
    req_spec s;
    mongodb_aws_status st;
    timeouts t = timeouts_for(MONGODB_AWS_SOURCE_EC2);
    char token[513]; /* the core accepts 1 to 512 characters */
    char role[128];
    const char *view = NULL;
    size_t view_len = 0;
    memset(&s, 0, sizeof s);
    s.endpoint = env_nonempty("MONGODB_AWS_EC2_METADATA_ENDPOINT");
    if (!s.endpoint) s.endpoint = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");

    /* 1. PUT /latest/api/token with the TTL header. No answer in time: the hop-limit error. */
    s.kind = REQ_IMDS_TOKEN;
    st = exchange(&s, t, MONGODB_AWS_IMDS_TOKEN_TIMEOUT, &r, detail);
    if (st != MONGODB_AWS_OK) return st;
    st = mongodb_aws_imds_parse_token(r.body, r.body_len, &view, &view_len);
    if (st == MONGODB_AWS_OK && view_len >= sizeof token) st = MONGODB_AWS_INVALID_IMDS_TOKEN;
    if (st != MONGODB_AWS_OK) {
        set_detail(detail, "%s: reply of %lu bytes", r.url, (unsigned long)r.body_len);
        response_free(&r);
        return st;
    }
    memcpy(token, view, view_len);
    token[view_len] = '\0';
    response_free(&r);
    s.token = token;
    s.token_len = view_len;

    /* 2. The instance's role name. */
    s.kind = REQ_IMDS_ROLE;
    st = exchange(&s, t, MONGODB_AWS_ENDPOINT_TIMEOUT, &r, detail);
    if (st == MONGODB_AWS_OK) {
        st = mongodb_aws_imds_parse_role_name(r.body, r.body_len, &view, &view_len);
        if (st == MONGODB_AWS_OK && view_len >= sizeof role) st = MONGODB_AWS_INVALID_ROLE_NAME;
        if (st == MONGODB_AWS_OK) {
            memcpy(role, view, view_len);
            role[view_len] = '\0';
        } else {
            set_detail(detail, "%s: reply of %lu bytes", r.url, (unsigned long)r.body_len);
        }
        response_free(&r);
    }

    /* 3. The role's credentials. */
    if (st == MONGODB_AWS_OK) {
        s.kind = REQ_IMDS_CREDS;
        s.role_name = role;
        st = exchange(&s, t, MONGODB_AWS_ENDPOINT_TIMEOUT, &r, detail);
        if (st == MONGODB_AWS_OK) {
            st = parse_into_entry(MONGODB_AWS_SOURCE_EC2, &r, role, out, detail);
            response_free(&r);
        }
    }
    wipe(token, sizeof token);
    return st;
}

static mongodb_aws_status fetch_web_identity(const chain_env *env, mac_entry **out, char *detail) {
    http_response r;
    req_spec s;
    mongodb_aws_status st;
    mongodb_aws_web_identity_params p;
    mongodb_aws_sts_endpoint sts;
    uint8_t *file = NULL, random[16];
    size_t file_len = 0;
    char why[128];
    const char *path = env->web_identity_token_file;
    if (read_small_file(path, &file, &file_len, why, sizeof why) != 0) {
        set_detail(detail, "cannot read web identity token file %s: %s", path, why);
        return MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN;
    }
    memset(&p, 0, sizeof p);
    memset(&sts, 0, sizeof sts);
    st = mongodb_aws_web_identity_token_from_file(file, file_len, &p.web_identity_token, &p.web_identity_token_len);
    if (st != MONGODB_AWS_OK) {
        set_detail(detail, "web identity token file %s", path);
        wipe_free(file, file_len);
        return st;
    }
    p.role_arn = env->role_arn;
    p.role_arn_len = slen(env->role_arn);
    p.role_session_name = env_nonempty("AWS_ROLE_SESSION_NAME");
    p.role_session_name_len = slen(p.role_session_name);
    if (!p.role_session_name) {
        /* No AWS_ROLE_SESSION_NAME: the core makes one from 16 random bytes. */
        int fd = open("/dev/urandom", O_RDONLY);
        size_t got = 0;
        while (fd >= 0 && got < sizeof random) {
            ssize_t n = read(fd, random + got, sizeof random - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (fd >= 0) close(fd);
        if (got != sizeof random) {
            set_detail(detail, "cannot read 16 bytes from /dev/urandom for a role session name");
            wipe_free(file, file_len);
            return MONGODB_AWS_INVALID_PARAMETER;
        }
        p.random = random;
    }
    sts.override_url = env_nonempty("MONGODB_AWS_STS_ENDPOINT");
    sts.override_url_len = slen(sts.override_url);
    sts.regional_endpoints = env_nonempty("AWS_STS_REGIONAL_ENDPOINTS");
    sts.regional_endpoints_len = slen(sts.regional_endpoints);
    sts.region = env_nonempty("AWS_REGION");
    sts.region_len = slen(sts.region);
    p.sts = &sts;
    memset(&s, 0, sizeof s);
    s.kind = REQ_WEB_IDENTITY;
    s.web_identity = &p;
    st = exchange(&s, timeouts_for(MONGODB_AWS_SOURCE_WEB_IDENTITY), MONGODB_AWS_ENDPOINT_TIMEOUT, &r, detail);
    wipe_free(file, file_len);
    if (st != MONGODB_AWS_OK) return st;
    st = parse_into_entry(MONGODB_AWS_SOURCE_WEB_IDENTITY, &r, NULL, out, detail);
    response_free(&r);
    return st;
}

/* =============================================================================================
 * The process-wide cache and the single in-flight fetch. Everything below is guarded by g_lock,
 * which is held only to read or swap pointers and counters, never during a fetch.
 * ============================================================================================= */

typedef struct flight {
    bool done;
    unsigned users; /* the leader and the waiters that have not yet read the outcome */
    mongodb_aws_status status;
    mac_entry *entry; /* on success: one reference per user, taken when the fetch ends */
    char detail[MAC_DETAIL_LEN];
} flight;

static pthread_cond_t g_flight_done = PTHREAD_COND_INITIALIZER;
static mac_entry *g_cache;     /* endpoint credentials only; NULL when empty */
static uint64_t g_generation;  /* bumped by mac_clear_cache: a fetch begun before a clear does not store */
static flight *g_flight;       /* the fetch in progress, if any */

/* A reference to the cached set if it is fresh (the core's 5-minute rule), else NULL. */
static mac_entry *cache_get_fresh_locked(uint64_t now) {
    mac_entry *e = g_cache;
    if (e && mongodb_aws_cache_is_fresh(e->pub.has_expiration, e->pub.expiration_unix, now)) {
        e->refs++;
        return e;
    }
    return NULL;
}

static mac_entry *cache_get_fresh(uint64_t now) {
    mac_entry *e;
    pthread_mutex_lock(&g_lock);
    e = cache_get_fresh_locked(now);
    pthread_mutex_unlock(&g_lock);
    return e;
}

void mac_clear_cache(void) {
    mac_entry *old;
    pthread_mutex_lock(&g_lock);
    old = g_cache;
    g_cache = NULL;
    g_generation++;
    pthread_mutex_unlock(&g_lock);
    entry_release(old); /* wiped now, or when its last reader releases it */
}

static bool cacheable(uint32_t source) {
    return source != MONGODB_AWS_SOURCE_ENVIRONMENT && source != MONGODB_AWS_SOURCE_CUSTOM_PROVIDER;
}

/* Fresh cached credentials, or the result of the one fetch in progress, or a new fetch by this
 * caller (stored in the cache on success). */
static void get_or_fetch(uint32_t step, const chain_env *env, mac_result *out) {
    flight *f;
    mac_entry *e, *old = NULL;
    uint64_t generation;
    mongodb_aws_status st;
    bool last;

    pthread_mutex_lock(&g_lock);
    e = cache_get_fresh_locked(unix_now()); /* another fetch may have just stored */
    if (e) {
        pthread_mutex_unlock(&g_lock);
        out->credentials = &e->pub;
        out->origin = MAC_ORIGIN_CACHED;
        return;
    }
    if (g_flight) {
        /* Someone is fetching: wait for the outcome instead of fetching again. */
        f = g_flight;
        f->users++;
        while (!f->done) pthread_cond_wait(&g_flight_done, &g_lock);
        out->status = f->status;
        if (f->entry) {
            out->credentials = &f->entry->pub; /* the reference taken for us */
            out->origin = MAC_ORIGIN_SHARED;
        }
        memcpy(out->detail, f->detail, sizeof out->detail);
        last = --f->users == 0;
        pthread_mutex_unlock(&g_lock);
        if (last) free(f);
        return;
    }
    f = (flight *)calloc(1, sizeof *f);
    if (!f) {
        pthread_mutex_unlock(&g_lock);
        out->status = MONGODB_AWS_UNKNOWN_ERROR;
        set_detail(out->detail, "out of memory");
        return;
    }
    f->users = 1;
    g_flight = f;
    generation = g_generation;
    pthread_mutex_unlock(&g_lock);

    /* The fetch, with no lock held. */
    count(&g_fetches);
    e = NULL;
    switch (step) {
    case MONGODB_AWS_STEP_WEB_IDENTITY:
        st = fetch_web_identity(env, &e, f->detail);
        break;
    case MONGODB_AWS_STEP_ECS:
        st = fetch_ecs(env, &e, f->detail);
        break;
    case MONGODB_AWS_STEP_CONTAINER_FULL_URI:
        st = fetch_container(env, &e, f->detail);
        break;
    default:
        st = fetch_ec2(&e, f->detail);
        break;
    }

    pthread_mutex_lock(&g_lock);
    f->status = st;
    if (st == MONGODB_AWS_OK && e) {
        e->refs = f->users; /* one for each user: the leader and every waiter */
        f->entry = e;
        if (cacheable(e->pub.source) && generation == g_generation) {
            e->refs++; /* the cache's reference; the swap is the whole update */
            old = g_cache;
            g_cache = e;
        }
    }
    f->done = true;
    g_flight = NULL;
    pthread_cond_broadcast(&g_flight_done);
    memcpy(out->detail, f->detail, sizeof out->detail); /* before letting go: a waiter may free f */
    last = --f->users == 0;
    pthread_mutex_unlock(&g_lock);

    out->status = st;
    if (e) {
        out->credentials = &e->pub;
        out->origin = MAC_ORIGIN_FETCHED;
    }
    if (last) free(f);
    entry_release(old);
}

mongodb_aws_status mac_get_credentials(mac_result *out) {
    chain_env env;
    mongodb_aws_chain_inputs in;
    mac_entry *cached;
    uint32_t step = 0;
    const char *disabled;

    memset(out, 0, sizeof *out);
    memset(&env, 0, sizeof env);
    env.access_key_id = env_nonempty("AWS_ACCESS_KEY_ID");
    env.secret_access_key = env_nonempty("AWS_SECRET_ACCESS_KEY");
    env.session_token = env_nonempty("AWS_SESSION_TOKEN");
    env.web_identity_token_file = env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE");
    env.role_arn = env_nonempty("AWS_ROLE_ARN");
    env.ecs_relative_uri = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    env.container_full_uri = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    disabled = env_nonempty("AWS_EC2_METADATA_DISABLED");
    env.ec2_disabled = disabled && strcasecmp(disabled, "true") == 0;

    cached = cache_get_fresh(unix_now());
    memset(&in, 0, sizeof in);
    in.custom_provider = false;
    in.fresh_cache = cached != NULL;
    in.ec2_disabled = env.ec2_disabled;
    in.environment.access_key_id = env.access_key_id;
    in.environment.access_key_id_len = slen(env.access_key_id);
    in.environment.secret_access_key = env.secret_access_key;
    in.environment.secret_access_key_len = slen(env.secret_access_key);
    in.environment.session_token = env.session_token;
    in.environment.session_token_len = slen(env.session_token);
    in.web_identity_token_file = env.web_identity_token_file;
    in.web_identity_token_file_len = slen(env.web_identity_token_file);
    in.role_arn = env.role_arn;
    in.role_arn_len = slen(env.role_arn);
    in.ecs_relative_uri = env.ecs_relative_uri;
    in.ecs_relative_uri_len = slen(env.ecs_relative_uri);
    in.container_full_uri = env.container_full_uri;
    in.container_full_uri_len = slen(env.container_full_uri);

    out->status = mongodb_aws_chain_select(&in, &step);
    if (out->status != MONGODB_AWS_OK) {
        entry_release(cached);
        return out->status;
    }
    if (step != MONGODB_AWS_STEP_CACHE) {
        entry_release(cached);
        cached = NULL;
    }
    switch (step) {
    case MONGODB_AWS_STEP_CACHE:
        /* Kept even if environment variables appeared since (the spec's order). */
        out->selected_by = "cached endpoint credentials";
        out->credentials = &cached->pub;
        out->origin = MAC_ORIGIN_CACHED;
        break;
    case MONGODB_AWS_STEP_ENVIRONMENT: {
        mongodb_aws_fetched_credentials f;
        out->selected_by = "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN";
        out->status = mongodb_aws_credentials_check(&in.environment);
        if (out->status != MONGODB_AWS_OK) break;
        memset(&f, 0, sizeof f);
        f.credentials = in.environment;
        f.source = MONGODB_AWS_SOURCE_ENVIRONMENT;
        cached = entry_new(&f, NULL); /* never stored in the cache */
        if (!cached) {
            out->status = MONGODB_AWS_UNKNOWN_ERROR;
            set_detail(out->detail, "out of memory");
            break;
        }
        out->credentials = &cached->pub;
        out->origin = MAC_ORIGIN_ENVIRONMENT;
        break;
    }
    case MONGODB_AWS_STEP_WEB_IDENTITY:
        out->selected_by = "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN";
        get_or_fetch(step, &env, out);
        break;
    case MONGODB_AWS_STEP_ECS:
        out->selected_by = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
        get_or_fetch(step, &env, out);
        break;
    case MONGODB_AWS_STEP_CONTAINER_FULL_URI:
        out->selected_by = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
        get_or_fetch(step, &env, out);
        break;
    case MONGODB_AWS_STEP_EC2:
        out->selected_by = "no other source configured: EC2 instance metadata (IMDSv2)";
        get_or_fetch(step, &env, out);
        break;
    case MONGODB_AWS_STEP_NONE:
        out->selected_by = "AWS_EC2_METADATA_DISABLED=true";
        out->status = MONGODB_AWS_NO_CREDENTIALS;
        set_detail(out->detail, "no source configured and AWS_EC2_METADATA_DISABLED=true");
        break;
    default:
        out->status = MONGODB_AWS_INVALID_PARAMETER;
        set_detail(out->detail, "this host has no custom provider");
        break;
    }
    if (out->status != MONGODB_AWS_OK) mac_result_release(out); /* a failure holds nothing */
    return out->status;
}

void mac_result_release(mac_result *r) {
    if (r && r->credentials) {
        entry_release((mac_entry *)(void *)r->credentials);
        r->credentials = NULL;
    }
}

mongodb_aws_credentials mac_credentials_for_signing(const mac_credentials *c) {
    mongodb_aws_credentials v;
    v.access_key_id = c->access_key_id;
    v.access_key_id_len = slen(c->access_key_id);
    v.secret_access_key = c->secret_access_key;
    v.secret_access_key_len = slen(c->secret_access_key);
    v.session_token = c->session_token;
    v.session_token_len = slen(c->session_token);
    return v;
}

unsigned long mac_fetch_count(void) {
    unsigned long n;
    pthread_mutex_lock(&g_count_lock);
    n = g_fetches;
    pthread_mutex_unlock(&g_count_lock);
    return n;
}

unsigned long mac_http_request_count(void) {
    unsigned long n;
    pthread_mutex_lock(&g_count_lock);
    n = g_http_requests;
    pthread_mutex_unlock(&g_count_lock);
    return n;
}

const char *mac_origin_name(mac_origin o) {
    switch (o) {
    case MAC_ORIGIN_ENVIRONMENT:
        return "environment";
    case MAC_ORIGIN_CACHED:
        return "cached";
    case MAC_ORIGIN_FETCHED:
        return "fetched";
    case MAC_ORIGIN_SHARED:
        return "shared";
    default:
        return "none";
    }
}

/* =============================================================================================
 * The program: print what mac_get_credentials returns, secrets redacted.
 * ============================================================================================= */

static void json_str(FILE *out, const char *s) {
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static void iso8601(uint64_t t, char *out, size_t cap) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%" PRIu64, t);
}

typedef struct call {
    mac_result r;
    long elapsed_ms;
} call;

static void timed_get(call *c) {
    struct timespec a = mono_now(), b;
    mac_get_credentials(&c->r);
    b = mono_now();
    c->elapsed_ms = (long)((b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L);
}

static void print_call(const call *c, bool json, int thread) {
    const mac_result *r = &c->r;
    const mac_credentials *k = r->credentials;
    char exp[40] = "";
    if (r->status != MONGODB_AWS_OK) {
        if (json) {
            printf("{\"error\":");
            json_str(stdout, mongodb_aws_status_name(r->status));
            printf(",\"code\":%u,\"message\":", (unsigned)r->status);
            json_str(stdout, mongodb_aws_status_str(r->status));
            printf(",\"detail\":");
            json_str(stdout, r->detail[0] ? r->detail : NULL);
            printf(",\"selected_by\":");
            json_str(stdout, r->selected_by);
            printf(",\"elapsed_ms\":%ld", c->elapsed_ms);
            if (thread >= 0) printf(",\"thread\":%d", thread);
            printf("}\n");
        }
        fprintf(stderr, "credentials: %s (%u): %s%s%s%s\n", mongodb_aws_status_name(r->status), (unsigned)r->status,
                mongodb_aws_status_str(r->status), r->detail[0] ? " [" : "", r->detail, r->detail[0] ? "]" : "");
        return;
    }
    if (k->has_expiration) iso8601(k->expiration_unix, exp, sizeof exp);
    if (json) {
        mongodb_aws_credentials v = mac_credentials_for_signing(k);
        printf("{\"source\":");
        json_str(stdout, k->source_name);
        printf(",\"selected_by\":");
        json_str(stdout, r->selected_by);
        printf(",\"origin\":\"%s\",\"from_cache\":%s,\"access_key_id\":", mac_origin_name(r->origin),
               r->origin == MAC_ORIGIN_CACHED ? "true" : "false");
        json_str(stdout, k->access_key_id);
        printf(",\"secret_access_key\":\"<redacted>\",\"session_token\":%s",
               k->session_token ? "\"<redacted>\"" : "null");
        printf(",\"expiration\":");
        json_str(stdout, k->has_expiration ? exp : NULL);
        if (k->has_expiration)
            printf(",\"expiration_unix\":%" PRIu64 ",\"fresh\":%s", k->expiration_unix,
                   mongodb_aws_cache_is_fresh(true, k->expiration_unix, unix_now()) ? "true" : "false");
        else
            printf(",\"expiration_unix\":null,\"fresh\":true");
        printf(",\"arn\":");
        json_str(stdout, k->arn);
        printf(",\"assumed_role_id\":");
        json_str(stdout, k->assumed_role_id);
        printf(",\"account_id\":");
        json_str(stdout, k->account_id);
        printf(",\"instance_role\":");
        json_str(stdout, k->instance_role);
        printf(",\"usable_for_signing\":%s", mongodb_aws_credentials_check(&v) == MONGODB_AWS_OK ? "true" : "false");
        printf(",\"elapsed_ms\":%ld", c->elapsed_ms);
        if (thread >= 0) printf(",\"thread\":%d", thread);
        printf("}\n");
        return;
    }
    if (thread >= 0) printf("thread:            %d\n", thread);
    printf("source:            %s\n", k->source_name);
    printf("selected by:       %s\n", r->selected_by);
    printf("origin:            %s\n", mac_origin_name(r->origin));
    printf("access key id:     %s\n", k->access_key_id);
    printf("secret access key: <redacted, %lu characters>\n", (unsigned long)strlen(k->secret_access_key));
    if (k->session_token)
        printf("session token:     <redacted, %lu characters>\n", (unsigned long)strlen(k->session_token));
    else
        printf("session token:     none\n");
    if (k->has_expiration) {
        long long left = (long long)k->expiration_unix - (long long)unix_now();
        printf("expiration:        %s (in %lldm%02llds)\n", exp, left / 60, (left < 0 ? -left : left) % 60);
    } else {
        printf("expiration:        none (long-term or environment credentials)\n");
    }
    if (k->arn) printf("arn:               %s\n", k->arn);
    if (k->assumed_role_id) printf("assumed role id:   %s\n", k->assumed_role_id);
    if (k->account_id) printf("account id:        %s\n", k->account_id);
    if (k->instance_role) printf("instance role:     %s\n", k->instance_role);
    printf("\n");
}

/* --threads: every thread waits at the gate, then all call mac_get_credentials at once. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static void *thread_main(void *arg) {
    pthread_mutex_lock(&gate_lock);
    while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    timed_get((call *)arg);
    return NULL;
}

static int usage(void) {
    fprintf(stderr, "usage: credentials [--json] [--threads N [--clear-during-fetch] | STEP...]   (STEP: get, clear)\n");
    return 2;
}

int main(int argc, char **argv) {
    bool json = false, clear_during_fetch = false;
    int threads = 0, i, failed = 0, steps = 0;
    long clear_us = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            char *end = NULL;
            long n = strtol(argv[++i], &end, 10);
            if (!end || *end || n < 1 || n > 256) return usage();
            threads = (int)n;
        } else if (strcmp(argv[i], "--clear-during-fetch") == 0) {
            clear_during_fetch = true;
        } else if (strcmp(argv[i], "get") == 0 || strcmp(argv[i], "clear") == 0) {
            steps++;
        } else {
            return usage();
        }
    }
    if ((threads && steps) || (clear_during_fetch && !threads)) return usage();

    if (threads) {
        pthread_t *tid = (pthread_t *)calloc((size_t)threads, sizeof *tid);
        call *calls = (call *)calloc((size_t)threads, sizeof *calls);
        int started = 0;
        if (!tid || !calls) return 1;
        for (i = 0; i < threads; i++) {
            if (pthread_create(&tid[i], NULL, thread_main, &calls[i]) != 0) break;
            started++;
        }
        pthread_mutex_lock(&gate_lock);
        gate_open = true;
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
        if (clear_during_fetch) {
            /* While the threads' fetch runs: the cache lock is free, so clearing returns at once,
             * and the fetch that began before the clear does not store its result. */
            struct timespec pause = {0, 100 * 1000000L}, a, b;
            nanosleep(&pause, NULL);
            a = mono_now();
            mac_clear_cache();
            b = mono_now();
            clear_us = (long)((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000L);
        }
        for (i = 0; i < started; i++) pthread_join(tid[i], NULL);
        for (i = 0; i < started; i++) {
            print_call(&calls[i], json, i);
            failed |= calls[i].r.status != MONGODB_AWS_OK;
            mac_result_release(&calls[i].r);
        }
        if (clear_during_fetch) {
            call c;
            if (json) printf("{\"cleared_during_fetch\":true,\"clear_us\":%ld}\n", clear_us);
            else printf("cache cleared during the fetch, in %ld us\n\n", clear_us);
            memset(&c, 0, sizeof c);
            timed_get(&c); /* fetches again: the cleared-during fetch was not stored */
            print_call(&c, json, -1);
            failed |= c.r.status != MONGODB_AWS_OK;
            mac_result_release(&c.r);
        }
        if (started < threads) {
            fprintf(stderr, "credentials: only %d of %d threads started\n", started, threads);
            failed = 1;
        }
        free(calls);
        free(tid);
    } else {
        for (i = 1; i < argc || steps == 0; i++) {
            const char *step = steps == 0 ? "get" : argv[i];
            if (strcmp(step, "clear") == 0) {
                /* What a driver does after the server refused the credentials. */
                mac_clear_cache();
                if (json) printf("{\"cleared\":true}\n");
                else printf("cache cleared\n\n");
            } else if (strcmp(step, "get") == 0) {
                call c;
                memset(&c, 0, sizeof c);
                timed_get(&c);
                print_call(&c, json, -1);
                failed |= c.r.status != MONGODB_AWS_OK;
                mac_result_release(&c.r);
            }
            if (steps == 0) break;
        }
    }
    if (json)
        printf("{\"fetches\":%lu,\"http_requests\":%lu}\n", mac_fetch_count(), mac_http_request_count());
    else
        printf("fetches: %lu, http requests: %lu\n", mac_fetch_count(), mac_http_request_count());
    mac_clear_cache(); /* wipes the cached secrets before exit */
    return failed ? 1 : 0;
}
