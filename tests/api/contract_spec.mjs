// docs/openapi.yaml as the contract test reads it: operations by server,
// path templates, and response and request validators (Ajv, draft 2019-09,
// so that a response schema can be closed with unevaluatedProperties even
// where it is composed with allOf/oneOf).
//
// OpenAPI 3.0 schemas are JSON Schema with a few differences handled here:
// `nullable` (Ajv knows it), `example` (ignored), `format: date-time`
// (checked below), and two keywords of ours, declared in the spec:
//   x-max-serialized-bytes: N      the value as compact JSON is at most N bytes
//   x-less-than: {property, than, default}
//                                  obj[property] < obj[than] (or default)
import fs from 'node:fs';
import YAML from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function newAjv() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (s) => rfc3339.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addKeyword({
    keyword: 'x-max-serialized-bytes',
    schemaType: 'number',
    validate: (limit, data) => Buffer.byteLength(JSON.stringify(data), 'utf8') <= limit,
  });
  ajv.addKeyword({
    keyword: 'x-less-than',
    type: 'object',
    schemaType: 'object',
    validate: (rule, data) => {
      const v = data[rule.property];
      if (typeof v !== 'number') return true;
      const bound = typeof data[rule.than] === 'number' ? data[rule.than] : rule.default;
      return v < bound;
    },
  });
  return ajv;
}

export class Spec {
  constructor(file) {
    this.doc = YAML.parse(fs.readFileSync(file, 'utf8'));
    this.ajv = newAjv();
    this.compiled = new Map();
    this.paths = Object.entries(this.doc.paths).map(([template, item]) => ({
      template,
      item,
      regex: new RegExp('^' + template.replace(/\{[^}]+\}/g, '([^/]+)') + '$'),
      servers: (item.servers ?? this.doc.servers).map((s) => s.description.split(' ')[0]),
    }));
  }

  /** A `#/components/...` reference's target. */
  resolve(node) {
    while (node && node.$ref) {
      node = node.$ref
        .slice(2)
        .split('/')
        .reduce((o, k) => o[k], this.doc);
    }
    return node;
  }

  /** The schema with every $ref inlined (the spec has no recursive schema). */
  inline(node) {
    if (Array.isArray(node)) return node.map((n) => this.inline(n));
    if (node === null || typeof node !== 'object') return node;
    if (node.$ref) return this.inline(this.resolve(node));
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = this.inline(v);
    return out;
  }

  /**
   * Closes an inlined response schema: an object may carry only the
   * properties the schema (with its allOf/oneOf/anyOf branches) declares.
   * Branches stay open; the node that composes them is closed.
   */
  close(node, inBranch = false) {
    if (Array.isArray(node)) return node.map((n) => this.close(n, inBranch));
    if (node === null || typeof node !== 'object') return node;
    const out = { ...node };
    const composed = ['allOf', 'oneOf', 'anyOf'].some((k) => Array.isArray(node[k]));
    for (const k of ['allOf', 'oneOf', 'anyOf']) {
      if (Array.isArray(node[k])) out[k] = node[k].map((b) => this.close(b, true));
    }
    if (node.properties) {
      out.properties = {};
      for (const [k, v] of Object.entries(node.properties)) out.properties[k] = this.close(v, false);
    }
    if (node.items) out.items = this.close(node.items, false);
    const objectLike = node.type === 'object' || node.properties || composed;
    if (!inBranch && objectLike && node.additionalProperties === undefined) out.unevaluatedProperties = false;
    return out;
  }

  validator(key, schema, closed) {
    if (!this.compiled.has(key)) {
      const inlined = this.inline(schema);
      this.compiled.set(key, this.ajv.compile(closed ? this.close(inlined) : inlined));
    }
    return this.compiled.get(key);
  }

  /** The path entry whose template matches `pathname`, or undefined. */
  match(pathname) {
    return this.paths.find((p) => p.regex.test(pathname));
  }

  /** Documented methods of a path entry, upper case, HEAD added wherever GET is. */
  methods(entry) {
    const m = Object.keys(entry.item)
      .filter((k) => ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'].includes(k))
      .map((k) => k.toUpperCase());
    if (m.includes('GET') && !m.includes('HEAD')) m.push('HEAD');
    return m;
  }

  /** Every operation as {server, method, template, id}. */
  operations() {
    const out = [];
    for (const p of this.paths) {
      for (const method of this.methods(p)) {
        if (method === 'HEAD') continue;
        const op = p.item[method.toLowerCase()];
        for (const server of p.servers) out.push({ server, method, template: p.template, id: op.operationId });
      }
    }
    return out;
  }
}
