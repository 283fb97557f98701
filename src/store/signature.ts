/**
 * Ed25519 signatures over a manifest's canonical JSON (RFC 8785, via `canonicalize`), with the
 * `signature` field left out. The manifest lists the sha256 of every file, so the signature covers
 * the whole version folder.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { Signature } from '../model/manifest.js';

// canonicalize is CommonJS whose types declare an ES default export; require() gets the function
// itself under both of our builds (ESM and CJS).
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

/** The bytes that are signed: the manifest JSON without `signature`, canonicalised. */
export function signedBytes(manifestJson: Record<string, unknown>): Buffer {
  const { signature: _omit, ...rest } = manifestJson;
  return Buffer.from(canonicalize(rest)!, 'utf8');
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function generateKeys(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyId(publicKey),
  };
}

export function publicKeyFrom(pem: string, field: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType} key, not ed25519`);
    return key;
  } catch (err) {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${field} is not an Ed25519 public key: ${messageOf(err)}`, { cause: err, field });
  }
}

export function signManifest(manifestJson: Record<string, unknown>, privateKeyPem: string): Signature {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `the signing key is ${key.asymmetricKeyType}, not ed25519`, { field: 'key' });
  }
  const value = sign(null, signedBytes(manifestJson), key).toString('base64');
  return { algorithm: 'ed25519', keyId: keyId(createPublicKey(key)), value };
}

/** Which trusted key verified the signature, or a reason why none did. */
export function verifyManifest(manifestJson: Record<string, unknown>, signature: Signature | undefined, trusted: readonly KeyObject[]): { ok: true; keyId: string } | { ok: false; reason: string } {
  if (!signature) return { ok: false, reason: 'the manifest is not signed and the store requires a signature' };
  const key = trusted.find((k) => keyId(k) === signature.keyId);
  if (!key) return { ok: false, reason: `signed by key ${signature.keyId}, which is not among the trusted keys` };
  const good = verify(null, signedBytes(manifestJson), key, Buffer.from(signature.value, 'base64'));
  return good ? { ok: true, keyId: signature.keyId } : { ok: false, reason: `the signature by key ${signature.keyId} does not match the manifest's content` };
}
