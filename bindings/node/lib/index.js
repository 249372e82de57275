// SPDX-License-Identifier: Apache-2.0
// childProcessManager, ChildProcess, ChildProcessArgs, ChildProcessOptions:
// the ArkTS module @ohos.app.ability.childProcessManager on Node.js, backed by
// libchild_process (through ncp_node.node, next to this file).
'use strict';

const { EventEmitter } = require('node:events');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const errors = require('./errors.js');
const { resolveSrcEntry } = require('./srcentry.js');
const { ChildProcess, ChildProcessArgs, ChildProcessOptions, IN_CHILD_MARK } = require('./classes.js');

const { BusinessError, NCP } = errors;

const HELPER = path.join(__dirname, 'libncp-node-child.so');
const BOOTSTRAP = path.join(__dirname, 'bootstrap.js');
const MAX_PARAMS = 150 * 1024;
const MAX_FDS = 16;
const MAX_FD_NAME = 20;
// The name of the descriptor that carries an isolated child's module.
const MODULE_FD = 'ncp.module';

let addon = null;
function native() {
  if (!addon) addon = require(path.join(__dirname, 'ncp_node.node'));
  return addon;
}

const StartMode = Object.freeze({ SELF_FORK: 0, APP_SPAWN_FORK: 1 });

function inChild() {
  return globalThis[IN_CHILD_MARK] === true || process.env.NCP_IN_CHILD === '1';
}

function paramError(api, detail) {
  return new BusinessError(errors.PARAM, api, detail);
}

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// args: ChildProcessArgs → { params, names, fds }, or throws 401.
function checkArgs(api, args) {
  if (!isPlainObject(args)) throw paramError(api, 'args must be a ChildProcessArgs object');
  const params = args.entryParams === undefined ? '' : args.entryParams;
  if (typeof params !== 'string') throw paramError(api, 'args.entryParams must be a string');
  if (Buffer.byteLength(params) > MAX_PARAMS) throw paramError(api, 'args.entryParams is longer than 150 KB');
  if (params.includes('\0')) throw paramError(api, 'args.entryParams contains a NUL character');
  const names = [];
  const fds = [];
  if (args.fds !== undefined) {
    if (!isPlainObject(args.fds)) throw paramError(api, 'args.fds must be a record of names to descriptors');
    for (const [name, fd] of Object.entries(args.fds)) {
      if (name.length === 0 || name.length > MAX_FD_NAME || name.includes('\0')) {
        throw paramError(api, `args.fds: name "${name}" must have 1 to ${MAX_FD_NAME} characters`);
      }
      if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
        throw paramError(api, `args.fds.${name} must be a descriptor number`);
      }
      names.push(name);
      fds.push(fd);
    }
    if (names.length > MAX_FDS) throw paramError(api, `args.fds has more than ${MAX_FDS} descriptors`);
  }
  return { params, names, fds };
}

function checkOptions(api, options) {
  if (options === undefined || options === null) return { isolated: false, isolationUid: false };
  if (!isPlainObject(options)) throw paramError(api, 'options must be a ChildProcessOptions object');
  for (const key of ['isolationMode', 'isolationUid']) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw paramError(api, `options.${key} must be a boolean`);
    }
  }
  return { isolated: options.isolationMode === true, isolationUid: options.isolationUid === true };
}

function checkString(api, what, v) {
  if (typeof v !== 'string') throw paramError(api, `${what} must be a string`);
  if (v.includes('\0')) throw paramError(api, `${what} contains a NUL character`);
  return v;
}

// The Linux extensions of startNativeChildProcess's options, the C API's
// NCP_ChildProcessConfigs_* setters: checked for shape here, for content by
// the library (which answers 401).  null when none is given.
function checkExtras(api, options) {
  if (!isPlainObject(options)) return null;
  const { binds, env, cwd, writableFds } = options;
  if (binds === undefined && env === undefined && cwd === undefined && writableFds === undefined) return null;
  const x = { binds: [], env: [], cwd: null, writableFds: [] };
  if (binds !== undefined) {
    if (!Array.isArray(binds) || binds.length > 16) {
      throw paramError(api, 'options.binds must be an array of at most 16 { src, dest, writable } objects');
    }
    binds.forEach((b, i) => {
      if (!isPlainObject(b) || (b.writable !== undefined && typeof b.writable !== 'boolean')) {
        throw paramError(api, `options.binds[${i}] must be { src: string, dest: string, writable?: boolean }`);
      }
      x.binds.push(checkString(api, `options.binds[${i}].src`, b.src), checkString(api, `options.binds[${i}].dest`, b.dest),
        b.writable === true);
    });
  }
  if (env !== undefined) {
    if (!isPlainObject(env)) throw paramError(api, 'options.env must be a record of names to strings');
    const entries = Object.entries(env);
    if (entries.length > 32) throw paramError(api, 'options.env has more than 32 variables');
    for (const [name, value] of entries) x.env.push(checkString(api, 'an options.env name', name), checkString(api, `options.env.${name}`, value));
  }
  if (cwd !== undefined) x.cwd = checkString(api, 'options.cwd', cwd);
  if (writableFds !== undefined) {
    if (!Array.isArray(writableFds) || writableFds.length > MAX_FDS) {
      throw paramError(api, `options.writableFds must be an array of at most ${MAX_FDS} fd names`);
    }
    writableFds.forEach((n, i) => x.writableFds.push(checkString(api, `options.writableFds[${i}]`, n)));
  }
  return x;
}

// The library's start on the thread pool; resolves the pid or rejects with
// the ArkTS code.  Never leaves the promise pending: the addon calls back
// exactly once, also when the library fails.
function libraryStart(api, entry, params, names, fds, opts, processName, extras = null) {
  return new Promise((resolve, reject) => {
    try {
      native().start(entry, params, names, fds, opts.isolated, opts.isolationUid, processName, (code, pid) => {
        if (code === NCP.NO_ERROR) resolve(pid);
        else reject(new BusinessError(errors.fromLibrary(code, api), api, `libchild_process returned ${code}`));
      }, extras);
    } catch (e) {
      reject(new BusinessError(errors.INTERNAL, api, e && e.message));
    }
  });
}

function startNativeChildProcess(entryPoint, args, options) {
  const api = 'startNativeChildProcess';
  if (inChild()) throw new BusinessError(errors.IN_CHILD, api);
  if (typeof entryPoint !== 'string') throw paramError(api, 'entryPoint must be a string');
  const colon = entryPoint.lastIndexOf(':');
  if (colon <= 0 || colon === entryPoint.length - 1 || entryPoint.includes('\0')) {
    throw paramError(api, 'entryPoint must be "library:function"');
  }
  const a = checkArgs(api, args);
  const opts = checkOptions(api, options);
  const extras = checkExtras(api, options);
  return libraryStart(api, entryPoint, a.params, a.names, a.fds, opts, null, extras);
}

// The process name of a JS child: its module's file name, in the characters
// the library allows ([A-Za-z0-9_], at most 64).
function processNameOf(file) {
  const stem = path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
  return stem || 'ArkChild';
}

// Directories an isolated child sees (the system's, read-only): the node
// executable must be in one of them.
const SANDBOX_SYSTEM_DIRS = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib64/'];

function header(fields) {
  let h = 'NCPJS1\n';
  for (const [k, v] of Object.entries(fields)) {
    if (v.includes('\n')) throw new Error(`${k} contains a newline`);
    h += `${k}=${v}\n`;
  }
  return `${h}\n`;
}

function resolveOrThrow(api, srcEntry) {
  if (typeof srcEntry !== 'string' || srcEntry.length === 0 || srcEntry.includes('\0')) {
    throw paramError(api, 'srcEntry must be a non-empty string');
  }
  const r = resolveSrcEntry(srcEntry);
  if (!r.path) throw paramError(api, `srcEntry "${srcEntry}": no file at ${r.tried.join(', ')}`);
  if (r.path.includes('\n')) throw paramError(api, 'srcEntry: path contains a newline');
  return r.path;
}

// A JavaScript child through the library (APP_SPAWN_FORK, startArkChildProcess).
// Argument errors throw here; the start itself settles the promise.
function startJsThroughLibrary(api, file, srcEntry, a, opts, withArgs) {
  const names = a.names.slice();
  const fds = a.fds.slice();
  const fields = { node: process.execPath, label: srcEntry, args: withArgs ? '1' : '0' };
  let moduleFd = -1;
  if (opts.isolated) {
    // The app's directory is not in the sandbox: the module travels as a
    // read-only descriptor and is compiled from it (CommonJS only).
    let exe = process.execPath;
    try { exe = fs.realpathSync(exe); } catch { /* checked as it is */ }
    if (!SANDBOX_SYSTEM_DIRS.some((d) => exe.startsWith(d))) {
      throw new BusinessError(errors.NOT_SUPPORTED, api,
        `node (${exe}) is not under a system directory an isolated child can see`);
    }
    if (file.endsWith('.mjs')) {
      throw new BusinessError(errors.NOT_SUPPORTED, api, 'an isolated child loads a CommonJS module (.js, .cjs), not .mjs');
    }
    if (names.length >= MAX_FDS) throw paramError(api, `an isolated JS child takes at most ${MAX_FDS - 1} descriptors`);
    if (names.includes(MODULE_FD)) throw paramError(api, `args.fds: "${MODULE_FD}" is reserved`);
    try {
      moduleFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CLOEXEC);
    } catch (e) {
      throw paramError(api, `srcEntry: ${e.message}`);
    }
    names.push(MODULE_FD);
    fds.push(moduleFd);
    fields.module = MODULE_FD;
    fields.file = file;
  } else {
    fields.entry = file;
  }
  const params = header(fields) + a.params;
  if (Buffer.byteLength(params) > MAX_PARAMS) {
    if (moduleFd >= 0) fs.closeSync(moduleFd);
    throw paramError(api, 'args.entryParams and the module path are longer than 150 KB together');
  }
  const p = libraryStart(api, `${HELPER}:NodeChildMain`, params, names, fds, opts, processNameOf(file));
  if (moduleFd < 0) return p;
  return p.finally(() => fs.closeSync(moduleFd));
}

function startArkChildProcess(srcEntry, args, options) {
  const api = 'startArkChildProcess';
  if (inChild()) throw new BusinessError(errors.IN_CHILD, api);
  const file = resolveOrThrow(api, srcEntry);
  const a = checkArgs(api, args);
  const opts = checkOptions(api, options);
  return startJsThroughLibrary(api, file, srcEntry, a, opts, true);
}

// SELF_FORK children: the app's own children (like child_process.fork),
// with its environment; not counted against the library's limit.
const selfForked = new Map(); // pid -> { child, end: {exitCode, signal} | null, waiters: [] }

function startSelfFork(api, file) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = childProcess.spawn(process.execPath, [BOOTSTRAP, '--self-fork', file, String(process.pid)], {
        stdio: 'inherit',
        env: { ...process.env, NCP_IN_CHILD: '1' },
      });
    } catch (e) {
      reject(new BusinessError(errors.INTERNAL, api, e.message));
      return;
    }
    child.once('error', (e) => {
      if (child.pid === undefined) reject(new BusinessError(errors.INTERNAL, api, e.message));
    });
    child.once('spawn', () => {
      const rec = { child, end: null, waiters: [] };
      selfForked.set(child.pid, rec);
      child.unref(); // like the library's children: it never keeps the app running
      child.once('exit', (exitCode, signal) => {
        const signo = signal ? os.constants.signals[signal] : null;
        rec.end = { exitCode, signal: signo };
        for (const w of rec.waiters.splice(0)) w(rec.end);
        if (signo) manager.emit('exit', child.pid, signo);
      });
      resolve(child.pid);
    });
  });
}

function startChildProcess(srcEntry, startMode, callback) {
  const api = 'startChildProcess';
  if (inChild()) throw new BusinessError(errors.IN_CHILD, api);
  const file = resolveOrThrow(api, srcEntry);
  if (startMode !== StartMode.SELF_FORK && startMode !== StartMode.APP_SPAWN_FORK) {
    throw paramError(api, 'startMode must be StartMode.SELF_FORK or StartMode.APP_SPAWN_FORK');
  }
  if (callback !== undefined && typeof callback !== 'function') throw paramError(api, 'callback must be a function');
  const p = startMode === StartMode.SELF_FORK
    ? startSelfFork(api, file)
    : startJsThroughLibrary(api, file, srcEntry, { params: '', names: [], fds: [] },
      { isolated: false, isolationUid: false }, false);
  if (!callback) return p;
  p.then((pid) => callback(undefined, pid), (err) => callback(err, undefined));
  return undefined;
}

// ---- Linux extensions ---------------------------------------------------

// Kills a child this process started (any kind).  Throws BusinessError 16010010
// when pid is not a live child of this process.
function killChildProcess(pid) {
  if (!Number.isInteger(pid) || pid <= 0) throw paramError('killChildProcess', 'pid must be a positive integer');
  const rec = selfForked.get(pid);
  if (rec) {
    if (rec.end) throw new BusinessError(NCP.INVALID_PID, 'killChildProcess', `pid ${pid} has ended`);
    rec.child.kill('SIGKILL');
    return;
  }
  const code = native().kill(pid);
  if (code !== NCP.NO_ERROR) {
    throw new BusinessError(code, 'killChildProcess', `pid ${pid} is not a live child of this process`);
  }
}

// Resolves { exitCode, signal } when the child ends (one of them null);
// rejects with 16010002 when it still runs after timeoutMs, 16010010 when
// pid is not a child of this process or its end was taken by another wait.
function waitChildProcess(pid, timeoutMs = -1) {
  const api = 'waitChildProcess';
  if (!Number.isInteger(pid) || pid <= 0) return Promise.reject(paramError(api, 'pid must be a positive integer'));
  if (!Number.isInteger(timeoutMs)) return Promise.reject(paramError(api, 'timeoutMs must be an integer'));
  const rec = selfForked.get(pid);
  if (rec) {
    if (rec.end) return Promise.resolve(rec.end);
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (end) => { if (timer) clearTimeout(timer); resolve(end); };
      rec.waiters.push(done);
      if (timeoutMs >= 0) {
        timer = setTimeout(() => {
          rec.waiters.splice(rec.waiters.indexOf(done), 1);
          reject(new BusinessError(NCP.TIMEOUT, api, `pid ${pid} still runs`));
        }, timeoutMs);
      }
    });
  }
  return new Promise((resolve, reject) => {
    native().wait(pid, Math.min(timeoutMs, 0x7fffffff), (code, end) => {
      if (code === NCP.NO_ERROR) resolve(end);
      else reject(new BusinessError(code, api, `libchild_process returned ${code}`));
    });
  });
}

function isNativeChildProcessSupported() {
  return !inChild() && native().isSupported();
}

// The manager is an EventEmitter: 'exit' (pid, signal) when a child of this
// process is killed by a signal — the library's exit callbacks, and the same
// for SELF_FORK children.  Listening does not keep the app running.
const manager = new EventEmitter();
let listening = false;
manager.on('newListener', (event) => {
  if (event !== 'exit' || listening || inChild()) return;
  const code = native().onExit((pid, signal) => manager.emit('exit', pid, signal));
  if (code !== NCP.NO_ERROR) throw new BusinessError(errors.INTERNAL, 'on', `exit callback: ${code}`);
  listening = true;
});
manager.on('removeListener', (event) => {
  if (event === 'exit' && listening && manager.listenerCount('exit') === 0) {
    native().onExit(null);
    listening = false;
  }
});

Object.assign(manager, {
  StartMode,
  startChildProcess,
  startArkChildProcess,
  startNativeChildProcess,
  killChildProcess,
  waitChildProcess,
  isNativeChildProcessSupported,
});

module.exports = {
  childProcessManager: manager,
  ChildProcess,
  ChildProcessArgs,
  ChildProcessOptions,
  BusinessError,
};
