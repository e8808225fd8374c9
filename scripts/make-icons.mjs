// Draws Tracksphere's toolbar/store icons (a blue sphere with an orbit) as PNGs
// with Node built-ins only: 4x4 supersampled coverage, zlib deflate, hand-made chunks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
// Colour of a point in unit coordinates (-1..1), or null outside the shape.
function shade(u, v) {
  // Orbit: a tilted ellipse ring drawn over the sphere.
  const c = Math.cos(-0.45),
    s = Math.sin(-0.45);
  const ou = (u * c - v * s) / 0.98,
    ov = (u * s + v * c) / 0.36;
  const ring = Math.abs(Math.hypot(ou, ov) - 1);
  if (ring < 0.09) return [250, 204, 21];
  const d = Math.hypot(u, v);
  if (d > 0.72) return null;
  // Sphere lit from the upper left.
  const light = Math.max(0, 1 - Math.hypot(u + 0.3, v + 0.3) / 1.1);
  return [Math.round(29 + 90 * light), Math.round(78 + 110 * light), Math.round(216 + 39 * light)];
}
const out = new URL('../extension/public/icon/', import.meta.url);
mkdirSync(out, { recursive: true });
for (const size of [16, 32, 48, 128]) {
  const SS = 4;
  const buf = png(size, (x, y) => {
    let r = 0,
      g = 0,
      b = 0,
      n = 0;
    for (let i = 0; i < SS; i++)
      for (let j = 0; j < SS; j++) {
        const u = ((x + (i + 0.5) / SS) / size) * 2 - 1;
        const v = ((y + (j + 0.5) / SS) / size) * 2 - 1;
        const col = shade(u, v);
        if (col) {
          r += col[0];
          g += col[1];
          b += col[2];
          n++;
        }
      }
    if (n === 0) return [0, 0, 0, 0];
    return [
      Math.round(r / n),
      Math.round(g / n),
      Math.round(b / n),
      Math.round((255 * n) / (SS * SS)),
    ];
  });
  writeFileSync(new URL(`${size}.png`, out), buf);
  console.log(size, buf.length, 'bytes');
}
