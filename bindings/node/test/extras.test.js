// SPDX-License-Identifier: Apache-2.0
// The Linux extensions of startNativeChildProcess's options (the C API's
// NCP_ChildProcessConfigs_* setters): binds, env, cwd and writableFds give
// an isolated native child exactly what they name; without them the same
// child has none of it (so the checks can fail).  The entry is
// libentry.so:Extras (test/entry.c).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { childProcessManager: m, tmpdir, waitFor, track, killAll } = require('./helpers.js');

test.afterEach(killAll);

// A host directory to bind (with a file), one to pass writable, and the
// report file; the child's lines once it wrote `n` of them.
function world(t) {
  const dir = tmpdir(t);
  fs.mkdirSync(path.join(dir, 'shared'));
  fs.writeFileSync(path.join(dir, 'shared', 'file'), 'bound content\n');
  fs.mkdirSync(path.join(dir, 'rw'));
  fs.chmodSync(path.join(dir, 'rw'), 0o777);
  fs.chmodSync(path.join(dir, 'shared'), 0o755);
  const report = path.join(dir, 'out');
  const out = fs.openSync(report, 'w');
  const rw = fs.openSync(path.join(dir, 'rw'), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  t.after(() => { fs.closeSync(out); fs.closeSync(rw); });
  const lines = (n) => waitFor(() => {
    const l = fs.readFileSync(report, 'utf8').split('\n').filter(Boolean);
    return l.length >= n ? l : null;
  }, `${n} lines in ${report}`);
  return { dir, out, rw, lines };
}

test('an isolated native child gets exactly the binds, env, cwd and writable directory its options name', async (t) => {
  const w = world(t);
  process.env.JS_APP_CANARY = 'the app\'s own';
  t.after(() => { delete process.env.JS_APP_CANARY; });
  track(await m.startNativeChildProcess('libentry.so:Extras',
    { entryParams: 'GRANTED,JS_APP_CANARY file', fds: { out: w.out, dir: w.rw } },
    {
      isolationMode: true,
      binds: [{ src: path.join(w.dir, 'shared'), dest: '/opt/data' }],
      env: { GRANTED: 'yes' },
      cwd: '/opt/data',
      writableFds: ['dir'],
    }));
  assert.deepEqual(await w.lines(5), [
    'env GRANTED=yes',
    'env JS_APP_CANARY unset',
    'cwd /opt/data',
    'read file bound content',
    'write OK',
  ]);
  assert.ok(fs.existsSync(path.join(w.dir, 'rw', 'made-by-child')), 'the write reached the host directory');
});

test('without the extensions the same isolated child has none of it (the control)', async (t) => {
  const w = world(t);
  track(await m.startNativeChildProcess('libentry.so:Extras',
    { entryParams: 'GRANTED /opt/data/file', fds: { out: w.out, dir: w.rw } }, { isolationMode: true }));
  const lines = await w.lines(4);
  assert.deepEqual(lines.slice(0, 3), ['env GRANTED unset', 'cwd /', 'read /opt/data/file ENOENT']);
  assert.match(lines[3], /^write E(ROFS|ACCES)$/);
  assert.ok(!fs.existsSync(path.join(w.dir, 'rw', 'made-by-child')));
});

// Whether this user can have an isolation uid: root, or a subordinate id
// range in /etc/subuid and /etc/subgid.
function hasIsolationUid() {
  if (process.getuid() === 0) return true;
  const me = new RegExp(`^(${require('node:os').userInfo().username}|${process.getuid()}):`, 'm');
  try {
    return me.test(fs.readFileSync('/etc/subuid', 'utf8')) && me.test(fs.readFileSync('/etc/subgid', 'utf8'));
  } catch {
    return false;
  }
}

test('isolationUid: true makes the isolated child another host user; without it, the app\'s', async (t) => {
  if (!hasIsolationUid()) {
    t.skip('no subordinate id range for this user');
    return;
  }
  for (const isolationUid of [false, true]) {
    const w = world(t);
    track(await m.startNativeChildProcess('libentry.so:Extras', { entryParams: ' ', fds: { out: w.out, dir: w.rw } },
      { isolationMode: true, isolationUid, writableFds: ['dir'] }));
    assert.deepEqual(await w.lines(2), ['cwd /', 'write OK'], `isolationUid: ${isolationUid}`);
    // Who made the file, as the host sees it.
    const owner = fs.statSync(path.join(w.dir, 'rw', 'made-by-child')).uid;
    if (isolationUid)
      assert.notEqual(owner, process.getuid(), 'the child is not the app\'s user on the host');
    else
      assert.equal(owner, process.getuid(), 'without isolationUid the child is the app\'s user');
  }
});

test('401: extensions of the wrong shape throw, contents the library refuses reject', async () => {
  const args = { entryParams: '' };
  for (const [options, what] of [
    [{ binds: {} }, 'binds not an array'],
    [{ binds: [{ src: '/tmp' }] }, 'a bind without dest'],
    [{ binds: [{ src: '/tmp', dest: '/opt/x', writable: 'yes' }] }, 'writable not a boolean'],
    [{ env: ['A'] }, 'env not a record'],
    [{ env: { A: 1 } }, 'an env value not a string'],
    [{ cwd: 42 }, 'cwd not a string'],
    [{ cwd: '/tmp\0x' }, 'cwd with a NUL'],
    [{ writableFds: 'dir' }, 'writableFds not an array'],
  ]) {
    assert.throws(() => m.startNativeChildProcess('libentry.so:Main', args, { isolationMode: true, ...options }),
      (e) => e.code === 401, what);
  }
  for (const [options, what] of [
    [{ env: { NCP_LOG: 'debug' } }, 'an NCP_* name'],
    [{ env: { 'A=B': 'x' } }, 'a name with ='],
    [{ cwd: 'relative' }, 'a relative cwd'],
    [{ binds: [{ src: '/tmp', dest: '/etc/x' }] }, 'a bind over /etc'],
    [{ writableFds: ['a/b'] }, 'an fd name with a slash'],
  ]) {
    await assert.rejects(m.startNativeChildProcess('libentry.so:Main', args, { isolationMode: true, ...options }),
      (e) => e.code === 401, what);
  }
});
