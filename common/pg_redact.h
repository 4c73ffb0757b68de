/*
 * pg_redact.h - keeping a database password out of every output.
 *
 * A history may be a PostgreSQL URI with the password in it
 * (`postgresql://user:secret@host/db`, `...?password=secret`) or, in a
 * libpq error, a "key=value" connection string (`password=secret`).  What
 * perfgate writes (the report page, the evidence bundle, error messages,
 * logs) shows such a location only through pg_redact_dsn, and scrubs a
 * message that might quote it with pg_redact_secret.  Nothing here
 * allocates; both take the caller's buffer.
 */
#ifndef PG_REDACT_H
#define PG_REDACT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The text shown in place of a password. */
#define PG_REDACTED "***"

/* Copies where into out (len bytes, always NUL-terminated when len > 0)
 * with every password replaced by PG_REDACTED: the userinfo password of a
 * postgresql:// or postgres:// URI, the value of a `password` or
 * `sslpassword` query parameter, and the value of a `password=` /
 * `sslpassword=` keyword in a libpq connection string (quoted or not).
 * Anything else (a SQLite path) is copied as it is.  NULL where gives "".
 * Returns out. */
char *pg_redact_dsn(const char *where, char *out, size_t len);

/* Replaces, in msg (NUL-terminated, len bytes of room), every occurrence
 * of each password that where carries (as written, and percent-decoded)
 * with PG_REDACTED, cutting the message at len - 1 bytes if it grows.
 * For messages that may quote a connection string (libpq's).  NULL or a
 * where without a password leaves msg alone. */
void pg_redact_secret(char *msg, size_t len, const char *where);

#ifdef __cplusplus
}
#endif
#endif
