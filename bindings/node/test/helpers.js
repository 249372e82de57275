// SPDX-License-Identifier: Apache-2.0
// Shared by the package's tests: fixtures as the app root, temporary
// directories, bounded waits, and the children a test started (killed after
// each test, so none outlives the suite).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const FIXTURES = path.join(__dirname, 'fixtures');
process.env.NCP_APP_ROOT = FIXTURES;

const pkg = require('..');
const { childProcessManager } = pkg;

const PARAM_MESSAGE = 'Parameter error. Possible causes: 1.Mandatory parameters are left unspecified; ' +
  '2.Incorrect parameter types; 3.Parameter verification failed.';

function tmpdir(t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ncp-js-'));
  // Readable by a throwaway test user's children too (isolation uid off here).
  fs.chmodSync(d, 0o755);
  if (t) t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn() until it returns a truthy value; fails after timeoutMs.
async function waitFor(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// The JSON lines of a report file, once there are at least n.
function jsonLines(file, n = 1, timeoutMs) {
  return waitFor(() => {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    const lines = text.split('\n').filter(Boolean);
    return lines.length >= n ? lines.map((l) => JSON.parse(l)) : null;
  }, `${n} line(s) in ${file}`, timeoutMs);
}

// Alive and not a zombie.
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const started = new Set();
function track(pid) {
  started.add(pid);
  return pid;
}
function killAll() {
  for (const pid of started) {
    if (!alive(pid)) continue;
    try {
      childProcessManager.killChildProcess(pid);
    } catch { /* ended already */ }
  }
  started.clear();
}

// Runs a node script as a separate app; resolves when `until(stdout)` holds.
// The app is SIGKILLed when the test ends.
function runApp(t, args, { env = {}, until, timeoutMs = 30000 } = {}) {
  const child = spawn(process.execPath, args, {
    cwd: FIXTURES,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  t.after(() => { child.kill('SIGKILL'); return exited; });
  const ready = until
    ? waitFor(() => until(out) || (child.exitCode !== null && { early: true }), 'the app\'s output', timeoutMs)
      .then((v) => {
        if (v && v.early && !until(out)) throw new Error(`app ended early: ${out}\n${err}`);
        return out;
      }, (e) => { throw new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`); })
    : null;
  return { child, ready, exited, output: () => ({ out, err }) };
}

async function rejectsWith(promiseOrFn, code, message) {
  let err = null;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected BusinessError ${code}, got success`);
  if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message} (${err.detail})`);
  if (err.name !== 'BusinessError') throw new Error(`expected a BusinessError, got ${err.name}`);
  if (message !== undefined && err.message !== message) throw new Error(`message: ${err.message}`);
  return err;
}

module.exports = {
  FIXTURES, PARAM_MESSAGE, pkg, childProcessManager, tmpdir, sleep, waitFor, jsonLines, alive, track, killAll,
  runApp, rejectsWith,
};
