// SPDX-License-Identifier: Apache-2.0
// BusinessError: the error shape of the ArkTS module (numeric code, the
// document's message), and the mapping from libchild_process's codes.
'use strict';

const PARAM = 401;
const NOT_SUPPORTED = 801;
const INTERNAL = 16000050;
const IN_CHILD = 16000061;
const LIMIT = 16000062;

// Messages per API, as the API document words them.
const MESSAGES = {
  [PARAM]: 'Parameter error. Possible causes: 1.Mandatory parameters are left unspecified; ' +
    '2.Incorrect parameter types; 3.Parameter verification failed.',
  [INTERNAL]: 'Internal error.',
  [LIMIT]: 'The number of child processes exceeds the upper limit.',
};

function message(code, api) {
  if (code === NOT_SUPPORTED) {
    return api === 'startNativeChildProcess'
      ? 'Capability not supported. Capability not supported. Failed to call the API due to limited device capabilities.'
      : 'Capability not supported.';
  }
  if (code === IN_CHILD) {
    return api === 'startChildProcess'
      ? 'Operation not supported.'
      : 'Operation not supported. The API cannot be called in a child process.';
  }
  return MESSAGES[code] || `Error ${code}.`;
}

class BusinessError extends Error {
  // detail: what exactly went wrong (a Linux addition; message stays the document's).
  constructor(code, api, detail) {
    super(message(code, api));
    this.name = 'BusinessError';
    this.code = code;
    if (detail) this.detail = detail;
  }
}

// libchild_process codes (<AbilityKit/native_child_process.h>).
const NCP = {
  NO_ERROR: 0,
  INVALID_PARAM: 401,
  NOT_SUPPORTED: 801,
  INTERNAL: 16000050,
  TIMEOUT: 16010002,
  MULTI_PROCESS_DISABLED: 16010004,
  ALREADY_IN_CHILD: 16010005,
  MAX_CHILD_PROCESSES_REACHED: 16010006,
  LIB_LOADING_FAILED: 16010007,
  INVALID_PID: 16010010,
};

// The ArkTS code for a failed start.  Multi-process mode switched off is
// "not supported": 801, or 16000061 for startChildProcess, which has no 801.
function fromLibrary(ncpCode, api) {
  switch (ncpCode) {
    case NCP.INVALID_PARAM: return PARAM;
    case NCP.NOT_SUPPORTED: return api === 'startChildProcess' ? IN_CHILD : NOT_SUPPORTED;
    case NCP.MULTI_PROCESS_DISABLED: return api === 'startChildProcess' ? IN_CHILD : NOT_SUPPORTED;
    case NCP.ALREADY_IN_CHILD: return IN_CHILD;
    case NCP.MAX_CHILD_PROCESSES_REACHED: return LIMIT;
    default: return INTERNAL;
  }
}

module.exports = { BusinessError, fromLibrary, NCP, PARAM, NOT_SUPPORTED, INTERNAL, IN_CHILD, LIMIT };
