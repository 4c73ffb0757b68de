/*
 * pg_term.h - text from a history or a results file shown on a terminal.
 *
 * A commit, a branch, a reason or a benchmark name is data: an ESC in it
 * must not move the cursor, retitle the window or hide a line, a BEL must
 * not ring.  These show every control character instead of sending it:
 * C0 controls and DEL as \xNN, the C1 controls (U+0080..U+009F, which
 * some terminals obey as CSI and friends) as \u00NN; everything else,
 * other UTF-8 included, passes unchanged.
 */
#ifndef PG_TERM_H
#define PG_TERM_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes s to f, escaped.  NULL writes nothing. */
void pg_term_write(FILE *f, const char *s);

/* s escaped into out (len bytes, always NUL-terminated when len > 0; cut
 * before an escape that does not fit whole).  NULL gives "".  Returns out,
 * for printf's field widths. */
char *pg_escape_term(const char *s, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif
