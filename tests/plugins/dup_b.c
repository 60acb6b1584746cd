/*
 * dup_b.c - a valid chart plugin named "dup". dup_a.so and dup_b.so declare
 * the same kind and name; whichever loads second provokes:
 *   plugin P_second: duplicate chart name 'dup', already loaded from P_first
 * Its version (2.0.0) tells the two apart in `quire plugins info dup`.
 */
/* dup_a.c with the version above. */
#define DUP_VERSION "2.0.0"
#include "dup_a.c"
