/**
 * What `edgefn explain` reads for a readings model: one reading or window (a JSON file, or JSON
 * given inline), or with --global a set (a JSON array of inputs, a golden index `{ items: [{ input,
 * label }] }`, or a CSV of readings with a header line, cut into the model's windows).
 */
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import type { TabularInputSpec } from '../../manifest/index.js';
import { readRegular } from '../../util/fs-safe.js';
import { is } from '../../util/validate.js';

/** A readings file larger than this is refused before it is read. */
const MAX_READINGS_BYTES = 64 * 1024 * 1024;

async function text(input: string): Promise<string> {
  const t = input.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return input;
  return (await readRegular(input, { maxBytes: MAX_READINGS_BYTES, code: ErrorCode.INPUT_UNREADABLE, what: 'readings file' })).toString('utf8');
}

function json(body: string, input: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new EdgefnError(ErrorCode.INPUT_INVALID, `${input}: not valid JSON: ${messageOf(err)}`, { cause: err, input });
  }
}

/** One reading or window, from a JSON file or inline JSON. */
export async function readOne(input: string): Promise<unknown> {
  return json(await text(input), input);
}

export interface InputSet { inputs: unknown[]; labels?: string[] }

/** CSV rows (a header line naming the fields) as readings; fields the model does not take are kept aside. */
function csvReadings(body: string, source: string): Record<string, number>[] {
  const lines = body.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length < 2) throw new EdgefnError(ErrorCode.INPUT_INVALID, `${source}: expected a header line and readings`, { input: source });
  const names = lines[0]!.split(',').map((n) => n.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const reading: Record<string, number> = {};
    // Non-numeric fields (a date) stay NaN and are refused only if the model takes them.
    names.forEach((n, i) => { reading[n] = cells[i] === undefined || cells[i]!.trim() === '' ? NaN : Number(cells[i]); });
    return reading;
  });
}

/** A set of inputs for permutation importance. */
export async function readSet(input: string, spec: TabularInputSpec): Promise<InputSet> {
  const body = await text(input);
  if (/\.csv$/i.test(input)) {
    const readings = csvReadings(body, input);
    if (!spec.window) return { inputs: readings };
    const { size, hop } = spec.window;
    const inputs: unknown[] = [];
    for (let end = size; end <= readings.length; end += hop) inputs.push(readings.slice(end - size, end));
    return { inputs };
  }
  const parsed = json(body, input);
  if (Array.isArray(parsed)) return { inputs: parsed };
  if (is.object(parsed) && Array.isArray(parsed.items)) {
    const items = parsed.items as unknown[];
    const inputs = items.map((item, i) => {
      if (!is.object(item) || item.input === undefined) throw new EdgefnError(ErrorCode.INPUT_INVALID, `${input}: items[${i}] has no input`, { input, field: `items[${i}].input` });
      return item.input;
    });
    const labels = items.map((item) => (item as Record<string, unknown>).label);
    return labels.every(is.string) ? { inputs, labels: labels as string[] } : { inputs };
  }
  throw new EdgefnError(ErrorCode.INPUT_INVALID, `${input}: expected a JSON array of inputs, a golden index { "items": [...] } or a .csv file`, { input });
}
