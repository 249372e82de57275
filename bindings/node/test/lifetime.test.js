// SPDX-License-Identifier: Apache-2.0
// A JS child's life: it stays alive after onStart, ends by itself
// (process.exit/abort), is reported with its signal when it crashes (the
// 'exit' event: the library's exit callbacks), is killed by
// killChildProcess, and dies with its app.  SELF_FORK vs APP_SPAWN_FORK.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { childProcessManager: m, FIXTURES, tmpdir, waitFor, jsonLines, alive, track, killAll, runApp, sleep } =
  require('./helpers.js');

test.afterEach(killAll);

const SIG = os.constants.signals;

// The next 'exit' event for pid.
function exitEvent(pid, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { m.off('exit', on); reject(new Error(`no exit event for ${pid}`)); }, timeoutMs);
    function on(p, signal) {
      if (p !== pid) return;
      clearTimeout(timer);
      m.off('exit', on);
      resolve(signal);
    }
    m.on('exit', on);
  });
}

for (const [how, sig] of [['abort', SIG.SIGABRT], ['segv', SIG.SIGSEGV]]) {
  test(`a JS child that crashes (${how}) is reported with its signal, through the library and SELF_FORK`, async () => {
    // Listen before starting: the end can come at once.
    const events = [];
    const on = (pid, signal) => events.push([pid, signal]);
    m.on('exit', on);
    try {
      const pid = await m.startArkChildProcess('./ets/process/CrashProcess.ets', { entryParams: how });
      assert.deepEqual(await m.waitChildProcess(pid, 20000), { exitCode: null, signal: sig });
      await waitFor(() => events.some(([p]) => p === pid), 'the exit event');
      assert.deepEqual(events.find(([p]) => p === pid), [pid, sig]);
    } finally {
      m.off('exit', on);
    }
  });
}

test('a crashing startChildProcess child (both modes) ends with its signal', async (t) => {
  // CrashProcess without args aborts.
  for (const mode of [m.StartMode.APP_SPAWN_FORK, m.StartMode.SELF_FORK]) {
    const pid = await m.startChildProcess('./ets/process/CrashProcess.ets', mode);
    const ev = exitEvent(pid);
    assert.deepEqual(await m.waitChildProcess(pid, 20000), { exitCode: null, signal: SIG.SIGABRT }, `mode ${mode}`);
    assert.equal(await ev, SIG.SIGABRT);
  }
});

test('a JS child that calls process.exit(N) ends with N, and no exit event (a clean end)', async () => {
  let seen = false;
  const on = () => { seen = true; };
  m.on('exit', on);
  try {
    const pid = await m.startArkChildProcess('./ets/process/CrashProcess.ets', { entryParams: 'exit 7' });
    assert.deepEqual(await m.waitChildProcess(pid, 20000), { exitCode: 7, signal: null });
    await sleep(300);
    assert.equal(seen, false);
  } finally {
    m.off('exit', on);
  }
});

test('a JS child stays alive after onStart returns; killChildProcess ends it with SIGKILL', async () => {
  const pid = track(await m.startArkChildProcess('./ets/process/HoldProcess.ets', {}));
  await sleep(1500);
  assert.ok(alive(pid));
  await assert.rejects(m.waitChildProcess(pid, 200), (e) => e.code === 16010002);
  const ev = exitEvent(pid);
  m.killChildProcess(pid);
  assert.equal(await ev, SIG.SIGKILL);
  assert.deepEqual(await m.waitChildProcess(pid, 20000), { exitCode: null, signal: SIG.SIGKILL });
  assert.throws(() => m.killChildProcess(pid), (e) => e.code === 16010010);
});

test('a module whose default export is no ChildProcess class ends the child (127)', async () => {
  const pid = await m.startArkChildProcess('./ets/process/NotAClass.js', {});
  assert.deepEqual(await m.waitChildProcess(pid, 20000), { exitCode: 127, signal: null });
});

test('an ES module child (export default class) with an async onStart', async (t) => {
  const dir = tmpdir(t);
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  t.after(() => fs.closeSync(out));
  const pid = track(await m.startArkChildProcess('./ets/process/EsmProcess.ets', { entryParams: 'esm', fds: { out } }));
  const [r] = await jsonLines(path.join(dir, 'out'));
  assert.deepEqual(r, { esm: true, entryParams: 'esm', pid });
});

test('SELF_FORK is the app\'s own child with its environment; APP_SPAWN_FORK is the library\'s, named', async (t) => {
  const dir = tmpdir(t);
  const report = path.join(dir, 'report');
  process.env.NCP_JS_TEST_REPORT = report;
  process.env.NCP_JS_TEST_MARKER = 'set by the app';
  t.after(() => { delete process.env.NCP_JS_TEST_REPORT; delete process.env.NCP_JS_TEST_MARKER; });
  const self = track(await m.startChildProcess('./ets/process/ReportProcess.ets', m.StartMode.SELF_FORK));
  const [a] = await jsonLines(report, 1);
  const spawn = track(await m.startChildProcess('./ets/process/ReportProcess.ets', m.StartMode.APP_SPAWN_FORK));
  const [, b] = await jsonLines(report, 2);
  assert.equal(a.pid, self);
  assert.equal(a.ppid, process.pid, 'SELF_FORK: a child of the app itself');
  assert.equal(a.marker, 'set by the app');
  assert.equal(a.argsGiven, false, 'startChildProcess passes no args');
  assert.equal(b.pid, spawn);
  if (process.env.NCP_SPAWN_MODE === 'exec')
    // No zygote: the library exec's each child from the app (its supervisor thread).
    assert.equal(b.ppid, process.pid, 'APP_SPAWN_FORK with NCP_SPAWN_MODE=exec: exec\'d by the library in the app');
  else
    assert.notEqual(b.ppid, process.pid, 'APP_SPAWN_FORK: forked by the library\'s zygote, not the app');
  assert.match(b.cmdline, /:ReportProcess$/, 'named by the library');
  assert.equal(b.argsGiven, false);
  assert.equal(a.nested, 16000061);
  assert.equal(b.nested, 16000061);
});

test('the callback form gives (undefined, pid)', async () => {
  const pid = await new Promise((resolve, reject) => {
    const r = m.startChildProcess('./ets/process/HoldProcess.ets', m.StartMode.APP_SPAWN_FORK, (err, data) => {
      if (err !== undefined) reject(err);
      else resolve(data);
    });
    assert.equal(r, undefined);
  });
  track(pid);
  assert.ok(pid > 0 && alive(pid));
});

test('the app\'s death kills every child: library JS, isolated JS, APP_SPAWN_FORK, SELF_FORK, native', async (t) => {
  const app = runApp(t, [path.join(FIXTURES, 'parent-dies.js')], { until: (out) => out.includes('}') });
  const pids = JSON.parse(await app.ready);
  assert.equal(Object.keys(pids).length, 6);
  for (const [kind, pid] of Object.entries(pids)) assert.ok(alive(pid), `${kind} child ${pid} runs`);
  app.child.kill('SIGKILL');
  await app.exited;
  for (const [kind, pid] of Object.entries(pids)) {
    await waitFor(() => !alive(pid), `${kind} child ${pid} to die with the app`, 15000);
  }
});
