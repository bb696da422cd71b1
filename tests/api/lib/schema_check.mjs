// A small checker of JSON values against the OpenAPI 3.0 schemas of
// docs/openapi.yaml: type, nullable, required, properties (and properties
// the schema does not list, unless additionalProperties allows them),
// additionalProperties, items, minItems/maxItems, enum, pattern, oneOf,
// anyOf, allOf and local $ref. No npm validator is installed; this covers
// what the document uses. check() returns a list of problems, empty when
// the value conforms.

// Resolves a local "#/a/b" reference in `doc`.
export function resolveRef(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === undefined || node === null || !(key in node)) throw new Error(`unresolved $ref ${ref}`);
    node = node[key];
  }
  return node;
}

// Follows $ref chains.
export function deref(doc, node) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    node = resolveRef(doc, node.$ref);
    if (++seen > 32) throw new Error('$ref cycle');
  }
  return node;
}

function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;  // string, boolean, object
}

function typeMatches(type, value) {
  const actual = jsonType(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return type === actual;
}

// The problems of `value` against `schema`, each "path: what".
export function check(doc, schema, value, path = '$', options = {}) {
  const strict = options.strictProperties !== false;  // report properties the schema does not list
  const problems = [];
  const s = deref(doc, schema);
  if (s === undefined || s === null || s === true) return problems;
  if (value === null) {
    if (s.nullable === true || s.type === undefined && !s.oneOf && !s.anyOf && !s.allOf) return problems;
    problems.push(`${path}: null, but the schema is not nullable`);
    return problems;
  }
  if (s.allOf) {
    for (const sub of s.allOf) problems.push(...check(doc, sub, value, path, options));
  }
  if (s.oneOf) {
    const matches = s.oneOf.filter((sub) => check(doc, sub, value, path, options).length === 0).length;
    if (matches !== 1) {
      const detail = s.oneOf.map((sub, i) => {
        const name = sub.$ref ? sub.$ref.split('/').pop() : `#${i}`;
        const why = check(doc, sub, value, path, options);
        return `${name}: ${why.length ? why.slice(0, 3).join('; ') : 'matches'}`;
      });
      problems.push(`${path}: matches ${matches} of the oneOf alternatives, not exactly 1 (${detail.join(' | ')})`);
    }
  }
  if (s.anyOf) {
    if (!s.anyOf.some((sub) => check(doc, sub, value, path, options).length === 0)) {
      problems.push(`${path}: matches none of the anyOf alternatives`);
    }
  }
  if (s.type !== undefined && !typeMatches(s.type, value)) {
    problems.push(`${path}: expected ${s.type}, got ${jsonType(value)} (${JSON.stringify(value).slice(0, 60)})`);
    return problems;
  }
  if (s.enum && !s.enum.some((e) => e === value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (typeof value === 'string' && s.pattern && !new RegExp(s.pattern).test(value)) {
    problems.push(`${path}: ${JSON.stringify(value.slice(0, 80))} does not match /${s.pattern}/`);
  }
  if (typeof value === 'string' && s.maxLength !== undefined && value.length > s.maxLength) {
    problems.push(`${path}: longer than ${s.maxLength}`);
  }
  if (typeof value === 'number' && s.minimum !== undefined && value < s.minimum) {
    problems.push(`${path}: ${value} < minimum ${s.minimum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) problems.push(`${path}: fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) problems.push(`${path}: more than ${s.maxItems} items`);
    if (s.items) value.forEach((item, i) => problems.push(...check(doc, s.items, item, `${path}[${i}]`, options)));
  }
  if (jsonType(value) === 'object') {
    for (const key of s.required || []) {
      if (!(key in value)) problems.push(`${path}: required property "${key}" missing`);
    }
    const properties = s.properties || {};
    for (const [key, item] of Object.entries(value)) {
      if (key in properties) {
        problems.push(...check(doc, properties[key], item, `${path}.${key}`, options));
      } else if (s.additionalProperties === false) {
        problems.push(`${path}: property "${key}" is not allowed`);
      } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        problems.push(...check(doc, s.additionalProperties, item, `${path}.${key}`, options));
      } else if (strict && s.properties && s.additionalProperties === undefined) {
        problems.push(`${path}: property "${key}" is not documented`);
      }
    }
  }
  return problems;
}
