/**
 * Ed25519 signatures over a manifest's canonical JSON (RFC 8785, via `canonicalize`), with the
 * `signature` field left out. The manifest lists the sha256 of every file, so the signature covers
 * the whole version folder.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { Signature } from '../manifest/index.js';

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

/**
 * Signs a manifest with an Ed25519 private key (PEM). `keyName` says where the key came from
 * (a file name) for the error when it is not one: garbage, an RSA key, a public key.
 */
export function signManifest(manifestJson: Record<string, unknown>, privateKeyPem: string, keyName = 'the signing key'): Signature {
  const bad = (why: string, cause?: unknown) =>
    new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${keyName} is not an Ed25519 private key: ${why}`, { field: 'key', ...(cause !== undefined ? { cause } : {}) });
  if (typeof privateKeyPem !== 'string' && !Buffer.isBuffer(privateKeyPem)) throw bad(`expected a PEM string, received ${typeof privateKeyPem}`);
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    // OpenSSL's own words (ERR_OSSL_UNSUPPORTED, "DECODER routines::unsupported") kept as the cause.
    const pub = /-----BEGIN PUBLIC KEY-----/.test(String(privateKeyPem));
    throw bad(pub ? 'it is a public key; sign with the private one (the .key file made by keygen)' : `${messageOf(err)}`, err);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw bad(`it is an ${key.asymmetricKeyType} key`);
  const value = sign(null, signedBytes(manifestJson), key).toString('base64');
  return { algorithm: 'ed25519', keyId: keyId(createPublicKey(key)), value };
}

/** The `signature` field of a manifest not yet validated, when it has the expected shape. */
function signatureOf(manifestJson: Record<string, unknown>): Signature | undefined | 'malformed' {
  const s = manifestJson.signature;
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'malformed';
  const { algorithm, keyId: id, value } = s as Record<string, unknown>;
  if (algorithm !== 'ed25519' || typeof id !== 'string' || typeof value !== 'string') return 'malformed';
  return { algorithm, keyId: id, value };
}

/**
 * Checks a manifest's signature straight from its parsed JSON, before anything else in it is
 * trusted (the manifest names the files and their hashes: a bad signature means none of that
 * holds). The gate runs this first, at every check and every boot.
 */
export function verifyManifestJson(manifestJson: unknown, trusted: readonly KeyObject[]): { ok: true; keyId: string } | { ok: false; reason: string } {
  if (typeof manifestJson !== 'object' || manifestJson === null || Array.isArray(manifestJson)) return { ok: false, reason: 'the manifest is not a JSON object, so it carries no signature' };
  const json = manifestJson as Record<string, unknown>;
  const signature = signatureOf(json);
  if (signature === 'malformed') return { ok: false, reason: 'the manifest\'s signature field is malformed (expected { algorithm: "ed25519", keyId, value })' };
  return verifyManifest(json, signature, trusted);
}

/** Which trusted key verified the signature, or a reason why none did. */
export function verifyManifest(manifestJson: Record<string, unknown>, signature: Signature | undefined, trusted: readonly KeyObject[]): { ok: true; keyId: string } | { ok: false; reason: string } {
  if (!signature) return { ok: false, reason: 'the manifest is not signed and the store requires a signature' };
  const key = trusted.find((k) => keyId(k) === signature.keyId);
  if (!key) return { ok: false, reason: `signed by key ${signature.keyId}, which is not among the trusted keys` };
  let good: boolean;
  try {
    good = verify(null, signedBytes(manifestJson), key, Buffer.from(signature.value, 'base64'));
  } catch {
    good = false; // bytes that cannot even be checked do not verify
  }
  return good ? { ok: true, keyId: signature.keyId } : { ok: false, reason: `the signature by key ${signature.keyId} does not match the manifest's content` };
}
