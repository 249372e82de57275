#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The children suite again with every child exec'd from the supervisor thread
# (NCP_SPAWN_MODE=exec) instead of forked by the zygote: both modes must pass
# the same suite.
NCP_SPAWN_MODE=exec exec "${NCP_TOP_BUILDDIR:-.}/tests/unit/test-children" "$@"
