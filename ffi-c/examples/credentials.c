/*
 * credentials.c - MONGODB-AWS credentials from C with libmongodb_aws, the two ways it offers.
 *
 *   blocking  mongodb_aws_get_credentials(): the library reads the environment and the files, does
 *             the HTTP (https included), the deadlines, the retries and keeps the process-wide
 *             cache. One call.
 *   chain     the state machine (mongodb_aws_chain_*), for a driver with its own I/O: this file
 *             reads the files, speaks HTTP/1.1 over POSIX sockets (http:// only: put your TLS
 *             library where https is refused), sleeps, and keeps a small cache per profile. The library
 *             still decides everything: source order, requests, deadlines, retries, errors.
 *
 * Usage:
 *   credentials [--mode blocking|chain]                   resolve once, print one JSON line
 *   credentials --scenario-host [--mode blocking|chain]   the host protocol of the scenario suite
 *                                                         (tests/scenarios/runner.py)
 * The JSON line never holds the secret or the token. Exit 0 on success, 1 on failure.
 *
 * Build: cc -std=c99 $(pkg-config --cflags mongodb-aws) credentials.c $(pkg-config --libs mongodb-aws)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mongodb_aws.h"

/* ---- output ------------------------------------------------------------------------------------ */

static void put_escaped(const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
}

/* What this call's MFA callback was given and asked (the scenario host's per-call "mfa_codes"). */
#define MAX_MFA 8
static struct {
    int installed;              /* a list was given: answer from it, then fail */
    char *codes[MAX_MFA];       /* the codes, in order (secret: wiped and freed after the call) */
    size_t count, next;
    char asked[MAX_MFA][128];   /* the serials asked for, in order */
    size_t asked_count;
} mfa;

static void mfa_reset(void) {
    size_t i;
    for (i = 0; i < mfa.count; i++) {
        memset(mfa.codes[i], 0, strlen(mfa.codes[i]));
        free(mfa.codes[i]);
    }
    memset(&mfa, 0, sizeof mfa);
}

/* Records that `serial` was asked for; the next code, or NULL when the list is used up. */
static const char *mfa_next(const char *serial, size_t serial_len) {
    if (mfa.asked_count < MAX_MFA && serial_len < sizeof mfa.asked[0]) {
        memcpy(mfa.asked[mfa.asked_count], serial, serial_len);
        mfa.asked[mfa.asked_count][serial_len] = 0;
        mfa.asked_count++;
    }
    return mfa.next < mfa.count ? mfa.codes[mfa.next++] : NULL;
}

static void put_json_string(const char *s, size_t n) {
    putchar('"');
    put_escaped(s, n);
    putchar('"');
}

/* , "mfa_asked": [...] */
static void print_mfa_asked(void) {
    size_t i;
    printf(", \"mfa_asked\": [");
    for (i = 0; i < mfa.asked_count; i++) {
        if (i) printf(", ");
        put_json_string(mfa.asked[i], strlen(mfa.asked[i]));
    }
    putchar(']');
}

/* {"ok": true, ...}: what the credentials are and the profile, file and line that supplied them
 * (`origin` NULL or has_origin 0: none), never the secret or the token. */
static void print_credentials(const mongodb_aws_credentials_info *c, int from_cache,
                              const mongodb_aws_credentials_origin *origin) {
    printf("{\"ok\": true, \"source\": \"%s\", \"access_key_id\": ", mongodb_aws_source_name(c->source));
    put_json_string(c->credentials.access_key_id, c->credentials.access_key_id_len);
    printf(", \"session_token\": %s, \"expiration\": ", c->has_session_token ? "true" : "false");
    if (c->has_expiration) printf("%llu", (unsigned long long)c->expiration_unix);
    else printf("null");
    printf(", \"from_cache\": %s", from_cache ? "true" : "false");
    if (origin && origin->has_origin) {
        printf(", \"profile\": ");
        put_json_string(origin->profile, origin->profile_len);
        printf(", \"origin_file\": ");
        put_json_string(origin->file, origin->file_len);
        printf(", \"origin_line\": %lu", (unsigned long)origin->line);
    } else {
        printf(", \"profile\": null, \"origin_file\": null, \"origin_line\": null");
    }
    print_mfa_asked();
    printf("}\n");
}

/* {"ok": false, "error": "NAME", "message": "NAME: full message"}. */
static void print_error(uint32_t status, const char *message, size_t n) {
    printf("{\"ok\": false, \"error\": \"%s\", \"message\": \"%s: ", mongodb_aws_status_name(status),
           mongodb_aws_status_name(status));
    put_escaped(message, n);
    putchar('"');
    print_mfa_asked();
    printf("}\n");
}

/* ---- the blocking call ----------------------------------------------------------------------------- */

/* The MFA callback of the blocking call: the next code of the list, else a failure. */
static uint32_t answer_mfa(void *user_data, const char *serial, size_t serial_len, const char *profile,
                           size_t profile_len, mongodb_aws_mfa_result *result) {
    static const char none[] = "no more codes";
    const char *code = mfa_next(serial, serial_len);
    (void)user_data;
    (void)profile;
    (void)profile_len;
    if (code == NULL) {
        mongodb_aws_mfa_result_set_error(result, none, sizeof none - 1);
        return 1;
    }
    return mongodb_aws_mfa_result_set_code(result, code, strlen(code));
}

/* `profile`: the explicit profile (NULL: AWS_PROFILE, ...); the MFA callback when a list is set. */
static int resolve_blocking(const char *profile) {
    mongodb_aws_owned_credentials *creds = NULL;
    mongodb_aws_credentials_info info;
    mongodb_aws_credentials_origin origin;
    mongodb_aws_fetch_options options;
    size_t n = 0;
    uint32_t st;
    memset(&options, 0, sizeof options);
    options.profile = profile;
    options.profile_len = profile ? strlen(profile) : 0;
    options.mfa_callback = mfa.installed ? answer_mfa : NULL;
    st = mongodb_aws_get_credentials_with(&options, &creds);
    if (st != MONGODB_AWS_OK) { /* the status names the error; the message says everything else */
        char *message = NULL;
        if (mongodb_aws_last_error_message(NULL, 0, &n) == MONGODB_AWS_OK && (message = malloc(n + 1)) != NULL &&
            mongodb_aws_last_error_message((uint8_t *)message, n, &n) != MONGODB_AWS_OK)
            n = 0;
        print_error(st, message ? message : "", message ? n : 0);
        free(message);
        return 1;
    }
    mongodb_aws_owned_credentials_info(creds, &info);
    mongodb_aws_owned_credentials_origin(creds, &origin);
    print_credentials(&info, info.from_cache, &origin);
    /* To sign: mongodb_aws_client_conversation_client_final_with_handle(&conv, ...,
     * mongodb_aws_owned_credentials_handle(creds), ...) - no copy of the secret. */
    mongodb_aws_owned_credentials_free(creds);
    return 0;
}

/* ---- the state machine: a driver's own I/O -------------------------------------------------------- */

/* The driver's cache, as the library keeps it: one entry per profile the snapshot selects (the name
 * and whether it was named: mongodb_aws_chain_selected_profile, the library's rule), each holding
 * endpoint credentials from a DONE with cache == 1, copied into a handle. A few entries; when all are
 * taken the oldest-stored one is replaced. */
#define CACHE_ENTRIES 8
#define MAX_PROFILE 129 /* the library follows profile names of at most 128 bytes */
typedef struct {
    int used;
    uint8_t named;                          /* named by the option or a variable; 0: the implicit default */
    char profile[MAX_PROFILE];
    size_t profile_len;
    mongodb_aws_credentials_handle *handle; /* what a driver signs with */
    mongodb_aws_credentials_info info;      /* views into `id`; secret and token NULL */
    char id[256];
    mongodb_aws_credentials_origin origin;  /* views into origin_profile and origin_file */
    char origin_profile[MAX_PROFILE];
    char origin_file[1024];
    unsigned long stored;                   /* when it was stored (a counter), for replacement */
} cache_entry;
static cache_entry cache[CACHE_ENTRIES];
static unsigned long cache_clock;

static void cache_entry_clear(cache_entry *e) {
    mongodb_aws_credentials_handle_free(e->handle);
    memset(e, 0, sizeof *e);
}

static void cache_clear(void) {
    size_t i;
    for (i = 0; i < CACHE_ENTRIES; i++) cache_entry_clear(&cache[i]);
}

/* The entry of this profile, or NULL. */
static cache_entry *cache_find(uint8_t named, const char *profile, size_t len) {
    size_t i;
    for (i = 0; i < CACHE_ENTRIES; i++)
        if (cache[i].used && cache[i].named == named && cache[i].profile_len == len &&
            memcmp(cache[i].profile, profile, len) == 0)
            return &cache[i];
    return NULL;
}

static void cache_store(uint8_t named, const char *profile, size_t profile_len, const mongodb_aws_credentials_info *c,
                        const mongodb_aws_credentials_origin *origin) {
    size_t n = c->credentials.access_key_id_len < sizeof cache[0].id ? c->credentials.access_key_id_len : 0, i;
    cache_entry *e;
    if (profile_len >= MAX_PROFILE) return;
    e = cache_find(named, profile, profile_len);
    for (i = 0; !e && i < CACHE_ENTRIES; i++) /* this profile's entry, else a free one, else the oldest */
        if (!cache[i].used) e = &cache[i];
    if (!e)
        for (e = &cache[0], i = 1; i < CACHE_ENTRIES; i++)
            if (cache[i].stored < e->stored) e = &cache[i];
    cache_entry_clear(e);
    if (mongodb_aws_credentials_handle_new(&c->credentials, &e->handle) != MONGODB_AWS_OK) return;
    e->used = 1;
    e->named = named;
    memcpy(e->profile, profile, profile_len);
    e->profile_len = profile_len;
    e->stored = ++cache_clock;
    memcpy(e->id, c->credentials.access_key_id, n);
    e->info = *c;
    e->info.credentials.access_key_id = e->id;
    e->info.credentials.access_key_id_len = n;
    e->info.credentials.secret_access_key = NULL;
    e->info.credentials.secret_access_key_len = 0;
    e->info.credentials.session_token = NULL;
    e->info.credentials.session_token_len = 0;
    if (origin->has_origin && origin->profile_len < sizeof e->origin_profile && origin->file_len < sizeof e->origin_file) {
        memcpy(e->origin_profile, origin->profile, origin->profile_len);
        memcpy(e->origin_file, origin->file, origin->file_len);
        e->origin = *origin;
        e->origin.profile = e->origin_profile;
        e->origin.file = e->origin_file;
    }
}

static uint64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Waits until fd is ready for `events` or `deadline` (monotonic ms) passes: 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, uint64_t deadline) {
    for (;;) {
        struct pollfd p;
        uint64_t now = now_ms();
        int r;
        if (now >= deadline) return 0;
        p.fd = fd;
        p.events = events;
        r = poll(&p, 1, (int)(deadline - now));
        if (r > 0) return 1;
        if (r == 0) return 0;
        if (errno != EINTR) return 1; /* let the next call report the error */
    }
}

/* Reads a file for READ_FILE: the content or a MONGODB_AWS_IO_* (0 on success). */
static uint32_t read_file(const char *path, size_t path_len, uint8_t *buf, size_t cap, size_t *len) {
    char p[4096];
    int fd;
    ssize_t r = 1;
    if (path_len >= sizeof p) return MONGODB_AWS_IO_NOT_FOUND;
    memcpy(p, path, path_len);
    p[path_len] = 0;
    fd = open(p, O_RDONLY);
    if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? MONGODB_AWS_IO_NOT_FOUND : MONGODB_AWS_IO_UNREADABLE;
    *len = 0;
    while (*len < cap && (r = read(fd, buf + *len, cap - *len)) > 0) *len += (size_t)r;
    close(fd);
    return r < 0 ? MONGODB_AWS_IO_UNREADABLE : 0;
}

/* An HTTP/1.1 answer, parsed from the bytes read so far. */
#define MAX_HEAD 16384
#define MAX_HEADERS 32
typedef struct {
    uint8_t raw[MAX_HEAD + 2 * MONGODB_AWS_MAX_RESPONSE_LEN + 64]; /* head + body as sent (chunked) */
    size_t raw_len;
    uint8_t body[MONGODB_AWS_MAX_RESPONSE_LEN + 1]; /* decoded body */
    size_t body_len;
    uint32_t status;
    mongodb_aws_header headers[MAX_HEADERS];
    size_t headers_len;
} response;

enum { NEED_MORE = -1, COMPLETE = 0 };

static int lower_eq(const uint8_t *a, size_t n, const char *b) {
    size_t i;
    if (strlen(b) != n) return 0;
    for (i = 0; i < n; i++) {
        uint8_t c = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] + 32) : a[i];
        if (c != (uint8_t)b[i]) return 0;
    }
    return 1;
}

static const uint8_t *find_crlf(const uint8_t *p, const uint8_t *end) {
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n') return p;
    return NULL;
}

/* COMPLETE, NEED_MORE, or MONGODB_AWS_IO_BAD_RESPONSE. `eof`: the server closed the connection. */
static int parse_response(response *r, int eof) {
    const uint8_t *p = r->raw, *end = r->raw + r->raw_len, *line, *head_end = NULL;
    long long content_length = -1;
    int chunked = 0;
    for (line = p; line + 3 < end; line++)
        if (memcmp(line, "\r\n\r\n", 4) == 0) { head_end = line + 4; break; }
    if (!head_end) {
        if (r->raw_len > MAX_HEAD) return MONGODB_AWS_IO_BAD_RESPONSE;
        return eof ? (int)MONGODB_AWS_IO_CLOSED : NEED_MORE;
    }
    /* Status line: HTTP/1.x NNN reason */
    if (r->raw_len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '9' ||
        p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
        return MONGODB_AWS_IO_BAD_RESPONSE;
    r->status = (uint32_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
    r->headers_len = 0;
    for (line = find_crlf(p, head_end) + 2; line < head_end - 2;) {
        const uint8_t *eol = find_crlf(line, head_end), *colon = line, *v;
        while (colon < eol && *colon != ':') colon++;
        if (colon == eol) return MONGODB_AWS_IO_BAD_RESPONSE;
        for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {}
        if (lower_eq(line, (size_t)(colon - line), "content-length"))
            content_length = strtoll((const char *)v, NULL, 10);
        if (lower_eq(line, (size_t)(colon - line), "transfer-encoding") && lower_eq(v, (size_t)(eol - v), "chunked"))
            chunked = 1;
        if (r->headers_len < MAX_HEADERS) {
            mongodb_aws_header *h = &r->headers[r->headers_len++];
            h->name = (const char *)line;
            h->name_len = (size_t)(colon - line);
            h->value = (const char *)v;
            h->value_len = (size_t)(eol - v);
        }
        line = eol + 2;
    }
    r->body_len = 0;
    if (chunked) { /* size CRLF data CRLF ... 0 CRLF [trailers] CRLF, possibly split across reads */
        for (p = head_end;;) {
            const uint8_t *eol = find_crlf(p, end);
            char *stop;
            unsigned long size;
            if (!eol) return eof ? (int)MONGODB_AWS_IO_CLOSED : NEED_MORE;
            size = strtoul((const char *)p, &stop, 16);
            if (stop == (const char *)p) return MONGODB_AWS_IO_BAD_RESPONSE;
            p = eol + 2;
            if (size == 0) { /* trailers until an empty line */
                while ((eol = find_crlf(p, end)) != NULL && eol != p) p = eol + 2;
                return eol ? COMPLETE : eof ? (int)MONGODB_AWS_IO_CLOSED : NEED_MORE;
            }
            if (size > MONGODB_AWS_MAX_RESPONSE_LEN - r->body_len) return MONGODB_AWS_IO_BAD_RESPONSE;
            if ((size_t)(end - p) < size + 2) return eof ? (int)MONGODB_AWS_IO_CLOSED : NEED_MORE;
            memcpy(r->body + r->body_len, p, size);
            r->body_len += size;
            p += size + 2;
        }
    }
    if (content_length >= 0) {
        if (content_length > MONGODB_AWS_MAX_RESPONSE_LEN) return MONGODB_AWS_IO_BAD_RESPONSE;
        if (end - head_end < content_length) return eof ? (int)MONGODB_AWS_IO_CLOSED : NEED_MORE;
        r->body_len = (size_t)content_length;
    } else { /* the body runs until the server closes */
        if (end - head_end > MONGODB_AWS_MAX_RESPONSE_LEN) return MONGODB_AWS_IO_BAD_RESPONSE;
        if (!eof) return NEED_MORE;
        r->body_len = (size_t)(end - head_end);
    }
    memcpy(r->body, head_end, r->body_len);
    return COMPLETE;
}

/* One exchange with the chain's deadlines: 0 and *r filled, or a MONGODB_AWS_IO_*. */
static uint32_t http_exchange(const mongodb_aws_chain_action *a, const uint8_t *req, size_t req_len, response *r) {
    uint64_t start = now_ms(), deadline = start + a->timeout_ms;
    uint64_t connect_deadline = start + (a->connect_timeout_ms < a->timeout_ms ? a->connect_timeout_ms : a->timeout_ms);
    char host[256], port[8];
    struct addrinfo hints, *ai = NULL;
    int fd, err = 0, state = NEED_MORE;
    socklen_t elen = sizeof err;
    size_t sent = 0;
    if (a->host_len >= sizeof host) return MONGODB_AWS_IO_REFUSED;
    memcpy(host, a->host, a->host_len);
    host[a->host_len] = 0;
    snprintf(port, sizeof port, "%u", (unsigned)a->port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) return MONGODB_AWS_IO_REFUSED;
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) { freeaddrinfo(ai); return MONGODB_AWS_IO_REFUSED; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) err = errno;
    freeaddrinfo(ai);
    if (!err && !wait_fd(fd, POLLOUT, connect_deadline)) { close(fd); return MONGODB_AWS_IO_CONNECT_TIMEOUT; }
    if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
    if (err) { close(fd); return MONGODB_AWS_IO_REFUSED; }
    while (sent < req_len) {
        ssize_t n;
        if (!wait_fd(fd, POLLOUT, deadline)) { close(fd); return MONGODB_AWS_IO_TIMEOUT; }
        n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) { close(fd); return MONGODB_AWS_IO_CLOSED; }
        if (n > 0) sent += (size_t)n;
    }
    r->raw_len = 0;
    while (state == NEED_MORE) {
        ssize_t n;
        if (!wait_fd(fd, POLLIN, deadline)) { close(fd); return MONGODB_AWS_IO_TIMEOUT; }
        n = recv(fd, r->raw + r->raw_len, sizeof r->raw - 1 - r->raw_len, 0); /* keeps a NUL after the data */
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) { close(fd); return MONGODB_AWS_IO_CLOSED; } /* reset */
        r->raw_len += (size_t)n;
        state = parse_response(r, n == 0);
        if (state == NEED_MORE && (n == 0 || r->raw_len == sizeof r->raw - 1))
            state = n == 0 ? MONGODB_AWS_IO_CLOSED : MONGODB_AWS_IO_BAD_RESPONSE;
    }
    close(fd);
    return state == COMPLETE ? 0 : (uint32_t)state;
}

static void sleep_ms(uint32_t ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

/* The core's bound on what a credential_process may write (MAX_PROCESS_OUTPUT) on each stream. */
#define MAX_PROCESS_OUTPUT 65536

/* Reads what is ready on `fd` into `buf` (keeping the first `cap` bytes, draining the rest): 0 at
 * end of file, 1 otherwise. */
static int drain(int fd, uint8_t *buf, size_t cap, size_t *len) {
    uint8_t tmp[4096];
    ssize_t r = read(fd, tmp, sizeof tmp);
    size_t keep;
    if (r <= 0) return r < 0 && errno == EINTR;
    keep = (size_t)r < cap - *len ? (size_t)r : cap - *len;
    memcpy(buf + *len, tmp, keep);
    *len += keep;
    memset(tmp, 0, sizeof tmp);
    return 1;
}

/* RUN_PROCESS: runs the program with its arguments (no shell), stdin /dev/null, stdout and stderr
 * captured, killed at the deadline; answers the chain. */
static void run_process(mongodb_aws_chain *chain, const mongodb_aws_chain_action *a) {
    static uint8_t out[MAX_PROCESS_OUTPUT], err[MAX_PROCESS_OUTPUT];
    size_t out_len = 0, err_len = 0, i, argc = a->arg_count;
    char **argv = calloc(argc + 2, sizeof *argv);
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, open_fds = 2, status = 0, killed = 0;
    uint64_t deadline = now_ms() + a->timeout_ms;
    pid_t pid;
    uint32_t io = 0;
    if (!argv || !(argv[0] = strndup(a->path, a->path_len))) io = MONGODB_AWS_IO_UNREADABLE;
    for (i = 0; !io && i < argc; i++) {
        const char *arg;
        size_t len;
        if (mongodb_aws_chain_process_arg(chain, i, &arg, &len) != MONGODB_AWS_OK ||
            !(argv[i + 1] = strndup(arg, len)))
            io = MONGODB_AWS_IO_UNREADABLE;
    }
    if (!io && (pipe(po) != 0 || pipe(pe) != 0)) io = MONGODB_AWS_IO_UNREADABLE;
    if (!io && (pid = fork()) == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execvp(argv[0], argv);
        _exit(127); /* not found: told apart below by the exit code 127 and no output */
    } else if (!io && pid < 0) {
        io = MONGODB_AWS_IO_UNREADABLE;
    }
    if (!io) {
        close(po[1]);
        close(pe[1]);
        po[1] = pe[1] = -1;
        while (open_fds > 0) {
            struct pollfd p[2];
            int timeout = (int)(deadline > now_ms() ? deadline - now_ms() : 0);
            p[0].fd = po[0];
            p[1].fd = pe[0];
            p[0].events = p[1].events = POLLIN;
            if (timeout == 0 || poll(p, 2, timeout) == 0) {
                kill(pid, SIGKILL);
                killed = 1;
                break;
            }
            if (p[0].fd >= 0 && p[0].revents && !drain(po[0], out, sizeof out, &out_len)) {
                close(po[0]);
                po[0] = -1;
                open_fds--;
            }
            if (p[1].fd >= 0 && p[1].revents && !drain(pe[0], err, sizeof err, &err_len)) {
                close(pe[0]);
                pe[0] = -1;
                open_fds--;
            }
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    }
    for (i = 0; argv && i < argc + 1; i++) free(argv[i]);
    free(argv);
    for (i = 0; i < 2; i++) {
        if (po[i] >= 0) close(po[i]);
        if (pe[i] >= 0) close(pe[i]);
    }
    if (!io && killed) io = MONGODB_AWS_IO_TIMEOUT;
    if (!io && WIFEXITED(status) && WEXITSTATUS(status) == 127 && out_len == 0 && err_len == 0)
        io = MONGODB_AWS_IO_NOT_FOUND;
    if (io) mongodb_aws_chain_on_io_error(chain, io);
    else
        mongodb_aws_chain_on_process_exit(chain, (uint8_t)WIFEXITED(status),
                                          WIFEXITED(status) ? WEXITSTATUS(status) : 0, out, out_len, err, err_len);
    memset(out, 0, out_len); /* a credential_process prints secrets */
}

/* WRITE_FILE: a temporary file beside it, readable by the user only, renamed over it. */
static void write_file(mongodb_aws_chain *chain, const mongodb_aws_chain_action *a) {
    char path[4096], tmp[4112];
    int fd, ok = 0;
    if (a->path_len < sizeof path) {
        memcpy(path, a->path, a->path_len);
        path[a->path_len] = 0;
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, S_IRUSR | S_IWUSR);
        if (fd >= 0) {
            ok = write(fd, a->content, a->content_len) == (ssize_t)a->content_len;
            ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
            if (!ok) unlink(tmp);
        }
    }
    if (ok) mongodb_aws_chain_on_written(chain);
    else mongodb_aws_chain_on_io_error(chain, MONGODB_AWS_IO_UNREADABLE);
}

static int fill_random(uint8_t *b, size_t n) {
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t r = fd < 0 ? -1 : read(fd, b, n);
    if (fd >= 0) close(fd);
    return r == (ssize_t)n;
}

/* `profile`: the explicit profile (NULL: AWS_PROFILE, ...); the MFA callback when a list is set. */
static int resolve_chain(const char *profile) {
    static response resp;      /* large: kept off the stack */
    static uint8_t file[20481]; /* the chain accepts 20 KiB; one byte more shows a longer file */
    mongodb_aws_env_var vars[64];
    mongodb_aws_chain *chain = NULL;
    mongodb_aws_chain_action a;
    uint8_t random[16], named = 0;
    const char *mfa_failed = NULL;
    char selected[MAX_PROFILE];
    size_t i, nvars = mongodb_aws_chain_var_count(), n, selected_len = 0, profile_len = profile ? strlen(profile) : 0;
    cache_entry *cached;
    int rc = 1;
    uint32_t st;
    for (i = 0; i < nvars && i < 64; i++) { /* the environment snapshot: exactly the chain's names */
        const char *name = mongodb_aws_chain_var_name(i), *value = getenv(name);
        vars[i].name = name;
        vars[i].name_len = strlen(name);
        vars[i].value = value;
        vars[i].value_len = value ? strlen(value) : 0;
    }
    if (!fill_random(random, sizeof random)) return 1;
    /* The cache of the profile this snapshot selects. A name too long for the buffer has no entry
     * (the chain refuses it); other statuses are the chain's to report. */
    st = mongodb_aws_chain_selected_profile(vars, i, profile, profile_len, (uint8_t *)selected, sizeof selected,
                                            &selected_len, &named);
    cached = st == MONGODB_AWS_OK ? cache_find(named, selected, selected_len) : NULL;
    if (st != MONGODB_AWS_OK) selected_len = MAX_PROFILE; /* store nothing */
    st = mongodb_aws_chain_new(vars, i, profile, profile_len, (uint64_t)time(NULL), random,
                               cached ? MONGODB_AWS_CHAIN_CACHED : 0, cached ? cached->info.expiration_unix : 0, &chain);
    if (st != MONGODB_AWS_OK) {
        print_error(st, mongodb_aws_status_str(st), strlen(mongodb_aws_status_str(st)));
        return 1;
    }
    for (;;) {
        if (mongodb_aws_chain_poll(chain, &a) != MONGODB_AWS_OK) break;
        if (a.kind == MONGODB_AWS_ACTION_READ_FILE) {
            uint32_t io = read_file(a.path, a.path_len, file, sizeof file, &n);
            if (io) mongodb_aws_chain_on_io_error(chain, io);
            else mongodb_aws_chain_on_file(chain, file, n);
            memset(file, 0, sizeof file); /* token files are secret */
        } else if (a.kind == MONGODB_AWS_ACTION_HTTP) {
            uint8_t *req = malloc(a.request_len);
            uint32_t io = MONGODB_AWS_IO_REFUSED;
            if (req && mongodb_aws_chain_request(chain, req, a.request_len, &n, NULL) == MONGODB_AWS_OK) {
                if (a.scheme == MONGODB_AWS_SCHEME_HTTP) io = http_exchange(&a, req, n, &resp);
                else fprintf(stderr, "https needs a TLS library; this example speaks only http\n");
                memset(req, 0, n); /* requests may carry tokens */
            }
            free(req);
            if (io) mongodb_aws_chain_on_io_error(chain, io);
            else
                mongodb_aws_chain_on_response(chain, resp.status, resp.headers, resp.headers_len, resp.body,
                                              resp.body_len);
            memset(&resp, 0, sizeof resp); /* answers carry secrets */
        } else if (a.kind == MONGODB_AWS_ACTION_WAIT) {
            sleep_ms(a.wait_ms);
            mongodb_aws_chain_on_wake(chain);
        } else if (a.kind == MONGODB_AWS_ACTION_CALL_PROVIDER) {
            mongodb_aws_chain_on_provider_failed(chain); /* this program configures no provider */
        } else if (a.kind == MONGODB_AWS_ACTION_ASK_MFA) {
            /* No callback: unavailable (MFA_CODE_REQUIRED); the list used up: the callback failed. */
            const char *code = mfa.installed ? mfa_next(a.path, a.path_len) : NULL;
            if (code) mongodb_aws_chain_on_mfa_code(chain, code, strlen(code));
            else if (mfa.installed) {
                mongodb_aws_chain_on_mfa_failed(chain);
                mfa_failed = "no more codes"; /* the callback's own error, reported beside the chain's */
            }
            else mongodb_aws_chain_on_mfa_unavailable(chain);
        } else if (a.kind == MONGODB_AWS_ACTION_RUN_PROCESS) {
            run_process(chain, &a);
        } else if (a.kind == MONGODB_AWS_ACTION_WRITE_FILE) {
            write_file(chain, &a);
        } else if (a.kind == MONGODB_AWS_ACTION_USE_CACHE) {
            print_credentials(&cached->info, 1, &cached->origin);
            rc = 0;
            break;
        } else if (a.kind == MONGODB_AWS_ACTION_DONE) {
            mongodb_aws_credentials_origin origin;
            origin.profile = a.origin_profile;
            origin.profile_len = a.origin_profile_len;
            origin.file = a.origin_file;
            origin.file_len = a.origin_file_len;
            origin.line = a.origin_line;
            origin.has_origin = a.origin_profile != NULL;
            print_credentials(&a.credentials, 0, &origin);
            if (a.cache) cache_store(named, selected, selected_len, &a.credentials, &origin);
            rc = 0;
            break;
        } else { /* FAILED: a.error names the error; the message says everything else */
            char *message = malloc(a.message_len + 1);
            if (!message ||
                mongodb_aws_chain_error_message(chain, (uint8_t *)message, a.message_len, &n) != MONGODB_AWS_OK)
                n = 0;
            if (mfa_failed && message && n == a.message_len) { /* "MESSAGE (MFA callback: WHY)" */
                char *longer = realloc(message, n + strlen(mfa_failed) + 20);
                if (longer) {
                    message = longer;
                    n += (size_t)sprintf(message + n, " (MFA callback: %s)", mfa_failed);
                }
            }
            print_error(a.error, message ? message : "", n);
            free(message);
            break;
        }
    }
    mongodb_aws_chain_free(chain);
    return rc;
}

/* ---- the scenario host: {"calls": [{"env": {}, "unset": [], "clear_cache": b, "sleep_ms": n,
 *      "profile": null|"NAME", "mfa_codes": null|["CODE", ...]}]} ------------------------------------- */

static const char *json;

static void skip_ws(void) {
    while (*json == ' ' || *json == '\t' || *json == '\n' || *json == '\r') json++;
}

static int eat(char c) {
    skip_ws();
    if (*json != c) return 0;
    json++;
    return 1;
}

static void put_utf8(char **o, unsigned long c) {
    int extra = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    static const unsigned char lead[4] = {0, 0xC0, 0xE0, 0xF0};
    *(*o)++ = (char)(lead[extra] | (c >> (6 * extra)));
    while (extra-- > 0) *(*o)++ = (char)(0x80 | ((c >> (6 * extra)) & 0x3F));
}

/* Four hex digits at json (0..0xFFFF), or -1. */
static long hex4(const char *h) {
    long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = h[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1; /* also stops at the terminating NUL */
        v = v * 16 + d;
    }
    return v;
}

/* A JSON string, decoded into a new NUL-terminated buffer (free it); NULL if malformed. */
static char *parse_string(void) {
    char *out, *o;
    if (!eat('"')) return NULL;
    out = o = malloc(strlen(json) + 1); /* decoding never grows the text */
    while (out && *json && *json != '"') {
        long c, lo;
        if (*json != '\\') { *o++ = *json++; continue; }
        switch (*++json) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case '"': case '\\': case '/': *o++ = *json; break;
        case 'u':
            if ((c = hex4(json + 1)) < 0) goto bad;
            json += 4;
            if (c >= 0xD800 && c < 0xDC00 && json[1] == '\\' && json[2] == 'u' && (lo = hex4(json + 3)) >= 0xDC00 &&
                lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                json += 6;
            }
            put_utf8(&o, (unsigned long)c);
            break;
        default: goto bad;
        }
        json++;
    }
    if (!out || *json != '"') goto bad;
    json++;
    *o = 0;
    return out;
bad:
    free(out);
    return NULL;
}

/* Skips any JSON value (the keys this host does not use). */
static int skip_value(void) {
    skip_ws();
    if (*json == '"') { free(parse_string()); return 1; }
    if (*json == '{' || *json == '[') {
        char close = *json == '{' ? '}' : ']';
        json++;
        if (eat(close)) return 1;
        do {
            if (close == '}' && (!skip_value() || !eat(':'))) return 0;
            if (!skip_value()) return 0;
        } while (eat(','));
        return eat(close);
    }
    if (!*json) return 0;
    while (*json && !strchr(",}] \t\r\n", *json)) json++; /* number, true, false, null */
    return 1;
}

static int scenario_host(int chain_mode) {
    static char input[1 << 20];
    size_t len = fread(input, 1, sizeof input - 1, stdin);
    input[len] = 0;
    json = input;
    if (!eat('{')) return 2;
    do {
        char *key = parse_string();
        int is_calls = key && strcmp(key, "calls") == 0;
        free(key);
        if (!eat(':')) return 2;
        if (!is_calls) { if (!skip_value()) return 2; continue; }
        if (!eat('[')) return 2;
        if (eat(']')) continue;
        do { /* one call */
            int clear = 0;
            unsigned long sleep_for = 0;
            char *profile = NULL;
            mfa_reset();
            if (!eat('{')) return 2;
            do {
                char *k = parse_string();
                if (!k || !eat(':')) { free(k); return 2; }
                skip_ws();
                if (strcmp(k, "env") == 0 && *json == '{') {
                    json++;
                    if (!eat('}')) {
                        do {
                            char *name = parse_string(), *value = eat(':') ? parse_string() : NULL;
                            if (name && value) setenv(name, value, 1);
                            free(name);
                            free(value);
                        } while (eat(','));
                        eat('}');
                    }
                } else if (strcmp(k, "profile") == 0 && *json == '"') {
                    profile = parse_string();
                } else if (strcmp(k, "mfa_codes") == 0 && *json == '[') {
                    json++;
                    mfa.installed = 1;
                    if (!eat(']')) {
                        do {
                            char *code = parse_string();
                            if (code && mfa.count < MAX_MFA) mfa.codes[mfa.count++] = code;
                            else free(code);
                        } while (eat(','));
                        eat(']');
                    }
                } else if (strcmp(k, "unset") == 0 && *json == '[') {
                    json++;
                    if (!eat(']')) {
                        do {
                            char *name = parse_string();
                            if (name) unsetenv(name);
                            free(name);
                        } while (eat(','));
                        eat(']');
                    }
                } else {
                    if (strcmp(k, "clear_cache") == 0) clear = strncmp(json, "true", 4) == 0;
                    if (strcmp(k, "sleep_ms") == 0) sleep_for = strtoul(json, NULL, 10);
                    skip_value();
                }
                free(k);
            } while (eat(','));
            if (!eat('}')) return 2;
            sleep_ms((uint32_t)sleep_for);
            if (clear) {
                if (chain_mode) cache_clear();
                else mongodb_aws_clear_credential_cache();
            }
            printf("{\"start\": true}\n");
            fflush(stdout);
            if (chain_mode) resolve_chain(profile);
            else resolve_blocking(profile);
            fflush(stdout);
            free(profile);
            mfa_reset();
        } while (eat(','));
        if (!eat(']')) return 2;
    } while (eat(','));
    cache_clear();
    return eat('}') ? 0 : 2;
}

int main(int argc, char **argv) {
    int i, chain_mode = 0, host = 0, rc;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scenario-host") == 0) host = 1;
        else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) chain_mode = strcmp(argv[++i], "chain") == 0;
        else {
            fprintf(stderr, "usage: %s [--scenario-host] [--mode blocking|chain]\n", argv[0]);
            return 2;
        }
    }
    if (mongodb_aws_version_number() != MONGODB_AWS_VERSION_NUMBER) {
        fprintf(stderr, "header %s does not match the library %s\n", MONGODB_AWS_VERSION, mongodb_aws_version());
        return 2;
    }
    if (host) return scenario_host(chain_mode);
    rc = chain_mode ? resolve_chain(NULL) : resolve_blocking(NULL);
    cache_clear();
    return rc;
}
