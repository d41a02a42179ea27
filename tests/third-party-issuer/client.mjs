#!/usr/bin/env node
// Claims from a credential offer with oid4vc-ts's own wallet client (Openid4vciClient) and
// a fresh Ed25519 did:key holder, then checks the VC-JWT it got. Prints one JSON object:
// the step timings in milliseconds, the checks, and the credential (compact and decoded).
//
//   node client.mjs '<openid-credential-offer://?credential_offer=…>' [--tx-code CODE] [--runs N]
//
// With --runs N (N > 1) it claims N times in one process, each later claim from a fresh
// offer taken from the issuer's GET /offer (an extra of server.mjs, not OpenID4VCI), each
// with a new holder key; `runs_ms` then holds every run's timings and `median_ms` their
// medians, the first run (cold) included. Exits non-zero if a claim fails or a check fails.
import { parseArgs } from 'node:util'
import { Openid4vciClient, setGlobalConfig } from '@openid4vc/openid4vci'
import { compactVerify, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose'
import { makeCallbacks } from './callbacks.mjs'
import { didKeyFromJwk, jwkFromDidKeyUrl } from './didkey.mjs'

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'tx-code': { type: 'string', default: process.env.TX_CODE },
    runs: { type: 'string', default: '1' },
  },
})
const runs = Number(opts.runs)
if (!positionals[0] || !(runs >= 1)) {
  process.stderr.write('usage: node client.mjs <credential offer URI> [--tx-code CODE] [--runs N]\n')
  process.exit(2)
}
setGlobalConfig({ allowInsecureUrls: true }) // the issuer is on loopback http

const print = (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
const ms = (t0) => Number((performance.now() - t0).toFixed(2))

async function claim(offerUri) {
  const timings = {}
  const step = async (name, fn) => {
    const t0 = performance.now()
    try {
      const out = await fn()
      timings[name] = ms(t0)
      return out
    } catch (error) {
      // The library's errors carry the server's answer when there was one.
      const detail = error.errorResponse ?? error.responseText ?? error.response?.status
      print({ ok: false, failed_step: name, error: error.message.split('\n')[0], detail, timings_ms: timings })
      process.exit(1)
    }
  }
  const total0 = performance.now()

  // The holder: a fresh Ed25519 key, named by its did:key.
  const holder = await step('holder_key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const publicJwk = await exportJWK(publicKey)
    const { did, kid } = didKeyFromJwk(publicJwk)
    return { privateKey, publicJwk, did, didUrl: kid }
  })
  const client = new Openid4vciClient({ callbacks: makeCallbacks([holder]) })

  const offer = await step('offer', () => client.resolveCredentialOffer(offerUri))
  const metadata = await step('metadata', () => client.resolveIssuerMetadata(offer.credential_issuer))
  const configurationId = offer.credential_configuration_ids[0]
  const token = await step('token', () =>
    client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer: offer,
      issuerMetadata: metadata,
      txCode: opts['tx-code'],
    }),
  )
  const nonce = await step('nonce', () => client.requestNonce({ issuerMetadata: metadata }))
  const { jwt: proof } = await step('proof', () =>
    client.createCredentialRequestJwtProof({
      issuerMetadata: metadata,
      credentialConfigurationId: configurationId,
      signer: { method: 'did', didUrl: holder.didUrl, alg: 'EdDSA' },
      nonce: nonce.c_nonce,
    }),
  )
  const response = await step('credential', () =>
    client.retrieveCredentials({
      issuerMetadata: metadata,
      credentialConfigurationId: configurationId,
      accessToken: token.accessTokenResponse.access_token,
      proofs: { jwt: [proof] },
    }),
  )
  timings.total = ms(total0)
  return { offer, metadata, holder, token, timings, body: response.credentialResponse }
}

// The VC-JWT: its kid must resolve from the issuer's DID alone, and that key must sign it.
async function checkCredential(compact, holder) {
  const header = decodeProtectedHeader(compact)
  const payload = decodeJwt(compact)
  const vc = payload.vc ?? payload
  const issuerId = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer?.id
  let signatureHolds = false
  try {
    await compactVerify(compact, await importJWK(jwkFromDidKeyUrl(header.kid), header.alg), { algorithms: ['EdDSA'] })
    signatureHolds = true
  } catch {}
  const checks = {
    alg_is_EdDSA: header.alg === 'EdDSA',
    kid_is_did_key_with_own_fragment: /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)#\1$/.test(header.kid ?? ''),
    signature_holds_with_kid_key: signatureHolds,
    iss_is_kid_did: payload.iss === header.kid?.split('#')[0],
    issuer_id_is_iss: issuerId === payload.iss,
    sub_is_holder_did: payload.sub === holder.did,
    credentialSubject_id_is_holder_did: vc.credentialSubject?.id === holder.did,
    type_is_OpenBadgeCredential: Array.isArray(vc.type) && vc.type.includes('OpenBadgeCredential'),
  }
  return { header, payload, checks }
}

const results = []
let offerUri = positionals[0]
for (let i = 0; i < runs; i++) {
  if (i > 0) {
    const issuer = results[0].offer.credential_issuer
    const answer = await fetch(`${issuer}/offer`)
    if (!answer.ok) throw new Error(`GET ${issuer}/offer answered ${answer.status}`)
    offerUri = (await answer.text()).trim()
  }
  const result = await claim(offerUri)
  const compact = result.body.credentials?.[0]?.credential ?? result.body.credential
  results.push({ ...result, compact, ...(await checkCredential(compact, result.holder)) })
}

const first = results[0]
const ok = results.every((r) => Object.values(r.checks).every(Boolean))
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : Number(((s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(2))
}
print({
  ok,
  issuer: first.offer.credential_issuer,
  openid4vci_version: first.metadata.originalDraftVersion,
  holder: first.holder.did,
  timings_ms: first.timings,
  ...(runs > 1
    ? {
        runs_ms: results.map((r) => r.timings),
        median_ms: Object.fromEntries(Object.keys(first.timings).map((k) => [k, median(results.map((r) => r.timings[k]))])),
      }
    : {}),
  token_response: { ...first.token.accessTokenResponse, access_token: '…' },
  credential_response_keys: Object.keys(first.body),
  checks: first.checks,
  failed_checks: results.flatMap((r, i) => Object.entries(r.checks).filter(([, v]) => !v).map(([k]) => `run ${i + 1}: ${k}`)),
  credential: { compact: first.compact, header: first.header, payload: first.payload },
})
process.exit(ok ? 0 : 1)
