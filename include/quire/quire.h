/*
 * quire/quire.h - convenience header: the whole public plugin ABI.
 */
#ifndef QUIRE_QUIRE_H
#define QUIRE_QUIRE_H

#include "chart.h"
#include "common.h"
#include "plugin.h"
#include "print.h"
#include "renderer.h"
#include "source.h"
#include "transport.h"
#include "types.h"

#endif /* QUIRE_QUIRE_H */
