#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A JS app that makes thumbnails of every PGM image in a folder, each in a
// child of its own, isolated by default: the ArkTS childProcessManager API
// on Node.js (the package in bindings/node), as examples/thumbnailer does
// in C.
//
//   node app.js [--native] [--normal] [--check-walls] [--port N] [--jobs N] IN_DIR OUT_DIR
//
//   (default)      isolated JS children: ./ets/process/Thumbnailer.ets, i.e.
//                  ets/process/Thumbnailer.js beside this file
//   --native       isolated native children instead: the C example's
//                  libthumbnailer.so:Thumbnail (found through NCP_LIBRARY_PATH)
//   --normal       isolationMode: false (to compare: the walls are gone)
//   --check-walls  each child also tries the app's data dir, $HOME and the
//                  host's 127.0.0.1 (--port N, else a server the app starts)
//                  and the app prints what it got
//
// Needs the package: `npm install /path/to/bindings/node` next to this
// file (or NODE_PATH naming a directory that holds libchild-process).
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

// The bundle name decides the app's data dir: set it before the first start.
process.env.NCP_BUNDLE_NAME = process.env.NCP_BUNDLE_NAME || 'com.example.jsthumbnailer';
const { childProcessManager } = require('libchild-process');

function parseArgs(argv) {
  const o = { native: false, isolationMode: true, checkWalls: false, port: 0, jobs: 4, dirs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--native') o.native = true;
    else if (a === '--normal') o.isolationMode = false;
    else if (a === '--check-walls') o.checkWalls = true;
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--jobs') o.jobs = Math.max(1, Number(argv[++i]) || 1);
    else o.dirs.push(a);
  }
  if (o.dirs.length !== 2) {
    console.error('usage: node app.js [--native] [--normal] [--check-walls] [--port N] [--jobs N] IN_DIR OUT_DIR');
    process.exit(2);
  }
  return o;
}

function appDataDir() {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, process.env.NCP_BUNDLE_NAME);
}

// A listener on the host's loopback, for --check-walls without --port.
async function loopbackServer() {
  const server = net.createServer((s) => s.end());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return server.address().port;
}

function list(dir) {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

// What the child got for a directory (its names or an error code), against
// what the app sees there: "sees [a], not [b, c]".
function seen(dir, got) {
  if (typeof got === 'string') return got;
  const mine = list(dir);
  return `sees [${mine.filter((n) => got.includes(n)).join(', ')}], not [${mine.filter((n) => !got.includes(n)).join(', ')}]`;
}

function describe(check, report) {
  return `data dir ${seen(check.dataDir, report.dataDir)}, home ${seen(check.home, report.home)}, ` +
    `host loopback ${report.loopback}`;
}

// One image: a child with "in", "out" (and "report") descriptors; resolves
// with the line to print.  The descriptors are the app's to close once the
// child has them (a start copies them into the child).
async function thumbnail(o, inFile, outFile, check) {
  const fds = { in: fs.openSync(inFile, 'r'), out: fs.openSync(outFile, 'w') };
  const reportFile = `${outFile}.report`;
  if (check && !o.native) fds.report = fs.openSync(reportFile, 'w');
  const kind = `${o.native ? 'native' : 'js'}, ${o.isolationMode ? 'isolated' : 'normal'}`;
  try {
    const pid = o.native
      // The C child exits 3 when it can see the path it is given.
      ? await childProcessManager.startNativeChildProcess('libthumbnailer.so:Thumbnail',
        { entryParams: check ? check.file : '', fds: { in: fds.in, out: fds.out } }, { isolationMode: o.isolationMode })
      : await childProcessManager.startArkChildProcess('./ets/process/Thumbnailer.ets',
        { entryParams: JSON.stringify({ check }), fds }, { isolationMode: o.isolationMode });
    for (const fd of Object.values(fds)) fs.closeSync(fd);
    fds.in = fds.out = fds.report = undefined;
    const { exitCode, signal } = await childProcessManager.waitChildProcess(pid, 60000);
    const name = path.basename(inFile);
    if (o.native && check && exitCode === 3) return { ok: true, line: `${name}: walls: ${check.file} visible (${kind}, pid ${pid})` };
    if (exitCode !== 0) return { ok: false, line: `${name}: failed: ${signal ? `killed by ${signal}` : `exit ${exitCode}`} (${kind}, pid ${pid})` };
    const dims = /^P5\s+(\d+) (\d+)/.exec(fs.readFileSync(outFile).subarray(0, 32).toString('latin1'));
    let line = `${name} -> ${outFile}: ${dims ? `${dims[1]}x${dims[2]}` : '?'} (${kind}, pid ${pid})`;
    if (check && !o.native) {
      line += `\n${name}: walls: ${describe(check, JSON.parse(fs.readFileSync(reportFile, 'utf8')))}`;
      fs.rmSync(reportFile);
    } else if (check) line += `\n${name}: walls: ${check.file} not visible`;
    return { ok: true, line };
  } catch (e) {
    for (const fd of Object.values(fds)) if (fd !== undefined) fs.closeSync(fd);
    return { ok: false, line: `${path.basename(inFile)}: ${e.name} ${e.code ?? ''}: ${e.message}${e.detail ? ` (${e.detail})` : ''}` };
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const [inDir, outDir] = o.dirs;
  fs.mkdirSync(outDir, { recursive: true });
  const images = fs.readdirSync(inDir).filter((f) => f.endsWith('.pgm')).sort();
  let check = null;
  if (o.checkWalls) {
    // A native child only says whether it sees one path: a file of the app's
    // data dir (its own data dir is a private empty one at the same path).
    const dataDir = appDataDir();
    const file = list(dataDir).length ? path.join(dataDir, list(dataDir)[0]) : dataDir;
    check = { dataDir, home: os.homedir(), port: o.port || await loopbackServer(), file };
  }
  let failed = 0;
  // At most o.jobs children at a time (the app's limit is 512).
  const queue = images.slice();
  await Promise.all(Array.from({ length: Math.min(o.jobs, images.length) }, async () => {
    for (let f; (f = queue.shift()) !== undefined;) {
      const r = await thumbnail(o, path.join(inDir, f), path.join(outDir, f), check);
      if (!r.ok) failed++;
      console.log(r.line);
    }
  }));
  console.log(`${images.length} images, ${images.length - failed} thumbnails, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
