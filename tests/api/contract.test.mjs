// The HTTP contract test (issue 15): docs/openapi.yaml against real
// processes. Starts two regions (eu, us) sharing one SQLite store and an edge
// that knows them, on free 127.0.0.1 ports; drives every documented
// operation of each server with valid and invalid requests; and checks every
// answer against the spec:
//   - the status is documented for the operation (404 for an unknown route
//     or a path the server does not serve; 405 with the documented Allow for
//     a method a path does not have);
//   - the documented headers are there and match (X-Request-Id on all);
//   - the body matches the schema, closed: a field the schema does not list
//     is a mismatch; a HEAD answer has the GET's Content-Length and no body;
//     no byte follows an answer;
//   - a request the spec's request schema refuses is not answered 2xx, and
//     one the case expects to succeed is valid by the spec;
//   - every route registered in the servers' route tables is documented for
//     that server, and every documented operation was driven to a 2xx and
//     to a 4xx.
// Any mismatch fails the test (exit 1) with one line per mismatch.
//
// usage: node contract.test.mjs path/to/metronome [open|owner]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Spec } from './contract_spec.mjs';
import { Child, eventually, freePort, request } from './contract_http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = process.argv[2] ?? process.env.METRONOME_BIN;
const mode = process.argv[3] ?? 'open';
if (!bin || !['open', 'owner'].includes(mode)) {
  process.stderr.write('usage: node contract.test.mjs path/to/metronome [open|owner]\n');
  process.exit(2);
}
const owner = mode === 'owner';
const spec = new Spec(path.join(root, 'docs/openapi.yaml'));
const registryToken = 'contract-registry-token';
const adminToken = 'contract-admin-token';

const mismatches = [];
const driven = new Map(); // "server op" -> Set of status classes
let requests = 0;

function mismatch(what) {
  mismatches.push(what);
}

// --- checking one answer -------------------------------------------------------

function headerValueValid(schema, value) {
  const s = spec.resolve(schema);
  const v = s.type === 'integer' ? Number(value) : value;
  if (s.type === 'integer' && !Number.isInteger(v)) return false;
  return spec.validator(`header:${JSON.stringify(s)}`, s, false)(v);
}

/**
 * Sends a request to `server` and checks the answer against the spec.
 * c: {server, method, target, body, headers, json (default true when body),
 *     expect (status), note}
 */
async function call(c) {
  const server = c.server;
  const port = ports[server];
  const headers = { ...(c.headers ?? {}) };
  if (c.body !== undefined && c.json !== false && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  const label = `${server} ${c.method} ${c.target}${c.note ? ` (${c.note})` : ''}`;
  const res = await request(port, c.method, c.target, { headers, body: c.body });
  requests += 1;
  let parsed;
  try {
    parsed = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    parsed = undefined;
  }
  res.json = parsed;
  if (c.expect !== undefined && res.status !== c.expect) {
    mismatch(`${label}: expected ${c.expect}, got ${res.status} ${res.body.slice(0, 300)}`);
  }
  if (res.bytesAfter > 0) mismatch(`${label}: ${res.bytesAfter} bytes after the answer`);
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(res.headers['x-request-id'] ?? '')) mismatch(`${label}: no valid X-Request-Id`);

  const pathname = c.target.split('?')[0];
  const entry = spec.match(pathname);
  const errorBody = () => {
    if (c.method === 'HEAD') return;
    const ok = spec.validator('Error', { $ref: '#/components/schemas/Error' }, true)(parsed);
    if (!ok) mismatch(`${label}: not an Error body: ${res.body.slice(0, 200)}`);
  };
  if (!entry || !entry.servers.includes(server)) {
    if (res.status !== 404) mismatch(`${label}: an undocumented route answered ${res.status}`);
    errorBody();
    return res;
  }
  const methods = spec.methods(entry);
  if (!methods.includes(c.method)) {
    if (res.status !== 405) mismatch(`${label}: a method the path does not have answered ${res.status}`);
    const allow = (res.headers.allow ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort();
    if (allow.join(',') !== [...methods].sort().join(',')) {
      mismatch(`${label}: Allow "${res.headers.allow ?? ''}", documented ${methods.join(', ')}`);
    }
    for (const m of methods.filter((x) => x !== 'HEAD')) {
      if (!entry.item[m.toLowerCase()].responses['405']) mismatch(`${entry.template} ${m}: 405 is sent but not documented`);
    }
    errorBody();
    return res;
  }
  const op = entry.item[c.method === 'HEAD' ? 'get' : c.method.toLowerCase()];
  const key = `${server} ${op.operationId}`;
  if (!driven.has(key)) driven.set(key, new Set());
  driven.get(key).add(Math.floor(res.status / 100));
  const documented = op.responses[String(res.status)];
  if (!documented) {
    mismatch(`${label}: status ${res.status} is not documented for ${op.operationId}: ${res.body.slice(0, 200)}`);
    return res;
  }
  const response = spec.resolve(documented);

  // Request: what the spec says of the body and query we sent.
  const rb = spec.resolve(op.requestBody);
  if (rb && c.body !== undefined && headers['Content-Type'] === 'application/json') {
    let sent;
    try {
      sent = JSON.parse(c.body);
    } catch {
      sent = undefined;
    }
    const valid = sent !== undefined && spec.validator(`req:${op.operationId}`, rb.content['application/json'].schema, false)(sent);
    if (!valid && res.status < 300) mismatch(`${label}: the spec refuses this body, the server answered ${res.status}`);
    if (valid && c.validBody === false) mismatch(`${label}: the spec accepts a body the server must refuse: ${c.body}`);
  }
  if (c.validQuery !== undefined || op.parameters) {
    const query = new URLSearchParams(c.target.split('?')[1] ?? '');
    for (const p of (op.parameters ?? []).map((x) => spec.resolve(x)).filter((x) => x.in === 'query')) {
      const v = query.get(p.name);
      const schema = spec.resolve(p.schema);
      let ok = v !== null || !p.required;
      if (v !== null) {
        const typed = schema.type === 'integer' ? (/^-?\d+$/.test(v) ? Number(v) : NaN) : schema.type === 'boolean' ? (v === 'true' ? true : v === 'false' ? false : v) : v;
        ok = spec.validator(`q:${JSON.stringify(schema)}`, schema, false)(typed);
      }
      if (!ok && res.status < 300) mismatch(`${label}: query ${p.name}=${v} is refused by the spec, answered ${res.status}`);
    }
  }

  // Headers.
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) {
      mismatch(`${label}: documented header ${name} missing`);
    } else if (!headerValueValid(spec.resolve(h).schema, value)) {
      mismatch(`${label}: header ${name}: ${value} does not match its schema`);
    }
  }

  // Body.
  const content = response.content;
  if (c.method === 'HEAD') {
    if (res.bodyBytes !== 0) mismatch(`${label}: a HEAD answer with a body`);
    if (res.headers['content-length'] === undefined) mismatch(`${label}: a HEAD answer without Content-Length`);
    return res;
  }
  if (!content) {
    if (res.body !== '') mismatch(`${label}: a body where none is documented`);
    return res;
  }
  const type = (res.headers['content-type'] ?? '').split(';')[0].trim();
  const media = content[type];
  if (!media) {
    mismatch(`${label}: Content-Type ${type} not documented (${Object.keys(content).join(', ')})`);
    return res;
  }
  if (type === 'application/json') {
    const v = spec.validator(`res:${op.operationId}:${res.status}`, media.schema, true);
    if (parsed === undefined || !v(parsed)) {
      mismatch(`${label}: body does not match: ${spec.ajv.errorsText(v.errors)}: ${res.body.slice(0, 400)}`);
    }
  }
  return res;
}

// --- the processes -------------------------------------------------------------

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'metronome-contract-'));
const store = `sqlite:${work}/sessions.db`;
const ports = { region: await freePort(), us: await freePort(), edge: await freePort(), world: await freePort() };
const common = {
  THREADS: '2',
  LOG_LEVEL: 'warn',
  ACCESS_LOG: 'false',
  STORE: store,
  AUTH_MODE: mode,
  ADMIN_TOKEN: adminToken,
  RATE_LIMIT_PER_SECOND: '0', // off here; tests/integration/*_limits_test.cpp covers 429
};
const children = [];
async function stopAll() {
  for (const c of children.reverse()) await c.stop();
}
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

try {
  children.push(new Child(bin, 'region', { ...common, PORT: String(ports.region), REGION: 'eu', COUNTDOWN_MS: '0' }, `${work}/eu.log`));
  children.push(new Child(bin, 'region', { ...common, PORT: String(ports.us), REGION: 'us', COUNTDOWN_MS: '0' }, `${work}/us.log`));
  // A small world for the console's world routes (metrics source=world, world/map).
  children.push(
    new Child(bin, ['world', 'serve', '--port', String(ports.world), '--data-dir', `${work}/world`, '--npcs', '20', '--size', '100'], {}, `${work}/world.log`),
  );
  children.push(
    new Child(
      bin,
      'edge',
      {
        ...common,
        PORT: String(ports.edge),
        REGIONS: `eu=http://127.0.0.1:${ports.region},us=http://127.0.0.1:${ports.us}`,
        DEFAULT_REGION: 'eu',
        REGISTRY_TOKEN: registryToken,
        HEALTH_INTERVAL_MS: '200',
        WEB_ROOT: '',
        WORLD_DATA_DIR: `${work}/world`, // POST /edge/world/token signs with the secret kept there
        WORLD_URL: `ws://127.0.0.1:${ports.world}/world`,
      },
      `${work}/edge.log`,
    ),
  );
  const up = await eventually(async () => {
    const r = await request(ports.edge, 'GET', '/healthz');
    const regions = await request(ports.edge, 'GET', '/api/regions');
    const world = await request(ports.world, 'GET', '/health').catch(() => ({ status: 0 }));
    return r.status === 200 && world.status === 200 && JSON.parse(regions.body).regions.every((x) => x.status === 'up');
  });
  if (!up) throw new Error(`the processes did not come up; logs in ${work}`);
  await run();
} catch (e) {
  mismatch(`test error: ${e.stack ?? e}`);
} finally {
  await stopAll();
}

// --- the cases -----------------------------------------------------------------

async function run() {
  const unknownId = '00000000-0000-4000-8000-000000000000';
  const admin = { Authorization: `Bearer ${adminToken}` };
  const created = (r, what) => {
    if (owner && r.status === 201 && typeof r.json?.session_key !== 'string') mismatch(`${what}: owner mode, no session_key`);
    if (!owner && r.json?.session_key !== undefined && r.status === 201) {
      // open mode answers it too (so a client works in both modes); fine.
    }
    return r.json ?? {};
  };
  const R = (method, target, extra = {}) => call({ server: 'region', method, target, ...extra });
  const E = (method, target, extra = {}) => call({ server: 'edge', method, target, ...extra });

  // Region: /v1/sessions.
  const s1 = created(await R('POST', '/v1/sessions', { body: JSON.stringify({ tick_ms: 100, metadata: { game_type: 'counter' } }), expect: 201 }), 'create');
  await R('POST', '/v1/sessions', { body: '{}', expect: 201 });
  await R('POST', '/v1/sessions', { expect: 201, note: 'no body' });
  await R('POST', '/v1/sessions', { body: JSON.stringify({ rule: { name: 'rounds', mean_interval: 10, jitter: 9 } }), expect: 201 });
  await R('POST', '/v1/sessions', { body: JSON.stringify({ rule: 'lcg-counter', tick_ms: 60000 }), expect: 201 });
  for (const [body, note] of [
    [{ tick_ms: 0 }, 'tick 0'],
    [{ tick_ms: 60001 }, 'tick too long'],
    [{ rule: { name: 'rounds', mean_interval: 10, jitter: 10 } }, 'jitter = mean'],
    [{ rule: { name: 'rounds', jitter: 50 } }, 'jitter = default mean'],
    [{ rule: { name: 'nope' } }, 'unknown rule'],
    [{ metadata: { big: 'x'.repeat(4090) } }, 'metadata over 4096 bytes'],
    [{ metadata: 'text' }, 'metadata not an object'],
    [{ mode: 'other' }, 'bad mode'],
    [{ user_id: '' }, 'empty user'],
  ]) {
    await R('POST', '/v1/sessions', { body: JSON.stringify(body), expect: 400, validBody: false, note });
  }
  await R('POST', '/v1/sessions', { body: '{"tick_ms":', expect: 400, note: 'malformed' });
  await R('POST', '/v1/sessions', { body: '[]', expect: 400, validBody: false, note: 'array' });
  await R('POST', '/v1/sessions', { body: '{}', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await R('POST', '/v1/sessions', { body: 'tick_ms=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, expect: 415 });
  await R('POST', '/v1/sessions', { body: JSON.stringify({ metadata: { x: 'y'.repeat(70_000) } }), expect: 413 });

  const listed = created(await R('POST', '/v1/sessions', { body: JSON.stringify({ user_id: 'contract-lister' }), expect: 201 }), 'create');
  await R('GET', '/v1/sessions?user_id=contract-lister', { expect: owner ? 403 : 200 });
  await R('GET', '/v1/sessions?user_id=contract-lister&limit=1', { headers: admin, expect: 200 });
  await R('GET', '/v1/sessions?user_id=contract-lister', { headers: { Authorization: 'Bearer wrong' }, expect: owner ? 403 : 200 });
  await R('GET', '/v1/sessions', { headers: admin, expect: 400, note: 'no user_id' });
  await R('GET', '/v1/sessions?user_id=x&limit=0', { headers: admin, expect: 400 });
  await R('GET', '/v1/sessions?user_id=x&limit=101', { headers: admin, expect: 400 });
  await R('GET', '/v1/sessions?user_id=x&cursor=garbage', { headers: admin, expect: 400 });

  await R('GET', `/v1/sessions/${s1.id}`, { expect: 200 });
  await R('HEAD', `/v1/sessions/${s1.id}`, { expect: 200 });
  await R('GET', `/v1/sessions/${unknownId}`, { expect: 404 });
  await R('HEAD', `/v1/sessions/${unknownId}`, { expect: 404 });
  await R('GET', '/v1/sessions/not%20an%20id', { expect: 404 });
  await R('GET', `/v1/sessions/${s1.id}/state`, { expect: 200 });
  await R('GET', `/v1/sessions/${unknownId}/state`, { expect: 404 });
  await R('GET', `/v1/sessions/${s1.id}/players`, { expect: 200 });
  await R('GET', `/v1/sessions/${unknownId}/players`, { expect: 404 });

  await R('GET', `/v1/sessions/${s1.id}/replay?from=0&to=20`, { expect: 200 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=0&to=2000&breaks_only=true`, { expect: 200 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=5&to=1`, { expect: 400 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=0`, { expect: 400 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=0&to=100000`, { expect: 400, note: '100,001 steps' });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=-1&to=3`, { expect: 400 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=0&to=3&breaks_only=maybe`, { expect: 400 });
  await R('GET', `/v1/sessions/${s1.id}/replay?from=9007199254740990&to=9007199254740991`, { expect: 400, note: 'past the last step' });
  await R('GET', `/v1/sessions/${unknownId}/replay?from=0&to=1`, { expect: 404 });

  // Server mode: the future is secret, the stop reveals seed and salt to
  // the one who may stop it.
  const secret = created(await R('POST', '/v1/sessions', { body: JSON.stringify({ mode: 'server', user_id: 'contract-secret' }), expect: 201 }), 'create');
  if (secret.seed !== null) mismatch('a running server-mode session shows its seed');
  await R('GET', `/v1/sessions/${secret.id}/replay?from=0&to=100`, { expect: 403 });
  const key = (s) => (s.session_key ? { 'X-Session-Key': s.session_key } : {});
  await R('POST', `/v1/sessions/${secret.id}/stop`, { body: JSON.stringify({ user_id: 'someone-else' }), headers: key(secret), expect: 403 });
  if (owner) {
    const denied = await R('POST', `/v1/sessions/${secret.id}/stop`, { expect: 403, note: 'no key' });
    if (denied.body.includes('"seed"')) mismatch('a refused stop shows the seed');
    await R('POST', `/v1/sessions/${secret.id}/stop`, { headers: { 'X-Session-Key': '0'.repeat(64) }, expect: 403, note: 'wrong key' });
    await R('POST', `/v1/sessions/${secret.id}/stop`, { body: JSON.stringify({ session_key: 'short' }), expect: 403, note: 'wrong key in body' });
    const still = await R('GET', `/v1/sessions/${secret.id}`, { expect: 200 });
    if (still.json?.status !== 'running' || still.json?.seed !== null) mismatch('a refused stop changed the session');
  }
  const stopped = await R('POST', `/v1/sessions/${secret.id}/stop`, { headers: key(secret), expect: 200 });
  if (stopped.json?.already_ended !== false || typeof stopped.json?.seed !== 'string' || typeof stopped.json?.salt !== 'string') {
    mismatch(`the stop did not end and reveal: ${stopped.body}`);
  }
  await R('POST', `/v1/sessions/${secret.id}/stop`, { headers: admin, expect: 200, note: 'again, as admin' });
  await R('POST', `/v1/sessions/${listed.id}/stop`, { body: JSON.stringify({ session_key: listed.session_key }), expect: 200, note: 'key in body' });
  await R('POST', `/v1/sessions/${s1.id}/stop`, { body: 'stop', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await R('POST', `/v1/sessions/${s1.id}/stop`, { body: '{', headers: key(s1), expect: 400 });
  await R('POST', `/v1/sessions/${unknownId}/stop`, { headers: admin, expect: 404 });
  await R('POST', `/v1/sessions/${s1.id}/stop`, { body: 'x'.repeat(70_000), expect: 413 });

  // Region: seeds 000 and 002.
  const g1 = created(await R('POST', '/game/start', { body: JSON.stringify({ userId: 'contract-g1' }), expect: 201 }), 'game start');
  const again = await R('POST', '/game/start', { body: JSON.stringify({ userId: 'contract-g1' }), expect: 200 });
  if (again.json?.session_key !== undefined) mismatch('a resumed start shows the session key');
  const g2 = created(await R('POST', '/game/start', { body: JSON.stringify({ user_id: 'contract-g2', region: 'eu' }), expect: 201 }), 'game start');
  await R('POST', '/game/start', { body: JSON.stringify({ user_id: 'contract-g3', mode: 'server', tickMs: 50, metadata: { a: 1 } }), expect: 201 });
  await R('POST', '/game/start', { body: '{}', expect: 400, validBody: false });
  await R('POST', '/game/start', { body: JSON.stringify({ userId: '' }), expect: 400, validBody: false });
  await R('POST', '/game/start', { body: JSON.stringify({ userId: 'x', region: 'us' }), expect: 400, note: 'another region' });
  await R('POST', '/game/start', { body: JSON.stringify({ userId: 'x', tick_ms: -1 }), expect: 400, validBody: false });
  await R('POST', '/game/start', { expect: 415, note: 'no body, no Content-Type' });
  await R('POST', '/game/start', { body: '', expect: 400, note: 'an empty JSON body' });
  await R('POST', '/game/start', { body: '{"userId":"x"}', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await R('POST', '/game/start', { body: JSON.stringify({ userId: 'x', metadata: { x: 'y'.repeat(70_000) } }), expect: 413 });

  await R('POST', '/game/exit', { body: JSON.stringify({ gameId: g1.gameId, userId: 'someone-else' }), headers: key(g1), expect: 403 });
  if (owner) await R('POST', '/game/exit', { body: JSON.stringify({ gameId: g1.gameId, userId: 'contract-g1' }), expect: 403, note: 'no key' });
  await R('POST', '/game/exit', { body: JSON.stringify({ gameId: g1.gameId, userId: 'contract-g1', session_key: g1.session_key }), expect: 200 });
  await R('POST', '/game/exit', { body: JSON.stringify({ session_id: g2.session_id }), headers: key(g2), expect: 200 });
  await R('POST', '/game/exit', { body: JSON.stringify({ session_id: g2.session_id }), headers: admin, expect: 200, note: 'already ended' });
  await R('POST', '/game/exit', { body: '{}', expect: 400, validBody: false });
  await R('POST', '/game/exit', { body: JSON.stringify({ gameId: '' }), expect: 400, validBody: false });
  await R('POST', '/game/exit', { body: JSON.stringify({ gameId: unknownId }), headers: admin, expect: 404 });
  await R('POST', '/game/exit', { body: '{"gameId":"x"}', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await R('POST', '/game/exit', { body: 'x'.repeat(70_000), expect: 413 });

  for (const p of ['/healthz', '/health', '/metrics']) {
    await R('GET', p, { expect: 200 });
    await R('HEAD', p, { expect: 200 });
    await E('GET', p, { expect: 200 });
    await E('HEAD', p, { expect: 200 });
  }

  // Edge.
  const e1 = created(await E('POST', '/edge/game/start', { body: JSON.stringify({ userId: 'contract-e1', preferredRegion: 'eu' }), expect: 201 }), 'edge start');
  await E('POST', '/edge/game/start', { body: JSON.stringify({ userId: 'contract-e1' }), expect: 200 });
  await E('POST', '/edge/game/start', { body: JSON.stringify({ user_id: 'contract-e2', region: 'us' }), expect: 201 });
  await E('POST', '/edge/game/start', { body: JSON.stringify({ userId: 'contract-e3' }), headers: { 'x-user-region': 'us' }, expect: 201 });
  await E('POST', '/edge/game/start', { body: '{}', expect: 400, validBody: false });
  await E('POST', '/edge/game/start', { body: JSON.stringify({ userId: 'x', tick_ms: 0 }), expect: 400, validBody: false });
  await E('POST', '/edge/game/start', { body: '{"userId":"x"}', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await E('POST', '/edge/game/start', { body: 'x'.repeat(70_000), expect: 413 });
  await E('GET', `/edge/sessions/${e1.gameId}`, { expect: 200 });
  await E('HEAD', `/edge/sessions/${e1.gameId}`, { expect: 200 });
  await E('GET', `/edge/sessions/${unknownId}`, { expect: 404 });
  await E('GET', `/edge/sessions/${e1.gameId}/replay?from=0&to=10`, { expect: 200 });
  await E('GET', `/edge/sessions/${e1.gameId}/replay?from=10&to=0`, { expect: 400 });
  await E('GET', `/edge/sessions/${unknownId}/replay?from=0&to=1`, { expect: 404 });
  await E('GET', '/edge/time', { expect: 200 });
  await E('HEAD', '/edge/time', { expect: 200 });
  // World tokens (composed by the app: apps/metronome/edge_world_token.hpp).
  const tokenAuth = owner ? admin : {};
  await E('POST', '/edge/world/token', { body: JSON.stringify({ userId: 'contract-w1', ttlSeconds: 60 }), headers: tokenAuth, expect: 200 });
  await E('POST', '/edge/world/token', { body: JSON.stringify({ userId: '' }), headers: tokenAuth, expect: 400, validBody: false });
  await E('POST', '/edge/world/token', { body: '{"userId":"x"}', headers: { ...tokenAuth, 'Content-Type': 'text/plain' }, expect: 415 });
  if (owner) await E('POST', '/edge/world/token', { body: JSON.stringify({ userId: 'contract-w1' }), expect: 401, note: 'no admin token' });

  if (owner) await E('POST', '/edge/game/exit', { body: JSON.stringify({ gameId: e1.gameId }), expect: 403, note: 'no key' });
  // Naming a region that does not own the session only routes the exit:
  // the answer names the owner (eu).
  const exited = await E('POST', '/edge/game/exit', {
    body: JSON.stringify({ gameId: e1.gameId, userId: 'contract-e1', backendRegion: 'us', session_key: e1.session_key }),
    expect: 200,
  });
  if (exited.json?.backendRegion !== 'eu' || exited.json?.region !== 'eu') mismatch(`exit names the wrong backendRegion: ${exited.body}`);
  await E('POST', '/edge/game/exit', { body: JSON.stringify({ session_id: e1.gameId }), headers: admin, expect: 200, note: 'already ended' });
  await E('POST', '/edge/game/exit', { body: JSON.stringify({ gameId: unknownId }), headers: admin, expect: 404 });
  await E('POST', '/edge/game/exit', { body: '{}', expect: 400, validBody: false });
  await E('POST', '/edge/game/exit', { body: '{"gameId":"x"}', headers: { 'Content-Type': 'text/plain' }, expect: 415 });
  await E('POST', '/edge/game/exit', { body: 'x'.repeat(70_000), expect: 413 });

  // Session migration (admin token): the edge moves the record and tells the
  // old region, whose notice route is driven directly too.
  const mv = created(await R('POST', '/v1/sessions', { body: JSON.stringify({ tick_ms: 100 }), expect: 201 }), 'create to migrate');
  const migrate = `/edge/admin/sessions/${mv.id}/migrate`;
  await E('POST', migrate, { body: JSON.stringify({ region: 'us' }), expect: 401, note: 'no admin token' });
  await E('POST', migrate, { body: JSON.stringify({ region: 'mars' }), headers: admin, expect: 400, note: 'unknown region' });
  await E('POST', migrate, { body: '{}', headers: admin, expect: 400, validBody: false });
  await E('POST', `/edge/admin/sessions/${unknownId}/migrate`, { body: JSON.stringify({ region: 'us' }), headers: admin, expect: 404 });
  await E('POST', migrate, { body: JSON.stringify({ region: 'eu' }), headers: admin, expect: 409, note: 'already there' });
  await E('POST', migrate, { body: '{}', headers: { ...admin, 'Content-Type': 'text/plain' }, expect: 415 });
  await E('POST', migrate, { body: JSON.stringify({ region: 'us' }), headers: admin, expect: 200 });
  const migrated = `/v1/sessions/${mv.id}/migrated`;
  await R('POST', migrated, { body: JSON.stringify({ region: 'us', wsUrl: 'ws://127.0.0.1:9/ws' }), headers: admin, expect: 200, note: 'a repeated notice' });
  await R('POST', migrated, { body: JSON.stringify({ region: 'us' }), expect: 401, note: 'no admin token' });
  await R('POST', migrated, { body: JSON.stringify({ region: 'Not Valid' }), headers: admin, expect: 400, validBody: false });
  await R('POST', migrated, { body: JSON.stringify({ region: 'asia' }), headers: admin, expect: 409, note: 'the store disagrees' });
  await R('POST', `/v1/sessions/${unknownId}/migrated`, { body: JSON.stringify({ region: 'us' }), headers: admin, expect: 404 });
  await R('POST', migrated, { body: '{}', headers: { ...admin, 'Content-Type': 'text/plain' }, expect: 415 });

  // The edge's seed 002 routes.
  const m1 = created(await E('POST', '/game/start', { body: JSON.stringify({ user_id: 'contract-m1', region: 'eu' }), expect: 201 }), 'main start');
  await E('POST', '/game/start', { body: '{}', expect: 400, validBody: false });
  await E('POST', '/game/exit', { body: JSON.stringify({ session_id: m1.session_id, session_key: m1.session_key }), expect: 200 });
  await E('POST', '/game/exit', { body: '{}', expect: 400, validBody: false });

  // The registry.
  const reg = JSON.stringify({ region: 'contract-zz', base_url: 'http://127.0.0.1:9' });
  await E('POST', '/api/regions/register', { body: reg, expect: 401, note: 'no token' });
  await E('POST', '/api/regions/register', { body: reg, headers: { Authorization: 'Bearer wrong' }, expect: 401 });
  await E('POST', '/api/regions/register', { body: reg, headers: { Authorization: `bearer ${registryToken}` }, expect: 200, note: 'lower-case scheme' });
  await E('POST', '/api/regions/register', { body: reg, headers: { 'X-Registry-Token': registryToken }, expect: 200 });
  await E('POST', '/api/regions/register', {
    body: JSON.stringify({ region: 'Not Valid', base_url: 'http://127.0.0.1:9' }),
    headers: { 'X-Registry-Token': registryToken },
    expect: 400,
    validBody: false,
  });
  await E('POST', '/api/regions/register', { body: reg, headers: { 'X-Registry-Token': registryToken, 'Content-Type': 'text/plain' }, expect: 415 });
  await E('POST', '/api/regions/register', { body: 'x'.repeat(70_000), headers: { 'X-Registry-Token': registryToken }, expect: 413 });
  await E('GET', '/api/regions', { expect: 200 });

  // The operator console (src/edge/console_api.cpp): the admin token only.
  for (const [method, target] of [
    ['GET', '/edge/admin/regions'],
    ['GET', '/edge/admin/sessions'],
    ['GET', `/edge/admin/sessions/${unknownId}`],
    ['POST', `/edge/admin/sessions/${unknownId}/stop`],
    ['GET', '/edge/admin/metrics'],
    ['GET', '/edge/admin/world/map'],
  ]) {
    await E(method, target, { expect: 401, note: 'no token' });
    await E(method, target, { headers: { Authorization: 'Bearer wrong' }, expect: 401, note: 'wrong token' });
  }
  await E('GET', '/edge/admin/regions', { headers: admin, expect: 200 });
  const c1 = created(await E('POST', '/edge/game/start', { body: JSON.stringify({ userId: 'contract-console', preferredRegion: 'us' }), expect: 201 }), 'console start');
  await E('GET', '/edge/admin/sessions', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/sessions?userId=contract-console&region=us&status=running&limit=5', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/sessions?status=active&limit=1', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/sessions?limit=0', { headers: admin, expect: 400 });
  await E('GET', '/edge/admin/sessions?status=paused', { headers: admin, expect: 400 });
  await E('GET', '/edge/admin/sessions?cursor=garbage', { headers: admin, expect: 400 });
  await E('GET', `/edge/admin/sessions/${c1.gameId}`, { headers: admin, expect: 200 });
  await E('GET', `/edge/admin/sessions/${unknownId}`, { headers: admin, expect: 404 });
  await E('POST', `/edge/admin/sessions/${c1.gameId}/stop`, { headers: admin, expect: 200 });
  await E('POST', `/edge/admin/sessions/${c1.gameId}/stop`, { headers: admin, expect: 200, note: 'already ended' });
  await E('POST', `/edge/admin/sessions/${unknownId}/stop`, { headers: admin, expect: 404 });
  await E('GET', '/edge/admin/metrics', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/metrics?source=region:eu', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/metrics?source=region:mars', { headers: admin, expect: 404 });
  await E('GET', '/edge/admin/metrics?source=world', { headers: admin, expect: 200 });
  await E('GET', '/edge/admin/world/map', { headers: admin, expect: 200 });

  // Unknown routes, and paths the other server serves.
  await R('GET', '/nope', { expect: 404 });
  await R('GET', '/edge/time', { expect: 404 });
  await R('HEAD', '/nope', { expect: 404 });
  await E('GET', '/v1/sessions/' + s1.id, { expect: 404 });
  await E('POST', '/nope', { body: '{}', expect: 404 });

  // Header fields over the limit: 431, on every operation.
  const sample = { '{id}': s1.id };
  for (const o of spec.operations()) {
    const target = o.template.replace(/\{[^}]+\}/g, (m) => sample[m]);
    await call({ server: o.server, method: o.method, target, headers: { 'X-Big': 'y'.repeat(20_000) }, expect: 431, note: 'big header' });
  }

  // Every method on every documented path of each server.
  for (const entry of spec.paths) {
    const target = entry.template.replace(/\{[^}]+\}/g, (m) => sample[m]);
    for (const server of entry.servers) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'POST']) {
        if (spec.methods(entry).includes(method)) continue;
        await call({ server, method, target, expect: 405, note: 'method not served' });
        if (method === 'POST' || method === 'DELETE') await call({ server, method: 'HEAD', target, note: 'HEAD' });
      }
    }
  }

  // HEAD answers carry the GET's Content-Length (bodies that do not change
  // between two reads).
  for (const [server, target] of [
    ['region', `/v1/sessions/${s1.id}`],
    ['region', '/healthz'],
    ['region', `/v1/sessions/${s1.id}/replay?from=0&to=5`],
    ['edge', '/health'],
    ['edge', `/edge/sessions/${unknownId}`],
  ]) {
    const g = await call({ server, method: 'GET', target });
    const h = await call({ server, method: 'HEAD', target });
    if (g.status !== h.status || g.headers['content-length'] !== h.headers['content-length']) {
      mismatch(`${server} HEAD ${target}: ${h.status} length ${h.headers['content-length']}, GET ${g.status} length ${g.headers['content-length']}`);
    }
  }

  // Every route in the servers' tables is documented for that server, and
  // every documented operation was driven to a 2xx and a 4xx.
  const tables = {
    region: fs.readFileSync(path.join(root, 'src/region/router.cpp'), 'utf8'),
    // edge_api.cpp's table and the route files it calls (src/edge/*_api.cpp: console_api.cpp, migrate_api.cpp).
    edge: fs
      .readdirSync(path.join(root, 'src/edge'))
      .filter((f) => f.endsWith('_api.cpp'))
      .map((f) => fs.readFileSync(path.join(root, 'src/edge', f), 'utf8'))
      .join('\n'),
  };
  // The edge's one route composed by the app, beside the edge library's table.
  const worldToken = fs.readFileSync(path.join(root, 'apps/metronome/edge_world_token.hpp'), 'utf8').match(/path = "(\/[^"]+)"/);
  const ops = spec.operations();
  for (const [server, text] of Object.entries(tables)) {
    const routes = [...text.matchAll(/\.add\(\s*"(GET|POST|PUT|DELETE|PATCH)",\s*"([^"]+)"/g)].map((m) => [m[1], m[2]]);
    routes.push(...[...text.matchAll(/\{"(\/[^"]+)", &edge_api::/g)].map((m) => ['POST', m[1]]));
    if (server === 'edge') {
      if (worldToken) routes.push(['POST', worldToken[1]]);
      else mismatch('edge: apps/metronome/edge_world_token.hpp names no path; has its form changed?');
    }
    if (routes.length < 5) mismatch(`${server}: found only ${routes.length} routes in its route table; has its form changed?`);
    for (const [method, template] of routes) {
      if (!ops.some((o) => o.server === server && o.method === method && o.template === template)) {
        mismatch(`${server} serves ${method} ${template}, which the spec does not document for it`);
      }
    }
    for (const o of ops.filter((x) => x.server === server)) {
      if (!routes.some(([m, t]) => m === o.method && t === o.template)) mismatch(`${server}: documented ${o.method} ${o.template} is not in its route table`);
    }
  }
  for (const o of ops) {
    const seen = driven.get(`${o.server} ${o.id}`) ?? new Set();
    if (!seen.has(2)) mismatch(`${o.server} ${o.id}: never driven to a 2xx`);
    if (!seen.has(4)) mismatch(`${o.server} ${o.id}: never driven to a 4xx`);
  }
}

for (const m of mismatches) process.stdout.write(`MISMATCH ${m}\n`);
process.stdout.write(`contract (${mode} mode): ${requests} requests, ${mismatches.length} mismatches\n`);
if (mismatches.length === 0) fs.rmSync(work, { recursive: true, force: true });
else process.stdout.write(`logs kept in ${work}\n`);
process.exit(mismatches.length === 0 ? 0 : 1);
