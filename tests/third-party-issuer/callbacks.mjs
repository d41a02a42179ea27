// The crypto callbacks that oid4vc-ts asks of its user (it does no crypto itself): JWT
// signing and verification through `jose`, hashing and randomness through node:crypto.
import { createHash, randomBytes } from 'node:crypto'
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2'
import { CompactSign, compactVerify, importJWK } from 'jose'
import { jwkFromDidKeyUrl } from './didkey.mjs'

const ALGS = ['EdDSA', 'Ed25519', 'ES256']
const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }

/**
 * `keys`: the keys this side may sign with, each `{ publicJwk, privateKey, didUrl? }`. A
 * `jwk` signer is matched by its public key, a `did` signer by its DID URL.
 */
export function makeCallbacks(keys) {
  const keyFor = (signer) =>
    keys.find((k) =>
      signer.method === 'jwk' ? k.publicJwk.x === signer.publicJwk?.x : signer.method === 'did' && k.didUrl === signer.didUrl,
    )
  return {
    fetch: globalThis.fetch,
    hash: (data, alg) => {
      if (!HASHES[alg]) throw new Error(`unsupported hash ${alg}`)
      return new Uint8Array(createHash(HASHES[alg]).update(data).digest())
    },
    generateRandom: (n) => new Uint8Array(randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      const key = keyFor(signer)
      if (!key) throw new Error(`no private key for signer ${JSON.stringify(signer)}`)
      const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(header)
        .sign(key.privateKey)
      return { jwt, signerJwk: key.publicJwk }
    },
    verifyJwt: async (signer, { compact, header }) => {
      let jwk
      try {
        if (signer.method === 'jwk') jwk = signer.publicJwk
        else if (signer.method === 'did') jwk = jwkFromDidKeyUrl(signer.didUrl)
        else return { verified: false }
        await compactVerify(compact, await importJWK(jwk, header.alg), { algorithms: ALGS })
        return { verified: true, signerJwk: jwk }
      } catch (error) {
        process.stderr.write(`[jwt] verification failed: ${error.message}\n`)
        return { verified: false, signerJwk: jwk }
      }
    },
    encryptJwe: () => {
      throw new Error('JWE is not used here')
    },
    decryptJwe: () => {
      throw new Error('JWE is not used here')
    },
  }
}
