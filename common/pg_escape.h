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

/* Terminal: a copy of s into buf (always terminated, cut to len - 1 bytes)
 * with control characters (< 0x20 and DEL) replaced by '?', so a name can
 * neither move the cursor nor recolour the terminal. */
void pg_escape_term(const char *s, char *buf, size_t len);
/* The same rule written to f, however long s is. */
void pg_escape_term_put(FILE *f, const char *s);

/* XML text or attribute value: & < > " ' as entities; tab, newline and
 * carriage return as character references (a raw one inside an attribute
 * would be read back as a space); other control characters, which XML 1.0
 * forbids even escaped, as '?'. */
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
