#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The policy env/cwd suite again with every child exec'd from the supervisor
# thread (NCP_SPAWN_MODE=exec): no spare reads the policy ahead of need there,
# every child reads it at its start.
NCP_SPAWN_MODE=exec exec "${NCP_TOP_BUILDDIR:-.}/tests/unit/test-policy-env" "$@"
