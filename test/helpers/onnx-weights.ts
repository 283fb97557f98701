/**
 * Finds the weight bytes of an ONNX model (the float data of each graph initializer) by walking
 * its protobuf, so a test can corrupt a real model's weights without touching its structure: a
 * bit-flipped model that still loads and answers, with NaN.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface Field { no: number; wire: number; start: number; end: number }

function varint(b: Uint8Array, o: number): [number, number] {
  let v = 0, mul = 1;
  for (;;) {
    const byte = b[o++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, o];
    mul *= 128;
  }
}

/** The fields of one protobuf message in b[start, end): their number, wire type and payload range. */
function fields(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  for (let o = start; o < end;) {
    const [key, p] = varint(b, o);
    const no = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) { o = varint(b, p)[1]; out.push({ no, wire, start: p, end: o }); }
    else if (wire === 2) { const [len, q] = varint(b, p); o = q + len; out.push({ no, wire, start: q, end: o }); }
    else if (wire === 5) { o = p + 4; out.push({ no, wire, start: p, end: o }); }
    else if (wire === 1) { o = p + 8; out.push({ no, wire, start: p, end: o }); }
    else throw new Error(`unsupported wire type ${wire} at ${o}`);
  }
  return out;
}

/** Byte ranges of every float initializer's data: ModelProto.graph(7).initializer(5).raw_data(9) | float_data(4). */
export function initializerRanges(model: Uint8Array): { start: number; end: number }[] {
  const graph = fields(model, 0, model.length).find((f) => f.no === 7 && f.wire === 2);
  if (!graph) throw new Error('no graph in this ONNX file');
  const ranges: { start: number; end: number }[] = [];
  for (const init of fields(model, graph.start, graph.end).filter((f) => f.no === 5 && f.wire === 2)) {
    const tensor = fields(model, init.start, init.end);
    const dtype = tensor.find((f) => f.no === 2);
    if (dtype && varint(model, dtype.start)[0] !== 1) continue; // FLOAT only
    const data = tensor.find((f) => (f.no === 9 || f.no === 4) && f.wire === 2);
    if (data) ranges.push({ start: data.start, end: data.end });
  }
  return ranges;
}

/**
 * Overwrites the float weights of `versionDir/model.onnx` with `value` (every initializer, or those
 * at the indices in `only`) and updates the manifest's sha256. Returns how many floats it wrote.
 */
export async function poisonWeights(versionDir: string, value = NaN, only?: readonly number[]): Promise<number> {
  const file = path.join(versionDir, 'model.onnx');
  const bytes = await readFile(file);
  const word = Buffer.alloc(4);
  word.writeFloatLE(value);
  let floats = 0;
  for (const [i, { start, end }] of initializerRanges(bytes).entries()) {
    if (only && !only.includes(i)) continue;
    for (let o = start; o + 4 <= end; o += 4, floats++) word.copy(bytes, o);
  }
  await writeFile(file, bytes);
  const manifestFile = path.join(versionDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  manifest.model.sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
  return floats;
}
