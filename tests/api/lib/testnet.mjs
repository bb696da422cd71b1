// What the API tests need from a `replex testnet --validators 1` folder:
// node0's REST and gRPC addresses (node0/config.yaml: api.rest_listen,
// api.grpc_listen), the chain id (genesis.yaml) and the demo traders with
// their API keys and signing keys (accounts/accounts.yaml and the .hex key
// files beside it); plus Ed25519 signing under a Replex signing domain
// (include/replex/core/ed25519.hpp) with Node's crypto.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

export function loadTestnet(dir) {
  const config = yaml.load(fs.readFileSync(path.join(dir, 'node0', 'config.yaml'), 'utf8'));
  const accounts = yaml.load(fs.readFileSync(path.join(dir, 'accounts', 'accounts.yaml'), 'utf8'));
  const genesisText = fs.readFileSync(path.join(dir, 'genesis.yaml'), 'utf8');
  const genesis = yaml.load(genesisText);
  const chainId = findChainId(genesis);
  const traders = accounts.accounts.map((a) => ({
    name: a.name,
    account: String(a.public_key),
    apiKey: String(a.api_key),
    seedHex: fs.readFileSync(path.join(dir, 'accounts', a.key_file), 'utf8').trim(),
  }));
  const rest = String(config.api.rest_listen);
  const grpc = String(config.api.grpc_listen);
  return { dir, rest, grpc, restUrl: `http://${rest}`, chainId, traders };
}

function findChainId(node) {
  if (node && typeof node === 'object') {
    if (typeof node.chain_id === 'string') return node.chain_id;
    for (const value of Object.values(node)) {
      const found = findChainId(value);
      if (found) return found;
    }
  }
  return undefined;
}

// u8 len(domain) || domain || u8 len(chain_id) || chain_id || message
export function signingBytes(domain, chainId, message) {
  const d = Buffer.from(domain, 'utf8');
  const c = Buffer.from(chainId, 'utf8');
  return Buffer.concat([Buffer.from([d.length]), d, Buffer.from([c.length]), c, Buffer.from(message)]);
}

// An Ed25519 private key from a 32-byte seed (PKCS#8 wrapping of the raw seed).
export function privateKeyFromSeed(seedHex) {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return crypto.createPrivateKey({ key: Buffer.concat([prefix, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
}

export function publicKeyHex(privateKey) {
  const der = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('hex');
}

export function sign(seedHex, domain, chainId, message) {
  return crypto.sign(null, signingBytes(domain, chainId, message), privateKeyFromSeed(seedHex));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
