// did:key for Ed25519 keys, both ways: the multibase (base58btc) of the multicodec
// `ed25519-pub` (0xed, varint 0xed 0x01) followed by the 32-byte public key. The key is
// its own DID document, so `<did>#<multibase>` is the verification method.
import { base64url } from 'jose'
import { base58btc } from 'multiformats/bases/base58'

const ED25519_PUB = Uint8Array.of(0xed, 0x01)

/** The did:key and its key id for an Ed25519 public JWK. */
export function didKeyFromJwk(jwk) {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error('did:key here is for Ed25519 keys only')
  const raw = base64url.decode(jwk.x)
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes')
  const multibase = base58btc.encode(Uint8Array.from([...ED25519_PUB, ...raw]))
  const did = `did:key:${multibase}`
  return { did, kid: `${did}#${multibase}` }
}

/**
 * The public JWK that a did:key URL names (`did:key:z6Mk…` or `did:key:z6Mk…#z6Mk…`).
 * Throws for anything else: another DID method, another key type, or a fragment that
 * names a key the DID does not hold.
 */
export function jwkFromDidKeyUrl(didUrl) {
  const [did, fragment] = didUrl.split('#', 2)
  if (!did.startsWith('did:key:')) throw new Error(`not a did:key: ${didUrl}`)
  const multibase = did.slice('did:key:'.length)
  if (fragment !== undefined && fragment !== multibase) throw new Error(`${didUrl} names no key of ${did}`)
  const bytes = base58btc.decode(multibase)
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB[0] || bytes[1] !== ED25519_PUB[1]) {
    throw new Error(`${did} is not an Ed25519 did:key`)
  }
  return { kty: 'OKP', crv: 'Ed25519', x: base64url.encode(bytes.slice(2)) }
}

/** did:jwk for a public JWK (used when a proof carries a `jwk` header instead of a DID). */
export function didJwkFromJwk(jwk) {
  const { kty, crv, x, y, e, n } = jwk
  const pub = Object.fromEntries(Object.entries({ kty, crv, x, y, e, n }).filter(([, v]) => v !== undefined))
  return `did:jwk:${base64url.encode(JSON.stringify(pub))}`
}
