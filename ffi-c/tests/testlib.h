/*
 * Small helpers for the C test suite of libmongodb_aws: check counters, the statuses each suite
 * observed, the pseudo-random sweeps' generator and mutations, views, files, hex, a minimal JSON
 * reader (for the shared vectors) and a BSON builder (for hand-made server-first messages).
 * Plain C99; every allocation is freed by the tests so valgrind reports no leak.
 */
#ifndef MONGODB_AWS_TESTLIB_H
#define MONGODB_AWS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mongodb_aws.h"

extern int tl_passed;
extern int tl_failed;

void tl_check(int ok, const char *file, int line, const char *what);
void tl_check_status(uint32_t got, uint32_t want, const char *file, int line, const char *what);
void tl_check_mem(const void *got, size_t got_len, const void *want, size_t want_len,
                  const char *file, int line, const char *what);
/* Prints "NAME: N checks passed, N failed" and returns the exit code. */
int tl_summary(const char *name);

#define CHECK(cond) tl_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_STATUS(expr, want) tl_check_status((uint32_t)(expr), (uint32_t)(want), __FILE__, __LINE__, #expr)
#define CHECK_MEM(got, got_len, want, want_len) \
    tl_check_mem((got), (got_len), (want), (want_len), __FILE__, __LINE__, #got)

/* ---- statuses observed: each suite checks at the end that it reached the ones it must ----------- */
#define TL_MAX_CODE 1000
extern int tl_seen[TL_MAX_CODE + 1];
/* Marks `s` as observed and returns it. */
uint32_t tl_observe(uint32_t s);
#define EXPECT(expr, want) CHECK_STATUS(tl_observe((uint32_t)(expr)), (want))
/* Whether the library defines status `s` (its name is not "UNKNOWN"). */
int tl_defined_status(uint32_t s);
/* What no input may produce: MONGODB_AWS_PANIC or a status the library does not define. */
int tl_bad_status(uint32_t s);

/* ---- pseudo-random sweeps ------------------------------------------------------------------------ */
/* The next number of the xorshift64 generator whose state is `*state`. */
uint32_t tl_rnd(uint64_t *state);
/* `edits` random edits of b[0..*len) (capacity `cap`): flip a byte, overwrite one with one of the 16
 * bytes of `specials` (a random byte when NULL), truncate, append a random byte. */
#define TL_SPECIALS "<>&;\\\"{}[]:,/\x00\xff" /* delimiters, NUL, 0xFF: 16 bytes */
void tl_mutate(uint64_t *state, uint8_t *b, size_t *len, size_t cap, size_t edits, const char *specials);

/* ---- views -------------------------------------------------------------------------------------- */
/* Whether the view (p, len) is the NUL-terminated `want`. */
int tl_view_eq(const char *p, size_t len, const char *want);
/* Whether `needle` occurs in hay[0..hay_len). */
int tl_mem_has(const void *hay, size_t hay_len, const char *needle);
/* A header from NUL-terminated strings. */
mongodb_aws_header tl_hdr(const char *name, const char *value);

/* Reads a whole file (NUL-terminated for convenience); NULL on error. Free with free(). */
char *tl_read_file(const char *path, size_t *len);
/* Reads "<dir>/<rel>"; aborts the test run if missing (a missing vector must fail loudly). */
char *tl_read(const char *dir, const char *rel, size_t *len);
/* Decodes hex (whitespace around is ignored) into a new buffer; NULL on bad input. */
uint8_t *tl_unhex(const char *hex, size_t *len);
/* Joins two path parts into a static buffer (one at a time). */
const char *tl_path(const char *dir, const char *rel);

/* ---- minimal JSON ---------------------------------------------------------------------------- */
typedef enum { TJ_NULL, TJ_BOOL, TJ_NUMBER, TJ_STRING, TJ_ARRAY, TJ_OBJECT } tj_type;

typedef struct tj_value {
    tj_type type;
    int boolean;
    double number;
    char *str; /* decoded UTF-8, NUL-terminated; str_len bytes */
    size_t str_len;
    struct tj_value *items; /* array items or object values */
    char **keys;            /* object keys */
    size_t len;
} tj_value;

tj_value *tj_parse(const char *text);
void tj_free(tj_value *v);
const tj_value *tj_get(const tj_value *obj, const char *key); /* NULL if absent */
const char *tj_str(const tj_value *obj, const char *key);     /* NULL if absent or not a string */
/* The "cases" array of object `section` of `d`, checked to hold at least `at_least` cases (NULL if absent). */
const tj_value *tl_cases(const tj_value *d, const char *section, size_t at_least, const char *file, int line);
/* Reads and parses "<dir>/<rel>" (aborting the run if it is missing, as tl_read); NULL if not JSON. */
tj_value *tl_read_json(const char *dir, const char *rel);
#define CASES(d, section, at_least) tl_cases((d), (section), (at_least), __FILE__, __LINE__)

/* ---- BSON builder ------------------------------------------------------------------------------ */
typedef struct {
    uint8_t buf[1024];
    size_t len;
} tb_doc;

void tb_init(tb_doc *d);
void tb_binary(tb_doc *d, const char *name, uint8_t subtype, const uint8_t *bytes, size_t n);
void tb_string(tb_doc *d, const char *name, const char *s, size_t n);
void tb_int32(tb_doc *d, const char *name, int32_t v);
void tb_finish(tb_doc *d);
/* The suites' fixed nonces: a client nonce and the server nonce that extends it. */
void tl_nonces(uint8_t nonce[32], uint8_t server_nonce[64]);
/* A whole server-first document: binary "s" (`subtype`, the nonce), then string "h" (the host). */
void tl_server_first(tb_doc *d, uint8_t subtype, const uint8_t *nonce, size_t nonce_len, const char *host,
                     size_t host_len);

/* Builds a mongodb_aws_credentials from NUL-terminated strings (token may be NULL). */
mongodb_aws_credentials tl_creds(const char *id, const char *secret, const char *token);

#endif
