// SPDX-License-Identifier: Apache-2.0
// The package's CommonJS entry; the code lives in lib/ (next to the native
// pieces, the one directory an isolated JS child sees of the package).
'use strict';

module.exports = require('./lib/index.js');
