/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's own session keyring (keyring.c): a step of
 * ncp_sandbox_enter() in the child (ncp-sandbox.so), and a probe of
 * `ncp-run --doctor`, which links it alone (libncp-sandbox-probes). */
#pragma once

/* Joins a fresh anonymous session keyring, leaving the app's: 0 or -errno
 * after one log line. */
int ncp_keyring_join_fresh(void);
/* 0 when keyctl works here (so there are keyrings to leave), else -errno
 * (-ENOSYS: no keyrings in this kernel). */
int ncp_keyring_probe(void);
