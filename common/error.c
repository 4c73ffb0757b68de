/* error.c - the pg_error record: first error wins, fixed buffers, no allocation. */
#include "pg_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pg_error_set(pg_error *err, int code, const char *file, int line, int column,
                 const char *pointer, const char *fmt, ...)
{
    if (!err || err->code != 0)
        return code;
    err->code = code;
    err->line = line;
    err->column = column;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    snprintf(err->pointer, sizeof err->pointer, "%s", pointer ? pointer : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void pg_error_clear(pg_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

void pg_error_format(const pg_error *err, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    buf[0] = '\0';
    if (!err)
        return;
    size_t used = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (used < len) {                                                                          \
            int w_ = snprintf(buf + used, len - used, __VA_ARGS__);                                \
            if (w_ > 0)                                                                            \
                used += (size_t)w_;                                                                \
        }                                                                                          \
    } while (0)
    if (err->file[0]) {
        APPEND("%s:", err->file);
        if (err->line > 0) {
            APPEND("%d:", err->line);
            if (err->column > 0)
                APPEND("%d:", err->column);
        }
        APPEND(" ");
    }
    APPEND("%s", err->message[0] ? err->message : pg_strerror(err->code));
    if (err->pointer[0])
        APPEND(" at '%s'", err->pointer);
#undef APPEND
}

const char *pg_strerror(int code)
{
    switch (code) {
    case PG_OK: return "no error";
    case PG_EINVAL: return "invalid parameter";
    case PG_ENOMEM: return "out of memory";
    case PG_EIO: return "input/output error";
    case PG_EPARSE: return "malformed input";
    case PG_ETYPE: return "wrong type";
    case PG_EMISSING: return "missing input";
    case PG_ELIMIT: return "input beyond a limit";
    case PG_EUNSUP: return "unsupported here";
    default: return "unknown error";
    }
}
