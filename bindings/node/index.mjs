// SPDX-License-Identifier: Apache-2.0
// The package's ES module entry: the same objects as the CommonJS one.
import pkg from './lib/index.js';

export const { childProcessManager, ChildProcess, ChildProcessArgs, ChildProcessOptions, BusinessError } = pkg;
export default pkg;
