/* io.c - temp file + fsync + rename: the only way perfgate writes files. */
#include "pg_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pg_afile {
    FILE *f;
    char *path;
    char *tmp;   /* NULL when writing straight to a device or a pipe */
};

/* 1 when path exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO): renaming over it would replace the device node itself. */
static int is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

pg_afile *pg_afile_open(const char *path, pg_error *err)
{
    if (!path || !*path) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "empty output path");
        return NULL;
    }
    pg_afile *a = calloc(1, sizeof *a);
    size_t len = strlen(path);
    if (a && is_special(path)) {
        a->path = strdup(path);
        a->f = a->path ? fopen(path, "w") : NULL;
        if (!a->f) {
            pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
            pg_afile_abort(a);
            return NULL;
        }
        return a;
    }
    if (!a || !(a->path = strdup(path)) || !(a->tmp = malloc(len + 16))) {
        pg_afile_abort(a);
        pg_error_set(err, PG_ENOMEM, path, 0, 0, NULL, "out of memory");
        return NULL;
    }
    memcpy(a->tmp, path, len);
    memcpy(a->tmp + len, ".tmp.XXXXXX", 12);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot create a temporary file: %s",
                     strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        pg_afile_abort(a);
        return NULL;
    }
    /* mkstemp makes 0600; results and reports are meant to be shared. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    a->f = fdopen(fd, "w");
    if (!a->f) {
        close(fd);
        pg_error_set(err, PG_EIO, path, 0, 0, NULL, "cannot open a stream: %s", strerror(errno));
        pg_afile_abort(a);
        return NULL;
    }
    return a;
}

/* Makes the rename itself durable across a power cut: fsync the folder
 * that holds path.  Best effort (some file systems refuse it); a process
 * crash never needs it, the rename is atomic either way. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) {
        dir[0] = '.';
        dir[1] = '\0';
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

FILE *pg_afile_stream(pg_afile *a) { return a ? a->f : NULL; }

int pg_afile_commit(pg_afile *a, pg_error *err)
{
    if (!a)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no file");
    int rc = PG_OK;
    if (!a->tmp) { /* a device or a pipe: nothing to rename, nothing to fsync */
        if (fflush(a->f) != 0 || ferror(a->f))
            rc = pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "write failed: %s", strerror(errno));
        if (fclose(a->f) != 0 && rc == PG_OK)
            rc = pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "close failed: %s", strerror(errno));
        free(a->path);
        free(a);
        return rc;
    }
    if (fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0)
        rc = pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "write failed: %s", strerror(errno));
    if (fclose(a->f) != 0 && rc == PG_OK)
        rc = pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "close failed: %s", strerror(errno));
    a->f = NULL;
    if (rc == PG_OK && rename(a->tmp, a->path) != 0)
        rc = pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "cannot rename into place: %s",
                          strerror(errno));
    if (rc != PG_OK)
        unlink(a->tmp);
    else
        sync_dir(a->path);
    free(a->tmp);
    free(a->path);
    free(a);
    return rc;
}

void pg_afile_abort(pg_afile *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    free(a);
}

int pg_write_file_atomic(const char *path, const void *data, size_t len, pg_error *err)
{
    pg_afile *a = pg_afile_open(path, err);
    if (!a)
        return err && err->code ? err->code : PG_EIO;
    if (len && fwrite(data, 1, len, a->f) != len) {
        pg_afile_abort(a);
        return pg_error_set(err, PG_EIO, path, 0, 0, NULL, "write failed");
    }
    return pg_afile_commit(a, err);
}
