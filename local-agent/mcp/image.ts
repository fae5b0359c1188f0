// Reads the pixel size of a PNG or JPEG, so the agent reports (and checks) what Unity really
// rendered instead of trusting the request.

export interface ImageInfo {
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageInfo(data: Uint8Array): ImageInfo | undefined {
  if (data.length >= 24 && PNG_SIGNATURE.every((b, i) => data[i] === b)) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // IHDR is always the first chunk: length(4) "IHDR"(4) width(4) height(4).
    if (String.fromCharCode(...data.subarray(12, 16)) !== 'IHDR') return undefined;
    return { contentType: 'image/png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8) return jpegInfo(data);
  return undefined;
}

function jpegInfo(data: Uint8Array): ImageInfo | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return undefined;
    const marker = data[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const length = view.getUint16(i + 2);
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { contentType: 'image/jpeg', height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}
