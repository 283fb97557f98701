/** Ways to break an encoded file, each from a seed: the bytes a bad card, cable or upload gives. */
import { rng } from '../rng.ts';

export const DAMAGES = ['truncate', 'bitflip', 'zero', 'garbage', 'random', 'splice', 'ff'] as const;
export type Damage = (typeof DAMAGES)[number];

export function damage(bytes: Buffer, kind: Damage, seed: number): Buffer {
  const r = rng(seed);
  const out = Buffer.from(bytes);
  const n = out.length;
  switch (kind) {
    case 'truncate':
      // Anywhere, including inside the header and just before the end.
      return out.subarray(0, r.next() < 0.3 ? r.int(0, Math.min(64, n - 1)) : r.int(0, n - 1));
    case 'bitflip':
      for (let i = r.int(1, 64); i > 0; i--) { const at = r.int(0, n - 1); out[at] = out[at]! ^ (1 << r.int(0, 7)); }
      return out;
    case 'zero': {
      const at = r.int(0, n - 1);
      return out.fill(0, at, Math.min(n, at + r.int(1, Math.max(1, n >> 2))));
    }
    case 'garbage':
      // The format's magic bytes, then noise: the sniffers say "PNG", the decoder finds nonsense.
      return Buffer.concat([out.subarray(0, Math.min(n, r.int(4, 32))), r.bytes(r.int(0, 4096))]);
    case 'random':
      return r.bytes(r.int(1, 8192));
    case 'splice': {
      // A chunk of the file repeated in the middle: lengths and offsets that point at the wrong place.
      const a = r.int(0, n - 1);
      const b = Math.min(n, a + r.int(1, 512));
      const at = r.int(0, n - 1);
      return Buffer.concat([out.subarray(0, at), out.subarray(a, b), out.subarray(a, b), out.subarray(at)]);
    }
    case 'ff':
      for (let i = r.int(1, 16); i > 0; i--) out[r.int(0, n - 1)] = 0xff;
      return out;
  }
}
