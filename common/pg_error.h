/*
 * pg_error.h - perfgate's error codes and the error record parsers fill in.
 *
 * Library code never prints and never exits: functions return 0 or a
 * negative PG_E... code, constructors return NULL, and parsers fill a
 * pg_error the caller keeps on the stack (as jansson does with json_error_t).
 * A NULL pg_error means "not interested"; the first error recorded wins;
 * reporting allocates nothing.
 */
#ifndef PG_ERROR_H
#define PG_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PG_OK = 0,
    PG_EINVAL = -1,   /* a parameter is out of range or inconsistent */
    PG_ENOMEM = -2,   /* allocation failed */
    PG_EIO = -3,      /* a file could not be read or written */
    PG_EPARSE = -4,   /* malformed input (CSV, JSON, ...) */
    PG_ETYPE = -5,    /* well-formed input of the wrong type or shape */
    PG_EMISSING = -6, /* a required column, key or file is absent */
    PG_ELIMIT = -7,   /* input beyond a documented limit */
    PG_EUNSUP = -8    /* unsupported on this machine or build */
};

typedef struct pg_error {
    int code;          /* one of PG_E..., 0 when no error */
    int line, column;  /* 1-based; 0 when unknown */
    char file[256];    /* the input's path, or "" */
    char pointer[256]; /* JSON pointer such as /budgets/3/tolerance, or "" */
    char message[256]; /* lower case, no full stop: what went wrong, what was expected */
} pg_error;

/* Records an error unless err is NULL or already holds one (the first wins).
 * file and pointer may be NULL.  Returns code, so callers can
 * `return pg_error_set(...)`. */
int pg_error_set(pg_error *err, int code, const char *file, int line, int column,
                 const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* Clears err (NULL is a no-op). */
void pg_error_clear(pg_error *err);

/* Writes "file:line:column: message" (parts that are unknown are left out,
 * and " at 'pointer'" is appended when there is one) into buf. */
void pg_error_format(const pg_error *err, char *buf, size_t len);

/* A short static description of a PG_E... code. */
const char *pg_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
