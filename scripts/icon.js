'use strict';
/**
 * Draws the extension's icon (images/icon.png, 128×128): a start event and a flow into a task whose
 * resource fields show, with the resource's link badge at its corner. Drawn here, not copied from anywhere;
 * run `node scripts/icon.js` to redraw. Pure Node (zlib PNG encoder, 4× supersampling for smooth edges).
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const SIZE = 128;
const SS = 4;
const W = SIZE * SS;

const BG = [30, 95, 116];
const WHITE = [255, 255, 255];
const LINE = [30, 95, 116];
const BADGE = [242, 153, 46];

/** Distance-based shape tests in supersampled pixels. */
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r, w) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r && d >= r - w;
};
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const triangle = (ax, ay, bx, by, cx, cy) => (x, y) => {
  const s = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = s(ax, ay, bx, by);
  const d2 = s(bx, by, cx, cy);
  const d3 = s(cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};

const u = (v) => v * SS;
/** Layers, painted in order: [shape, colour]. */
const layers = [
  [roundRect(0, 0, W - 1, W - 1, u(22)), BG],
  [ring(u(22), u(64), u(12), u(4)), WHITE], // start event
  [rect(u(34), u(62), u(48), u(66)), WHITE], // flow
  [triangle(u(46), u(57), u(46), u(71), u(55), u(64)), WHITE], // arrow head
  [roundRect(u(56), u(36), u(116), u(92), u(10)), WHITE], // task
  [rect(u(66), u(50), u(106), u(54)), LINE], // resource fields
  [rect(u(66), u(62), u(100), u(66)), LINE],
  [rect(u(66), u(74), u(94), u(78)), LINE],
  [circle(u(112), u(38), u(13)), BG], // badge outline
  [circle(u(112), u(38), u(10)), BADGE], // the resource link badge
];

function paint() {
  const out = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let py = 0; py < SIZE; py++) {
    out[py * (SIZE * 4 + 1)] = 0; // PNG filter: none
    for (let px = 0; px < SIZE; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = px * SS + sx + 0.5;
          const y = py * SS + sy + 0.5;
          let colour;
          for (const [shape, c] of layers) if (shape(x, y)) colour = c;
          if (!colour) continue;
          r += colour[0]; g += colour[1]; b += colour[2]; a += 255;
        }
      }
      const n = SS * SS;
      const covered = a / 255 || 1;
      const o = py * (SIZE * 4 + 1) + 1 + px * 4;
      out[o] = Math.round(r / covered);
      out[o + 1] = Math.round(g / covered);
      out[o + 2] = Math.round(b / covered);
      out[o + 3] = Math.round(a / n);
    }
  }
  return out;
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(paint(), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const file = path.join(__dirname, '..', 'images', 'icon.png');
fs.writeFileSync(file, png);
console.log(`${path.relative(process.cwd(), file)}: ${png.length} bytes`);
