/** Checks on a capture folder made without the code under test: every record whole, nothing else there. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { BUNDLED_VERSION } from './index.ts';

export const goldenItems: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
export const goldenPath = (i: number) => path.join(BUNDLED_VERSION, 'golden', goldenItems[i % goldenItems.length]!.file);

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface FolderCheck {
  items: number;
  bytes: number;
  ids: string[];
  records: any[];
}

/**
 * Reads `dir` and asserts it holds only whole items: each `<id>.json` parses, its data file is
 * there with the recorded size and sha256, no other file is there, and totals are within quota.
 * With `leftoversAllowed`: temporary files and data files without a record may be there too.
 */
export async function assertWhole(dir: string, quota?: { maxBytes: number; maxItems: number }, note = '', leftoversAllowed = false): Promise<FolderCheck> {
  const names = (await readdir(dir)).sort();
  const records: any[] = [];
  const claimed = new Set<string>();
  let bytes = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const text = await readFile(path.join(dir, name), 'utf8');
    const r = JSON.parse(text);
    assert.is(`${r.id}.json`, name, `${note} record names itself`);
    bytes += Buffer.byteLength(text);
    claimed.add(name);
    if (r.file !== null) {
      const data = await readFile(path.join(dir, r.file));
      assert.is(data.length, r.bytes, `${note} ${r.file} size`);
      assert.is(sha256(data), r.sha256, `${note} ${r.file} sha256`);
      bytes += data.length;
      claimed.add(r.file);
    }
    records.push(r);
  }
  // Right after a kill (before an open cleans up) a temporary file or a data file without its record may remain; never a record without its data.
  const extra = names.filter((n) => !claimed.has(n) && !(leftoversAllowed && (/^\..*\.tmp$/.test(n) || !n.endsWith('.json'))));
  assert.equal(extra, [], `${note} only whole items in ${dir}`);
  if (quota) {
    assert.ok(records.length <= quota.maxItems, `${note} ${records.length} items within ${quota.maxItems}`);
    assert.ok(bytes <= quota.maxBytes, `${note} ${bytes} bytes within ${quota.maxBytes}`);
  }
  records.sort((a, b) => a.seq - b.seq);
  return { items: records.length, bytes, ids: records.map((r) => r.id), records };
}
