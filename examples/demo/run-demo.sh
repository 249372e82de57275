#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the demo from the build tree (used by `contrib/quickstart.sh demo`).
top="$(cd "$(dirname "$0")/../.." && pwd)"
export NCP_RUNNER="$top/src/ncp-runner"
export NCP_POLICY_DIR="$top/policy"
export NCP_LIBRARY_PATH="$top/examples/demo/.libs"
exec "$top/examples/demo/demo" "$@"
