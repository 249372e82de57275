// SPDX-License-Identifier: Apache-2.0
// The child of the JS thumbnailer (app.js): reads a PGM (P5) image from the
// descriptor "in", writes it scaled down by 4 to "out" and exits.  It is the
// kind of parser worth sandboxing: started with isolationMode: true, it can
// use nothing but the descriptors it was given.
//
// With entryParams {"check": {dataDir, home, port}} it also tries to reach
// what the app can: list the app's data dir and $HOME, connect to the host's
// 127.0.0.1:port; one JSON line to the descriptor "report" says what
// happened.  Isolated, the module travels to the child as a descriptor and
// must be one self-contained file: Node's builtins and libchild-process only.
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const { ChildProcess } = require('libchild-process');

// P5 header: "P5" w h max, whitespace-separated, one whitespace, then w*h bytes.
function parsePgm(buf) {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PGM (P5)');
  const [w, h, max] = header.slice(1, 4).map(Number);
  if (max > 255 || w === 0 || h === 0 || w > 16384 || h > 16384) throw new Error('unsupported PGM size');
  const pixels = buf.subarray(header[0].length);
  if (pixels.length < w * h) throw new Error('truncated PGM');
  return { w, h, pixels };
}

// Each output pixel is the mean of (up to) 4x4 input pixels, as the C example.
function scaleDown(img) {
  const tw = Math.ceil(img.w / 4);
  const th = Math.ceil(img.h / 4);
  const out = Buffer.alloc(tw * th);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = 0; dy < 4 && y * 4 + dy < img.h; dy++) {
        for (let dx = 0; dx < 4 && x * 4 + dx < img.w; dx++, n++) sum += img.pixels[(y * 4 + dy) * img.w + x * 4 + dx];
      }
      out[y * tw + x] = Math.floor(sum / n);
    }
  }
  return Buffer.concat([Buffer.from(`P5\n${tw} ${th}\n255\n`, 'latin1'), out]);
}

// The names in dir, or the error code.
function tryList(dir) {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    return e.code;
  }
}

function tryConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, timeout: 3000 });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('timeout', () => { s.destroy(); resolve('timed out'); });
    s.on('error', (e) => resolve(e.code));
  });
}

module.exports = class Thumbnailer extends ChildProcess {
  async onStart(args) {
    try {
      fs.writeSync(args.fds.out, scaleDown(parsePgm(fs.readFileSync(args.fds.in))));
    } catch (e) {
      process.stderr.write(`thumbnailer: ${e.message}\n`);
      process.exit(2);
    }
    const { check } = JSON.parse(args.entryParams || '{}');
    if (check && args.fds.report !== undefined) {
      const report = {
        dataDir: tryList(check.dataDir),
        home: tryList(check.home),
        loopback: await tryConnect(check.port),
      };
      fs.writeSync(args.fds.report, `${JSON.stringify(report)}\n`);
    }
    // A JS child does not end when onStart returns (as on the platform).
    process.exit(0);
  }
};
