// Benchmark only (scripts/bench verify): verifies credentials with the Digital Credentials
// Consortium's JavaScript stack, as @digitalcredentials/verifier-core assembles it (the vc
// library with the Ed25519Signature2020 and eddsa-rdfc-2022 suites and DCC's security document
// loader), but offline: verifier-core's own verifyCredential builds its loader with
// fetchRemoteContexts on and looks issuers up in remote registries, so it cannot be run
// without the network. The loader here serves DCC's bundled contexts, then the contexts Stapel
// carries (same inputs on both sides), resolves did:key locally, and refuses everything else.
//
//   node verify.mjs ROUNDS CONTEXTS.json FILE...
// prints one JSON line per file: {file, ms (median of ROUNDS warm rounds), signature, verified, error}
import { readFileSync } from 'node:fs';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalcredentials/vc';
import { securityLoader } from '@digitalcredentials/security-document-loader';

const [roundsArg, contextsPath, ...files] = process.argv.slice(2);
const rounds = Number(roundsArg);
const carried = JSON.parse(readFileSync(contextsPath, 'utf8'));
const dcc = securityLoader({ fetchRemoteContexts: false }).build();

async function documentLoader(url) {
  if (url.startsWith('did:web:')) {
    throw new Error(`network off: did:web is not resolved (${url})`);
  }
  try {
    return await dcc(url);
  } catch (e) {
    if (Object.hasOwn(carried, url)) {
      return { contextUrl: null, documentUrl: url, document: carried[url] };
    }
    throw new Error(`network off: ${url} is neither bundled by DCC nor carried by Stapel`);
  }
}

const suite = [new Ed25519Signature2020(), new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })];

async function verifyOnce(credential) {
  // Status lists would need the network; the signature is what is compared, so the status
  // check is answered without a list (verifier-core itself fetches the list here).
  const checkStatus = async () => ({ verified: true });
  return vc.verifyCredential({ credential, suite, documentLoader, checkStatus, verifyMatchingIssuers: false });
}

function describe(result) {
  const proofs = result.results ?? [];
  const signature = proofs.length > 0 && proofs.every((r) => r.verified);
  let error = null;
  if (!result.verified) {
    const e = result.error;
    const errors = e?.errors ?? (e ? [e] : []);
    error = errors.map((x) => x?.message ?? String(x)).join('; ').slice(0, 200) || 'not verified';
  }
  return { signature, verified: !!result.verified, error };
}

for (const file of files) {
  let outcome;
  try {
    const credential = JSON.parse(readFileSync(file, 'utf8'));
    outcome = describe(await verifyOnce(credential)); // warm-up, and the answer
    const times = [];
    for (let i = 0; i < rounds; i++) {
      const t = process.hrtime.bigint();
      await verifyOnce(credential);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    outcome.ms = times[Math.floor(times.length / 2)];
  } catch (e) {
    outcome = { signature: false, verified: false, error: `threw: ${e?.message ?? e}`.slice(0, 200), ms: null };
  }
  process.stdout.write(JSON.stringify({ file, ...outcome }) + '\n');
}
