/* SPDX-License-Identifier: Apache-2.0 */
/* What callers pass to Start* (validate.c): the entry string and the fd
 * lists, checked by the API (api.c) before a start; also by the launch-spec
 * test and the validate fuzzer. */
#pragma once

#include <stddef.h>

#include <AbilityKit/native_child_process.h>

#include "common/launch_spec.h"

struct ncp_start_request;

/* Splits "LIB:FUNC" at the last ':'.  -EINVAL for a malformed entry. */
int ncp_split_entry(const char *entry, char **lib, char **func);
/* Checks an fd list; fills names/fds sorted by name.  -EINVAL when invalid. */
int ncp_collect_fds(const NativeChildProcess_FdList *list, const char **names, int *fds, size_t *n);
/* Checks what a request's descriptors are against what its child may hold,
 * and the names marked writable (`writable`, n_writable of them) against the
 * list: an isolated child refuses O_PATH descriptors and devices, a
 * directory must still be at the path it names; writable marks need a
 * directory of that name.  Sets req->fd_writable and req->has_dirs.
 * -EINVAL (logged) when refused. */
int ncp_check_passed_fds(struct ncp_start_request *req, const char (*writable)[NCP_MAX_FD_NAME + 1], size_t n_writable);
