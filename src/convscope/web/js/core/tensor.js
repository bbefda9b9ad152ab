// Decode the binary layer messages written by convscope.server.tensor_codec:
// uint32 LE header length L, L bytes of JSON header (padded so the payload
// starts at a multiple of 8), then prod(shape) little-endian float32/float16.
// Several messages come as frames: uint32 N, uint32 0, N message bytes, zero
// padding to a multiple of 8 (so every payload stays 8-byte aligned).

let halfTable = null;

/** One IEEE 754 half-precision bit pattern as a number. */
export function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// A 65,536-entry lookup table makes float16 decoding one array read per value.
function half() {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i += 1) halfTable[i] = halfToFloat(i);
  }
  return halfTable;
}

/**
 * Decode one message. Returns {header, shape, data: Float32Array}.
 * Example: decodeTensor(buffer).shape -> [10, 26, 26]
 */
export function decodeTensor(buffer, start = 0) {
  const view = new DataView(buffer);
  const length = view.getUint32(start, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, start + 4, length)));
  const offset = start + 4 + length;
  const count = header.shape.reduce((a, b) => a * b, 1);
  let data;
  if (header.dtype === "float32") {
    // The payload is 8-byte aligned, but copy when a caller hands us an unaligned slice.
    data = offset % 4 === 0 ? new Float32Array(buffer, offset, count) : new Float32Array(buffer.slice(offset, offset + 4 * count));
  } else if (header.dtype === "float16") {
    const bits = new Uint16Array(buffer.slice(offset, offset + 2 * count));
    const table = half();
    data = new Float32Array(count);
    for (let i = 0; i < count; i += 1) data[i] = table[bits[i]];
  } else {
    throw new Error(`unknown tensor dtype ${header.dtype}`);
  }
  return { header, shape: header.shape, data };
}

/** Every message of a framed response, in order. */
export function decodeFrames(buffer) {
  const view = new DataView(buffer);
  const out = [];
  let offset = 0;
  while (offset < buffer.byteLength) {
    const length = view.getUint32(offset, true);
    out.push(decodeTensor(buffer, offset + 8));
    offset += 8 + length + ((8 - (length % 8)) % 8);
  }
  return out;
}

/** float16 once a layer's float32 payload would pass `limitBytes` (exact values for small layers). */
export function chooseDtype(count, limitBytes = 1 << 20) {
  return count * 4 > limitBytes ? "float16" : "float32";
}

/** The values of map `index` of a (C, H, W) tensor as a view (no copy). */
export function mapValues(tensor, index) {
  const [, h, w] = tensor.shape;
  return tensor.data.subarray(index * h * w, (index + 1) * h * w);
}
