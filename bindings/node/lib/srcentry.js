// SPDX-License-Identifier: Apache-2.0
// Where a srcEntry names a file (README.md, "How srcEntry is found").
//
//   /abs/path/X.js                  that file
//   ./ets/process/X.ets, ets/X.js   <app root>/ets/process/X.<ext>
//   module1/./ets/process/X.ets     <app root>/module1/ets/process/X.<ext>,
//                                   else <app root>/ets/process/X.<ext>
//
// The app root is the directory of the app's main module (require.main, or
// the script node was started with), or NCP_APP_ROOT when set.  A name ending
// in .ets or .ts means the JavaScript the app's build made of it: the same
// path ending in .js, .cjs or .mjs, the first that exists.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function appRoot() {
  if (process.env.NCP_APP_ROOT) return path.resolve(process.env.NCP_APP_ROOT);
  const main = (require.main && require.main.filename) || process.argv[1];
  if (main) {
    try {
      return path.dirname(fs.realpathSync(main));
    } catch {
      return path.dirname(path.resolve(main));
    }
  }
  return process.cwd();
}

function withExtensions(p) {
  const m = /\.(ets|ts)$/.exec(p);
  if (!m || p.endsWith('.d.ts')) return [p];
  const stem = p.slice(0, -m[0].length);
  return [`${stem}.js`, `${stem}.cjs`, `${stem}.mjs`];
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

// { path } of the file, or { tried: [...] } when none exists.
function resolveSrcEntry(srcEntry) {
  const bases = [];
  if (path.isAbsolute(srcEntry)) {
    bases.push(srcEntry);
  } else {
    const root = appRoot();
    const sep = srcEntry.indexOf('/./');
    const first = sep > 0 ? srcEntry.slice(0, sep) : '';
    if (first && first !== '.' && first !== '..' && !first.includes('/')) {
      const rest = srcEntry.slice(sep + 3);
      bases.push(path.join(root, first, rest), path.join(root, rest));
    } else {
      bases.push(path.join(root, srcEntry));
    }
  }
  const tried = bases.flatMap(withExtensions);
  const found = tried.find(isFile);
  return found ? { path: found } : { tried };
}

module.exports = { resolveSrcEntry, appRoot };
