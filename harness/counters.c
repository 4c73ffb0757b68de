/*
 * counters.c - event counters around the timed part of a benchmark.
 *
 * Each requested event is tried through PAPI first.  When PAPI cannot add
 * it (no PMU in a VM, the perf_event component disabled, PAPI not built) and
 * the event has a Linux perf equivalent, it is opened directly with
 * perf_event_open(2) for this thread; software events (page faults, task
 * clock, context switches) work that way even in a VM without a PMU.  An
 * event neither can read is kept and marked "unavailable: <reasons>", so the
 * benchmark still runs and the results say why the number is missing (the
 * way Google Benchmark's perf_counters.h degrades).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if PERFGATE_HAVE_PAPI
#include <papi.h>
#endif

#include "internal.h"

typedef struct pg_event {
    char name[64];
    int source;    /* 0 unavailable, 1 papi, 2 perf_event_open */
    int papi_slot; /* index in the PAPI event set */
    int fd;        /* perf_event_open descriptor, -1 if none */
    char status[256];
} pg_event;

struct harness_counters {
    pg_event ev[PG_MAX_EVENTS];
    size_t n;
    int papi_set;    /* PAPI event set, or -1 */
    int papi_events; /* events in it */
    int running;
};

/* Groups of --counters. */
static const struct {
    const char *group;
    const char *events;
} groups[] = {
    { "instructions", "PAPI_TOT_INS" },
    { "cycles", "PAPI_TOT_CYC" },
    { "cache", "PAPI_L1_DCM,PAPI_L2_DCM,PAPI_L3_TCM" },
    { "branch", "PAPI_BR_INS,PAPI_BR_MSP" },
    { "software", "perf::PAGE-FAULTS,perf::CONTEXT-SWITCHES,perf::TASK-CLOCK" },
};

/* Linux perf equivalents, used when PAPI cannot read an event. */
static const struct {
    const char *name;
    unsigned type;
    unsigned long long config;
} perf_map[] = {
    { "perf::PAGE-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
    { "perf::MINOR-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
    { "perf::MAJOR-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
    { "perf::CONTEXT-SWITCHES", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
    { "perf::CPU-MIGRATIONS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
    { "perf::TASK-CLOCK", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
    { "PAPI_TOT_INS", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
    { "PAPI_TOT_CYC", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
    { "PAPI_BR_INS", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
    { "PAPI_BR_MSP", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
    { "PAPI_L3_TCM", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
    { "PAPI_L1_DCM", PERF_TYPE_HW_CACHE,
      PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
          (PERF_COUNT_HW_CACHE_RESULT_MISS << 16) },
};

#if PERFGATE_HAVE_PAPI
static int papi_state; /* 0 untried, 1 ready, -1 failed: PAPI itself is process-wide */
static char papi_reason[200];

static int papi_ready(void)
{
    if (papi_state == 0) {
        int rc = PAPI_library_init(PAPI_VER_CURRENT);
        if (rc != PAPI_VER_CURRENT) {
            snprintf(papi_reason, sizeof(papi_reason), "PAPI_library_init: %s",
                     rc < 0 ? PAPI_strerror(rc) : "version mismatch");
            papi_state = -1;
        } else {
            papi_state = 1;
        }
    }
    return papi_state == 1;
}

/* Why the component an event needs is off, e.g. "no default PMU found". */
static void papi_component_reason(char *buf, size_t len)
{
    buf[0] = '\0';
    int ncomp = PAPI_num_components();
    for (int i = 0; i < ncomp; i++) {
        const PAPI_component_info_t *ci = PAPI_get_component_info(i);
        if (ci && strcmp(ci->name, "perf_event") == 0 && ci->disabled) {
            snprintf(buf, len, " (perf_event component: %.120s)", ci->disabled_reason);
            return;
        }
    }
}
#endif

void harness_papi_probe(int *available, char *version, size_t vlen, int *hw_counters, char *reason,
                        size_t rlen)
{
#if PERFGATE_HAVE_PAPI
    *available = papi_ready();
    snprintf(version, vlen, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VERSION),
             PAPI_VERSION_MINOR(PAPI_VERSION), PAPI_VERSION_REVISION(PAPI_VERSION),
             PAPI_VERSION_INCREMENT(PAPI_VERSION));
    *hw_counters = *available ? PAPI_num_hwctrs() : 0;
    if (!*available) {
        snprintf(reason, rlen, "%s", papi_reason);
    } else if (*hw_counters <= 0) {
        char comp[180];
        papi_component_reason(comp, sizeof(comp));
        snprintf(reason, rlen, "no hardware counters%s", comp);
    } else {
        snprintf(reason, rlen, "ok");
    }
#else
    *available = 0;
    snprintf(version, vlen, "none");
    *hw_counters = 0;
    snprintf(reason, rlen, "built without PAPI (PERFGATE_PAPI=OFF or libpapi-dev missing)");
#endif
}

static int perf_open(const char *name, char *why, size_t len)
{
    for (size_t i = 0; i < sizeof(perf_map) / sizeof(perf_map[0]); i++) {
        if (strcmp(perf_map[i].name, name) != 0)
            continue;
        struct perf_event_attr a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        a.type = perf_map[i].type;
        a.config = perf_map[i].config;
        a.disabled = 1;
        a.exclude_kernel = perf_map[i].type != PERF_TYPE_SOFTWARE;
        a.exclude_hv = 1;
        int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
        if (fd < 0)
            snprintf(why, len, "perf_event_open: %s", strerror(errno));
        return fd;
    }
    snprintf(why, len, "no perf_event_open equivalent");
    return -1;
}

static int add_event(harness_counters *c, const char *name, pg_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->ev[i].name, name) == 0)
            return PG_OK; /* named twice, e.g. in a group and alone */
    if (c->n == PG_MAX_EVENTS)
        return pg_error_set(err, PG_ELIMIT, NULL, 0, 0, NULL, "more than %d counter events",
                            PG_MAX_EVENTS);
    if (strlen(name) >= sizeof(c->ev[0].name))
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "counter event name too long: '%s'",
                            name);
    pg_event *e = &c->ev[c->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->fd = -1;
    char papi_why[200] = "";
#if PERFGATE_HAVE_PAPI
    if (papi_ready()) {
        if (c->papi_set == -1) {
            int set = PAPI_NULL;
            if (PAPI_create_eventset(&set) == PAPI_OK)
                c->papi_set = set;
        }
        int rc = c->papi_set == -1 ? PAPI_ENOEVST : PAPI_add_named_event(c->papi_set, name);
        if (rc == PAPI_OK) {
            e->source = 1;
            e->papi_slot = c->papi_events++;
            snprintf(e->status, sizeof(e->status), "available (papi)");
            return PG_OK;
        }
        char comp[180] = "";
        if (rc == PAPI_ECMP || rc == PAPI_ENOEVNT)
            papi_component_reason(comp, sizeof(comp));
        snprintf(papi_why, sizeof(papi_why), "papi: %s%s", PAPI_strerror(rc), comp);
    } else {
        snprintf(papi_why, sizeof(papi_why), "papi: %.180s", papi_reason);
    }
#else
    snprintf(papi_why, sizeof(papi_why), "papi: not built");
#endif
    char perf_why[128] = "";
    e->fd = perf_open(name, perf_why, sizeof(perf_why));
    if (e->fd >= 0) {
        e->source = 2;
        snprintf(e->status, sizeof(e->status), "available (perf_event_open; %s)", papi_why);
    } else {
        e->source = 0;
        snprintf(e->status, sizeof(e->status), "unavailable: %s; %s", papi_why, perf_why);
    }
    return PG_OK;
}

harness_counters *harness_counters_create(const char *spec, pg_error *err)
{
    harness_counters *c = calloc(1, sizeof(*c));
    if (!c) {
        pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        return NULL;
    }
    c->papi_set = -1;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        const char *events = NULL;
        for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
            if (strcmp(groups[g].group, t) == 0)
                events = groups[g].events;
        int rc = PG_OK;
        if (events) {
            char ebuf[256];
            snprintf(ebuf, sizeof(ebuf), "%s", events);
            char *s2 = NULL;
            for (char *ev = strtok_r(ebuf, ",", &s2); ev && !rc; ev = strtok_r(NULL, ",", &s2))
                rc = add_event(c, ev, err);
        } else {
            rc = add_event(c, t, err);
        }
        if (rc) {
            harness_counters_destroy(c);
            return NULL;
        }
    }
    return c;
}

void harness_counters_destroy(harness_counters *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].fd >= 0)
            close(c->ev[i].fd);
#if PERFGATE_HAVE_PAPI
    if (c->papi_set != -1) {
        long long junk[PG_MAX_EVENTS];
        if (c->running)
            PAPI_stop(c->papi_set, junk);
        PAPI_cleanup_eventset(c->papi_set);
        PAPI_destroy_eventset(&c->papi_set);
    }
#endif
    free(c);
}

size_t harness_counters_count(const harness_counters *c)
{
    return c ? c->n : 0;
}

const char *harness_counters_name(const harness_counters *c, size_t i)
{
    return c && i < c->n ? c->ev[i].name : NULL;
}

int harness_counters_available(const harness_counters *c, size_t i)
{
    return c && i < c->n && c->ev[i].source != 0;
}

const char *harness_counters_status(const harness_counters *c, size_t i)
{
    return c && i < c->n ? c->ev[i].status : NULL;
}

int harness_counters_start(harness_counters *c)
{
    if (!c)
        return PG_OK;
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].fd >= 0) {
            ioctl(c->ev[i].fd, PERF_EVENT_IOC_RESET, 0);
            ioctl(c->ev[i].fd, PERF_EVENT_IOC_ENABLE, 0);
        }
#if PERFGATE_HAVE_PAPI
    if (c->papi_events > 0) {
        if (PAPI_start(c->papi_set) != PAPI_OK)
            return PG_EIO;
    }
#endif
    c->running = 1;
    return PG_OK;
}

int harness_counters_stop(harness_counters *c, double *acc)
{
    if (!c || !c->running)
        return PG_OK;
    int rc = PG_OK;
#if PERFGATE_HAVE_PAPI
    long long v[PG_MAX_EVENTS] = { 0 };
    if (c->papi_events > 0 && PAPI_stop(c->papi_set, v) != PAPI_OK)
        rc = PG_EIO;
#endif
    for (size_t i = 0; i < c->n; i++) {
        pg_event *e = &c->ev[i];
        if (e->fd >= 0) {
            uint64_t count = 0;
            ioctl(e->fd, PERF_EVENT_IOC_DISABLE, 0);
            if (read(e->fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
                rc = PG_EIO;
            acc[i] += (double)count;
        }
#if PERFGATE_HAVE_PAPI
        else if (e->source == 1) {
            acc[i] += (double)v[e->papi_slot];
        }
#endif
    }
    c->running = 0;
    return rc;
}
