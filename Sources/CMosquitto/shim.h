// The libmosquitto C API, as a Swift system library target.
// Only the Mosquitto target imports this module; no C type crosses its public API.
#ifndef INGESTD_CMOSQUITTO_SHIM_H
#define INGESTD_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
