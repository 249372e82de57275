// SPDX-License-Identifier: Apache-2.0
// The per-app limit (512 by default) is shared by JS children and C ones:
// with max_children_per_app = 3 in a test settings file, a native child, a
// startArkChildProcess child and an APP_SPAWN_FORK child fill it; the next
// start of any kind is 16000062 while SELF_FORK still starts (not counted).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { childProcessManager: m, tmpdir, track, killAll, rejectsWith } = require('./helpers.js');

test.afterEach(killAll);

const LIMIT_MSG = 'The number of child processes exceeds the upper limit.';
const HOLD = './ets/process/HoldProcess.ets';

test('JS and C children share the per-app limit; SELF_FORK is not counted', async (t) => {
  const dir = tmpdir(t);
  const conf = path.join(dir, 'child_process.conf');
  fs.writeFileSync(conf, 'max_children_per_app = 3\n');
  process.env.NCP_CONFIG_FILE = conf;
  // The limit is per bundle, over all of its processes: a bundle of this test's own.
  process.env.NCP_BUNDLE_NAME = `jslimit${process.pid}`;
  t.after(() => { process.env.NCP_CONFIG_FILE = '/nonexistent'; });

  const native = track(await m.startNativeChildProcess('libentry.so:Hold', {}));
  track(await m.startArkChildProcess(HOLD, {}));
  track(await m.startChildProcess(HOLD, m.StartMode.APP_SPAWN_FORK));

  await rejectsWith(m.startArkChildProcess(HOLD, {}), 16000062, LIMIT_MSG);
  await rejectsWith(m.startArkChildProcess(HOLD, {}, { isolationMode: true }), 16000062, LIMIT_MSG);
  await rejectsWith(m.startNativeChildProcess('libentry.so:Hold', {}), 16000062, LIMIT_MSG);
  await rejectsWith(m.startChildProcess(HOLD, m.StartMode.APP_SPAWN_FORK), 16000062, LIMIT_MSG);
  const err = await new Promise((resolve) => m.startChildProcess(HOLD, m.StartMode.APP_SPAWN_FORK,
    (e, data) => resolve({ e, data })));
  assert.equal(err.e.code, 16000062);
  assert.equal(err.data, undefined);

  // Not counted: a SELF_FORK child is the app's own.
  track(await m.startChildProcess(HOLD, m.StartMode.SELF_FORK));

  // A slot freed by the C child's end is taken by a JS child.
  m.killChildProcess(native);
  await m.waitChildProcess(native, 20000);
  track(await m.startArkChildProcess(HOLD, {}));
  await rejectsWith(m.startNativeChildProcess('libentry.so:Hold', {}), 16000062, LIMIT_MSG);
});
