// Runs a pod's init container the way the kubelet would, without a cluster:
// every volume the container mounts is materialised under a scratch root
// (ConfigMap and Secret items with their modes, group-readable as under
// fsGroup; projected sources, optional ones skipped when absent; emptyDirs),
// the environment is the container's (fieldRef metadata.name = the pod's
// name), every path under a mount is moved under the root, and the command
// runs with /bin/sh. Lets the test run k8s/base's assemble-home.sh against
// the rendered ConfigMaps and Secrets and then start `replex` on the result.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function objectData(object) {
  const data = {};
  for (const [key, value] of Object.entries(object.data || {})) {
    data[key] = object.kind === 'Secret' ? Buffer.from(value, 'base64') : Buffer.from(String(value));
  }
  for (const [key, value] of Object.entries(object.stringData || {})) data[key] = Buffer.from(String(value));
  return data;
}

// Files of one ConfigMap/Secret source: [{path, content, mode}], or an error string.
function sourceFiles(kind, name, items, optional, defaultMode, find) {
  const object = find(kind, name);
  if (!object) return optional ? [] : `${kind} ${name} does not exist`;
  const data = objectData(object);
  const files = [];
  if (items) {
    for (const item of items) {
      if (!(item.key in data)) {
        if (optional) continue;
        return `${kind} ${name} has no key ${item.key}`;
      }
      files.push({ path: item.path, content: data[item.key], mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [key, content] of Object.entries(data)) files.push({ path: key, content, mode: defaultMode });
  }
  return files;
}

function volumeFiles(volume, find) {
  if (volume.configMap) {
    const c = volume.configMap;
    return sourceFiles('ConfigMap', c.name, c.items, c.optional, c.defaultMode ?? 0o644, find);
  }
  if (volume.secret) {
    const s = volume.secret;
    return sourceFiles('Secret', s.secretName, s.items, s.optional, s.defaultMode ?? 0o644, find);
  }
  if (volume.projected) {
    const all = [];
    const mode = volume.projected.defaultMode ?? 0o644;
    for (const source of volume.projected.sources || []) {
      const files = source.secret
        ? sourceFiles('Secret', source.secret.name, source.secret.items, source.secret.optional, mode, find)
        : source.configMap
          ? sourceFiles('ConfigMap', source.configMap.name, source.configMap.items, source.configMap.optional, mode, find)
          : `unsupported projected source ${Object.keys(source).join(',')}`;
      if (typeof files === 'string') return files;
      all.push(...files);
    }
    return all;
  }
  if (volume.emptyDir) return [];
  return `volume ${volume.name}: unsupported kind ${Object.keys(volume).filter((k) => k !== 'name').join(',')}`;
}

// Materialises `container`'s mounts of `podSpec` under root and runs its
// command. Returns {status, stdout, stderr, rootPath(p), error}.
export function runInitContainer({ podSpec, container, podName, root, find, extraEnv = {} }) {
  const fsGroup = (podSpec.securityContext || {}).fsGroup !== undefined;
  const mounts = container.volumeMounts || [];
  const rootPath = (p) => {
    for (const m of [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length)) {
      if (p === m.mountPath || p.startsWith(`${m.mountPath}/`)) return path.join(root, p);
    }
    return p;
  };
  for (const mount of mounts) {
    const volume = (podSpec.volumes || []).find((v) => v.name === mount.name);
    const dir = path.join(root, mount.mountPath);
    if (fs.existsSync(dir)) continue; // an emptyDir kept from a previous run of the pod
    fs.mkdirSync(dir, { recursive: true });
    if (!volume) continue; // a volumeClaimTemplate: an empty volume
    const files = volumeFiles(volume, find);
    if (typeof files === 'string') return { error: `${podName}: volume ${volume.name}: ${files}` };
    if (volume.emptyDir) fs.chmodSync(dir, 0o777);
    for (const file of files) {
      const target = path.join(dir, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
      // The kubelet's SetVolumeOwnership: group fsGroup, and read for the group.
      fs.chmodSync(target, fsGroup ? file.mode | 0o440 : file.mode);
    }
  }
  const env = { PATH: process.env.PATH };
  for (const e of container.env || []) {
    if (e.value !== undefined) env[e.name] = rootPath(e.value);
    else if (e.valueFrom && e.valueFrom.fieldRef && e.valueFrom.fieldRef.fieldPath === 'metadata.name') env[e.name] = podName;
    else return { error: `${podName}: env ${e.name}: unsupported valueFrom in the simulation` };
  }
  Object.assign(env, extraEnv);
  const command = [...(container.command || []), ...(container.args || [])].map(rootPath);
  if (command.length === 0) return { error: `${podName}: container ${container.name} has no command` };
  const r = spawnSync(command[0], command.slice(1), { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error ? r.error.message : null, rootPath };
}
