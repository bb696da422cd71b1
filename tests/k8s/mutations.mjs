#!/usr/bin/env node
// The checker checks: each mutation breaks one rule in a copy of a rendered
// set, and validate.mjs must then fail naming it. Guards against a
// validate.mjs that passes everything.
//
//   node tests/k8s/mutations.mjs --rendered DIR --replex BIN
//
// DIR must hold a 4-validator, 1-observer render (k8s/render defaults).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  if (i < 0 || i + 1 >= argv.length) {
    process.stderr.write('usage: mutations.mjs --rendered DIR --replex BIN\n');
    process.exit(2);
  }
  return argv[i + 1];
};
const rendered = opt('--rendered');
const replex = opt('--replex');
const validate = path.join(path.dirname(fileURLToPath(import.meta.url)), 'validate.mjs');

const load = (dir, file) => yaml.loadAll(fs.readFileSync(path.join(dir, file), 'utf8')).filter(Boolean);
const save = (dir, file, docs) => fs.writeFileSync(path.join(dir, file), docs.map((d) => yaml.dump(d)).join('---\n'));
// edit(file, fn): fn changes the file's documents in place (or returns new ones).
const edit = (file, fn) => (dir) => {
  const docs = load(dir, file);
  save(dir, file, fn(docs) || docs);
};
const podSpec = (docs) => docs[0].spec.template.spec;
const main = (docs) => podSpec(docs).containers.find((c) => c.name === 'replex');
const configEdit = (key, fn) => edit('21-validator-config-configmap.yaml', (docs) => {
  const cfg = yaml.load(docs[0].data[key]);
  fn(cfg);
  docs[0].data[key] = yaml.dump(cfg);
});

const STS = '41-validator-statefulset.yaml';
const mutations = [
  ['PDB maxUnavailable is not f', edit('42-validator-pdb.yaml', (d) => { d[0].spec.maxUnavailable = 2; }), 'maxUnavailable is 2, but f'],
  ['PDB as minAvailable', edit('42-validator-pdb.yaml', (d) => { delete d[0].spec.maxUnavailable; d[0].spec.minAvailable = 3; }), 'not minAvailable'],
  ['serviceName names no Service', edit(STS, (d) => { d[0].spec.serviceName = 'replex-peers'; }), 'serviceName replex-peers is not a Service'],
  ['headless Service hides not-ready pods', edit('40-validator-headless-service.yaml', (d) => { delete d[0].spec.publishNotReadyAddresses; }), 'publishNotReadyAddresses'],
  ['OrderedReady validators', edit(STS, (d) => { d[0].spec.podManagementPolicy = 'OrderedReady'; }), 'podManagementPolicy must be Parallel'],
  ['readiness on /healthz', edit(STS, (d) => { main(d).readinessProbe.httpGet.path = '/healthz'; }), 'readinessProbe path is /healthz'],
  ['liveness on the gRPC port', edit(STS, (d) => { main(d).livenessProbe.httpGet.port = 'grpc'; }), 'livenessProbe port grpc is not the REST port'],
  ['volumeMount names no volume', edit(STS, (d) => { main(d).volumeMounts[0].name = 'homes'; }), 'volumeMount homes names no volume'],
  ['a validator key Secret missing', edit('30-validator-keys-secrets.yaml', (d) => d.filter((s) => s.metadata.name !== 'replex-validator-2-keys')), 'Secret replex-validator-2-keys, which does not exist'],
  ['a Secret key missing', edit('30-validator-keys-secrets.yaml', (d) => { delete d[1].data['validator_key.hex']; }), 'needs key validator_key.hex'],
  ['a ConfigMap missing', (dir) => fs.rmSync(path.join(dir, '20-genesis-configmap.yaml')), 'ConfigMap replex-genesis, which does not exist'],
  ['pods 0 and 1 swap key Secrets', edit(STS, (d) => {
    const sources = podSpec(d).volumes.find((v) => v.name === 'validator-keys').projected.sources;
    for (const s of sources) {
      if (s.secret.name === 'replex-validator-0-keys') s.secret.name = 'replex-validator-1-keys';
      else if (s.secret.name === 'replex-validator-1-keys') s.secret.name = 'replex-validator-0-keys';
    }
  }), 'node key', { replex: true }],
  ['two pods share a Secret', edit(STS, (d) => {
    const sources = podSpec(d).volumes.find((v) => v.name === 'validator-keys').projected.sources;
    for (const s of sources) if (s.secret.name === 'replex-validator-3-keys') s.secret.name = 'replex-validator-2-keys';
  }), 'share Secret replex-validator-2-keys'],
  ['the node mounts the key Secrets', edit(STS, (d) => { main(d).volumeMounts.push({ name: 'validator-keys', mountPath: '/keys', readOnly: true }); }), 'only the init container may'],
  ['replicas differ from the genesis', edit(STS, (d) => { d[0].spec.replicas = 5; }), 'genesis.yaml has 4 validators'],
  ['a peer on the wrong port', configEdit('validator-1.yaml', (c) => { c.p2p.persistent_peers[0] = c.p2p.persistent_peers[0].replace(/:26656$/, ':26657'); }), 'uses port 26657'],
  ['a peer by loopback address', configEdit('validator-2.yaml', (c) => { c.p2p.persistent_peers[1] = c.p2p.persistent_peers[1].replace(/@.*$/, '@127.0.0.1:26656'); }), 'is not <node_id>@'],
  ['a peer missing', configEdit('validator-3.yaml', (c) => { c.p2p.persistent_peers.pop(); }), 'is missing'],
  ['listening on loopback', configEdit('validator-0.yaml', (c) => { c.api.rest_listen = '127.0.0.1:8080'; }), 'api.rest_listen is 127.0.0.1:8080'],
  ['a config key the node refuses', configEdit('validator-0.yaml', (c) => { c.p2p.max_peer = 5; }), 'replex config check', { replex: true }],
  ['data off the volume', configEdit('validator-0.yaml', (c) => { c.storage.path = 'data'; }), 'is not on the data volume'],
  ['Service targets an unexposed port', edit('51-observer-service.yaml', (d) => { d[0].spec.ports[0].targetPort = 'http'; }), 'targets http'],
  ['Service selects nothing', edit('51-observer-service.yaml', (d) => { d[0].spec.selector['app.kubernetes.io/component'] = 'api'; }), 'matches no workload'],
  ['selector misses the pod labels', edit('50-observer-deployment.yaml', (d) => { d[0].spec.selector.matchLabels.tier = 'public'; }), 'selector.matchLabels do not match'],
  ['a misspelt field', edit(STS, (d) => { main(d).readinessprobe = main(d).readinessProbe; }), 'readinessprobe: unknown field'],
  ['a wrong type', edit(STS, (d) => { main(d).ports[0].containerPort = 'p2p'; }), 'fails the API schema'],
  ['root filesystem writable', edit('50-observer-deployment.yaml', (d) => { main(d).securityContext.readOnlyRootFilesystem = false; }), 'readOnlyRootFilesystem must be true'],
  ['no memory limit', edit(STS, (d) => { delete main(d).resources.limits.memory; }), 'resources.limits.memory are required'],
  ['Prometheus port not the REST port', edit(STS, (d) => { d[0].spec.template.metadata.annotations['prometheus.io/port'] = '9090'; }), 'prometheus.io/port'],
  ['a key Secret not hex', edit('30-validator-keys-secrets.yaml', (d) => { d[0].data['node_key.hex'] = Buffer.from('secret\n').toString('base64'); }), 'is not 64 hex digits'],
  ['another namespace', edit('51-observer-service.yaml', (d) => { d[0].metadata.namespace = 'default'; }), "not the set's namespace"],
];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'replex-k8s-mutations-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const failures = [];
for (const [name, mutate, expected, { replex: withReplex } = {}] of mutations) {
  const dir = path.join(scratch, name.replace(/[^a-z0-9]+/gi, '-'));
  fs.cpSync(rendered, dir, { recursive: true });
  mutate(dir);
  // Only the key checks need the binary (replex keys show); the rest run faster without it.
  const extra = withReplex ? ['--replex', replex] : [];
  const r = spawnSync(process.execPath, [validate, '--rendered', dir, '--validators', '4', '--observers', '1', ...extra],
    { encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status === 1 && output.includes(expected)) {
    process.stdout.write(`  caught: ${name}\n`);
  } else {
    failures.push(`${name}: expected exit 1 naming '${expected}', got ${r.status}:\n${output.trim().split('\n').slice(-8).join('\n')}`);
  }
}
if (failures.length) {
  process.stderr.write(`validate.mjs missed ${failures.length} of ${mutations.length} broken sets:\n${failures.map((x) => `  - ${x}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`OK: validate.mjs rejected all ${mutations.length} broken sets\n`);
