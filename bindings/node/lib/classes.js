// SPDX-License-Identifier: Apache-2.0
// The classes an ArkTS file imports besides childProcessManager.
'use strict';

// Set by lib/bootstrap.js in every JS child (shared by all copies of the package).
const IN_CHILD_MARK = Symbol.for('libchild-process.inChild');

// The base class of a child's module (its default export extends it).  In the
// child, a fresh Node.js runtime creates one instance and calls onStart(args)
// once; the child keeps running after onStart returns (or its promise
// settles) until it calls process.exit() or process.abort(), or the app ends.
class ChildProcess {
  // args: { entryParams, fds } for startArkChildProcess; undefined for startChildProcess.
  onStart(args) { // eslint-disable-line no-unused-vars
  }
}

// What a start passes to the child: entryParams (a string of at most 150 KB)
// and fds (at most 16 names of at most 20 characters, each to a descriptor).
class ChildProcessArgs {
  constructor(init = {}) {
    if (init.entryParams !== undefined) this.entryParams = init.entryParams;
    if (init.fds !== undefined) this.fds = init.fds;
  }
}

// How a child starts: isolationMode (a sandboxed child); isolationUid
// (Linux: a host uid of its own, with isolationMode).
class ChildProcessOptions {
  constructor(init = {}) {
    if (init.isolationMode !== undefined) this.isolationMode = init.isolationMode;
    if (init.isolationUid !== undefined) this.isolationUid = init.isolationUid;
  }
}

module.exports = { ChildProcess, ChildProcessArgs, ChildProcessOptions, IN_CHILD_MARK };
