// SPDX-License-Identifier: Apache-2.0
// The first script of every JavaScript child.
//
//   node bootstrap.js FD                          a child started through the library:
//                                                 FD is the pipe libncp-node-child.so filled
//   node bootstrap.js --self-fork FILE PARENT     a SELF_FORK child of the app
//
// Loads the module's default export (a class extending ChildProcess), makes
// one instance and calls onStart(args).  The child stays alive afterwards
// until it exits itself or its app ends.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const { IN_CHILD_MARK } = require('./classes.js');

globalThis[IN_CHILD_MARK] = true;

function die(msg) {
  process.stderr.write(`libchild-process: child ${process.pid}: ${msg}\n`);
  process.exit(127);
}

// The child's module asks for the package by name; it gets this copy, also
// where no node_modules is visible (an isolated child).
const PACKAGE_INDEX = path.join(__dirname, 'index.js');
const PACKAGE_NAMES = new Set(['libchild-process']);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (PACKAGE_NAMES.has(request)) return PACKAGE_INDEX;
  return resolveFilename.call(this, request, ...rest);
};

// "N\n" then N lines "FD LEN NAME\n" (LEN in bytes), then the params with
// their header.  buf is a Buffer.
function parsePayload(buf) {
  let pos = 0;
  const upTo = (byte) => {
    const end = buf.indexOf(byte, pos);
    if (end < 0) die('truncated start payload');
    const s = buf.toString('utf8', pos, end);
    pos = end + 1;
    return s;
  };
  const count = Number(upTo(0x0a));
  const fds = {};
  for (let i = 0; i < count; i++) {
    const fd = Number(upTo(0x20));
    const len = Number(upTo(0x20));
    fds[buf.toString('utf8', pos, pos + len)] = fd;
    pos += len + 1;
  }
  const rest = buf.toString('utf8', pos);
  if (!rest.startsWith('NCPJS1\n')) die('start payload without header');
  const end = rest.indexOf('\n\n');
  const fields = {};
  for (const kv of rest.slice(7, end).split('\n')) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    fields[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { fds, fields, params: rest.slice(end + 2) };
}

function defaultExport(ns) {
  let d = ns && ns.default !== undefined ? ns.default : ns;
  // CommonJS compiled from `export default` (TypeScript, Babel).
  if (d && typeof d !== 'function' && typeof d.default === 'function') d = d.default;
  return d;
}

// An isolated child: the module's source comes as a descriptor.
function compileFromFd(fd, filename) {
  const source = fs.readFileSync(fd, 'utf8');
  fs.closeSync(fd);
  const m = new Module(filename, null);
  m.filename = filename;
  m.paths = [];
  m._compile(source, filename);
  return m.exports;
}

async function load(fields, moduleFd) {
  if (moduleFd !== undefined) return compileFromFd(moduleFd, fields.file);
  return import(pathToFileURL(fields.entry).href);
}

async function run() {
  let fields;
  let args;
  let moduleFd;
  if (process.argv[2] === '--self-fork') {
    const parent = Number(process.argv[4]);
    const addon = require(path.join(__dirname, 'ncp_node.node'));
    if (!addon.dieWithParent(parent)) process.exit(0); // the app already ended
    fields = { entry: process.argv[3], args: '0' };
  } else {
    const fd = Number(process.argv[2]);
    const payload = parsePayload(fs.readFileSync(fd));
    fs.closeSync(fd);
    fields = payload.fields;
    const fds = payload.fds;
    if (fields.module) {
      moduleFd = fds[fields.module];
      delete fds[fields.module];
    }
    args = { entryParams: payload.params, fds };
    // The process keeps the name the library gave it (argv[0]); the title
    // also replaces the bootstrap's arguments in /proc/PID/cmdline.
    process.title = process.argv0;
  }
  let ns;
  try {
    ns = await load(fields, moduleFd);
  } catch (e) {
    die(`cannot load ${fields.entry || fields.file}: ${e && e.stack ? e.stack : e}`);
  }
  const Cls = defaultExport(ns);
  if (typeof Cls !== 'function' || typeof Cls.prototype.onStart !== 'function') {
    die(`${fields.entry || fields.file}: the default export is not a class with onStart (extend ChildProcess)`);
  }
  // Alive until the child ends itself or the app ends (as on the platform).
  setInterval(() => {}, 0x7fffffff);
  const instance = new Cls();
  await (fields.args === '1' ? instance.onStart(args) : instance.onStart());
}

run();
