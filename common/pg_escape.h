/*
 * pg_escape.h - the one escaper for each output language perfgate writes.
 *
 * Benchmark names, notes and paths come from files anyone can write; every
 * writer of every room passes them through the escaper of its output's
 * language, here, and through nothing else.  NULL s writes nothing.
 */
#ifndef PG_ESCAPE_H
#define PG_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Terminal: a commit, a branch, a reason or a benchmark name is data: an
 * ESC in it must not move the cursor, retitle the window or hide a line, a
 * BEL must not ring.  Every control character is shown instead of sent: C0
 * controls and DEL as \xNN, the C1 controls (U+0080..U+009F, which some
 * terminals obey as CSI and friends) as \u00NN; everything else, other
 * UTF-8 included, passes unchanged.  pg_escape_term copies s escaped into
 * buf (len bytes, always terminated when len > 0, cut before an escape that
 * does not fit whole; NULL gives "") and returns buf, for printf's field
 * widths. */
char *pg_escape_term(const char *s, char *buf, size_t len);
/* The same rule written to f, however long s is. */
void pg_escape_term_put(FILE *f, const char *s);

/* XML text or attribute value: & < > " ' as entities; tab, newline and
 * carriage return as character references (a raw one inside an attribute
 * would be read back as a space); other control characters and the
 * noncharacters U+FFFE/U+FFFF, which XML 1.0 forbids even escaped, as '?'. */
void pg_escape_xml(FILE *f, const char *s);

/* HTML text or quoted attribute value: & < > " ' as entities, newline and
 * tab as references, other control characters as U+FFFD. */
void pg_escape_html(FILE *f, const char *s);

/* A Markdown table cell (GitHub flavour): < > & as entities (no raw HTML),
 * | ` * _ [ ] \ # ! ~ backslash-escaped (no table break, no code, emphasis,
 * link or image), control characters as spaces (no new row). */
void pg_escape_md(FILE *f, const char *s);

/* A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a
 * comma, a quote, a carriage return or a newline; else as it is. */
void pg_escape_csv(FILE *f, const char *s);

#endif
