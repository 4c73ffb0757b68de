/* io.c - temp file + fsync + rename: the only way perfgate writes files. */
#include "pg_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct pg_afile {
    FILE *f;
    char *path;
    char *tmp; /* NULL when writing straight to a device or a pipe */
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

FILE *pg_afile_stream(pg_afile *a)
{
    return a ? a->f : NULL;
}

int pg_afile_commit(pg_afile *a, pg_error *err)
{
    if (!a)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "no file");
    int rc = PG_OK;
    if (!a->tmp) { /* a device or a pipe: nothing to rename, nothing to fsync */
        if (fflush(a->f) != 0 || ferror(a->f))
            rc =
                pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "write failed: %s", strerror(errno));
        if (fclose(a->f) != 0 && rc == PG_OK)
            rc =
                pg_error_set(err, PG_EIO, a->path, 0, 0, NULL, "close failed: %s", strerror(errno));
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

/* ---- whole folders ---------------------------------------------------- */

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1) /* linux/fs.h */
#endif

static void remove_at(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(dirfd, name, 0);
        return;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                remove_at(fd, e->d_name);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

void pg_remove_tree(const char *path)
{
    if (path && *path)
        remove_at(AT_FDCWD, path);
}

int pg_dir_begin(const char *dest, char *tmp, size_t tmp_len, pg_error *err)
{
    if (!dest || !*dest)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "empty output folder");
    int n = snprintf(tmp, tmp_len, "%s", dest);
    if (n < 0 || (size_t)n + 14 > tmp_len)
        return pg_error_set(err, PG_ELIMIT, dest, 0, 0, NULL, "output path too long");
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    /* The parent, made as mkdir -p would. */
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int bad = mkdir(tmp, 0777) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            return pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot create its folder: %s",
                                strerror(errno));
    }
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    if (!mkdtemp(tmp))
        return pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot create a folder beside it: %s",
                            strerror(errno));
    /* mkdtemp makes it 0700; a report is as readable as mkdir would make it. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    return 0;
}

int pg_dir_replaceable(const char *dest, int (*replaceable)(const char *name), pg_error *err)
{
    struct stat st;
    if (lstat(dest, &st) != 0)
        return errno == ENOENT ? 0
                               : pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "%s", strerror(errno));
    if (S_ISLNK(st.st_mode))
        return pg_error_set(err, PG_EINVAL, dest, 0, 0, NULL,
                            "is a symbolic link; name the folder itself");
    if (!S_ISDIR(st.st_mode))
        return pg_error_set(err, PG_EINVAL, dest, 0, 0, NULL, "exists and is not a folder");
    DIR *d = opendir(dest);
    if (!d)
        return pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot read: %s", strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!replaceable || !replaceable(e->d_name))
            rc = pg_error_set(err, PG_EINVAL, dest, 0, 0, NULL,
                              "holds '%s', which perfgate did not write there; give an empty "
                              "or new folder",
                              e->d_name);
    }
    closedir(d);
    return rc;
}

int pg_dir_commit(const char *tmp, const char *dest, int (*replaceable)(const char *name),
                  pg_error *err)
{
    int rc = 0;
    /* Two tries: a concurrent writer may put its folder in place between
     * our look and our rename; then we exchange with it. */
    for (int tries = 0; tries < 2; tries++) {
        if ((rc = pg_dir_replaceable(dest, replaceable, err)) < 0)
            break;
        if (rename(tmp, dest) == 0)
            return 0;
        if (errno != EEXIST && errno != ENOTEMPTY) {
            rc = pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot rename '%s' to it: %s", tmp,
                              strerror(errno));
            break;
        }
        if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_EXCHANGE) == 0) {
            pg_remove_tree(tmp); /* now the old folder */
            return 0;
        }
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
            rc = pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot exchange '%s' with it: %s",
                              tmp, strerror(errno));
            break;
        }
        /* No exchange here: move the old folder aside, then ours in. */
        char old[4096];
        if (snprintf(old, sizeof old, "%s.old", tmp) >= (int)sizeof old || rename(dest, old) != 0) {
            rc = pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "cannot move it aside: %s",
                              strerror(errno));
            break;
        }
        if (rename(tmp, dest) == 0) {
            pg_remove_tree(old);
            return 0;
        }
        rename(old, dest);
    }
    if (rc == 0)
        rc = pg_error_set(err, PG_EIO, dest, 0, 0, NULL, "another writer keeps replacing it");
    pg_remove_tree(tmp);
    return rc;
}
