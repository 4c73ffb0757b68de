/* units.c - times, percentages, sizes and dates as budget files write them. */
#include "pg_gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A plain decimal number at the start of s (no sign, no blanks, no hex, no
 * inf/nan, which strtod would take); *end gets what follows. */
static int leading_number(const char *s, double *v, const char **end)
{
    const char *p = s;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        if (frac == 0)
            return PG_EPARSE;
        digits += frac;
        p += 1 + frac;
    }
    if (digits == 0)
        return PG_EPARSE;
    if ((*p == 'e' || *p == 'E') && (p[1] == '-' || p[1] == '+' || (p[1] >= '0' && p[1] <= '9'))) {
        const char *q = p + 1 + (p[1] == '-' || p[1] == '+');
        size_t ed = strspn(q, "0123456789");
        if (ed > 0)
            p = q + ed;
    }
    char buf[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof buf)
        return PG_EPARSE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *v = strtod(buf, NULL);
    *end = p;
    return isfinite(*v) ? 0 : PG_EPARSE;
}

double pg_time_unit_ns(const char *unit)
{
    if (!unit)
        return 0;
    if (!strcmp(unit, "ns"))
        return 1.0;
    if (!strcmp(unit, "us"))
        return 1e3;
    if (!strcmp(unit, "ms"))
        return 1e6;
    if (!strcmp(unit, "s"))
        return 1e9;
    return 0;
}

int pg_parse_time(const char *s, double *ns)
{
    double v;
    const char *unit;
    if (!s || leading_number(s, &v, &unit))
        return PG_EPARSE;
    double scale = pg_time_unit_ns(unit);
    /* "1e300s" is a number, but not one in nanoseconds. */
    if (scale == 0 || !isfinite(v * scale))
        return PG_EPARSE;
    if (ns)
        *ns = v * scale;
    return 0;
}

int pg_parse_percent(const char *s, double *fraction)
{
    double v;
    const char *rest;
    if (!s || leading_number(s, &v, &rest) || strcmp(rest, "%"))
        return PG_EPARSE;
    if (fraction)
        *fraction = v / 100.0;
    return 0;
}

int pg_parse_bytes(const char *s, double *bytes)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {
        { "B", 1.0 },  { "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
        { "kB", 1e3 }, { "MB", 1e6 },     { "GB", 1e9 },
    };
    double v;
    const char *unit;
    if (!s || leading_number(s, &v, &unit))
        return PG_EPARSE;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(unit, units[i].unit)) {
            if (!isfinite(v * units[i].scale))
                return PG_EPARSE;
            if (bytes)
                *bytes = v * units[i].scale;
            return 0;
        }
    return PG_EPARSE;
}

int pg_parse_date(const char *s, int *ymd)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return PG_EPARSE;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return PG_EPARSE;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return PG_EPARSE;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return PG_EPARSE;
    if (ymd)
        *ymd = y * 10000 + m * 100 + d;
    return 0;
}

int pg_today_ymd(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
