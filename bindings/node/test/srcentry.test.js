// SPDX-License-Identifier: Apache-2.0
// How a srcEntry names a file (lib/srcentry.js, README "How srcEntry is found").
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { FIXTURES } = require('./helpers.js');
const { resolveSrcEntry } = require('../lib/srcentry.js');

const P = (...p) => path.join(FIXTURES, ...p);

test('./ets/process/X.ets is X.js under the app root', () => {
  assert.deepEqual(resolveSrcEntry('./ets/process/DemoProcess.ets'), { path: P('ets/process/DemoProcess.js') });
  assert.deepEqual(resolveSrcEntry('ets/process/DemoProcess.ts'), { path: P('ets/process/DemoProcess.js') });
});

test('module1/./ets/process/X.ets is under <root>/module1, else under the root', () => {
  assert.deepEqual(resolveSrcEntry('module1/./ets/process/DemoProcess.ets'),
    { path: P('module1/ets/process/DemoProcess.js') });
  assert.deepEqual(resolveSrcEntry('entry/./ets/process/DemoProcess.ets'), { path: P('ets/process/DemoProcess.js') });
});

test('.ets finds .js, .cjs or .mjs; a .js/.mjs name is taken as it is', () => {
  assert.deepEqual(resolveSrcEntry('./ets/process/EsmProcess.ets'), { path: P('ets/process/EsmProcess.mjs') });
  assert.deepEqual(resolveSrcEntry('./ets/process/EsmProcess.mjs'), { path: P('ets/process/EsmProcess.mjs') });
  assert.deepEqual(resolveSrcEntry('./ets/process/EsmProcess.js'), { tried: [P('ets/process/EsmProcess.js')] });
});

test('an absolute path is that file', () => {
  assert.deepEqual(resolveSrcEntry(P('ets/process/HoldProcess.js')), { path: P('ets/process/HoldProcess.js') });
});

test('a name that matches no file lists what was tried', () => {
  assert.deepEqual(resolveSrcEntry('m/./x/Y.ets'), {
    tried: [P('m/x/Y.js'), P('m/x/Y.cjs'), P('m/x/Y.mjs'), P('x/Y.js'), P('x/Y.cjs'), P('x/Y.mjs')],
  });
});

test('without NCP_APP_ROOT the root is the main module\'s directory', () => {
  const saved = process.env.NCP_APP_ROOT;
  delete process.env.NCP_APP_ROOT;
  try {
    assert.deepEqual(resolveSrcEntry('./fixtures/ets/process/DemoProcess.ets'), { path: P('ets/process/DemoProcess.js') });
  } finally {
    process.env.NCP_APP_ROOT = saved;
  }
});
