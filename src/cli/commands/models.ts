import { readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../../errors.js';
import { MANIFEST_FILE } from '../../model/manifest.js';
import { parseManifest } from '../../model/manifest.js';
import type { GateReport } from '../../store/gate.js';
import { open } from '../../store/open.js';
import { writeFileDurable } from '../../store/durable.js';
import { generateKeys, signManifest } from '../../store/signature.js';
import { verify } from '../../store/verify.js';
import type { ModelsAction } from '../args.js';
import { percent } from '../format.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface ModelsArgs {
  action: ModelsAction;
  json: boolean;
  trustedKeys: string[];
  against?: string;
  key?: string;
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

export async function modelsCommand(args: ModelsArgs, io: CliIO): Promise<ExitCode> {
  const a = args.action;
  const out = (human: string, json: unknown) => io.out(args.json ? JSON.stringify(json, null, 2) : human);
  switch (a.name) {
    case 'keygen': {
      const keys = generateKeys();
      await writeFile(`${a.prefix}.key`, keys.privateKeyPem, { mode: 0o600 });
      await chmod(`${a.prefix}.key`, 0o600);
      await writeFile(`${a.prefix}.pub`, keys.publicKeyPem);
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
      const report = await verify(a.versionDir, { trustedKeys: await readKeys(args.trustedKeys), settleMs: 0, ...(args.against ? { against: args.against } : {}) });
      out(reportLine(report), report);
      return report.verdict === 'accepted' ? EXIT.ok : EXIT.failed;
    }
    case 'list':
    case 'activate':
    case 'rollback': {
      const store = await open(a.dir, { trustedKeys: await readKeys(args.trustedKeys), settleMs: 0 });
      try {
        if (a.name === 'activate') {
          const report = await store.activate(a.version);
          out(`${store.name}: ${a.version} is active (${reportLine(report)})`, report);
        } else if (a.name === 'rollback') {
          const v = await store.rollback();
          out(`${store.name}: rolled back to ${v}`, { name: store.name, active: v });
        } else {
          const versions = await store.versions();
          out(versions.map((v) => `${v.active ? '*' : v.previous ? '-' : ' '} ${v.report ? reportLine(v.report) : `${v.version}: not checked yet`}`).join('\n') || '(no versions)', versions);
        }
      } finally {
        await store.dispose();
      }
      return EXIT.ok;
    }
  }
}
