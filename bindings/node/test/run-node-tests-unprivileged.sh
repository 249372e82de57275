#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Node.js package's tests as a throwaway unprivileged user (see run-node-tests.sh).
exec "$(dirname "$0")/run-node-tests.sh" --unprivileged
