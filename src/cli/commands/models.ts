import { lstat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../../errors.js';
import { MANIFEST_FILE } from '../../manifest/index.js';
import { parseManifest } from '../../manifest/index.js';
import { versionDirOf, type StoredReport } from '../../store/decisions.js';
import type { GateReport } from '../../store/gate.js';
import { listStore, type StoreListing } from '../../store/list.js';
import { open } from '../../store/open.js';
import { writeFileDurable } from '../../util/durable.js';
import { generateKeys, signManifest } from '../../store/signature.js';
import { verify } from '../../store/verify.js';
import type { ModelsAction } from '../args.js';
import { percent, table } from '../format.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface ModelsArgs {
  action: ModelsAction;
  json: boolean;
  trustedKeys: string[];
  against?: string;
  key?: string;
  force?: boolean;
  minVersion?: string;
  minLift?: number;
}

async function readKeys(files: string[]): Promise<string[]> {
  return Promise.all(files.map(async (f) => {
    try {
      return await readFile(f, 'utf8');
    } catch (err) {
      throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `Cannot read key file ${f}: ${(err as Error).message}`, { cause: err, field: '--trusted-key' });
    }
  }));
}

function reportLine(r: GateReport): string {
  const figures = [
    r.accuracy !== undefined ? `accuracy ${percent(r.accuracy)}` : null,
    r.baselineAccuracy !== undefined && r.baselineAccuracy !== null ? `baseline ${r.baselineVersion} ${percent(r.baselineAccuracy)}` : null,
    r.p50Ms !== undefined ? `p50 ${r.p50Ms.toFixed(1)} ms` : null,
    r.signedBy ? `signed by ${r.signedBy}` : null,
  ].filter(Boolean).join(', ');
  return r.verdict === 'accepted'
    ? `${r.version}: accepted${figures ? ` (${figures})` : ''}`
    : `${r.version}: rejected at ${r.step}: ${r.reason} [${r.code}]${figures ? ` (${figures})` : ''}`;
}

/**
 * The baselines the gate scored on the same golden items, the version itself, and its lift over
 * the best majority, prior or model baseline (the active version keeps its own rule).
 */
function baselineTable(r: GateReport): string | null {
  if (!r.baselines || r.accuracy === undefined) return null;
  const rows = [['baseline', 'kind', 'accuracy'], ...r.baselines.map((b) => [b.name, b.kind, percent(b.accuracy)]), [`${r.name}@${r.version} (this version)`, 'candidate', percent(r.accuracy)]];
  const lift = r.lift
    ? `  lift: ${r.lift.value >= 0 ? '+' : ''}${(100 * r.lift.value).toFixed(1)} points over ${r.lift.over.name}, the best majority, prior or model baseline`
    : '  lift: no baseline to compare with';
  return `${table(rows, [2])}\n${lift}`;
}

/** `* ` active, `- ` previous (as recorded), then the stored verdict and any decision holding the version back. */
function listLines(dir: string, l: StoreListing): string {
  const head = l.active === null
    ? `${dir}: no active version recorded`
    : `${dir}: ${l.active} active${l.previous ? `, ${l.previous} previous` : ''} (as recorded${l.stateSource === 'backup' ? ' in state.json.bak: state.json is damaged or missing' : ''})`;
  const lines = l.versions.map((v) => {
    const mark = v.active ? '*' : v.previous ? '-' : ' ';
    const verdict = v.report ? reportLine(v.report as StoredReport) : `${v.version}: not checked yet`;
    const held = v.held && v.held.verdict === 'rolledBack' ? `  [held back: ${v.held.reason}]` : '';
    return `${mark} ${verdict}${held}`;
  });
  return [head, ...(lines.length ? lines : ['(no versions)'])].join('\n');
}

/** Writes a key pair; an existing file is never replaced without `force` (a lost private key cannot be recovered). */
async function writeKeys(prefix: string, keys: ReturnType<typeof generateKeys>, force: boolean): Promise<void> {
  const files = [{ file: `${prefix}.key`, text: keys.privateKeyPem, mode: 0o600 }, { file: `${prefix}.pub`, text: keys.publicKeyPem, mode: 0o644 }];
  if (!force) {
    for (const { file } of files) {
      if (await lstat(file).then(() => true, () => false)) {
        throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${file} already exists: keygen does not replace a key (pass --force to replace it)`, { input: file, field: 'prefix' });
      }
    }
  }
  for (const { file, text, mode } of files) {
    try {
      // Without --force 'wx' refuses a file created since the check; with it, tmp+rename replaces a link instead of writing through it.
      if (force) await writeFileDurable(file, text, mode);
      else await writeFile(file, text, { mode, flag: 'wx' });
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, exists ? `${file} already exists: keygen does not replace a key (pass --force to replace it)` : `Cannot write ${file}: ${(err as Error).message}`, { cause: err, input: file, field: 'prefix' });
    }
  }
}

export async function modelsCommand(args: ModelsArgs, io: CliIO): Promise<ExitCode> {
  const a = args.action;
  const out = (human: string, json: unknown) => io.out(args.json ? JSON.stringify(json, null, 2) : human);
  switch (a.name) {
    case 'keygen': {
      const keys = generateKeys();
      await writeKeys(a.prefix, keys, args.force ?? false);
      out(`key ${keys.keyId}: private ${a.prefix}.key (keep it off devices), public ${a.prefix}.pub (give it to devices as a trusted key)`,
        { keyId: keys.keyId, privateKey: `${a.prefix}.key`, publicKey: `${a.prefix}.pub` });
      return EXIT.ok;
    }
    case 'sign': {
      const file = path.join(a.versionDir, MANIFEST_FILE);
      const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const manifest = parseManifest(json, file);
      if (manifest.model.sha256 === undefined) {
        throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${file}: model.sha256 is required to sign (the signature covers files through their hashes)`, { field: 'model.sha256' });
      }
      delete json.signature;
      json.signature = signManifest(json, await readFile(args.key!, 'utf8'));
      await writeFileDurable(file, `${JSON.stringify(json, null, 2)}\n`);
      out(`${file}: signed by ${(json.signature as { keyId: string }).keyId}`, { file, signature: json.signature });
      return EXIT.ok;
    }
    case 'verify': {
      const report = await verify(a.versionDir, {
        trustedKeys: await readKeys(args.trustedKeys), settleMs: 0,
        ...(args.against ? { against: args.against } : {}), ...(args.minLift !== undefined ? { minLift: args.minLift } : {}),
      });
      out([reportLine(report), baselineTable(report)].filter(Boolean).join('\n'), report);
      return report.verdict === 'accepted' ? EXIT.ok : EXIT.failed;
    }
    case 'list': {
      // Read-only: the state and reports as recorded; nothing is booted, judged or written.
      const listing = await listStore(path.resolve(a.dir));
      out(listLines(a.dir, listing), listing);
      return EXIT.ok;
    }
    case 'activate':
    case 'rollback': {
      // A version argument is a version folder's name in this store, checked before anything is opened or written.
      if (a.name === 'activate') await versionDirOf(path.resolve(a.dir), a.version);
      const store = await open(a.dir, { trustedKeys: await readKeys(args.trustedKeys), settleMs: 0, ...(args.minVersion ? { minVersion: args.minVersion } : {}) });
      try {
        if (a.name === 'activate') {
          const report = await store.activate(a.version);
          out(`${store.name}: ${a.version} is active (${reportLine(report)})`, report);
        } else {
          const v = await store.rollback();
          out(`${store.name}: rolled back to ${v}`, { name: store.name, active: v });
        }
      } finally {
        await store.dispose();
      }
      return EXIT.ok;
    }
    case 'rollout':
    case 'promote':
    case 'abort':
    case 'profile':
      // Routed to ./rollout.ts and ./profile.ts by main.ts.
      throw new EdgefnError(ErrorCode.INTERNAL, `models ${a.name} is handled by its own command module`);
  }
}
