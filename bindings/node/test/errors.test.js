// SPDX-License-Identifier: Apache-2.0
// Every error code of the API document, with its message: 401 for each kind
// of bad argument, 16000061 inside a child, 801, 16000050; 16000062 is in
// limit.test.js.  A failed start never leaves its promise pending (each
// await below would hang the test until its timeout).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { PARAM_MESSAGE, childProcessManager: m, BusinessError, tmpdir, jsonLines, track, killAll, rejectsWith } =
  { ...require('./helpers.js'), BusinessError: require('..').BusinessError };

test.afterEach(killAll);

const P = 401;
const DEMO = './ets/process/DemoProcess.ets';
const HOLD = './ets/process/HoldProcess.ets';

// Argument errors are thrown at the call, as the platform does.
function throws401(fn, what) {
  assert.throws(fn, (e) => {
    assert.equal(e.code, P, `${what}: code`);
    assert.equal(e.message, PARAM_MESSAGE, `${what}: message`);
    assert.ok(e instanceof BusinessError && e instanceof Error);
    return true;
  }, what);
}

test('401: startNativeChildProcess argument errors', () => {
  const bad = [
    [() => m.startNativeChildProcess(), 'no arguments'],
    [() => m.startNativeChildProcess(42, {}), 'entryPoint not a string'],
    [() => m.startNativeChildProcess('libentry.so', {}), 'entryPoint without a colon'],
    [() => m.startNativeChildProcess(':Main', {}), 'empty library'],
    [() => m.startNativeChildProcess('libentry.so:', {}), 'empty function'],
    [() => m.startNativeChildProcess('libentry.so:Main'), 'args missing'],
    [() => m.startNativeChildProcess('libentry.so:Main', null), 'args null'],
    [() => m.startNativeChildProcess('libentry.so:Main', { entryParams: 7 }), 'entryParams not a string'],
    [() => m.startNativeChildProcess('libentry.so:Main', { entryParams: 'x'.repeat(150 * 1024 + 1) }), 'entryParams over 150 KB'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: [1] }), 'fds an array'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: { a: 'x' } }), 'fd not a number'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: { a: 1.5 } }), 'fd not an integer'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: { a: -1 } }), 'fd negative'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: { ['n'.repeat(21)]: 1 } }), 'fd name of 21 characters'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: { '': 1 } }), 'empty fd name'],
    [() => m.startNativeChildProcess('libentry.so:Main', { fds: Object.fromEntries([...Array(17).keys()].map((i) => [`f${i}`, 1])) }), '17 fds'],
    [() => m.startNativeChildProcess('libentry.so:Main', {}, 'isolated'), 'options not an object'],
    [() => m.startNativeChildProcess('libentry.so:Main', {}, { isolationMode: 1 }), 'isolationMode not a boolean'],
    [() => m.startNativeChildProcess('libentry.so:Main', {}, { isolationUid: 'yes' }), 'isolationUid not a boolean'],
  ];
  for (const [fn, what] of bad) throws401(fn, what);
});

test('401: the limits themselves are allowed (150 KB of params, 16 fds of 20-character names)', async (t) => {
  const dir = tmpdir(t);
  const f = fs.openSync(path.join(dir, 'x'), 'w');
  t.after(() => fs.closeSync(f));
  const fds = Object.fromEntries([...Array(16).keys()].map((i) => [`${'n'.repeat(18)}${String(i).padStart(2, '0')}`, f]));
  track(await m.startNativeChildProcess('libentry.so:Main', { entryParams: 'x'.repeat(150 * 1024), fds }));
});

test('401: a descriptor that is not open is rejected by the library, the promise settles', async () => {
  await rejectsWith(m.startNativeChildProcess('libentry.so:Main', { fds: { a: 987654 } }), P, PARAM_MESSAGE);
});

test('401: startArkChildProcess and startChildProcess argument errors', () => {
  const bad = [
    [() => m.startArkChildProcess(), 'no arguments'],
    [() => m.startArkChildProcess(5, {}), 'srcEntry not a string'],
    [() => m.startArkChildProcess('', {}), 'empty srcEntry'],
    [() => m.startArkChildProcess('./ets/process/Nothing.ets', {}), 'srcEntry names no file'],
    [() => m.startArkChildProcess(DEMO), 'args missing'],
    [() => m.startArkChildProcess(DEMO, { entryParams: 'x'.repeat(150 * 1024 + 1) }), 'params over 150 KB'],
    [() => m.startArkChildProcess(DEMO, { fds: { ['n'.repeat(21)]: 1 } }), 'long fd name'],
    [() => m.startArkChildProcess(DEMO, {}, { isolationMode: 'true' }), 'isolationMode a string'],
    [() => m.startArkChildProcess(DEMO, { fds: { 'ncp.module': 0 } }, { isolationMode: true }), 'the reserved fd name'],
    [() => m.startChildProcess(), 'no arguments'],
    [() => m.startChildProcess(DEMO), 'startMode missing'],
    [() => m.startChildProcess(DEMO, 2), 'startMode 2'],
    [() => m.startChildProcess(DEMO, '0'), 'startMode a string'],
    [() => m.startChildProcess('./nothing.js', m.StartMode.SELF_FORK), 'srcEntry names no file (SELF_FORK)'],
    [() => m.startChildProcess(DEMO, m.StartMode.SELF_FORK, 'cb'), 'callback not a function'],
  ];
  for (const [fn, what] of bad) throws401(fn, what);
});

test('StartMode has the document\'s values', () => {
  assert.deepEqual({ ...m.StartMode }, { SELF_FORK: 0, APP_SPAWN_FORK: 1 });
});

test('16000061: every start API inside a JS child, through the library and SELF_FORK', async (t) => {
  const dir = tmpdir(t);
  const report = path.join(dir, 'report');
  process.env.NCP_JS_TEST_REPORT = report;
  t.after(() => { delete process.env.NCP_JS_TEST_REPORT; });
  const out = fs.openSync(path.join(dir, 'ark'), 'w');
  t.after(() => fs.closeSync(out));
  track(await m.startArkChildProcess('./ets/process/NestedProcess.ets', { fds: { out } }));
  track(await m.startChildProcess('./ets/process/NestedProcess.ets', m.StartMode.APP_SPAWN_FORK));
  track(await m.startChildProcess('./ets/process/NestedProcess.ets', m.StartMode.SELF_FORK));
  const expected = { startChildProcess: 16000061, startChildProcessSelf: 16000061, startArkChildProcess: 16000061,
    startNativeChildProcess: 16000061 };
  const [ark] = await jsonLines(path.join(dir, 'ark'));
  assert.deepEqual(ark, expected);
  const both = await jsonLines(report, 2);
  assert.deepEqual(both, [expected, expected]);
});

test('16000061 messages: startChildProcess has its own', () => {
  const msgs = [
    new BusinessError(16000061, 'startChildProcess').message,
    new BusinessError(16000061, 'startArkChildProcess').message,
    new BusinessError(16000061, 'startNativeChildProcess').message,
  ];
  assert.deepEqual(msgs, ['Operation not supported.',
    'Operation not supported. The API cannot be called in a child process.',
    'Operation not supported. The API cannot be called in a child process.']);
});

// A separate app per case: the failure comes from the process's environment.
function inApp(env, code) {
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000, cwd: path.join(__dirname, 'fixtures'),
  });
  assert.equal(r.status, 0, `app failed: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const TRY_ALL = `
const { childProcessManager: m } = require(${JSON.stringify(path.join(__dirname, '..'))});
const hold = (e) => ({ code: e.code, message: e.message });
Promise.allSettled([
  m.startNativeChildProcess('libentry.so:Main', {}),
  m.startArkChildProcess('./ets/process/HoldProcess.ets', {}),
  m.startChildProcess('./ets/process/HoldProcess.ets', m.StartMode.APP_SPAWN_FORK),
  new Promise((resolve) => m.startChildProcess('./ets/process/HoldProcess.ets', m.StartMode.APP_SPAWN_FORK,
    (err, data) => resolve(err ? Promise.reject(err) : data))),
]).then((r) => { console.log(JSON.stringify(r.map((x) => x.reason ? hold(x.reason) : x.value))); process.exit(0); });
`;

test('801: multi-process mode switched off (the system settings)', (t) => {
  const dir = tmpdir(t);
  const conf = path.join(dir, 'child_process.conf');
  fs.writeFileSync(conf, 'multi_process = off\n');
  const r = inApp({ NCP_CONFIG_FILE: conf, NCP_LOG: 'error' }, TRY_ALL);
  const native801 = 'Capability not supported. Capability not supported. Failed to call the API due to limited device capabilities.';
  assert.deepEqual(r, [
    { code: 801, message: native801 },
    { code: 801, message: 'Capability not supported.' },
    { code: 16000061, message: 'Operation not supported.' }, // startChildProcess has no 801
    { code: 16000061, message: 'Operation not supported.' },
  ]);
});

test('801: an isolated JS child needs a CommonJS module', async () => {
  await rejectsWith(() => m.startArkChildProcess('./ets/process/EsmProcess.mjs', {}, { isolationMode: true }), 801,
    'Capability not supported.');
});

test('16000050: the library cannot start children (no runner), every form rejects', () => {
  const r = inApp({ NCP_RUNNER: '/nonexistent/ncp-runner', NCP_LOG: 'error' }, TRY_ALL);
  for (const x of r) assert.deepEqual(x, { code: 16000050, message: 'Internal error.' });
});

test('killChildProcess and waitChildProcess on a pid that is no child: 16010010', async () => {
  assert.throws(() => m.killChildProcess(1), (e) => e.code === 16010010);
  await rejectsWith(m.waitChildProcess(1, 100), 16010010);
  assert.throws(() => m.killChildProcess(-3), (e) => e.code === 401);
});
