// A tiny PNG encoder/reader (8-bit RGB, no interlace) on node:zlib, enough for the fake Unity
// server's screenshots and asset previews, and for tests to check what came back.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes `rgb` (width*height*3 bytes, rows top to bottom) as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad PNG size ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) throw new RangeError('pixel buffer does not match the size');
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 3 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * A synthetic "rendered frame": a sky/ground gradient with a grid and a sun whose position depends
 * on `seed`, so consecutive captures differ while staying cheap to compress.
 */
export function renderFrame(width: number, height: number, seed = 0): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  const horizon = Math.floor(height * 0.6);
  const sunX = ((seed * 37) % 100) / 100 * width;
  const sunY = height * 0.25;
  const sunR2 = Math.max(4, Math.min(width, height) * 0.08) ** 2;
  const grid = Math.max(8, Math.floor(Math.min(width, height) / 12));
  for (let y = 0; y < height; y++) {
    const t = y / Math.max(1, height - 1);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let r: number, g: number, b: number;
      if (y < horizon) {
        r = 90 + Math.floor(60 * t);
        g = 150 + Math.floor(50 * t);
        b = 235 - Math.floor(30 * t);
        const dx = x - sunX, dy = y - sunY;
        if (dx * dx + dy * dy < sunR2) { r = 255; g = 220; b = 90; }
      } else {
        const onGrid = x % grid === 0 || (y - horizon) % grid === 0;
        r = onGrid ? 40 : 70;
        g = onGrid ? 90 : 130 - Math.floor(40 * t);
        b = onGrid ? 40 : 60;
      }
      px[i] = r; px[i + 1] = g; px[i + 2] = b;
    }
  }
  return px;
}

export function renderPng(width: number, height: number, seed = 0): Buffer {
  return encodePng(width, height, renderFrame(width, height, seed));
}

/** Width and height from a PNG's IHDR, or undefined when `bytes` is not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(SIGNATURE) || b.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
