/*
 * phase_wisdom.h - which FFTW wisdom the phase kernel (phase.c) uses.
 *
 * Not in pg_kernels.h yet: the results' context block (harness/context.c)
 * could record pg_phase_wisdom_status() as "fftw_wisdom" once it is public.
 * Tests include it from here.
 */
#ifndef PG_PHASE_WISDOM_H
#define PG_PHASE_WISDOM_H

#include "pg_kernels.h"

/* What the phase workspaces of this process plan with: the path of the
 * wisdom file imported (with a note if only one precision was), or
 * "none: <reason>" (PERFGATE_FFTW_WISDOM=none, no file, a file made with
 * another FFTW or for SIMD this CPU lacks, a malformed file, or no
 * workspace made yet: the file is read by the first pg_phase_ws_create).
 * A static string, valid for the life of the process; thread-safe. */
const char *pg_phase_wisdom_status(void);

/* How many of the workspace's two FFTW plans (r2c, c2r) came from PATIENT
 * wisdom (0, 1 or 2; 0 for NULL or n = 0); the others were planned with
 * FFTW_ESTIMATE. */
int pg_phase_ws_from_wisdom(const pg_phase_ws *ws);

#endif
