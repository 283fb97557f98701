/** `edgefn capture export <store> --out DIR`: the inputs captured while drifted or unsure, laid out as a dataset. */
import path from 'node:path';
import { exportCapture } from '../../drift/export.js';
import type { Command } from '../args.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export type CaptureArgs = Extract<Command, { kind: 'capture' }>;

export async function captureCommand(args: CaptureArgs, io: CliIO): Promise<ExitCode> {
  // <store> is a model's folder of versions, as for `edgefn models list <dir>`; its capture is <store>/capture/.
  const s = await exportCapture(path.resolve(args.store), path.resolve(args.out));
  if (args.json) {
    io.out(JSON.stringify(s, null, 2));
    return EXIT.ok;
  }
  const parts = [
    `${s.images} image${s.images === 1 ? '' : 's'} in ${Object.keys(s.folders).length} label folder${Object.keys(s.folders).length === 1 ? '' : 's'}`,
    s.missing ? `${s.missing} listed without their bytes (see index.json)` : null,
    s.readings ? `${s.readings} reading item${s.readings === 1 ? '' : 's'} (${s.rows} rows) in captured.csv` : null,
    s.skipped.length ? `${s.skipped.length} skipped (evicted or unreadable while exporting)` : null,
  ].filter(Boolean);
  io.out(`${args.out}: ${parts.join(', ')}; index.json lists every item`);
  return EXIT.ok;
}
