// SPDX-License-Identifier: Apache-2.0
// The API document's samples as the document prints them: TypeScript, only
// their import lines changed (fixtures/doc/, laid out as the document's
// entry and module1 modules).  TypeScript's own transpiler strips the types
// (no type check, as an app's build would before running), the output is an
// app whose root holds ets/ and module1/ets/ and whose node_modules has
// this package; '@ohos.file.fs' is a stand-in on node:fs, getContext() gives
// a files dir.  api-samples.test.js checks in depth what the children got
// (with instrumented copies); here: each sample runs unchanged and does
// what the document says.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, tmpdir, sleep, waitFor, alive, runApp } = require('./helpers.js');

const DOC = path.join(FIXTURES, 'doc');
const PKG = path.resolve(__dirname, '..');

function loadTypeScript() {
  for (const id of ['typescript', '/usr/share/nodejs/typescript']) {
    try {
      return require(id);
    } catch { /* next */ }
  }
  return null;
}
const ts = loadTypeScript();
const NO_TS = ts ? false : 'TypeScript is not installed (Debian: apt-get install node-typescript; or npm install typescript)';
// The document's C++ child, built by make (bindings/node/test/doc/libentry.la).
const NATIVE_DIR = path.join(__dirname, 'doc', '.libs');
const NO_NATIVE = fs.existsSync(path.join(NATIVE_DIR, 'libentry.so')) ? false
  : `the C++ sample is not built (${NATIVE_DIR}/libentry.so: no C++ compiler at configure time?)`;

// <module>/src/main/X.ets -> <root>/X.js (entry) or <root>/<module>/X.js.
function transpileApp(root) {
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  for (const file of walk(DOC).filter((f) => f.endsWith('.ets'))) {
    const [module, , , ...rest] = path.relative(DOC, file).split(path.sep);
    const out = path.join(root, module === 'entry' ? '' : module, ...rest).replace(/\.ets$/, '.js');
    const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: path.basename(file).replace(/\.ets$/, '.ts'),
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    });
    assert.deepEqual(js.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [],
      `${file} is valid TypeScript`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, js.outputText);
  }
  fs.mkdirSync(path.join(root, 'node_modules', '@ohos.file.fs'), { recursive: true });
  fs.symlinkSync(PKG, path.join(root, 'node_modules', 'libchild-process'));
  fs.writeFileSync(path.join(root, 'node_modules', '@ohos.file.fs', 'index.js'),
    "'use strict';\n// What the samples use of @ohos.file.fs, on node:fs.\nconst fs = require('node:fs');\n" +
    'module.exports = {\n  OpenMode: { READ_ONLY: fs.constants.O_RDONLY, CREATE: fs.constants.O_CREAT },\n' +
    '  openSync: (p, mode) => ({ fd: fs.openSync(p, mode) }),\n};\n');
  fs.copyFileSync(path.join(FIXTURES, 'run-sample.js'), path.join(root, 'main.js'));
}

const SUCCESS = /startChildProcess success, pid: (\d+)/;

function runSample(t, tool, { env = {}, until } = {}) {
  const root = tmpdir(t);
  transpileApp(root);
  const files = path.join(root, 'files');
  fs.mkdirSync(files);
  fs.writeFileSync(path.join(files, 'test.txt'), 'the sample\'s test.txt\n');
  const app = runApp(t, [path.join(root, 'main.js'), path.join(root, tool)], {
    env: { SAMPLE_FILES_DIR: files, NCP_APP_ROOT: '', ...env },
    until: (out) => SUCCESS.test(out) && (!until || until.test(out)),
  });
  return { app, root, pid: app.ready.then((out) => Number(SUCCESS.exec(out)[1])) };
}

function noErrors(app) {
  const { err } = app.output();
  assert.doesNotMatch(err, /error|libchild-process:|child_process\[/i, `the app's stderr: ${err}`);
}

async function diesWithApp(app, pid) {
  app.child.kill('SIGKILL');
  await app.exited;
  await waitFor(() => !alive(pid), `child ${pid} to die with its app`, 10000);
}

test('startChildProcess promise sample (entry/src/main/ets/tool/Tool.ets) runs as printed', { skip: NO_TS }, async (t) => {
  const s = runSample(t, 'ets/tool/StartChildProcessPromise.js', { until: /DemoProcess OnStart\(\) called/ });
  const pid = await s.pid;
  assert.ok(alive(pid), 'the SELF_FORK child lives on after onStart');
  assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`PPid:\\s+${s.app.child.pid}\\n`));
  noErrors(s.app);
  await diesWithApp(s.app, pid);
});

test('startChildProcess callback sample runs as printed', { skip: NO_TS }, async (t) => {
  const s = runSample(t, 'ets/tool/StartChildProcessCallback.js', { until: /DemoProcess OnStart\(\) called/ });
  const pid = await s.pid;
  assert.ok(alive(pid));
  noErrors(s.app);
  await diesWithApp(s.app, pid);
});

test('startArkChildProcess sample (module1/src/main/ets/tool/Tool.ets) runs as printed', { skip: NO_TS }, async (t) => {
  const s = runSample(t, 'module1/ets/tool/Tool.js');
  const pid = await s.pid;
  // The child holds key1 (the app's files/test.txt) and stays after onStart.
  const holdsKey1 = () => {
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === path.join(s.root, 'files', 'test.txt');
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  await waitFor(holdsKey1, `child ${pid} to hold key1`);
  // Time for onStart to run (a child whose module fails ends with a line on
  // the app's stderr; one that returns from onStart lives on).
  await sleep(1000);
  assert.ok(alive(pid), 'the child does not exit when onStart returns');
  noErrors(s.app);
  await diesWithApp(s.app, pid);
});

test('startNativeChildProcess sample with the document\'s C++ libentry.so:Main runs as printed',
  { skip: NO_TS || NO_NATIVE }, async (t) => {
    const s = runSample(t, 'ets/tool/StartNativeChildProcess.js', { env: { NCP_LIBRARY_PATH: NATIVE_DIR } });
    const pid = await s.pid;
    // Main returns at once: the child ends by itself, cleanly (no 'exit' report,
    // no log line), while the app lives on.
    await waitFor(() => !alive(pid), `native child ${pid} to end after Main returned`);
    assert.equal(s.app.child.exitCode, null, 'the app is still running');
    noErrors(s.app);
  });
