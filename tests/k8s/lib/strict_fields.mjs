// Unknown-field detection for Kubernetes objects, from kubernetes-models' own
// type declarations.
//
// kubernetes-models' validate() checks types, enums and required fields
// against the OpenAPI schema, but the schema allows additional properties, so
// a misspelt field (`readinessprobe`, `mountpath`) passes it while
// `kubectl apply` (strict field validation) refuses it or, worse, drops it.
// The package's .d.ts files list every field of every type; this module
// parses them (interfaces with quoted members, Array<T>, index signatures,
// inline object types, unions) and reports every field the API does not know.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const modelsRoot = path.dirname(require.resolve('kubernetes-models/package.json'));
const nodeModules = path.dirname(modelsRoot);

const LEAF = { leaf: true };
const fileTypes = new Map(); // .d.ts path -> parsed type of its main interface

// The .d.ts of a top-level kind: "apps/v1" + "StatefulSet" -> .../apps/v1/StatefulSet.d.ts.
export function declarationFile(apiVersion, kind) {
  const file = path.join(modelsRoot, ...apiVersion.split('/'), `${kind}.d.ts`);
  return fs.existsSync(file) ? file : null;
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function resolveImport(fromFile, spec) {
  const base = spec.startsWith('.') ? path.resolve(path.dirname(fromFile), spec) : path.join(nodeModules, spec);
  for (const candidate of [`${base}.d.ts`, path.join(base, 'index.d.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

class Parser {
  constructor(text, imports) {
    this.s = text;
    this.i = 0;
    this.imports = imports;
  }
  ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  peek(token) {
    this.ws();
    return this.s.startsWith(token, this.i);
  }
  expect(token) {
    this.ws();
    if (!this.s.startsWith(token, this.i)) {
      throw new Error(`expected '${token}' at ${this.i}: '${this.s.slice(this.i, this.i + 40)}'`);
    }
    this.i += token.length;
  }
  type() {
    const members = [this.primary()];
    while (this.peek('|')) {
      this.expect('|');
      members.push(this.primary());
    }
    if (members.length === 1) return members[0];
    const structured = members.filter((m) => !m.leaf);
    return structured.length === 1 ? structured[0] : LEAF;
  }
  primary() {
    this.ws();
    let t;
    if (this.peek('Array<')) {
      this.expect('Array<');
      t = { array: this.type() };
      this.expect('>');
    } else if (this.peek('{')) {
      t = this.objectBody();
    } else if (this.peek('"') || this.peek("'")) {
      const quote = this.s[this.i];
      const end = this.s.indexOf(quote, this.i + 1);
      this.i = end + 1;
      t = LEAF;
    } else if (this.peek('(')) {
      this.expect('(');
      t = this.type();
      this.expect(')');
    } else {
      const m = /^[A-Za-z_$][\w$.]*/.exec(this.s.slice(this.i));
      if (!m) throw new Error(`unexpected '${this.s.slice(this.i, this.i + 40)}'`);
      this.i += m[0].length;
      t = this.imports.has(m[0]) ? { ref: this.imports.get(m[0]) } : LEAF;
    }
    while (this.peek('[]')) {
      this.expect('[]');
      t = { array: t };
    }
    return t;
  }
  // After '{': members up to the matching '}'.
  objectBody() {
    this.expect('{');
    const fields = new Map();
    let map = null;
    for (;;) {
      this.ws();
      if (this.peek('}')) {
        this.expect('}');
        break;
      }
      if (this.peek('[')) {
        this.i = this.s.indexOf(']', this.i) + 1;
        this.expect(':');
        map = this.type();
      } else {
        let name;
        if (this.peek('"')) {
          const end = this.s.indexOf('"', this.i + 1);
          name = this.s.slice(this.i + 1, end);
          this.i = end + 1;
        } else {
          const m = /^[A-Za-z_$][\w$]*/.exec(this.s.slice(this.i));
          if (!m) throw new Error(`unexpected '${this.s.slice(this.i, this.i + 40)}'`);
          name = m[0];
          this.i += name.length;
        }
        if (this.peek('?')) this.expect('?');
        this.expect(':');
        fields.set(name, this.type());
      }
      if (this.peek(';')) this.expect(';');
      else if (this.peek(',')) this.expect(',');
    }
    if (map && fields.size === 0) return { map };
    return { fields };
  }
}

function parseFile(file) {
  if (fileTypes.has(file)) return fileTypes.get(file);
  fileTypes.set(file, LEAF); // cycle guard while parsing
  const text = stripComments(fs.readFileSync(file, 'utf8'));
  const imports = new Map();
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    const target = resolveImport(file, m[2]);
    if (!target) continue;
    for (const name of m[1].split(',').map((x) => x.trim()).filter(Boolean)) imports.set(name, target);
  }
  const decl = /export\s+interface\s+(\w+)(\s+extends\s+([\w\s,.<>]+?))?\s*\{/.exec(text);
  let type = LEAF;
  if (decl) {
    const parser = new Parser(text, imports);
    parser.i = decl.index + decl[0].length - 1;
    type = parser.objectBody();
    if (decl[3] && /TypeMeta/.test(decl[3])) {
      type.fields.set('apiVersion', LEAF);
      type.fields.set('kind', LEAF);
    }
  }
  fileTypes.set(file, type);
  return type;
}

function resolve(type) {
  let t = type;
  while (t && t.ref) t = parseFile(t.ref);
  return t || LEAF;
}

function walk(value, type, where, problems) {
  const t = resolve(type);
  if (t.leaf || value === null || value === undefined) return;
  if (t.array) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, t.array, `${where}[${i}]`, problems));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return; // the schema validation reports wrong types
  if (t.map) {
    for (const [key, item] of Object.entries(value)) walk(item, t.map, `${where}.${key}`, problems);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!t.fields.has(key)) problems.push(`${where}.${key}: unknown field`);
    else walk(item, t.fields.get(key), `${where}.${key}`, problems);
  }
}

// Problems ("spec.template.spec.containers[0].readinessprobe: unknown field"),
// or null when kubernetes-models has no declaration for the kind.
export function unknownFields(object) {
  const file = declarationFile(object.apiVersion, object.kind);
  if (!file) return null;
  const problems = [];
  walk(object, { ref: file }, object.kind, problems);
  return problems;
}
