/*
 * pg_io.h - crash-safe file writes.
 *
 * Every file perfgate writes goes to a temporary file in the same directory,
 * is flushed and fsync'd, then renamed over the destination: a reader (or a
 * crash) sees the old file or the new one, never a torn one.
 */
#ifndef PG_IO_H
#define PG_IO_H

#include <stdio.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pg_afile pg_afile;

/* Opens a temporary file beside path.  NULL on failure (err says why). */
pg_afile *pg_afile_open(const char *path, pg_error *err);

/* The stream to write to. */
FILE *pg_afile_stream(pg_afile *f);

/* Flushes, fsyncs and renames over the destination; frees f.  On any error
 * the temporary file is removed, the destination is untouched, and a
 * negative PG_E... code is returned. */
int pg_afile_commit(pg_afile *f, pg_error *err);

/* Removes the temporary file and frees f (NULL is a no-op). */
void pg_afile_abort(pg_afile *f);

/* Writes len bytes to path atomically (open + write + commit). */
int pg_write_file_atomic(const char *path, const void *data, size_t len, pg_error *err);

#ifdef __cplusplus
}
#endif
#endif
