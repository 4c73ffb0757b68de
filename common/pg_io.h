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

/* ---- whole folders ----------------------------------------------------
 * A folder of outputs (a report) is written the same way as a file: drawn
 * in a fresh folder beside its destination, then put in place at once, so
 * a reader sees the old folder or the new one, never a mix, and a link
 * planted in the old folder is never written through. */

/* Makes a fresh, empty folder "<dest>.tmp.XXXXXX" beside dest (its parent
 * made first when missing), with the mode a plain mkdir would give;
 * tmp (tmp_len bytes) receives its path.  PG_EIO / PG_ELIMIT on failure. */
int pg_dir_begin(const char *dest, char *tmp, size_t tmp_len, pg_error *err);

/* Puts the finished folder tmp in place at dest: renamed when dest is
 * absent, else atomically exchanged with it (renameat2 RENAME_EXCHANGE;
 * rename aside then in where the file system lacks it) and the old folder
 * removed.  An existing dest must pass pg_dir_replaceable (checked again
 * here); else PG_EINVAL and dest is untouched.  tmp is removed on failure. */
int pg_dir_commit(const char *tmp, const char *dest, int (*replaceable)(const char *name),
                  pg_error *err);

/* 0 when dest is absent, or is a folder (not a link to one) whose every
 * entry replaceable(name) accepts: a folder of our own outputs, not the
 * user's home given as --out by mistake.  Else PG_EINVAL, err naming dest
 * and the first entry refused. */
int pg_dir_replaceable(const char *dest, int (*replaceable)(const char *name), pg_error *err);

/* Removes path and, for a folder, everything under it, never following a
 * link (a link is removed, not what it points to).  Errors are ignored:
 * for cleaning up what this process made. */
void pg_remove_tree(const char *path);

#ifdef __cplusplus
}
#endif
#endif
