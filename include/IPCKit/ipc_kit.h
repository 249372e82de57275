/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API: umbrella header.
 *
 * Signature-compatible with the reference platform's <IPCKit/ipc_kit.h>;
 * implemented for Linux by libipc_capi (pkg-config ipc_capi).  Linux-only
 * additions (connecting over a socket) are in <IPCKit/ipc_ext.h>.
 */
#ifndef CAPI_INCLUDE_IPC_KIT_H
#define CAPI_INCLUDE_IPC_KIT_H

#include "ipc_error_code.h"
#include "ipc_cparcel.h"
#include "ipc_cremote_object.h"
#include "ipc_cskeleton.h"

#endif /* CAPI_INCLUDE_IPC_KIT_H */
