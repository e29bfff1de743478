// Draws the staff app's icons (a white check in a ring on the roll-call red) into
// admin-ui/public/icons/ as PNG, with no image library: shapes as distance
// functions, 4x4 supersampling, zlib for the PNG. The same shapes are in icon.svg.
// Run `node scripts/build-icons.mjs` after changing the design; the PNGs are committed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const out = fileURLToPath(new URL("../admin-ui/public/icons/", import.meta.url));
const RED = [0xb0, 0x00, 0x20];
const WHITE = [0xff, 0xff, 0xff];

/** Shapes in a unit square (0..1): the ring and the check, scaled by `k` around the centre. */
function motif(x, y, k) {
  const cx = 0.5 + (x - 0.5) / k;
  const cy = 0.5 + (y - 0.5) / k;
  const r = Math.hypot(cx - 0.5, cy - 0.5);
  const ring = Math.abs(r - 0.34) - 0.045;
  const check = Math.min(segment(cx, cy, 0.33, 0.52, 0.45, 0.64), segment(cx, cy, 0.45, 0.64, 0.68, 0.38)) - 0.055;
  return Math.min(ring, check) * k;
}

function segment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Distance to a rounded square of corner radius `rad` (negative inside). */
function roundedSquare(x, y, rad) {
  const qx = Math.abs(x - 0.5) - (0.5 - rad);
  const qy = Math.abs(y - 0.5) - (0.5 - rad);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - rad;
}

/**
 * RGBA pixels. `background`: "rounded" (any-purpose icon), "full" (maskable and
 * Apple: the platform cuts the shape) or "none" (the monochrome notification badge).
 */
function draw(size, { background, scale }) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let j = 0; j < size; j++)
    for (let i = 0; i < size; i++) {
      let bg = 0;
      let fg = 0;
      for (let sj = 0; sj < S; sj++)
        for (let si = 0; si < S; si++) {
          const x = (i + (si + 0.5) / S) / size;
          const y = (j + (sj + 0.5) / S) / size;
          const inBg = background === "full" || (background === "rounded" && roundedSquare(x, y, 0.2) <= 0);
          const inFg = motif(x, y, scale) <= 0;
          if (inBg) bg++;
          if (inFg) fg++;
        }
      const o = (j * size + i) * 4;
      const a = background === "none" ? fg / (S * S) : bg / (S * S);
      const f = background === "none" ? 1 : Math.min(1, fg / Math.max(bg, 1));
      for (let c = 0; c < 3; c++) px[o + c] = background === "none" ? WHITE[c] : Math.round(RED[c] * (1 - f) + WHITE[c] * f);
      px[o + 3] = Math.round(a * 255);
    }
  return px;
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const ICONS = [
  ["icon-192.png", 192, { background: "rounded", scale: 1 }],
  ["icon-512.png", 512, { background: "rounded", scale: 1 }],
  // Maskable: the motif inside the 80% safe circle, the background to the edges.
  ["maskable-512.png", 512, { background: "full", scale: 0.78 }],
  ["apple-touch-icon.png", 180, { background: "full", scale: 0.9 }],
  // Android draws the badge from its alpha only.
  ["badge-96.png", 96, { background: "none", scale: 1.25 }],
];

mkdirSync(out, { recursive: true });
for (const [name, size, opts] of ICONS) {
  writeFileSync(join(out, name), png(size, draw(size, opts)));
}
console.log(`icons: ${ICONS.map(([n]) => n).join(", ")} in admin-ui/public/icons/`);
