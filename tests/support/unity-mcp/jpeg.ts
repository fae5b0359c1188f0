// A small baseline JPEG encoder (YCbCr 4:4:4, 8x8 DCT, IJG quality scaling) for the fake server's
// "jpg" captures. Huffman tables are fixed-length canonical codes (4-bit DC, 8-bit AC): valid
// baseline JPEG, a little larger than with the Annex K tables, and nothing to get wrong.

const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** ZIGZAG[k] = natural (row-major) index of the k-th coefficient in zigzag order. */
const ZIGZAG = (() => {
  const out: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let y = 0; y < 8; y++) {
      const x = s - y;
      if (x >= 0 && x < 8) cells.push(y * 8 + x);
    }
    // Even diagonals run bottom-left to top-right (y decreasing), odd ones the other way.
    if (s % 2 === 0) cells.reverse();
    out.push(...cells);
  }
  return out;
})();

/** DCT basis: COS[u*8+x] = c(u)/2 * cos((2x+1)uπ/16). */
const COS = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) m[u * 8 + x] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return m;
})();

function scaledTable(base: number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return base.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(code: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte() {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00);
    this.acc = 0;
    this.n = 0;
  }
  finish(): number[] {
    while (this.n !== 0) this.write(1, 1);
    return this.bytes;
  }
}

// Fixed-length canonical Huffman tables.
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const AC_SYMBOLS = [0x00, 0xf0];
for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);
const DC_LEN = 4;
const AC_LEN = 8;
const DC_CODE = new Map(DC_SYMBOLS.map((s, i) => [s, i]));
const AC_CODE = new Map(AC_SYMBOLS.map((s, i) => [s, i]));

function category(v: number): number {
  let a = Math.abs(v);
  let n = 0;
  while (a) {
    n++;
    a >>= 1;
  }
  return n;
}

function valueBits(v: number, size: number): number {
  return v >= 0 ? v : (v - 1) & ((1 << size) - 1);
}

function segment(marker: number, payload: number[]): number[] {
  const len = payload.length + 2;
  return [0xff, marker, len >> 8, len & 0xff, ...payload];
}

function dht(tableClass: number, id: number, length: number, symbols: number[]): number[] {
  const bits = new Array(16).fill(0);
  bits[length - 1] = symbols.length;
  return [(tableClass << 4) | id, ...bits, ...symbols];
}

/** Encodes `rgb` (width*height*3 bytes, rows top to bottom) as a baseline JPEG. */
export function encodeJpeg(width: number, height: number, rgb: Uint8Array, quality = 80): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`bad JPEG size ${width}x${height}`);
  }
  const qY = scaledTable(LUMA_Q, quality);
  const qC = scaledTable(CHROMA_Q, quality);
  const out = new BitWriter();
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const coef = new Int32Array(64);
  const prevDc = [0, 0, 0];
  const ycc = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];

  const encodeBlock = (src: Float64Array, q: number[], comp: number) => {
    // Separable 2-D DCT: tmp = COS * src (columns), block = tmp * COSᵀ (rows).
    for (let u = 0; u < 8; u++) {
      for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let y = 0; y < 8; y++) s += COS[u * 8 + y]! * src[y * 8 + x]!;
        tmp[u * 8 + x] = s;
      }
    }
    for (let u = 0; u < 8; u++) {
      for (let v = 0; v < 8; v++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += tmp[u * 8 + x]! * COS[v * 8 + x]!;
        block[u * 8 + v] = s;
      }
    }
    for (let k = 0; k < 64; k++) {
      const nat = ZIGZAG[k]!;
      coef[k] = Math.round(block[nat]! / q[nat]!);
    }
    const diff = coef[0]! - prevDc[comp]!;
    prevDc[comp] = coef[0]!;
    const dcSize = category(diff);
    out.write(DC_CODE.get(dcSize)!, DC_LEN);
    if (dcSize) out.write(valueBits(diff, dcSize), dcSize);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = coef[k]!;
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        out.write(AC_CODE.get(0xf0)!, AC_LEN);
        run -= 16;
      }
      const size = category(v);
      out.write(AC_CODE.get((run << 4) | size)!, AC_LEN);
      out.write(valueBits(v, size), size);
      run = 0;
    }
    if (run > 0) out.write(AC_CODE.get(0x00)!, AC_LEN);
  };

  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const sy = Math.min(height - 1, by + y);
        for (let x = 0; x < 8; x++) {
          const sx = Math.min(width - 1, bx + x);
          const i = (sy * width + sx) * 3;
          const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
          const k = y * 8 + x;
          ycc[0]![k] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          ycc[1]![k] = -0.168736 * r - 0.331264 * g + 0.5 * b;
          ycc[2]![k] = 0.5 * r - 0.418688 * g - 0.081312 * b;
        }
      }
      encodeBlock(ycc[0]!, qY, 0);
      encodeBlock(ycc[1]!, qC, 1);
      encodeBlock(ycc[2]!, qC, 2);
    }
  }

  const header = [
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0x00, ...ZIGZAG.map((n) => qY[n]!), 0x01, ...ZIGZAG.map((n) => qC[n]!)]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]),
    ...segment(0xc4, [...dht(0, 0, DC_LEN, DC_SYMBOLS), ...dht(1, 0, AC_LEN, AC_SYMBOLS)]),
    ...segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]),
  ];
  return Buffer.concat([Buffer.from(header), Buffer.from(out.finish()), Buffer.from([0xff, 0xd9])]);
}
