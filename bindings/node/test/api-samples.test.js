// SPDX-License-Identifier: Apache-2.0
// Every sample of the API document, run as an app of its own (its import
// lines changed, TypeScript annotations removed): the pid it prints is a live
// child, the child got what the sample passed, and it dies with the app.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, tmpdir, waitFor, jsonLines, alive, runApp } = require('./helpers.js');

const SAMPLE_CONTENT = 'the sample\'s test.txt\n';

function sampleApp(t, sample, extraUntil) {
  const dir = tmpdir(t);
  fs.writeFileSync(path.join(dir, 'test.txt'), SAMPLE_CONTENT);
  const report = path.join(dir, 'report');
  const pidLine = /startChildProcess success, pid: (\d+)/;
  const app = runApp(t, [path.join(FIXTURES, 'run-sample.js'), path.join(FIXTURES, 'ets/tool', sample)], {
    env: { SAMPLE_FILES_DIR: dir, NCP_JS_TEST_REPORT: report, NCP_APP_ROOT: '' },
    until: (out) => pidLine.test(out) && (!extraUntil || extraUntil.test(out)),
  });
  return {
    app,
    report,
    pid: app.ready.then((out) => Number(pidLine.exec(out)[1])),
  };
}

async function diesWithApp(app, pid) {
  app.child.kill('SIGKILL');
  await app.exited;
  await waitFor(() => !alive(pid), `child ${pid} to die with its app`, 10000);
}

test('startChildProcess(srcEntry, SELF_FORK) promise sample: pid, onStart called, dies with the app', async (t) => {
  const s = sampleApp(t, 'StartChildProcessPromise.mjs', /DemoProcess OnStart\(\) called/);
  const pid = await s.pid;
  assert.ok(pid > 0);
  assert.ok(alive(pid), 'the child runs after onStart returned');
  assert.equal(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/PPid:\s+(\d+)/)[1], String(s.app.child.pid),
    'a SELF_FORK child is the app\'s own child');
  await diesWithApp(s.app, pid);
});

test('startChildProcess(srcEntry, SELF_FORK, callback) sample: pid through the callback', async (t) => {
  const s = sampleApp(t, 'StartChildProcessCallback.mjs', /DemoProcess OnStart\(\) called/);
  const pid = await s.pid;
  assert.ok(pid > 0 && alive(pid));
  await diesWithApp(s.app, pid);
});

test('startArkChildProcess sample: module1/./ets/process/DemoProcess.ets gets entryParams and a readable key1', async (t) => {
  const s = sampleApp(t, 'StartArkChildProcess.mjs');
  const pid = await s.pid;
  const [r] = await jsonLines(s.report);
  assert.deepEqual(r, { module: 'module1', entryParams: 'testParam', key1: SAMPLE_CONTENT, pid });
  assert.ok(alive(pid), 'the child does not exit when onStart returns');
  await diesWithApp(s.app, pid);
});

test('startNativeChildProcess sample: libentry.so:Main gets entryParams and key1', async (t) => {
  const s = sampleApp(t, 'StartNativeChildProcess.mjs');
  const pid = await s.pid;
  assert.ok(pid > 0);
  const text = await waitFor(() => fs.existsSync(s.report) && /fd key1/.test(fs.readFileSync(s.report, 'utf8')) &&
    fs.readFileSync(s.report, 'utf8'), 'the native child\'s report');
  assert.equal(text, `params=testParam\nfd key1 ${SAMPLE_CONTENT.trim()}\n`);
});
