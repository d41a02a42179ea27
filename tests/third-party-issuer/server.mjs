#!/usr/bin/env node
// A loopback OpenID4VCI 1.0 issuer for Stapel's tests. The protocol (metadata and offer
// shapes, token request parsing and checks, access tokens, nonce and credential request
// parsing, proof checks, response shapes) is done by oid4vc-ts (@openid4vc/openid4vci and
// @openid4vc/oauth2); this file only routes HTTP to it, keeps the one-time state (codes,
// nonces) and writes the Open Badges credential it hands out. See README.md.
//
//   node server.mjs [--port N] [--tx-code CODE] [--key FILE] [--vcdm 2.0|1.1] [--dpop]
//                   [--proof-algs ALG,…] [--binding METHOD,…] [--sign-in]
//
// --sign-in: the offer's grant is the authorization code with an `issuer_state`; the learner
// "signs in" at GET /authorize, which consents at once and sends the browser back to the
// wallet's redirect with a code. Pushed authorization requests are required (PAR, RFC 9126) and
// parsed and verified by the library; the token request's code and PKCE verifier (S256) are
// checked by the library's verifyAuthorizationCodeAccessTokenRequest.
//
// --proof-algs: the key proof algorithms the configuration takes (default EdDSA,ES256);
// --binding: its cryptographic binding methods (default did:key,jwk).
//
// --dpop: the authorization server offers DPoP (RFC 9449) with ES256 and requires it: the token
// request must carry a DPoP proof with this server's nonce (a proof without it is answered
// `use_dpop_nonce`), the token is bound to the proof's key, and the credential endpoint takes
// only that DPoP token with a proof by the same key. The proofs are checked by the library.
//
// Prints one line on stdout when ready, the credential offer URI, then serves until killed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import {
  Oauth2AuthorizationServer,
  Oauth2ErrorCodes,
  Oauth2ResourceServer,
  Oauth2ResourceUnauthorizedError,
  Oauth2ServerErrorResponseError,
  PkceCodeChallengeMethod,
  SupportedAuthenticationScheme,
  authorizationCodeGrantIdentifier,
  decodeJwt,
  parsePushedAuthorizationRequestUriReferenceValue,
  preAuthorizedCodeGrantIdentifier,
} from '@openid4vc/oauth2'
import { Openid4vciIssuer, Openid4vciVersion, setGlobalConfig } from '@openid4vc/openid4vci'
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose'
import { makeCallbacks } from './callbacks.mjs'
import { didJwkFromJwk, didKeyFromJwk } from './didkey.mjs'

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '0' },
    'tx-code': { type: 'string', default: process.env.TX_CODE },
    key: { type: 'string', default: process.env.ISSUER_KEY_FILE },
    vcdm: { type: 'string', default: process.env.VCDM ?? '2.0' },
    dpop: { type: 'boolean', default: false },
    'proof-algs': { type: 'string', default: 'EdDSA,ES256' },
    binding: { type: 'string', default: 'did:key,jwk' },
    'sign-in': { type: 'boolean', default: false },
  },
})
if (!['2.0', '1.1'].includes(opts.vcdm)) throw new Error('--vcdm is 2.0 or 1.1')

// Loopback http is the point of this server; the library refuses http URLs unless told.
setGlobalConfig({ allowInsecureUrls: true })

const CONFIGURATION_ID = 'OpenBadgeCredential_jwt_vc_json'
const CODE_TTL_S = 600
const NONCE_TTL_S = 300
const TOKEN_TTL_S = 600
const log = (line) => process.stderr.write(`[issuer] ${line}\n`)

// --- keys: the issuer's Ed25519 did:key (kept in --key FILE if given), and one for access tokens
async function issuerKey() {
  if (opts.key && existsSync(opts.key)) {
    const jwk = JSON.parse(readFileSync(opts.key, 'utf8'))
    return { privateKey: await importJWK(jwk, 'EdDSA'), publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } }
  }
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  if (opts.key) writeFileSync(opts.key, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 })
  return { privateKey, publicJwk: await exportJWK(publicKey) }
}
const issuer = await issuerKey()
const { did: issuerDid, kid: issuerKid } = didKeyFromJwk(issuer.publicJwk)
const tokenKeys = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
const tokenKey = { privateKey: tokenKeys.privateKey, publicJwk: { ...(await exportJWK(tokenKeys.publicKey)), use: 'sig' } }

const callbacks = makeCallbacks([tokenKey])
const vci = new Openid4vciIssuer({ callbacks })
const as = new Oauth2AuthorizationServer({ callbacks })
const rs = new Oauth2ResourceServer({ callbacks })

// --- one-time state
const codes = new Map() // pre-authorized_code -> expiry (ms); deleted when redeemed
const nonces = new Map() // c_nonce -> expiry (ms); deleted when used
const dpopNonce = randomUUID() // the nonce DPoP proofs at the token endpoint must carry (--dpop)
const pushed = new Map() // request_uri id -> { request, expiresAt } (--sign-in); deleted when used
const signIns = new Map() // authorization code -> { request, expiresAt }; deleted when redeemed
const ISSUER_STATE = randomUUID() // the offer's issuer_state, which the sign-in must bring back
const sweep = (map) => {
  const now = Date.now()
  for (const [k, exp] of map) if (exp < now) map.delete(k)
}

// --- HTTP plumbing
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
const send = (res, status, body, headers = {}) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers })
  res.end(text)
}
const libRequest = (req, url) => ({ method: req.method, url, headers: new Headers(req.headers) })

const server = createServer(async (req, res) => {
  const started = performance.now()
  res.on('finish', () => log(`${req.method} ${req.url} -> ${res.statusCode} (${(performance.now() - started).toFixed(1)} ms)`))
  try {
    await route(req, res)
  } catch (error) {
    if (error instanceof Oauth2ServerErrorResponseError) {
      log(`  ${error.errorResponse.error}: ${error.message.split('\n')[0]}`)
      send(res, error.status, error.errorResponse)
    } else if (error instanceof Oauth2ResourceUnauthorizedError) {
      log(`  unauthorized: ${error.message.split('\n')[0]}`)
      // The library's own header encoding writes bare names for absent values; spell it out.
      const challenges = error.wwwAuthenticateHeaders
      const first = challenges[0] ?? {}
      send(res, 401, { error: first.error ?? 'invalid_token', error_description: first.error_description }, {
        'WWW-Authenticate': challenges.map((c) => (c.error ? `${c.scheme} error="${c.error}"` : c.scheme)).join(', '),
      })
    } else {
      log(`  server error: ${error.stack ?? error}`)
      send(res, 500, { error: 'server_error', error_description: String(error.message ?? error) })
    }
  }
})

await new Promise((resolve) => server.listen(Number(opts.port), '127.0.0.1', resolve))
const base = `http://127.0.0.1:${server.address().port}`

// --- metadata, validated by the library
const authorizationServerMetadata = as.createAuthorizationServerMetadata({
  issuer: base,
  token_endpoint: `${base}/token`,
  jwks_uri: `${base}/jwks.json`,
  grant_types_supported: [preAuthorizedCodeGrantIdentifier, ...(opts['sign-in'] ? [authorizationCodeGrantIdentifier] : [])],
  'pre-authorized_grant_anonymous_access_supported': true,
  ...(opts.dpop ? { dpop_signing_alg_values_supported: ['ES256'] } : {}),
  ...(opts['sign-in']
    ? {
        authorization_endpoint: `${base}/authorize`,
        pushed_authorization_request_endpoint: `${base}/par`,
        require_pushed_authorization_requests: true,
        code_challenge_methods_supported: [PkceCodeChallengeMethod.S256],
        response_types_supported: ['code'],
      }
    : {}),
})
const credentialIssuerMetadata = vci.createCredentialIssuerMetadata({
  credential_issuer: base,
  credential_endpoint: `${base}/credential`,
  nonce_endpoint: `${base}/nonce`,
  display: [{ name: 'oid4vc-ts loopback issuer', locale: 'en' }],
  credential_configurations_supported: {
    [CONFIGURATION_ID]: {
      format: 'jwt_vc_json',
      scope: 'OpenBadgeCredential',
      cryptographic_binding_methods_supported: opts.binding.split(','),
      credential_signing_alg_values_supported: ['EdDSA'],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: opts['proof-algs'].split(',') } },
      credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] },
      credential_metadata: { display: [{ name: 'Loopback Test Badge', locale: 'en' }] },
    },
  },
})
// The metadata is our own, so its version is known: 1.0 (the library reads this off
// `credential_metadata` when a client resolves it).
const issuerMetadata = {
  credentialIssuer: credentialIssuerMetadata,
  authorizationServers: [authorizationServerMetadata],
  originalDraftVersion: Openid4vciVersion.V1,
  knownCredentialConfigurations: vci.getKnownCredentialConfigurationsSupported(credentialIssuerMetadata),
}

async function newOffer() {
  sweep(codes)
  const txCode = opts['tx-code']
  const { credentialOffer, credentialOfferObject } = await vci.createCredentialOffer({
    issuerMetadata,
    credentialConfigurationIds: [CONFIGURATION_ID],
    grants: opts['sign-in'] ? { [authorizationCodeGrantIdentifier]: { issuer_state: ISSUER_STATE } } : {
      [preAuthorizedCodeGrantIdentifier]: {
        ...(txCode
          ? { tx_code: { input_mode: /^\d+$/.test(txCode) ? 'numeric' : 'text', length: txCode.length, description: 'the code given with the offer' } }
          : {}),
      },
    },
  })
  if (!opts['sign-in']) {
    codes.set(credentialOfferObject.grants[preAuthorizedCodeGrantIdentifier]['pre-authorized_code'], Date.now() + CODE_TTL_S * 1000)
  }
  return credentialOffer
}

// --- the Open Badges 3.0 credential, signed as a VC-JWT by the issuer's did:key
const ACHIEVEMENT = {
  id: 'urn:uuid:d6b4dc31-41bc-4268-a728-7fef9044a641',
  type: ['Achievement'],
  name: 'Loopback Test Badge',
  description: 'Awarded by the oid4vc-ts loopback issuer that Stapel tests claim from.',
  criteria: { narrative: 'Claim this badge over OpenID4VCI 1.0 with a pre-authorized code.' },
}
async function signCredential(holderDid) {
  const now = new Date()
  const iat = Math.floor(now.getTime() / 1000)
  const date = now.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const id = `urn:uuid:${randomUUID()}`
  const v1 = opts.vcdm === '1.1'
  const credential = {
    '@context': [
      v1 ? 'https://www.w3.org/2018/credentials/v1' : 'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuerDid, type: ['Profile'], name: 'oid4vc-ts loopback issuer' },
    ...(v1 ? { issuanceDate: date } : { validFrom: date }),
    name: ACHIEVEMENT.name,
    credentialSubject: { id: holderDid, type: ['AchievementSubject'], achievement: ACHIEVEMENT },
  }
  // VCDM 1.1 JWT encoding: the credential in `vc`, with iss/sub/jti/nbf mirroring it.
  // VCDM 2.0 (VC-JOSE-COSE): the credential is the payload, typ vc+jwt; iss/sub/jti/iat added.
  const payload = v1
    ? { vc: credential, iss: issuerDid, sub: holderDid, jti: id, nbf: iat, iat }
    : { ...credential, iss: issuerDid, sub: holderDid, jti: id, iat }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: v1 ? 'JWT' : 'vc+jwt', kid: issuerKid })
    .sign(issuer.privateKey)
}

// --- routes
async function route(req, res) {
  const url = new URL(req.url, base)
  const at = `${req.method} ${url.pathname}`

  if (at === 'GET /.well-known/openid-credential-issuer') return send(res, 200, credentialIssuerMetadata)
  if (at === 'GET /.well-known/oauth-authorization-server') return send(res, 200, authorizationServerMetadata)
  if (at === 'GET /jwks.json') return send(res, 200, { keys: [tokenKey.publicJwk] }, { 'Content-Type': 'application/jwk-set+json' })
  // Not part of OpenID4VCI: a fresh offer (new one-time code) for tests that claim again.
  if (at === 'GET /offer') return send(res, 200, `${await newOffer()}\n`)

  if (at === 'POST /par' && opts['sign-in']) {
    const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
    const { authorizationRequest } = await as.parsePushedAuthorizationRequest({ authorizationRequest: form, request: libRequest(req, url.href) })
    await as.verifyPushedAuthorizationRequest({ authorizationRequest, authorizationServerMetadata, request: libRequest(req, url.href) })
    // The learner must come from this issuer's offer, asking with PKCE S256 for its credential.
    if (authorizationRequest.issuer_state !== ISSUER_STATE) {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidRequest, error_description: 'issuer_state is not the offer’s' })
    }
    if (authorizationRequest.code_challenge_method !== 'S256' || !authorizationRequest.code_challenge) {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidRequest, error_description: 'PKCE with S256 is required' })
    }
    const id = randomUUID()
    pushed.set(id, { request: authorizationRequest, expiresAt: Date.now() + 60_000 })
    const { pushedAuthorizationResponse } = as.createPushedAuthorizationResponse({ requestUri: `urn:ietf:params:oauth:request_uri:${id}`, expiresInSeconds: 60 })
    return send(res, 201, pushedAuthorizationResponse)
  }

  // The sign-in page: the learner is taken to have signed in and agreed, at once.
  if (at === 'GET /authorize' && opts['sign-in']) {
    const id = parsePushedAuthorizationRequestUriReferenceValue({ uri: url.searchParams.get('request_uri') ?? '' })
    const entry = pushed.get(id)
    pushed.delete(id)
    if (!entry || entry.expiresAt < Date.now() || entry.request.client_id !== url.searchParams.get('client_id')) {
      return send(res, 400, 'unknown or expired request_uri, or another client')
    }
    const code = randomUUID()
    signIns.set(code, { request: entry.request, expiresAt: Date.now() + CODE_TTL_S * 1000 })
    const back = new URL(entry.request.redirect_uri)
    back.searchParams.set('code', code)
    if (entry.request.state) back.searchParams.set('state', entry.request.state)
    back.searchParams.set('iss', base)
    res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' })
    return res.end()
  }

  if (at === 'POST /token') {
    const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
    const parsed = as.parseAccessTokenRequest({ accessTokenRequest: form, request: libRequest(req, url.href) })
    if (parsed.grant.grantType === authorizationCodeGrantIdentifier && opts['sign-in']) {
      const signIn = signIns.get(parsed.grant.code)
      signIns.delete(parsed.grant.code)
      if (signIn && signIn.request.redirect_uri !== form.redirect_uri) {
        throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidGrant, error_description: 'another redirect_uri' })
      }
      const { dpop } = await as.verifyAuthorizationCodeAccessTokenRequest({
        authorizationServerMetadata,
        grant: parsed.grant,
        accessTokenRequest: parsed.accessTokenRequest,
        request: libRequest(req, url.href),
        expectedCode: signIn ? parsed.grant.code : `unknown:${randomUUID()}`,
        codeExpiresAt: signIn ? new Date(signIn.expiresAt) : undefined,
        pkce: signIn
          ? { codeVerifier: parsed.pkceCodeVerifier, codeChallenge: signIn.request.code_challenge, codeChallengeMethod: PkceCodeChallengeMethod.S256 }
          : undefined,
        dpop: parsed.dpop ? { ...parsed.dpop, required: false } : undefined,
      })
      const tokenResponse = await as.createAccessTokenResponse({
        audience: base,
        authorizationServer: base,
        subject: parsed.grant.code,
        expiresInSeconds: TOKEN_TTL_S,
        signer: { method: 'jwk', alg: 'EdDSA', publicJwk: tokenKey.publicJwk },
        dpop,
        scope: 'OpenBadgeCredential',
      })
      return send(res, 200, tokenResponse)
    }
    if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.UnsupportedGrantType })
    }
    // The library checks the proof but leaves server nonces to its user (RFC 9449 §8).
    if (opts.dpop && parsed.dpop && decodeJwt({ jwt: parsed.dpop.jwt }).payload.nonce !== dpopNonce) {
      return send(res, 400, { error: Oauth2ErrorCodes.UseDpopNonce, error_description: 'use the DPoP-Nonce' }, { 'DPoP-Nonce': dpopNonce })
    }
    sweep(codes)
    const code = parsed.grant.preAuthorizedCode
    const expiresAt = codes.get(code)
    const { dpop } = await as.verifyPreAuthorizedCodeAccessTokenRequest({
      authorizationServerMetadata,
      grant: parsed.grant,
      accessTokenRequest: parsed.accessTokenRequest,
      request: libRequest(req, url.href),
      // An unknown or redeemed code must fail the library's comparison.
      expectedPreAuthorizedCode: expiresAt ? code : `unknown:${randomUUID()}`,
      preAuthorizedCodeExpiresAt: expiresAt ? new Date(expiresAt) : undefined,
      expectedTxCode: opts['tx-code'],
      dpop: opts.dpop ? { ...parsed.dpop, required: true, allowedSigningAlgs: ['ES256'] } : parsed.dpop ? { ...parsed.dpop, required: false } : undefined,
    })
    codes.delete(code)
    const tokenResponse = await as.createAccessTokenResponse({
      audience: base,
      authorizationServer: base,
      subject: code,
      expiresInSeconds: TOKEN_TTL_S,
      signer: { method: 'jwk', alg: 'EdDSA', publicJwk: tokenKey.publicJwk },
      dpop,
      scope: 'OpenBadgeCredential',
    })
    return send(res, 200, tokenResponse)
  }

  if (at === 'POST /nonce') {
    sweep(nonces)
    const cNonce = randomUUID()
    nonces.set(cNonce, Date.now() + NONCE_TTL_S * 1000)
    return send(res, 200, vci.createNonceResponse({ cNonce, cNonceExpiresIn: NONCE_TTL_S }))
  }

  if (at === 'POST /credential') {
    await rs.verifyResourceRequest({
      authorizationServers: [authorizationServerMetadata],
      resourceServer: base,
      request: libRequest(req, url.href),
      allowedAuthenticationSchemes: opts.dpop
        ? [SupportedAuthenticationScheme.DPoP]
        : [SupportedAuthenticationScheme.Bearer, SupportedAuthenticationScheme.DPoP],
    })
    let body
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidCredentialRequest, error_description: 'the body is not JSON' })
    }
    // 1.0 names what it wants by credential_configuration_id (not draft 13's format).
    if (body?.credential_configuration_id !== CONFIGURATION_ID) {
      throw new Oauth2ServerErrorResponseError({
        error: Oauth2ErrorCodes.UnknownCredentialConfiguration,
        error_description: `request credential_configuration_id '${CONFIGURATION_ID}' (OpenID4VCI 1.0)`,
      })
    }
    const parsed = vci.parseCredentialRequest({ issuerMetadata, credentialRequest: body })
    const jwts = parsed.proofs?.jwt
    if (!jwts || jwts.length !== 1) {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidProof, error_description: 'send exactly one jwt proof' })
    }
    // The nonce must be one the nonce endpoint handed out, and is good once.
    sweep(nonces)
    let nonce
    try {
      nonce = decodeJwt({ jwt: jwts[0] }).payload.nonce
    } catch {
      throw new Oauth2ServerErrorResponseError({ error: Oauth2ErrorCodes.InvalidProof, error_description: 'the proof is not a JWT' })
    }
    const nonceExpiresAt = nonce && nonces.get(nonce)
    if (!nonceExpiresAt) {
      throw new Oauth2ServerErrorResponseError({
        error: Oauth2ErrorCodes.InvalidNonce,
        error_description: 'the proof has no c_nonce from this issuer’s nonce endpoint, or it was used or expired',
      })
    }
    nonces.delete(nonce)
    const { signer } = await vci.verifyCredentialRequestJwtProof({
      issuerMetadata,
      jwt: jwts[0],
      expectedNonce: nonce,
      nonceExpiresAt: new Date(nonceExpiresAt),
    })
    const holderDid = signer.method === 'did' ? signer.didUrl.split('#')[0] : didJwkFromJwk(signer.publicJwk)
    const credential = await signCredential(holderDid)
    log(`  issued to ${holderDid}`)
    return send(res, 200, vci.createCredentialResponse({ credentialRequest: parsed, credentials: [{ credential }] }))
  }

  send(res, 404, { error: 'not_found', error_description: `${at} is not served here` })
}

log(`credential issuer ${base}, issuer ${issuerDid}, OpenID4VCI 1.0, VCDM ${opts.vcdm}${opts['tx-code'] ? ', tx_code required' : ''}${opts.dpop ? ', DPoP required' : ''}${opts['sign-in'] ? ', sign-in (authorization code, PAR, PKCE)' : ''}`)
process.stdout.write(`${await newOffer()}\n`)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)))
