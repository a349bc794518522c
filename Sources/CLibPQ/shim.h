// The libpq C API, as a Swift system library target.
// Only the PostgresClient target imports this module; no C type crosses its public API.
#ifndef INGESTD_CLIBPQ_SHIM_H
#define INGESTD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
