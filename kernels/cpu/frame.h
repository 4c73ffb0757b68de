/*
 * frame.h - looking up a pg_frame's columns by name (normalize.c defines
 * it; pipeline.c finds the OHLCV columns with it).  kernels/cpu only.
 */
#ifndef PG_FRAME_H
#define PG_FRAME_H

#include "pg_kernels.h"

/* Index of the column called name in f, or -1 (name NULL gives -1). */
long pg_frame_find(const pg_frame *f, const char *name);

#endif
