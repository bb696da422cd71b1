#!/usr/bin/env node
// Validates Replex's Kubernetes manifests offline (docs/operators-k8s.md, "Tests").
//
//   node tests/k8s/validate.mjs [--static K8S_DIR] [--rendered DIR]... [--validators N] [--observers M]
//                               [--replex BIN] [--cluster-domain D] [--simulate]
//
// Every set of manifests (the static k8s/*.yaml, k8s/base, k8s/templates and
// k8s/optional; each directory k8s/render wrote) is checked on its own:
//   1. every object against the Kubernetes API schema: `new X(obj).validate()`
//      with X the kubernetes-models class of its apiVersion and kind, plus
//      unknown fields (lib/strict_fields.mjs); a kind without a class must be
//      a known CRD (ServiceMonitor) and gets hand-written checks;
//   2. the cross-references: workload selectors match their pod labels;
//      Services select pods and target ports the containers expose; probes
//      hit /healthz and /readyz on the REST port; every volumeMount names a
//      volume; every ConfigMap and Secret referenced exists with the keys
//      referenced; the StatefulSet's serviceName is a headless Service that
//      publishes not-ready pods; the PodDisruptionBudget selects exactly the
//      validators with maxUnavailable = f = floor((n-1)/3); replicas = the
//      genesis' validators; pod i's key volume maps Secret i; the node's
//      container mounts no Secret; security contexts, resources, Prometheus
//      annotations, namespaces;
//   3. the node configs in the ConfigMaps: 0.0.0.0 on the container ports,
//      persistent_peers and seeds by headless DNS name and p2p port with the
//      genesis' node ids, data on the volume; with --replex, `replex config
//      check` on each, and (rendered sets) every key Secret's public keys
//      against the genesis validator the StatefulSet maps it to;
//   4. with --simulate and --replex (rendered sets): assemble-home.sh runs as
//      each pod's init container over the rendered ConfigMaps and Secrets
//      (lib/simulate_pod.mjs); the homes must hold the right files, modes and
//      keys; then validator 0 and an observer start on their homes (listen
//      addresses moved to 127.0.0.1:0, data to a scratch folder) and must stop
//      with exit code 0 on SIGTERM.
// Prints every problem and exits 1 if there is any; 2 on bad usage.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import yaml from 'js-yaml';
import { unknownFields } from './lib/strict_fields.mjs';
import { runInitContainer } from './lib/simulate_pod.mjs';

// ---------------------------------------------------------------------------
// Arguments

const args = { sets: [], validators: null, observers: null, replex: '', clusterDomain: 'cluster.local', simulate: false };
{
  const argv = process.argv.slice(2);
  const value = (i) => {
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--static': args.sets.push({ kind: 'static', dir: value(i++) }); break;
      case '--rendered': args.sets.push({ kind: 'rendered', dir: value(i++) }); break;
      case '--validators': args.validators = Number(value(i++)); break;
      case '--observers': args.observers = Number(value(i++)); break;
      case '--replex': args.replex = value(i++); break;
      case '--cluster-domain': args.clusterDomain = value(i++); break;
      case '--simulate': args.simulate = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (args.sets.length === 0) usage('nothing to validate: give --static and/or --rendered');
  if (args.simulate && !args.replex) usage('--simulate needs --replex');
}
function usage(message) {
  process.stderr.write(`validate.mjs: ${message}\nusage: validate.mjs [--static K8S_DIR] [--rendered DIR]... ` +
    '[--validators N] [--observers M] [--replex BIN] [--cluster-domain D] [--simulate]\n');
  process.exit(2);
}

const problems = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'replex-k8s-validate-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Helpers

const PORT_NAMES = ['p2p', 'grpc', 'rest'];
const f = (n) => Math.floor((n - 1) / 3);
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

function loadSet(set) {
  const dirs = set.kind === 'static'
    ? [set.dir, ...['base', 'templates', 'optional'].map((d) => path.join(set.dir, d))]
    : [set.dir, path.join(set.dir, 'optional')];
  const objects = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
      const full = path.join(dir, file);
      const where = path.relative(set.dir, full) || file;
      let docs;
      try {
        docs = yaml.loadAll(fs.readFileSync(full, 'utf8'));
      } catch (e) {
        problems.push(`${set.name}: ${where}: not YAML: ${e.message}`);
        continue;
      }
      docs.forEach((doc, index) => {
        if (doc === null || doc === undefined) return;
        if (!isObject(doc) || !doc.apiVersion || !doc.kind || !isObject(doc.metadata) || !doc.metadata.name) {
          problems.push(`${set.name}: ${where} document ${index + 1}: not a Kubernetes object (apiVersion, kind, metadata.name)`);
          return;
        }
        objects.push({ doc, where: `${where}`, optional: dir.endsWith('optional') });
      });
    }
  }
  return objects;
}

// Parses a Kubernetes quantity into a number (cpu in cores, memory in bytes).
function quantity(q) {
  const m = /^([0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(q));
  if (!m) return NaN;
  const units = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
}

function labelsMatch(selector, labels) {
  if (!isObject(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels && labels[k] === v);
}

function objectKeys(object) {
  return new Set([...Object.keys(object.data || {}), ...Object.keys(object.stringData || {})]);
}

function objectText(object, key) {
  if (object.stringData && key in object.stringData) return String(object.stringData[key]);
  if (object.data && key in object.data) {
    return object.kind === 'Secret' ? Buffer.from(object.data[key], 'base64').toString('utf8') : String(object.data[key]);
  }
  return null;
}

function replexRun(argv, options = {}) {
  return spawnSync(args.replex, argv, { encoding: 'utf8', timeout: 60_000, ...options });
}

function publicKeyOf(text, where) {
  const file = path.join(scratch, `key-${process.hrtime.bigint()}.hex`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  const r = replexRun(['keys', 'show', file]);
  fs.rmSync(file, { force: true });
  const m = /public_key:\s*([0-9a-f]{64})/.exec(r.stdout || '');
  if (r.status !== 0 || !m) {
    problems.push(`${where}: replex keys show failed: ${(r.stderr || r.stdout || r.error || '').toString().trim()}`);
    return null;
  }
  return m[1];
}

// ---------------------------------------------------------------------------
// 1. Schema validation

const moduleCache = new Map();
async function modelClass(apiVersion, kind) {
  const spec = `kubernetes-models/${apiVersion}`;
  if (!moduleCache.has(spec)) {
    try {
      moduleCache.set(spec, await import(spec));
    } catch {
      moduleCache.set(spec, null);
    }
  }
  const mod = moduleCache.get(spec);
  return mod && typeof mod[kind] === 'function' ? mod[kind] : null;
}

const KNOWN_CRDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

async function validateSchemas(set, objects) {
  const seen = new Map();
  for (const { doc, where } of objects) {
    const id = `${doc.kind}/${doc.metadata.namespace || ''}/${doc.metadata.name}`;
    if (seen.has(id)) problems.push(`${set.name}: ${where}: ${doc.kind} ${doc.metadata.name} is also defined in ${seen.get(id)}`);
    seen.set(id, where);
    const Model = await modelClass(doc.apiVersion, doc.kind);
    if (!Model) {
      if (!KNOWN_CRDS.has(`${doc.apiVersion}/${doc.kind}`)) {
        problems.push(`${set.name}: ${where}: ${doc.apiVersion} ${doc.kind} is not a Kubernetes API kind kubernetes-models knows`);
      }
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      problems.push(`${set.name}: ${where}: ${doc.kind} ${doc.metadata.name} fails the API schema: ${e.message}`);
    }
    for (const p of unknownFields(doc) || []) problems.push(`${set.name}: ${where}: ${p}`);
  }
}

// ---------------------------------------------------------------------------
// 2 and 3. Cross-references

function checkSet(set, objects) {
  const P = (message) => problems.push(`${set.name}: ${message}`);
  const all = objects.map((o) => o.doc);
  const byKind = (kind) => all.filter((d) => d.kind === kind);
  const find = (kind, name) => all.find((d) => d.kind === kind && d.metadata.name === name) || null;
  const strict = set.kind === 'rendered';

  // Namespace: every namespaced object in the one Namespace of the set.
  const namespaces = byKind('Namespace');
  if (namespaces.length !== 1) P(`expected one Namespace, found ${namespaces.length}`);
  const ns = namespaces.length ? namespaces[0].metadata.name : 'replex';
  for (const d of all) {
    if (d.kind !== 'Namespace' && d.metadata.namespace !== ns) {
      P(`${d.kind} ${d.metadata.name}: metadata.namespace is '${d.metadata.namespace}', not the set's namespace '${ns}'`);
    }
  }

  const statefulSets = byKind('StatefulSet');
  const deployments = byKind('Deployment');
  if (statefulSets.length !== 1) P(`expected one StatefulSet (the validators), found ${statefulSets.length}`);
  if (deployments.length !== 1) P(`expected one Deployment (the observers), found ${deployments.length}`);
  const sts = statefulSets[0];
  const deploy = deployments[0];
  const workloads = [...statefulSets, ...deployments];
  const podLabels = (w) => ((w.spec.template || {}).metadata || {}).labels || {};
  const mainOf = (w) => (w.spec.template.spec.containers || []).find((c) => c.name === 'replex');

  // --- Workloads -----------------------------------------------------------
  const ports = {}; // name -> number, from the validators' main container
  for (const w of workloads) {
    const W = `${w.kind} ${w.metadata.name}`;
    const spec = w.spec.template.spec || {};
    const selector = w.spec.selector || {};
    if (selector.matchExpressions) P(`${W}: selector.matchExpressions is not supported by these checks; use matchLabels`);
    if (!labelsMatch(selector.matchLabels, podLabels(w))) P(`${W}: selector.matchLabels do not match the pod template's labels`);

    const volumes = new Map((spec.volumes || []).map((v) => [v.name, v]));
    if (volumes.size !== (spec.volumes || []).length) P(`${W}: duplicate volume names`);
    const claims = new Set(((w.spec.volumeClaimTemplates) || []).map((c) => c.metadata.name));
    const containers = spec.containers || [];
    const inits = spec.initContainers || [];
    const used = new Set();
    const images = new Set();
    for (const c of [...inits, ...containers]) {
      const C = `${W}: container ${c.name}`;
      images.add(c.image);
      if (!c.image) P(`${C}: no image`);
      const paths = new Set();
      for (const m of c.volumeMounts || []) {
        used.add(m.name);
        if (!volumes.has(m.name) && !claims.has(m.name)) P(`${C}: volumeMount ${m.name} names no volume or volumeClaimTemplate`);
        if (paths.has(m.mountPath)) P(`${C}: two mounts at ${m.mountPath}`);
        paths.add(m.mountPath);
      }
      // Security: non-root, read-only root file system, no privilege.
      const sc = c.securityContext || {};
      if (sc.readOnlyRootFilesystem !== true) P(`${C}: securityContext.readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) P(`${C}: securityContext.allowPrivilegeEscalation must be false`);
      if (!((sc.capabilities || {}).drop || []).includes('ALL')) P(`${C}: securityContext.capabilities.drop must include ALL`);
      if (sc.privileged) P(`${C}: privileged`);
      // Resources: requests and limits for cpu and memory, requests <= limits.
      const res = c.resources || {};
      for (const r of ['cpu', 'memory']) {
        const req = (res.requests || {})[r];
        const lim = (res.limits || {})[r];
        if (req === undefined || lim === undefined) P(`${C}: resources.requests.${r} and resources.limits.${r} are required`);
        else if (!(quantity(req) <= quantity(lim))) P(`${C}: requests.${r} ${req} exceeds limits.${r} ${lim}`);
      }
      // Ports: unique names of at most 15 characters; probes on declared ports.
      const names = new Set();
      for (const p of c.ports || []) {
        if (p.name) {
          if (names.has(p.name)) P(`${C}: duplicate port name ${p.name}`);
          if (p.name.length > 15) P(`${C}: port name ${p.name} is longer than 15 characters`);
          names.add(p.name);
        }
      }
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const get = (c[probe] || {}).httpGet;
        if (!get) continue;
        const target = (c.ports || []).find((p) => (typeof get.port === 'string' ? p.name === get.port : p.containerPort === get.port));
        if (!target) P(`${C}: ${probe} port ${get.port} is not a port of the container`);
      }
      // Env references.
      for (const e of c.env || []) {
        const from = e.valueFrom || {};
        for (const [kind, ref] of [['ConfigMap', from.configMapKeyRef], ['Secret', from.secretKeyRef]]) {
          if (!ref || ref.optional) continue;
          const o = find(kind, ref.name);
          if (!o) P(`${C}: env ${e.name} refers to ${kind} ${ref.name}, which does not exist`);
          else if (!objectKeys(o).has(ref.key)) P(`${C}: env ${e.name} refers to key ${ref.key} that ${kind} ${ref.name} lacks`);
        }
        if (from.fieldRef && !/^(metadata\.(name|namespace|uid)|spec\.nodeName|status\.podIP)$/.test(from.fieldRef.fieldPath)) {
          P(`${C}: env ${e.name}: unexpected fieldRef ${from.fieldRef.fieldPath}`);
        }
      }
    }
    if (images.size > 1) P(`${W}: the init and main containers use different images (${[...images].join(', ')})`);
    for (const v of volumes.keys()) if (!used.has(v)) P(`${W}: volume ${v} is mounted by no container`);
    for (const cl of claims) if (!used.has(cl)) P(`${W}: volumeClaimTemplate ${cl} is mounted by no container`);

    // Volumes' ConfigMaps and Secrets, with the keys their items name.
    const refCheck = (kind, name, items, optional, what) => {
      const o = find(kind, name);
      if (!o) {
        if (!optional) P(`${W}: ${what} refers to ${kind} ${name}, which does not exist`);
        return;
      }
      const keys = objectKeys(o);
      for (const item of items || []) {
        if (!keys.has(item.key) && !optional) P(`${W}: ${what} needs key ${item.key}, which ${kind} ${name} lacks`);
      }
      if (!items && keys.size === 0) P(`${W}: ${what}: ${kind} ${name} has no keys`);
    };
    for (const v of volumes.values()) {
      if (v.configMap) refCheck('ConfigMap', v.configMap.name, v.configMap.items, v.configMap.optional, `volume ${v.name}`);
      if (v.secret) refCheck('Secret', v.secret.secretName, v.secret.items, v.secret.optional, `volume ${v.name}`);
      for (const s of (v.projected || {}).sources || []) {
        if (s.secret) refCheck('Secret', s.secret.name, s.secret.items, s.secret.optional, `volume ${v.name}`);
        if (s.configMap) refCheck('ConfigMap', s.configMap.name, s.configMap.items, s.configMap.optional, `volume ${v.name}`);
      }
      for (const mode of [(v.secret || {}).defaultMode, (v.projected || {}).defaultMode]) {
        if (mode !== undefined && (mode & 0o007) !== 0) P(`${W}: volume ${v.name}: key files readable by others (defaultMode ${mode.toString(8)})`);
      }
    }

    // Pod security context: non-root, fsGroup for the volumes, seccomp.
    const psc = spec.securityContext || {};
    if (psc.runAsNonRoot !== true) P(`${W}: pod securityContext.runAsNonRoot must be true`);
    if (!(psc.runAsUser > 0)) P(`${W}: pod securityContext.runAsUser must be a non-root uid`);
    if (psc.fsGroup === undefined) P(`${W}: pod securityContext.fsGroup is needed (Secret files readable by the init container, the data volume writable)`);
    if (((psc.seccompProfile || {}).type) !== 'RuntimeDefault') P(`${W}: pod securityContext.seccompProfile.type should be RuntimeDefault`);
    if (spec.serviceAccountName && !find('ServiceAccount', spec.serviceAccountName)) {
      P(`${W}: serviceAccountName ${spec.serviceAccountName} does not exist`);
    }
    if (spec.automountServiceAccountToken !== false) P(`${W}: automountServiceAccountToken should be false (the node needs no API access)`);

    // The node's container.
    const main = mainOf(w);
    if (!main) {
      P(`${W}: no container named replex`);
      continue;
    }
    const portOf = {};
    for (const name of PORT_NAMES) {
      const p = (main.ports || []).find((x) => x.name === name);
      if (!p) P(`${W}: container replex exposes no port named ${name}`);
      else portOf[name] = p.containerPort;
    }
    for (const name of PORT_NAMES) {
      if (ports[name] === undefined) ports[name] = portOf[name];
      else if (portOf[name] !== undefined && ports[name] !== portOf[name]) P(`${W}: port ${name} is ${portOf[name]}, elsewhere ${ports[name]}`);
    }
    const probeTarget = (probe, pathWanted) => {
      const get = (main[probe] || {}).httpGet;
      if (!get) return P(`${W}: container replex has no ${probe} httpGet`);
      if (get.path !== pathWanted) P(`${W}: ${probe} path is ${get.path}, expected ${pathWanted}`);
      const isRest = typeof get.port === 'string' ? get.port === 'rest' : get.port === portOf.rest;
      if (!isRest) P(`${W}: ${probe} port ${get.port} is not the REST port (rest, ${portOf.rest})`);
      if ((get.scheme || 'HTTP') !== 'HTTP') P(`${W}: ${probe} scheme ${get.scheme}: the REST port is plain HTTP`);
      return undefined;
    };
    probeTarget('livenessProbe', '/healthz');
    probeTarget('readinessProbe', '/readyz');
    if (main.startupProbe) probeTarget('startupProbe', '/healthz');
    const annotations = (w.spec.template.metadata || {}).annotations || {};
    if (annotations['prometheus.io/scrape'] !== 'true') P(`${W}: pod annotation prometheus.io/scrape must be "true"`);
    if (annotations['prometheus.io/port'] !== String(portOf.rest)) P(`${W}: pod annotation prometheus.io/port must be "${portOf.rest}" (the REST port)`);
    if (annotations['prometheus.io/path'] !== '/metrics') P(`${W}: pod annotation prometheus.io/path must be /metrics`);
    if (!(spec.terminationGracePeriodSeconds >= 30)) P(`${W}: terminationGracePeriodSeconds should leave the node time to flush (>= 30)`);

    // The home: `replex start --home H`, H an emptyDir the init container fills.
    const argv = [...(main.command || []), ...(main.args || [])];
    const homeAt = argv.indexOf('--home');
    if (argv[0] !== 'replex' && !String(argv[0]).endsWith('/replex')) P(`${W}: container replex does not run replex (${argv.join(' ')})`);
    if (!argv.includes('start')) P(`${W}: container replex does not run \`replex start\``);
    const home = homeAt >= 0 ? argv[homeAt + 1] : null;
    if (!home) {
      P(`${W}: container replex has no --home`);
      continue;
    }
    const homeMount = (main.volumeMounts || []).find((m) => m.mountPath === home);
    if (!homeMount) P(`${W}: nothing is mounted at the home ${home}`);
    else if (!(volumes.get(homeMount.name) || {}).emptyDir) P(`${W}: the home ${home} is not an emptyDir volume`);
    // The node's container never mounts Secrets: keys reach it only through the home.
    for (const m of main.volumeMounts || []) {
      const v = volumes.get(m.name) || {};
      if (v.secret || ((v.projected || {}).sources || []).some((s) => s.secret)) {
        P(`${W}: container replex mounts the Secret volume ${m.name}; only the init container may`);
      }
    }
    const init = inits.find((c) => c.name === 'assemble-home');
    if (!init) {
      P(`${W}: no init container assemble-home`);
      continue;
    }
    const initEnv = Object.fromEntries((init.env || []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    const podNameEnv = (init.env || []).find((e) => e.name === 'POD_NAME');
    if (!podNameEnv || ((podNameEnv.valueFrom || {}).fieldRef || {}).fieldPath !== 'metadata.name') {
      P(`${W}: init container: POD_NAME must come from fieldRef metadata.name`);
    }
    const initMountAt = (p) => (init.volumeMounts || []).find((m) => m.mountPath === p);
    if (initEnv.REPLEX_HOME !== home) P(`${W}: init container REPLEX_HOME is ${initEnv.REPLEX_HOME}, the node's home is ${home}`);
    const initHome = initMountAt(home);
    if (!homeMount || !initHome || initHome.name !== homeMount.name || initHome.readOnly) {
      P(`${W}: the init container must mount the home volume, writable, at ${home}`);
    }
    for (const [name, value] of Object.entries(initEnv)) {
      if (/^REPLEX_\w+_DIR$/.test(name) && !initMountAt(value)) P(`${W}: init container ${name}=${value} is not a mount of the init container`);
    }
    // The script the init container runs is a key of the ConfigMap mounted there.
    for (const a of [...(init.command || []), ...(init.args || [])]) {
      for (const m of init.volumeMounts || []) {
        if (!a.startsWith(`${m.mountPath}/`)) continue;
        const v = volumes.get(m.name) || {};
        const key = a.slice(m.mountPath.length + 1);
        if (v.configMap) {
          const cm = find('ConfigMap', v.configMap.name);
          if (cm && !objectKeys(cm).has(key)) P(`${W}: init container runs ${a}, but ConfigMap ${v.configMap.name} has no key ${key}`);
        }
      }
    }
    const role = w === sts ? 'validator' : 'observer';
    if (initEnv.REPLEX_ROLE !== role) P(`${W}: init container REPLEX_ROLE should be ${role}`);
    w.replexLinks = { home, init, initEnv, volumes, main, portOf };
  }

  // --- Services --------------------------------------------------------------
  for (const s of byKind('Service')) {
    const S = `Service ${s.metadata.name}`;
    const selected = workloads.filter((w) => labelsMatch((s.spec || {}).selector, podLabels(w)));
    if (selected.length === 0) P(`${S}: its selector matches no workload's pods`);
    const names = new Set();
    for (const p of (s.spec || {}).ports || []) {
      if (p.name && names.has(p.name)) P(`${S}: duplicate port name ${p.name}`);
      names.add(p.name);
      const target = p.targetPort ?? p.port;
      for (const w of selected) {
        const exposed = (w.spec.template.spec.containers || []).some((c) => (c.ports || []).some((cp) => (
          typeof target === 'string' ? cp.name === target : cp.containerPort === target)));
        if (!exposed) P(`${S}: port ${p.name || p.port} targets ${target}, which no container of ${w.kind} ${w.metadata.name} exposes`);
      }
    }
  }

  // --- The validators ----------------------------------------------------------
  let n = null;
  if (sts) {
    const W = `StatefulSet ${sts.metadata.name}`;
    n = sts.spec.replicas ?? 1;
    const svc = find('Service', sts.spec.serviceName);
    if (!svc) P(`${W}: serviceName ${sts.spec.serviceName} is not a Service of the set`);
    else {
      if (svc.spec.clusterIP !== 'None') P(`${W}: serviceName ${svc.metadata.name} is not headless (clusterIP: None)`);
      if (svc.spec.publishNotReadyAddresses !== true) {
        P(`Service ${svc.metadata.name}: publishNotReadyAddresses must be true (validators become Ready only after finding a quorum of peers by these names)`);
      }
      if (!labelsMatch(svc.spec.selector, podLabels(sts))) P(`Service ${svc.metadata.name}: does not select the StatefulSet's pods`);
      if (!(svc.spec.ports || []).some((p) => p.targetPort === 'p2p' || p.targetPort === ports.p2p || p.port === ports.p2p)) {
        P(`Service ${svc.metadata.name}: has no port for p2p`);
      }
    }
    if (sts.spec.podManagementPolicy !== 'Parallel') {
      P(`${W}: podManagementPolicy must be Parallel (with OrderedReady pod 0 waits for a quorum that is never started)`);
    }
    if (args.validators !== null && strict && n !== args.validators) P(`${W}: replicas ${n}, expected ${args.validators}`);
    if (!(sts.spec.volumeClaimTemplates || []).some((c) => c.metadata.name === 'data')) P(`${W}: no volumeClaimTemplate named data (RocksDB)`);

    // PDB: exactly the validators, maxUnavailable = f.
    const pdbs = byKind('PodDisruptionBudget').filter((p) => labelsMatch(((p.spec || {}).selector || {}).matchLabels, podLabels(sts)));
    if (pdbs.length !== 1) P(`${W}: expected one PodDisruptionBudget selecting the validators, found ${pdbs.length}`);
    for (const p of pdbs) {
      const B = `PodDisruptionBudget ${p.metadata.name}`;
      if (p.spec.minAvailable !== undefined) P(`${B}: use maxUnavailable (= f), not minAvailable, so it follows the replica count`);
      if (p.spec.maxUnavailable !== f(n)) P(`${B}: maxUnavailable is ${p.spec.maxUnavailable}, but f = floor((${n}-1)/3) = ${f(n)}`);
      for (const w of deployments) {
        if (labelsMatch(p.spec.selector.matchLabels, podLabels(w))) P(`${B}: also selects ${w.kind} ${w.metadata.name}'s pods`);
      }
    }
  }
  if (deploy && args.observers !== null && strict && (deploy.spec.replicas ?? 1) !== args.observers) {
    P(`Deployment ${deploy.metadata.name}: replicas ${deploy.spec.replicas}, expected ${args.observers}`);
  }

  // --- Genesis, configs, keys ---------------------------------------------------
  const links = sts && sts.replexLinks;
  const mountedConfigMap = (w, envName) => {
    const l = w && w.replexLinks;
    if (!l) return null;
    const m = (l.init.volumeMounts || []).find((x) => x.mountPath === l.initEnv[envName]);
    const v = m && l.volumes.get(m.name);
    if (!v || !v.configMap) {
      P(`${w.kind} ${w.metadata.name}: ${envName} is not a ConfigMap volume`);
      return null;
    }
    return find('ConfigMap', v.configMap.name);
  };
  const genesisMap = mountedConfigMap(sts, 'REPLEX_GENESIS_DIR');
  if (deploy && deploy.replexLinks) {
    const observerGenesis = mountedConfigMap(deploy, 'REPLEX_GENESIS_DIR');
    if (genesisMap && observerGenesis && observerGenesis !== genesisMap) P('validators and observers mount different genesis ConfigMaps');
  }
  let genesis = null;
  let genesisText = null;
  if (genesisMap) {
    genesisText = objectText(genesisMap, 'genesis.yaml');
    if (genesisText === null) P(`ConfigMap ${genesisMap.metadata.name}: no genesis.yaml`);
    else {
      try {
        genesis = yaml.load(genesisText);
      } catch (e) {
        P(`ConfigMap ${genesisMap.metadata.name}: genesis.yaml is not YAML: ${e.message}`);
      }
    }
  }
  const genesisValidators = (genesis && genesis.validators) || null;
  if (genesis && !Array.isArray(genesisValidators)) P('genesis.yaml: no validators list');
  if (genesisValidators && n !== null && genesisValidators.length !== n) {
    P(`StatefulSet ${sts.metadata.name}: replicas ${n}, but genesis.yaml has ${genesisValidators.length} validators`);
  }
  if (genesisValidators && strict) {
    genesisValidators.forEach((v, i) => {
      for (const k of ['node_id', 'consensus_key']) if (!/^[0-9a-f]{64}$/.test(String(v[k]))) P(`genesis.yaml: validators[${i}].${k} is not 64 hex digits`);
    });
  }

  const stsName = sts ? sts.metadata.name : '';
  const svcName = sts ? sts.spec.serviceName : '';
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const peerPattern = new RegExp(`^([0-9a-f]{64})@${esc(stsName)}-(\\d+)\\.${esc(svcName)}\\.${esc(ns)}\\.svc\\.${esc(args.clusterDomain)}:(\\d+)$`);
  const dataPathOf = (w) => {
    const l = w.replexLinks;
    const m = l && (l.main.volumeMounts || []).find((x) => x.name === 'data');
    return m ? m.mountPath : null;
  };
  const checkPeers = (list, what, self) => {
    const covered = new Set();
    for (const entry of list || []) {
      const m = peerPattern.exec(String(entry));
      if (!m) {
        P(`${what}: '${entry}' is not <node_id>@${stsName}-<i>.${svcName}.${ns}.svc.${args.clusterDomain}:<p2p port>`);
        continue;
      }
      const j = Number(m[2]);
      if (Number(m[3]) !== ports.p2p) P(`${what}: '${entry}' uses port ${m[3]}, the p2p port is ${ports.p2p}`);
      if (n !== null && j >= n) P(`${what}: '${entry}' names pod ${j}, beyond the ${n} replicas`);
      if (genesisValidators && genesisValidators[j] && genesisValidators[j].node_id !== m[1]) {
        P(`${what}: '${entry}': pod ${j} is genesis validator ${j}, whose node_id is ${genesisValidators[j].node_id}`);
      }
      covered.add(j);
    }
    for (let j = 0; j < (n || 0); j++) if (j !== self && !covered.has(j)) P(`${what}: validator ${j} (${stsName}-${j}) is missing`);
  };
  const checkConfig = (text, what, role, w, self) => {
    let cfg;
    try {
      cfg = yaml.load(text) || {};
    } catch (e) {
      P(`${what}: not YAML: ${e.message}`);
      return null;
    }
    const node = cfg.node || {};
    const p2p = cfg.p2p || {};
    const api = cfg.api || {};
    if ((node.mode || 'validator') !== role) P(`${what}: node.mode is ${node.mode}, expected ${role}`);
    const defaults = { genesis_file: 'genesis.yaml', node_key_file: 'keys/node_key.hex', validator_key_file: 'keys/validator_key.hex' };
    for (const [k, v] of Object.entries(defaults)) {
      if (node[k] !== undefined && node[k] !== v) P(`${what}: node.${k} is ${node[k]}; the init container writes ${v}`);
    }
    for (const k of ['api_keys_file', 'keystore_dir']) if (api[k] !== undefined) P(`${what}: api.${k} is set; the init container writes the defaults`);
    const ethKeyFile = (cfg.settlement || {}).eth_key_file;
    if (ethKeyFile !== undefined && ethKeyFile !== 'keys/eth_key.hex') P(`${what}: settlement.eth_key_file is ${ethKeyFile}; the init container writes keys/eth_key.hex`);
    if (p2p.listen !== `0.0.0.0:${ports.p2p}`) P(`${what}: p2p.listen is ${p2p.listen}, expected 0.0.0.0:${ports.p2p} (the p2p container port)`);
    if (api.grpc_listen !== `0.0.0.0:${ports.grpc}`) P(`${what}: api.grpc_listen is ${api.grpc_listen}, expected 0.0.0.0:${ports.grpc}`);
    if (api.rest_listen !== `0.0.0.0:${ports.rest}`) P(`${what}: api.rest_listen is ${api.rest_listen}, expected 0.0.0.0:${ports.rest}`);
    if (api.grpc_enabled === false || api.rest_enabled === false) P(`${what}: gRPC and REST must be enabled (probes, Services)`);
    const data = dataPathOf(w);
    const storage = (cfg.storage || {}).path;
    if (!data) P(`${w.kind} ${w.metadata.name}: container replex mounts no volume named data`);
    else if (typeof storage !== 'string' || !storage.startsWith(`${data}/`)) P(`${what}: storage.path ${storage} is not on the data volume (${data}/...)`);
    if ((cfg.logging || {}).file) P(`${what}: logging.file is set; in a pod the node logs to standard error`);
    if (role === 'validator') {
      checkPeers(p2p.persistent_peers, `${what}: p2p.persistent_peers`, self);
    } else {
      checkPeers(p2p.seeds, `${what}: p2p.seeds`, -1);
      for (const e of p2p.persistent_peers || []) if (!peerPattern.test(String(e))) P(`${what}: persistent peer '${e}' is not a validator's headless DNS name`);
    }
    if (api.custodial === true) {
      const l = w.replexLinks;
      const m = l && (l.init.volumeMounts || []).find((x) => x.mountPath === l.initEnv.REPLEX_ACCOUNTS_DIR);
      const v = m && l.volumes.get(m.name);
      const secret = v && v.secret && find('Secret', v.secret.secretName);
      if (!secret) P(`${what}: api.custodial is true, but no demo accounts Secret is mounted at REPLEX_ACCOUNTS_DIR`);
      else {
        const keys = [...objectKeys(secret)];
        if (!keys.includes('api_keys.yaml')) P(`Secret ${secret.metadata.name}: no api_keys.yaml`);
        if (!keys.some((k) => /^[0-9a-f]{64}\.hex$/.test(k))) P(`Secret ${secret.metadata.name}: no <account>.hex keys`);
      }
    }
    if (args.replex && genesisText !== null) {
      const dir = fs.mkdtempSync(path.join(scratch, 'check-'));
      fs.writeFileSync(path.join(dir, 'genesis.yaml'), genesisText);
      fs.writeFileSync(path.join(dir, 'config.yaml'), text);
      const r = replexRun(['config', 'check', path.join(dir, 'config.yaml')]);
      if (r.status !== 0) P(`${what}: replex config check: ${`${r.stdout || ''}${r.stderr || ''}`.trim() || r.error}`);
    }
    return cfg;
  };

  const validatorConfigs = [];
  const configMap = mountedConfigMap(sts, 'REPLEX_CONFIG_DIR');
  if (configMap && n !== null) {
    const keys = [...objectKeys(configMap)];
    for (const k of keys) {
      const m = /^validator-(\d+)\.yaml$/.exec(k);
      if (!m) P(`ConfigMap ${configMap.metadata.name}: unexpected key ${k} (validator-<i>.yaml only)`);
      else if (Number(m[1]) >= n) P(`ConfigMap ${configMap.metadata.name}: ${k} is beyond the ${n} replicas`);
    }
    for (let i = 0; i < n; i++) {
      const text = objectText(configMap, `validator-${i}.yaml`);
      if (text === null) P(`ConfigMap ${configMap.metadata.name}: no validator-${i}.yaml for pod ${stsName}-${i}`);
      else validatorConfigs[i] = checkConfig(text, `ConfigMap ${configMap.metadata.name} validator-${i}.yaml`, 'validator', sts, i);
    }
  }
  const observerMap = mountedConfigMap(deploy, 'REPLEX_CONFIG_DIR');
  if (observerMap) {
    const text = objectText(observerMap, 'config.yaml');
    if (text === null) P(`ConfigMap ${observerMap.metadata.name}: no config.yaml`);
    else checkConfig(text, `ConfigMap ${observerMap.metadata.name} config.yaml`, 'observer', deploy, -1);
  }

  // Pod i's keys: the projected volume at REPLEX_KEYS_DIR maps Secret i to <i>/.
  if (links && n !== null) {
    const m = (links.init.volumeMounts || []).find((x) => x.mountPath === links.initEnv.REPLEX_KEYS_DIR);
    const v = m && links.volumes.get(m.name);
    if (!v || !v.projected) P(`StatefulSet ${stsName}: REPLEX_KEYS_DIR is not a projected volume of the validators' key Secrets`);
    else {
      const secretOf = new Map(); // ordinal -> secret name
      for (const s of v.projected.sources || []) {
        if (!s.secret) continue;
        for (const item of s.secret.items || []) {
          const mm = /^(\d+)\/(node_key|validator_key|eth_key)\.hex$/.exec(item.path);
          if (!mm) {
            P(`StatefulSet ${stsName}: key item ${item.path} is not <i>/<name>.hex`);
            continue;
          }
          const i = Number(mm[1]);
          if (item.key !== `${mm[2]}.hex`) P(`StatefulSet ${stsName}: ${item.path} comes from key ${item.key}`);
          if (i >= n) P(`StatefulSet ${stsName}: key item ${item.path} is beyond the ${n} replicas`);
          if (secretOf.has(i) && secretOf.get(i) !== s.secret.name) P(`StatefulSet ${stsName}: pod ${i}'s keys come from two Secrets (${secretOf.get(i)}, ${s.secret.name})`);
          secretOf.set(i, s.secret.name);
          if (mm[2] !== 'eth_key' && s.secret.optional) P(`StatefulSet ${stsName}: ${item.path} must not be optional`);
        }
      }
      const owners = new Map();
      for (let i = 0; i < n; i++) {
        const paths = new Set((v.projected.sources || []).flatMap((s) => (s.secret && !s.secret.optional ? (s.secret.items || []).map((x) => x.path) : [])));
        for (const name of ['node_key', 'validator_key']) if (!paths.has(`${i}/${name}.hex`)) P(`StatefulSet ${stsName}: pod ${i} gets no ${name}.hex`);
        const secretName = secretOf.get(i);
        if (!secretName) continue;
        if (owners.has(secretName)) P(`StatefulSet ${stsName}: pods ${owners.get(secretName)} and ${i} share Secret ${secretName}`);
        owners.set(secretName, i);
        const secret = find('Secret', secretName);
        if (!secret) continue; // reported with the volume references
        for (const key of objectKeys(secret)) {
          if (!['node_key.hex', 'validator_key.hex', 'eth_key.hex'].includes(key)) P(`Secret ${secretName}: unexpected key ${key}`);
        }
        if (!strict) continue;
        if (secret.stringData) P(`Secret ${secretName}: rendered Secrets carry base64 data, not stringData`);
        for (const key of ['node_key.hex', 'validator_key.hex', 'eth_key.hex']) {
          const text = objectText(secret, key);
          if (text === null) continue;
          if (!/^[0-9a-f]{64}\n$/.test(text)) P(`Secret ${secretName}: ${key} is not 64 hex digits and a newline`);
        }
        const gv = genesisValidators && genesisValidators[i];
        if (args.replex && gv) {
          const nodePub = publicKeyOf(objectText(secret, 'node_key.hex') || '', `Secret ${secretName} node_key.hex`);
          const valPub = publicKeyOf(objectText(secret, 'validator_key.hex') || '', `Secret ${secretName} validator_key.hex`);
          if (nodePub && nodePub !== gv.node_id) P(`Secret ${secretName} (pod ${i}): node key ${nodePub} is not genesis validator ${i}'s node_id ${gv.node_id}`);
          if (valPub && valPub !== gv.consensus_key) P(`Secret ${secretName} (pod ${i}): validator key ${valPub} is not genesis validator ${i}'s consensus_key`);
        }
      }
    }
  }
  // Observers hold no validator's keys.
  if (deploy && deploy.replexLinks) {
    for (const v of deploy.replexLinks.volumes.values()) {
      for (const name of [(v.secret || {}).secretName, ...(((v.projected || {}).sources || []).map((s) => (s.secret || {}).name))]) {
        if (name && /-keys$/.test(name)) P(`Deployment ${deploy.metadata.name}: mounts key Secret ${name}; observers generate their own node key`);
      }
    }
    if (deploy.replexLinks.initEnv.REPLEX_KEYS_DIR) P(`Deployment ${deploy.metadata.name}: observers take no REPLEX_KEYS_DIR`);
  }

  // --- ServiceMonitor (CRD, no kubernetes-models class) ---------------------------
  for (const sm of byKind('ServiceMonitor')) {
    const M = `ServiceMonitor ${sm.metadata.name}`;
    const spec = sm.spec || {};
    const services = byKind('Service').filter((s) => labelsMatch((spec.selector || {}).matchLabels, s.metadata.labels));
    if (services.length === 0) P(`${M}: selects no Service`);
    const names = (spec.namespaceSelector || {}).matchNames;
    if (names && !names.includes(ns)) P(`${M}: namespaceSelector does not include ${ns}`);
    for (const e of spec.endpoints || []) {
      for (const s of services) {
        if (!(s.spec.ports || []).some((p) => p.name === e.port)) P(`${M}: Service ${s.metadata.name} has no port named ${e.port}`);
      }
      if (e.port !== 'rest' || e.path !== '/metrics') P(`${M}: endpoints should scrape port rest, path /metrics`);
    }
    if (!(spec.endpoints || []).length) P(`${M}: no endpoints`);
  }
  return { sts, deploy, n, genesisValidators, find, validatorConfigs };
}

// ---------------------------------------------------------------------------
// 4. Simulated pods and a real start

function waitForExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => resolve(undefined), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function startAndStop(home, what) {
  const P = (m) => problems.push(`${what}: ${m}`);
  // The listen addresses to loopback port 0 and the data to scratch; all else (keys, genesis, peers) as assembled.
  const configFile = path.join(home, 'config.yaml');
  const cfg = yaml.load(fs.readFileSync(configFile, 'utf8'));
  cfg.p2p.listen = '127.0.0.1:0';
  cfg.api.grpc_listen = '127.0.0.1:0';
  cfg.api.rest_listen = '127.0.0.1:0';
  cfg.storage.path = path.join(path.dirname(home), 'data');
  fs.writeFileSync(configFile, yaml.dump(cfg));
  const child = spawn(args.replex, ['start', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.on('error', (e) => {
    output += `spawn: ${e.message}\n`;
  });
  let timer;
  const started = new Promise((resolve) => {
    const onData = (chunk) => {
      output += chunk;
      if (/replex started:/.test(output)) resolve(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => resolve(false));
    timer = setTimeout(() => resolve(false), 60_000);
  });
  const ok = await started;
  clearTimeout(timer);
  if (!ok) {
    P(`replex start did not log "replex started" within 60 s:\n${output.split('\n').slice(-15).join('\n')}`);
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
    children.delete(child);
    return;
  }
  child.kill('SIGTERM');
  const code = await waitForExit(child, 30_000);
  children.delete(child);
  if (code === undefined) {
    child.kill('SIGKILL');
    P('replex did not exit within 30 s of SIGTERM');
  } else if (code !== 0) {
    P(`replex exited ${code} on SIGTERM:\n${output.split('\n').slice(-15).join('\n')}`);
  } else {
    process.stdout.write(`  ${what}: started on the assembled home and stopped with 0 on SIGTERM\n`);
  }
}

async function simulate(set, result) {
  const { sts, deploy, n, genesisValidators, find } = result;
  if (!sts || !deploy || !sts.replexLinks || !deploy.replexLinks || !genesisValidators) {
    problems.push(`${set.name}: simulation skipped: the manifests are too broken`);
    return;
  }
  const modeOf = (p) => fs.statSync(p).mode & 0o777;
  const runPod = (w, podName, root) => runInitContainer({
    podSpec: w.spec.template.spec,
    container: w.replexLinks.init,
    podName,
    root,
    find,
    extraEnv: { REPLEX_BIN: args.replex },
  });
  const homes = [];
  for (let i = 0; i <= n; i++) {
    const podName = `${sts.metadata.name}-${i}`;
    const what = `${set.name}: pod ${podName}`;
    const root = path.join(scratch, `pod-${podName}`);
    const r = runPod(sts, podName, root);
    if (r.error) {
      problems.push(`${what}: ${r.error}`);
      continue;
    }
    if (i === n) {
      // One ordinal too many: the init container must refuse (replicas > validators).
      if (r.status === 0) problems.push(`${what}: assemble-home.sh accepted an ordinal beyond the genesis' validators`);
      continue;
    }
    if (r.status !== 0) {
      problems.push(`${what}: assemble-home.sh exited ${r.status}: ${r.stderr.trim()}`);
      continue;
    }
    const home = r.rootPath(sts.replexLinks.home);
    const expectFile = (rel, mode) => {
      const p = path.join(home, rel);
      if (!fs.existsSync(p)) problems.push(`${what}: the home lacks ${rel}`);
      else if (mode !== undefined && modeOf(p) !== mode) problems.push(`${what}: ${rel} has mode ${modeOf(p).toString(8)}, expected ${mode.toString(8)}`);
      return p;
    };
    expectFile('keys', 0o700);
    const nodeKey = expectFile('keys/node_key.hex', 0o600);
    const valKey = expectFile('keys/validator_key.hex', 0o600);
    const cfgFile = expectFile('config.yaml');
    const genFile = expectFile('genesis.yaml');
    const cm = find('ConfigMap', sts.replexLinks.volumes.get('config').configMap.name);
    if (fs.existsSync(cfgFile) && fs.readFileSync(cfgFile, 'utf8') !== objectText(cm, `validator-${i}.yaml`)) {
      problems.push(`${what}: config.yaml is not validator-${i}.yaml`);
    }
    if (fs.existsSync(genFile) && !fs.readFileSync(genFile, 'utf8').includes(genesisValidators[i].node_id)) problems.push(`${what}: genesis.yaml is not the chain's`);
    if (fs.existsSync(nodeKey) && publicKeyOf(fs.readFileSync(nodeKey, 'utf8'), what) !== genesisValidators[i].node_id) {
      problems.push(`${what}: keys/node_key.hex is not genesis validator ${i}'s node key`);
    }
    if (fs.existsSync(valKey) && publicKeyOf(fs.readFileSync(valKey, 'utf8'), what) !== genesisValidators[i].consensus_key) {
      problems.push(`${what}: keys/validator_key.hex is not genesis validator ${i}'s consensus key`);
    }
    // The optional settlement key: there (0600, same bytes) exactly when pod i's Secret has one.
    const keysVolume = sts.replexLinks.volumes.get('validator-keys');
    const source = keysVolume && keysVolume.projected.sources.find((s) => s.secret && (s.secret.items || []).some((x) => x.path === `${i}/eth_key.hex`));
    const secretEth = source ? objectText(find('Secret', source.secret.name) || {}, 'eth_key.hex') : null;
    const homeEth = path.join(home, 'keys', 'eth_key.hex');
    if (secretEth !== null) {
      if (!fs.existsSync(homeEth) || fs.readFileSync(homeEth, 'utf8') !== secretEth || modeOf(homeEth) !== 0o600) {
        problems.push(`${what}: keys/eth_key.hex is not the Secret's eth_key.hex with mode 0600`);
      }
    } else if (fs.existsSync(homeEth)) problems.push(`${what}: keys/eth_key.hex exists, but the Secret has none`);
    const accountsDir = path.join(home, 'keys', 'accounts');
    for (const file of fs.existsSync(accountsDir) ? fs.readdirSync(accountsDir) : []) {
      if (modeOf(path.join(accountsDir, file)) !== 0o600) problems.push(`${what}: keys/accounts/${file} is not 0600`);
    }
    // A restarted pod (same emptyDir) assembles the same home again.
    const again = runPod(sts, podName, root);
    if (again.status !== 0) problems.push(`${what}: assemble-home.sh fails when the pod restarts: ${again.stderr.trim()}`);
    homes.push({ home, what });
  }
  process.stdout.write(`  ${set.name}: assemble-home.sh built ${homes.length} validator homes (and refused ordinal ${n})\n`);

  // An observer pod: its own node key, kept across a restart.
  const podName = `${deploy.metadata.name}-5d8f7c9b4-x2x7q`;
  const root = path.join(scratch, 'pod-observer');
  const r = runPod(deploy, podName, root);
  let observerHome = null;
  if (r.error || r.status !== 0) problems.push(`${set.name}: observer pod: assemble-home.sh failed: ${r.error || r.stderr.trim()}`);
  else {
    observerHome = r.rootPath(deploy.replexLinks.home);
    const key = path.join(observerHome, 'keys', 'node_key.hex');
    if (!fs.existsSync(key) || modeOf(key) !== 0o600) problems.push(`${set.name}: observer pod: no 0600 keys/node_key.hex`);
    if (fs.existsSync(path.join(observerHome, 'keys', 'validator_key.hex'))) problems.push(`${set.name}: observer pod holds a validator key`);
    const before = fs.existsSync(key) ? fs.readFileSync(key, 'utf8') : '';
    const again = runPod(deploy, podName, root);
    if (again.status !== 0 || fs.readFileSync(key, 'utf8') !== before) problems.push(`${set.name}: observer pod: the node key changed (or the script failed) on restart`);
    if (genesisValidators.some((v) => v.node_id === publicKeyOf(before, 'observer node key'))) problems.push(`${set.name}: observer pod uses a validator's node key`);
  }

  if (homes.length > 0) await startAndStop(homes[0].home, homes[0].what);
  if (observerHome) await startAndStop(observerHome, `${set.name}: observer pod`);
}

// ---------------------------------------------------------------------------

let counter = 0;
for (const set of args.sets) {
  set.name = set.kind === 'static' ? `static ${set.dir}` : `rendered ${set.dir}`;
  if (!fs.existsSync(set.dir)) {
    problems.push(`${set.name}: no such directory`);
    continue;
  }
  const objects = loadSet(set);
  counter += objects.length;
  await validateSchemas(set, objects);
  const result = checkSet(set, objects);
  const kinds = {};
  for (const o of objects) kinds[o.doc.kind] = (kinds[o.doc.kind] || 0) + 1;
  process.stdout.write(`${set.name}: ${objects.length} objects (${Object.entries(kinds).map(([k, v]) => `${v} ${k}`).join(', ')}), ` +
    `${result.n ?? '?'} validators (f = ${result.n ? f(result.n) : '?'})\n`);
  if (args.simulate && set.kind === 'rendered') await simulate(set, result);
}

if (problems.length > 0) {
  process.stderr.write(`\n${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`OK: ${counter} objects in ${args.sets.length} set${args.sets.length === 1 ? '' : 's'} validated and cross-checked\n`);
