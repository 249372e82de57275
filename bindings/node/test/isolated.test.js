// SPDX-License-Identifier: Apache-2.0
// isolationMode: true runs the JS child's Node.js runtime inside the
// library's sandbox: it cannot read the app's data dir nor reach the host's
// loopback, and gets only what the start names.  The same child in normal
// mode reaches both (so the checks can fail).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { childProcessManager: m, tmpdir, jsonLines, track, killAll, alive } = require('./helpers.js');

test.afterEach(killAll);

// The app's data dir ($XDG_DATA_HOME/<bundle>) with a secret in it, and a
// server on the host's loopback.
async function appWorld(t) {
  const dir = tmpdir(t);
  const bundle = `jswall${process.pid}`;
  process.env.XDG_DATA_HOME = path.join(dir, 'data');
  process.env.NCP_BUNDLE_NAME = bundle;
  const dataDir = path.join(dir, 'data', bundle);
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = path.join(dataDir, 'secret');
  fs.writeFileSync(secret, 'the app\'s secret');
  fs.writeFileSync(path.join(dir, 'given'), 'given by name');
  const server = net.createServer((s) => s.end());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { dir, secret, port: server.address().port };
}

async function runWall(t, isolationMode) {
  const w = await appWorld(t);
  const out = fs.openSync(path.join(w.dir, 'out'), 'w');
  const given = fs.openSync(path.join(w.dir, 'given'), 'r');
  t.after(() => { fs.closeSync(out); fs.closeSync(given); });
  const pid = track(await m.startArkChildProcess('./ets/process/WallProcess.ets',
    { entryParams: JSON.stringify({ secret: w.secret, port: w.port }), fds: { out, given } }, { isolationMode }));
  const [r] = await jsonLines(path.join(w.dir, 'out'));
  assert.equal(r.pid, pid);
  return { r, w };
}

test('an isolated JS child cannot read the app\'s data dir nor reach the host\'s loopback', async (t) => {
  const { r, w } = await runWall(t, true);
  assert.equal(r.secret, 'ENOENT', 'the data dir is a private empty one');
  assert.deepEqual(r.appDir, [], 'its data dir is empty');
  assert.equal(r.loopback, 'ECONNREFUSED', 'its 127.0.0.1 is its own');
  assert.equal(r.given, 'given by name', 'the descriptors it was given work');
  assert.equal(r.home, path.dirname(w.secret).replace(/\/$/, ''), 'HOME is its private data dir');
});

test('the same child in normal mode reads the data dir and reaches the loopback (the control)', async (t) => {
  const { r } = await runWall(t, false);
  assert.equal(r.secret, 'read: the app\'s secret');
  assert.equal(r.loopback, 'connected');
  assert.equal(r.given, 'given by name');
});

test('an isolated JS child gets entryParams and its fds under their names, not the module descriptor', async (t) => {
  const dir = tmpdir(t);
  fs.writeFileSync(path.join(dir, 'a'), 'AAA');
  const a = fs.openSync(path.join(dir, 'a'), 'r');
  const out = fs.openSync(path.join(dir, 'out'), 'w');
  t.after(() => { fs.closeSync(a); fs.closeSync(out); });
  const pid = track(await m.startArkChildProcess('./ets/process/ReportProcess.ets',
    { entryParams: 'p\u00e4rams with \n newline', fds: { a, out } }, { isolationMode: true }));
  const [r] = await jsonLines(path.join(dir, 'out'));
  assert.equal(r.pid, pid);
  assert.equal(r.entryParams, 'p\u00e4rams with \n newline');
  assert.deepEqual(r.fdNames, ['a', 'out']);
  assert.deepEqual(r.contents, { a: 'AAA' });
  assert.equal(r.nested, 16000061);
  assert.match(r.cmdline, /:ReportProcess$/, 'named by the library');
  assert.ok(alive(pid), 'it stays alive after onStart');
});

test('startNativeChildProcess with isolationMode: true runs the native entry in the sandbox', async (t) => {
  const w = await appWorld(t);
  const out = fs.openSync(path.join(w.dir, 'out'), 'w');
  const key1 = fs.openSync(path.join(w.dir, 'given'), 'r');
  t.after(() => { fs.closeSync(out); fs.closeSync(key1); });
  const pid = track(await m.startNativeChildProcess('libentry.so:Main', { entryParams: 'iso', fds: { key1, out } },
    { isolationMode: true }));
  const end = await m.waitChildProcess(pid, 20000);
  assert.deepEqual(end, { exitCode: 0, signal: null });
  assert.equal(fs.readFileSync(path.join(w.dir, 'out'), 'utf8'), 'params=iso\nfd key1 given by name\n');
});
