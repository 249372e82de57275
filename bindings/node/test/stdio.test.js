// SPDX-License-Identifier: Apache-2.0
// A Node.js app's library children share its stdout, as a C app's do, and
// logging does not disturb them.  Node marks fds 0-2 O_CLOEXEC; the library
// clears that in its own copy before it execs the runner, or the runner
// started without stdio and its sockets took fds 0-2: children printed
// nowhere, and with NCP_LOG=debug the zygote's log lines went into a
// spare's work socket, which then killed itself (a clean child reported as
// killed by signal 9).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, runApp } = require('./helpers.js');

const ENDED = /native child \d+ ended: exit (\w+) signal (\w+);/;

test('fds 0-2 of a Node.js app are O_CLOEXEC (what this file is about)', () => {
  const flags = Number.parseInt(/flags:\s+(\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/1', 'utf8'))[1], 8);
  assert.ok(flags & 0o2000000, 'node sets O_CLOEXEC on its stdout');
});

for (const log of ['warn', 'debug']) {
  test(`library children print to the app's stdout (NCP_LOG=${log}) and a clean end is exit 0`, async (t) => {
    const app = runApp(t, [path.join(FIXTURES, 'stdio-app.js')], {
      env: { NCP_LOG: log },
      until: (out) => ENDED.test(out) && /DemoProcess OnStart\(\) called/.test(out),
    });
    const out = await app.ready;
    assert.match(out, /^native child says: hi$/m, 'the native child\'s printf reached the app\'s stdout');
    assert.match(out, /^DemoProcess OnStart\(\) called$/m, 'the JS child\'s console.log too');
    assert.deepEqual(ENDED.exec(out).slice(1), ['0', 'null'], 'the native child exited 0');
    assert.doesNotMatch(app.output().err, /malformed|killed by signal/);
  });
}
