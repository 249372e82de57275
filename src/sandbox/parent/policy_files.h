/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding and reading isolated policy files (policy_files.c), for the app
 * (which sends the text with the launch spec) and the doctor; no JSON here:
 * the child parses (src/sandbox/policy.h).
 */
#pragma once

#include <stddef.h>

/* The text of policy `name` ("isolated"), looked up in NCP_POLICY_DIR, then
 * $(sysconfdir)/child_process/policy, then $(datadir)/child_process/policy;
 * or of the file at `path`.  -EFBIG for one larger than NCP_POLICY_MAX_SIZE
 * (src/sandbox/policy.h). */
int ncp_policy_read_file(const char *name, char **text, size_t *len);
int ncp_policy_read_path(const char *path, char **text, size_t *len);
