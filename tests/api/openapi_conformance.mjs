// OpenAPI conformance of a running node: every path + method of
// docs/openapi.yaml gets at least one request that should succeed (with data
// created first: orders placed with the demo API keys, real order ids, tx
// hashes and heights), and the documented error statuses where a request can
// provoke them; each answer's status must be one the document lists for the
// operation and its JSON body must conform to the documented schema
// (lib/schema_check.mjs). Also: every route the server has is documented,
// no documented route answers "no route", methods a path does not document
// are refused, 429 carries Retry-After, and the WebSocket stream
// (x-websocket) answers as described.
//
// Usage: node [--experimental-websocket] openapi_conformance.mjs <repository root> <testnet dir>
// (reads docs/openapi.yaml, proto/replex/v1/tx.proto and src/api/rest_routes.cpp)
// Prints every check; exits 1 listing every mismatch (method, path, status, what).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import yaml from 'js-yaml';
import protobuf from 'protobufjs';
import { check, deref } from './lib/schema_check.mjs';
import { loadTestnet, sign, sleep } from './lib/testnet.mjs';

const [repoRoot, testnetDir] = process.argv.slice(2);
if (!repoRoot || !testnetDir) {
  console.error('usage: openapi_conformance.mjs <repository root> <testnet dir>');
  process.exit(2);
}
const specPath = path.join(repoRoot, 'docs', 'openapi.yaml');
const protoDir = path.join(repoRoot, 'proto');
const routesSource = path.join(repoRoot, 'src', 'api', 'rest_routes.cpp');
const spec = yaml.load(fs.readFileSync(specPath, 'utf8'));
const env = loadTestnet(testnetDir);
const [T0, T1, T2, T3] = env.traders;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// The routes the server serves: route() in src/api/rest_routes.cpp (kept in
// step by checkRouteSource below). The WebSocket upgrade on /api/v1/stream
// (http_server.cpp) is documented in x-websocket, not as a path.
const SERVER_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /api/v1/orders',
  'POST /api/v1/orders/batch',
  'GET /api/v1/orders',
  'DELETE /api/v1/orders',
  'GET /api/v1/orders/{order_id}',
  'DELETE /api/v1/orders/{order_id}',
  'PATCH /api/v1/orders/{order_id}',
  'POST /api/v1/transactions',
  'GET /api/v1/transactions/{tx_hash}',
  'GET /api/v1/markets',
  'GET /api/v1/markets/{market}/book',
  'GET /api/v1/markets/{market}/trades',
  'GET /api/v1/markets/{market}/candles',
  'GET /api/v1/accounts/{account}/balances',
  'GET /api/v1/accounts/{account}/trades',
  'GET /api/v1/accounts/{account}/orders',
  'GET /api/v1/blocks/{height}',
  'GET /api/v1/status',
  'POST /api/v1/withdrawals',
  'GET /api/v1/withdrawals/{withdrawal_id}',
  'GET /api/v1/settlement',
  'POST /api/v1/settlement/address',
];

const mismatches = [];
const coverage = new Map();  // "METHOD /path" -> {ok: Set(status), error: Set(status), calls}
let checks = 0;

function fail(op, status, what) {
  const line = `${op} -> ${status ?? '-'}: ${what}`;
  mismatches.push(line);
  console.log(`  MISMATCH ${line}`);
}

function documentedOps() {
  const ops = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const m of METHODS) if (item[m]) ops.push(`${m.toUpperCase()} ${p}`);
  }
  return ops;
}

function operation(op) {
  const [method, p] = op.split(' ');
  const item = spec.paths[p];
  return item && item[method.toLowerCase()];
}

function fillPath(template, params = {}) {
  return template.replace(/\{([^}]+)\}/g, (_, name) => {
    if (!(name in params)) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(String(params[name]));
  });
}

// One request against a documented operation, checked against the document.
async function call(op, { params, query, body, raw, apiKey, expect, code, note } = {}) {
  const [method, template] = op.split(' ');
  let target = fillPath(template, params);
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    target += `?${q}`;
  }
  const headers = {};
  if (apiKey) headers['X-API-Key'] = apiKey;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  let text;
  try {
    res = await fetch(env.restUrl + target, { method, headers, body: payload });
    text = await res.text();
  } catch (e) {
    fail(op, null, `${method} ${target}: request failed: ${e.cause?.message || e.message}`);
    return { status: 0, body: null, headers: new Headers() };
  }
  checks++;
  const status = res.status;
  const contentType = res.headers.get('content-type') || '';
  let json = null;
  if (contentType.startsWith('application/json')) {
    try {
      json = JSON.parse(text);
    } catch {
      fail(op, status, `${target}: body is not JSON: ${text.slice(0, 120)}`);
    }
  }
  const label = `${method} ${target}${note ? ` (${note})` : ''}`;
  const entry = coverage.get(op) || { ok: new Set(), error: new Set(), calls: 0 };
  coverage.set(op, entry);
  entry.calls++;
  (status >= 200 && status < 300 ? entry.ok : entry.error).add(status);
  const spot = operation(op);
  if (!spot) {
    fail(op, status, `${label}: not in the document`);
    return { status, body: json, headers: res.headers };
  }
  if (status === 404 && json && json.code === 'NOT_FOUND' && /^no route/.test(json.message || '')) {
    fail(op, status, `${label}: documented, but the server answers "${json.message}"`);
  }
  const expected = expect === undefined ? null : [].concat(expect);
  if (expected && !expected.includes(status)) {
    fail(op, status, `${label}: expected ${expected.join(' or ')}; body ${text.slice(0, 200)}`);
  }
  if (code && json && json.code !== code) fail(op, status, `${label}: expected code ${code}, got ${json.code}`);
  const response = spot.responses[String(status)] ? deref(spec, spot.responses[String(status)]) : null;
  if (!response) {
    fail(op, status, `${label}: status ${status} is not documented (documented: ${Object.keys(spot.responses).join(', ')}); body ${text.slice(0, 160)}`);
    return { status, body: json, headers: res.headers };
  }
  const mediaTypes = Object.keys(response.content || {});
  const mediaType = mediaTypes.find((t) => contentType.split(';')[0].trim() === t);
  if (mediaTypes.length && !mediaType) fail(op, status, `${label}: Content-Type ${contentType}, documented ${mediaTypes.join(', ')}`);
  const media = mediaType && response.content[mediaType];
  if (media && media.schema) {
    const value = mediaType === 'application/json' ? json : text;
    if (value !== null) for (const problem of check(spec, media.schema, value)) fail(op, status, `${label}: ${problem}`);
  }
  for (const name of Object.keys(response.headers || {})) {
    if (!res.headers.get(name)) fail(op, status, `${label}: documented header ${name} missing`);
  }
  console.log(`  ${status} ${label}${json && json.code ? ` ${json.code}` : ''}`);
  return { status, body: json, text, headers: res.headers };
}

// Every literal route() compares a path segment with in rest_routes.cpp
// (`s[0] == "healthz"`, `what == "orders"`, ...) must appear in the
// document: a new route keyword without documentation fails here.
function checkRouteSource() {
  const source = fs.readFileSync(routesSource, 'utf8');
  const literals = new Set([...source.matchAll(/(?:\bs\[\d\]|\bwhat)\s*==\s*"([^"]+)"/g)].map((m) => m[1]));
  const segments = new Set(Object.keys(spec.paths).flatMap((p) => p.split('/')).filter(Boolean));
  for (const literal of literals) {
    if (!segments.has(literal)) fail(`route "${literal}"`, null, `rest_routes.cpp routes on "${literal}", no documented path has that segment`);
  }
  for (const op of SERVER_ROUTES) {
    for (const segment of op.split(' ')[1].split('/').filter((x) => x && !x.startsWith('{'))) {
      if (!['api', 'v1'].includes(segment) && !literals.has(segment)) fail(op, null, `SERVER_ROUTES names "${segment}", rest_routes.cpp does not route on it`);
    }
  }
  console.log(`  rest_routes.cpp routes on ${[...literals].sort().join(', ')}: all documented`);
}

// A raw HTTP/1.1 exchange, for requests fetch will not send (bad targets, huge headers).
function rawRequest(text) {
  const [host, port] = [env.rest.slice(0, env.rest.lastIndexOf(':')), Number(env.rest.slice(env.rest.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => socket.write(text));
    let data = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = Number((data.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 0);
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      let json = null;
      try { json = JSON.parse(body); } catch { /* reported by the caller */ }
      resolve({ status, json, data });
    });
  });
}

async function rawCheck(op, requestText, expectStatus, expectCode, note) {
  const { status, json, data } = await rawRequest(requestText);
  checks++;
  const entry = coverage.get(op) || { ok: new Set(), error: new Set(), calls: 0 };
  coverage.set(op, entry);
  entry.calls++;
  entry.error.add(status);
  const spot = operation(op);
  const label = `${op} (${note})`;
  if (status !== expectStatus) fail(op, status, `${label}: expected ${expectStatus}; got ${data.slice(0, 160)}`);
  const response = spot.responses[String(status)];
  if (!response) return fail(op, status, `${label}: status ${status} is not documented`);
  const schema = deref(spec, response).content['application/json'].schema;
  for (const problem of check(spec, schema, json)) fail(op, status, `${label}: ${problem}`);
  if (json && json.code !== expectCode) fail(op, status, `${label}: expected code ${expectCode}, got ${json && json.code}`);
  console.log(`  ${status} ${label} ${json && json.code}`);
}

// --- signed transactions (proto/replex/v1/tx.proto) ----------------------------------------
const txRoot = protobuf.loadSync(path.join(protoDir, 'replex', 'v1', 'tx.proto'));
const TransactionBody = txRoot.lookupType('replex.v1.TransactionBody');
const SignedTransaction = txRoot.lookupType('replex.v1.SignedTransaction');

function signedTx(trader, body) {
  const bodyBytes = TransactionBody.encode(TransactionBody.fromObject(body)).finish();
  const signature = sign(trader.seedHex, 'replex/tx/v1', env.chainId, bodyBytes);
  const envelope = SignedTransaction.encode(SignedTransaction.fromObject({
    body: bodyBytes,
    publicKey: Buffer.from(trader.account, 'hex'),
    signature,
  })).finish();
  const bytes = Buffer.from(envelope);
  return { base64: bytes.toString('base64'), hash: crypto.createHash('sha256').update(bytes).digest('hex'), bytes };
}

const randomNonce = () => crypto.randomInt(1, 2 ** 47);

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// --- the WebSocket stream (x-websocket) --------------------------------------------------------
async function webSocketChecks(place) {
  const ws = spec['x-websocket'];
  const op = 'WS /api/v1/stream';
  const wsFail = (what) => fail(op, null, what);
  if (!ws || ws.path !== '/api/v1/stream') return wsFail('x-websocket.path is not /api/v1/stream');
  if (typeof WebSocket !== 'function') return wsFail('no WebSocket in this Node (run with --experimental-websocket)');
  const socket = new WebSocket(`ws://${env.rest}${ws.path}`);
  const inbox = [];
  const waiters = [];
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    inbox.push(message);
    for (const w of waiters.splice(0)) w();
  };
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error('WebSocket did not open'));
  });
  const next = async (predicate, what, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex(predicate);
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`WebSocket: timed out waiting for ${what}`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
    }
  };
  const validate = (schema, value, what) => {
    checks++;
    for (const problem of check(spec, schema, value)) wsFail(`${what}: ${problem}`);
  };
  const reply = ws.server_messages.reply;
  const update = ws.server_messages.update;
  const request = ws.client_messages.request;
  const send = (message) => {
    validate(request, message, 'client message (as documented)');
    socket.send(JSON.stringify(message));
  };

  send({ op: 'ping', id: 1 });
  const pong = await next((m) => m.result === 'pong', 'pong');
  validate(reply, pong, 'pong');
  if (pong.id !== 1) wsFail(`a numeric id comes back as that number: got ${JSON.stringify(pong.id)}`);

  const channels = ['book.BTC-USD', 'trades.BTC-USD', 'candles.BTC-USD.1m', 'blocks', `orders.${T0.account}`];
  send({ op: 'subscribe', id: 'sub', channels, api_key: T0.apiKey });
  for (const channel of channels) {
    const ok = await next((m) => m.id === 'sub' && (m.channel === channel || m.error), `subscribed ${channel}`);
    validate(reply, ok, `reply to subscribe ${channel}`);
    if (ok.error) wsFail(`subscribe ${channel}: ${JSON.stringify(ok.error)}`);
  }
  const snapshot = await next((m) => m.type === 'snapshot', 'book snapshot');
  validate(update, snapshot, 'snapshot message');
  validate(ws.channels['book.<market>'].snapshot, snapshot.data, 'snapshot data');
  let last = snapshot.data.last_update_id;

  // A crossing pair: a diff, a trade, a candle, a block and T0's order.
  await place();
  const seen = new Set();
  const deadline = Date.now() + 15000;
  while (['update', 'trade', 'candle', 'block', 'order'].some((t) => !seen.has(t)) && Date.now() < deadline) {
    const m = await next(() => true, 'stream updates', Math.max(1, deadline - Date.now())).catch(() => null);
    if (!m) break;
    if (!m.type) continue;
    validate(update, m, `${m.type} message`);
    const kinds = {
      update: ws.channels['book.<market>'].update,
      trade: ws.channels['trades.<market>'].trade,
      candle: ws.channels['candles.<market>.<interval>'].candle,
      block: ws.channels.blocks.block,
      order: ws.channels['orders.<account>'].order,
    };
    if (kinds[m.type]) validate(kinds[m.type], m.data, `${m.type} data`);
    if (m.type === 'update') {
      if (m.data.first_update_id !== last + 1) wsFail(`book update: first_update_id ${m.data.first_update_id}, expected ${last + 1}`);
      last = m.data.last_update_id;
    }
    seen.add(m.type);
  }
  for (const t of ['update', 'trade', 'candle', 'block', 'order']) if (!seen.has(t)) wsFail(`no ${t} message after a trade`);

  // Errors: an unknown market, someone else's orders, a signed login.
  send({ op: 'subscribe', id: 7, channels: ['book.NOPE-USD'] });
  const unknown = await next((m) => m.id === 7, 'error for book.NOPE-USD');
  validate(reply, unknown, 'error reply');
  if (!unknown.error || unknown.error.code !== 'NOT_FOUND') wsFail(`book.NOPE-USD: ${JSON.stringify(unknown)}`);
  send({ op: 'subscribe', id: 8, channels: [`orders.${T1.account}`], api_key: T0.apiKey });
  const notYours = await next((m) => m.id === 8, "error for another account's orders");
  if (!notYours.error || notYours.error.code !== 'NOT_YOUR_ACCOUNT') wsFail(`orders of another account: ${JSON.stringify(notYours)}`);
  const timeMs = Date.now();
  const signature = sign(T3.seedHex, 'replex/stream-login/v1', env.chainId, Buffer.from(`${T3.account}:${timeMs}`)).toString('hex');
  send({ op: 'subscribe', id: 9, channels: [`orders.${T3.account}`], auth: { time_ms: timeMs, signature } });
  const login = await next((m) => m.id === 9, 'signed login');
  validate(reply, login, 'signed login reply');
  if (login.result !== 'subscribed') wsFail(`orders.<account> with a signed login: ${JSON.stringify(login)}`);
  send({ op: 'unsubscribe', id: 10, channels: ['blocks'] });
  const gone = await next((m) => m.id === 10, 'unsubscribed');
  validate(reply, gone, 'unsubscribe reply');
  socket.close();
  console.log(`  WebSocket ${ws.path}: ping, subscribe (5 channels), snapshot, ${[...seen].join(', ')}, gapless update ids, 3 errors, signed login, unsubscribe`);
}

// --- the run -----------------------------------------------------------------------------------
async function main() {
  console.log(`OpenAPI conformance: ${specPath} against ${env.restUrl} (chain ${env.chainId})`);

  // 1. The document and the server name the same routes.
  const documented = documentedOps();
  for (const route of SERVER_ROUTES) if (!documented.includes(route)) fail(route, null, 'served by the server, missing from the document');
  for (const op of documented) if (!SERVER_ROUTES.includes(op)) fail(op, null, 'documented, not a route of the server');
  checkRouteSource();

  // 2. Probes and reads that need no data.
  await call('GET /healthz', { expect: 200 });
  await call('GET /readyz', { expect: 200 });
  const metrics = await call('GET /metrics', { expect: 200 });
  const badLines = (metrics.text || '').split('\n').filter((l) => l && !l.startsWith('#') &&
    !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)( [0-9]+)?$/i.test(l));
  if (metrics.status === 200 && badLines.length) fail('GET /metrics', 200, `not Prometheus text: ${badLines.slice(0, 3).join(' | ')}`);
  const status = (await call('GET /api/v1/status', { expect: 200 })).body;
  if (status.chain_id !== env.chainId) fail('GET /api/v1/status', 200, `chain_id ${status.chain_id}, genesis says ${env.chainId}`);
  const markets = (await call('GET /api/v1/markets', { expect: 200 })).body;
  if (!markets.markets.some((m) => m.symbol === 'BTC-USD')) fail('GET /api/v1/markets', 200, 'no BTC-USD');

  // 3. Orders: a committed buy, a crossing sell answered at admission.
  const buyOrder = { market: 'BTC-USD', side: 'buy', type: 'limit', time_in_force: 'gtc', price: '45000.00', quantity: '1',
    post_only: false, self_trade_prevention: 'expire_maker', client_order_id: 'conf-buy-1' };
  const buy = (await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: buyOrder, apiKey: T0.apiKey, expect: 200 })).body;
  const buyId = buy.order_id;
  if (!buyId || buy.status !== 'committed' || buy.order?.status !== 'new') fail('POST /api/v1/orders', 200, `committed buy: ${JSON.stringify(buy).slice(0, 200)}`);
  // The README's form: "symbol" with a slash, JSON numbers.
  const sell = (await call('POST /api/v1/orders', {
    raw: '{"symbol":"BTC/USD","side":"sell","quantity":0.4,"price":45000.00,"client_order_id":"conf-sell-1"}',
    apiKey: T1.apiKey, expect: 202, note: 'JSON numbers, symbol alias' })).body;
  if (sell.order_id !== null || sell.status !== 'accepted' || sell.client_order_id !== 'conf-sell-1') {
    fail('POST /api/v1/orders', 202, `an admitted order has no id yet: ${JSON.stringify(sell)}`);
  }
  // Its id: by client order id once the block executes (404 until then).
  const sellOrder = await waitFor('the sell by client_order_id', async () => {
    const r = await call('GET /api/v1/orders', { query: { client_order_id: 'conf-sell-1' }, apiKey: T1.apiKey, expect: [200, 404] });
    return r.status === 200 ? r.body : null;
  });
  if (sellOrder.status !== 'filled' || sellOrder.tx_hash !== sell.tx_hash) fail('GET /api/v1/orders', 200, `the sell: ${JSON.stringify(sellOrder).slice(0, 200)}`);

  const got = (await call('GET /api/v1/orders/{order_id}', { params: { order_id: buyId }, expect: 200 })).body;
  if (got.status !== 'partially_filled' || got.open_quantity !== '0.60000000') fail('GET /api/v1/orders/{order_id}', 200, `buy after the trade: ${got.status} ${got.open_quantity}`);
  const list = (await call('GET /api/v1/orders', { query: { account: T0.account, status: 'open', market: 'BTC-USD', limit: 10 }, expect: 200 })).body;
  if (!list.orders.some((o) => o.order_id === buyId)) fail('GET /api/v1/orders', 200, 'the open buy is not listed');
  await call('GET /api/v1/orders', { apiKey: T0.apiKey, expect: 200, note: 'account of the API key' });
  const page = (await call('GET /api/v1/accounts/{account}/orders', { params: { account: T0.account }, query: { status: 'all', limit: 1 }, expect: 200 })).body;
  if (page.next_before !== page.orders[0]?.order_id) fail('GET /api/v1/accounts/{account}/orders', 200, `a full page's next_before: ${page.next_before}`);
  const byClient = (await call('GET /api/v1/accounts/{account}/orders', { params: { account: T0.account }, query: { client_order_id: 'conf-buy-1' }, expect: 200 })).body;
  if (byClient.order_id !== buyId) fail('GET /api/v1/accounts/{account}/orders', 200, 'client_order_id finds another order');
  const again = (await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: buyOrder, apiKey: T0.apiKey, expect: 200, note: 'repeated client_order_id' })).body;
  if (again.order_id !== buyId || again.duplicate !== true) fail('POST /api/v1/orders', 200, `a repeated client_order_id: ${JSON.stringify(again).slice(0, 160)}`);

  // A batch: per-item results in request order; an invalid item does not stop the others.
  const batch = (await call('POST /api/v1/orders/batch', { query: { wait: 'commit' }, apiKey: T2.apiKey, expect: 200, body: { orders: [
    { market: 'BTC-USDT', side: 'buy', price: '101', quantity: '0.001', client_order_id: 'conf-batch-1' },
    { market: 'BTC-USDT', side: 'buy', price: 'abc', quantity: '0.001' },
  ] } })).body;
  if (batch.committed !== 1 || batch.results?.[1]?.error?.field !== 'orders[1].price') fail('POST /api/v1/orders/batch', 200, `batch: ${JSON.stringify(batch).slice(0, 300)}`);
  await call('POST /api/v1/orders/batch', { body: { orders: [] }, apiKey: T2.apiKey, expect: 400, code: 'INVALID_ARGUMENT' });

  // Amend, cancel, cancel by client order id, cancel all.
  const amended = (await call('PATCH /api/v1/orders/{order_id}', { params: { order_id: buyId }, query: { wait: 'commit' }, body: { price: '44000.00', quantity: '0.5' }, apiKey: T0.apiKey, expect: 200 })).body;
  if (amended.order?.price !== '44000.00' || amended.order?.open_quantity !== '0.50000000') fail('PATCH /api/v1/orders/{order_id}', 200, `amended: ${JSON.stringify(amended.order).slice(0, 160)}`);
  await call('PATCH /api/v1/orders/{order_id}', { params: { order_id: buyId }, body: { quantity: 0.4 }, apiKey: T0.apiKey, expect: 202, note: 'answered at admission' });
  const canceled = (await call('DELETE /api/v1/orders/{order_id}', { params: { order_id: buyId }, query: { wait: 'commit' }, apiKey: T0.apiKey, expect: 200 })).body;
  if (canceled.order?.status !== 'canceled') fail('DELETE /api/v1/orders/{order_id}', 200, `canceled: ${canceled.order?.status}`);
  await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: { market: 'BTC-USDT', side: 'buy', price: '100', quantity: '0.001', client_order_id: 'conf-cancel-1' }, apiKey: T2.apiKey, expect: 200 });
  const byCoid = (await call('DELETE /api/v1/orders', { query: { client_order_id: 'conf-cancel-1', wait: 'commit' }, apiKey: T2.apiKey, expect: 200 })).body;
  if (byCoid.order?.status !== 'canceled') fail('DELETE /api/v1/orders', 200, `cancel by client_order_id: ${JSON.stringify(byCoid).slice(0, 160)}`);
  const eth = (await call('POST /api/v1/orders', { body: { market: 'ETH-USDT', side: 'sell', price: '3000', quantity: '1' }, apiKey: T2.apiKey, expect: 202 })).body;
  await waitFor('the ETH order', async () => (await call('GET /api/v1/orders', { query: { client_order_id: eth.client_order_id }, apiKey: T2.apiKey, expect: [200, 404] })).status === 200);
  await call('DELETE /api/v1/orders', { query: { market: 'ETH-USDT', wait: 'commit' }, apiKey: T2.apiKey, expect: 200, note: 'cancel all in a market' });
  await call('DELETE /api/v1/orders', { apiKey: T2.apiKey, expect: 202, note: 'cancel all, answered at admission' });

  // 4. Signed transactions (non-custodial).
  const height = (await call('GET /api/v1/status', { expect: 200 })).body.height;
  const placeBody = (nonce, price) => ({ nonce, goodTilHeight: height + 500, placeOrder: { market: 'BTC-USDT', side: 1, type: 1, timeInForce: 1, price, quantity: 100000, clientOrderId: `conf-signed-${nonce}` } });
  const nonce = randomNonce();
  const signed = signedTx(T3, placeBody(nonce, 10000));
  const submitted = (await call('POST /api/v1/transactions', { query: { wait: 'commit' }, body: { transaction: signed.base64 }, expect: 200 })).body;
  if (submitted.tx_hash !== signed.hash || submitted.result !== 'OK' || !submitted.order_id || submitted.account !== T3.account) {
    fail('POST /api/v1/transactions', 200, `signed order: ${JSON.stringify(submitted).slice(0, 200)}`);
  }
  const viaOrders = signedTx(T3, { nonce: randomNonce(), goodTilHeight: height + 500, cancelAll: { market: 'BTC-USDT' } });
  await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: { transaction: viaOrders.base64 }, expect: 200, note: 'signed form' });
  const later = signedTx(T3, { nonce: randomNonce(), goodTilHeight: height + 500, cancelAll: { market: 'ETH-USDT' } });
  await call('POST /api/v1/transactions', { body: { transaction: later.base64 }, expect: 202, note: 'answered at admission' });
  const tx = (await call('GET /api/v1/transactions/{tx_hash}', { params: { tx_hash: signed.hash }, expect: 200 })).body;
  if (tx.height !== submitted.height || !tx.events.some((e) => e.type === 'order_accepted')) fail('GET /api/v1/transactions/{tx_hash}', 200, `events: ${JSON.stringify(tx.events).slice(0, 160)}`);

  // 5. Chain, market and account reads over that data.
  const latest = (await call('GET /api/v1/blocks/{height}', { params: { height: 'latest' }, expect: 200 })).body;
  if (latest.height < submitted.height) fail('GET /api/v1/blocks/{height}', 200, `latest ${latest.height} < ${submitted.height}`);
  const block = (await call('GET /api/v1/blocks/{height}', { params: { height: submitted.height }, expect: 200 })).body;
  if (!block.transactions.some((t) => t.tx_hash === signed.hash && t.result === 'OK')) fail('GET /api/v1/blocks/{height}', 200, 'the signed transaction is not in its block');
  await call('GET /api/v1/markets/{market}/book', { params: { market: 'BTC-USD' }, query: { depth: 5 }, expect: 200 });
  await call('GET /api/v1/markets/{market}/book', { params: { market: 'btc-usd' }, expect: 200, note: 'lower case' });
  const trades = (await call('GET /api/v1/markets/{market}/trades', { params: { market: 'BTC-USD' }, query: { limit: 10 }, expect: 200 })).body;
  if (trades.trades.length < 1) fail('GET /api/v1/markets/{market}/trades', 200, 'no trade');
  const candles = (await call('GET /api/v1/markets/{market}/candles', { params: { market: 'BTC-USD' }, query: { interval: '1m', from: 0, limit: 10 }, expect: 200 })).body;
  if (candles.candles.length < 1) fail('GET /api/v1/markets/{market}/candles', 200, 'no candle');
  await call('GET /api/v1/accounts/{account}/balances', { params: { account: T0.account }, expect: 200 });
  const accountTrades = (await call('GET /api/v1/accounts/{account}/trades', { params: { account: T0.account }, query: { limit: 5 }, expect: 200 })).body;
  if (accountTrades.trades.length < 1) fail('GET /api/v1/accounts/{account}/trades', 200, 'no trade');

  // 6. The documented errors.
  const unknownHash = crypto.randomBytes(32).toString('hex');
  const unknownAccount = crypto.randomBytes(32).toString('hex');
  await rawCheck('GET /healthz', 'GET /heal\x7fthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'INVALID_ARGUMENT', 'malformed request target');
  await rawCheck('GET /readyz', `GET /readyz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(9000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE', 'headers over api.max_header_bytes');
  await rawCheck('GET /metrics', 'GET /metr\x7fics HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'INVALID_ARGUMENT', 'malformed request target');
  await call('POST /api/v1/orders', { raw: '{"market": ', apiKey: T0.apiKey, expect: 400, code: 'MALFORMED_JSON' });
  await call('POST /api/v1/orders', { body: { market: 'BTC-USD', side: 'buy', price: '1', quantity: '1', colour: 'red' }, apiKey: T0.apiKey, expect: 400, code: 'UNKNOWN_FIELD' });
  await call('POST /api/v1/orders', { query: { wait: 'soon' }, body: buyOrder, apiKey: T0.apiKey, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('POST /api/v1/orders', { body: { market: 'BTC-USD', side: 'buy', price: '100', quantity: '1' }, expect: 401, code: 'MISSING_API_KEY' });
  await call('POST /api/v1/orders', { body: { market: 'BTC-USD', side: 'buy', price: '100', quantity: '1' }, apiKey: 'rpx_nope', expect: 401, code: 'BAD_API_KEY' });
  await call('POST /api/v1/orders', { body: { market: 'DOGE-USD', side: 'buy', price: '1', quantity: '1' }, apiKey: T0.apiKey, expect: 404, code: 'UNKNOWN_MARKET' });
  await call('POST /api/v1/orders', { body: { market: 'BTC-USD', side: 'buy', price: '100', quantity: '0.00001' }, apiKey: T0.apiKey, expect: 422, code: 'QUANTITY_NOT_ON_LOT' });
  await call('POST /api/v1/orders', { raw: `{"market":"${'x'.repeat(70000)}"}`, apiKey: T0.apiKey, expect: 413, code: 'BODY_TOO_LARGE' });
  const replay = signedTx(T3, placeBody(nonce, 10100));  // another order under a used nonce
  await call('POST /api/v1/orders', { body: { transaction: replay.base64 }, expect: 409, code: 'DUPLICATE_NONCE' });
  await call('GET /api/v1/orders', { expect: 400, code: 'INVALID_ARGUMENT', note: 'no account, no key' });
  await call('GET /api/v1/orders', { query: { client_order_id: 'never-used' }, apiKey: T0.apiKey, expect: 404, code: 'UNKNOWN_ORDER' });
  await call('GET /api/v1/orders', { apiKey: 'rpx_nope', expect: 401, code: 'BAD_API_KEY' });
  await call('DELETE /api/v1/orders', { expect: 401, code: 'MISSING_API_KEY' });
  await call('DELETE /api/v1/orders', { query: { market: 'NOPE-USD' }, apiKey: T2.apiKey, expect: 404, code: 'UNKNOWN_MARKET' });
  await call('GET /api/v1/orders/{order_id}', { params: { order_id: 999999999 }, expect: 404, code: 'UNKNOWN_ORDER' });
  await call('GET /api/v1/orders/{order_id}', { params: { order_id: 'abc' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('DELETE /api/v1/orders/{order_id}', { params: { order_id: buyId }, apiKey: T1.apiKey, expect: 403, code: 'NOT_YOUR_ORDER' });
  await call('DELETE /api/v1/orders/{order_id}', { params: { order_id: buyId }, expect: 401, code: 'MISSING_API_KEY' });
  await call('DELETE /api/v1/orders/{order_id}', { params: { order_id: buyId }, query: { wait: 'commit' }, apiKey: T0.apiKey, expect: 422, code: 'UNKNOWN_ORDER', note: 'already canceled' });
  await call('PATCH /api/v1/orders/{order_id}', { params: { order_id: 999999999 }, body: { price: '1' }, apiKey: T0.apiKey, expect: 404, code: 'UNKNOWN_ORDER' });
  await call('PATCH /api/v1/orders/{order_id}', { params: { order_id: buyId }, body: {}, apiKey: T0.apiKey, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('PATCH /api/v1/orders/{order_id}', { params: { order_id: buyId }, body: { price: '1' }, apiKey: T1.apiKey, expect: 403, code: 'NOT_YOUR_ORDER' });
  await call('POST /api/v1/transactions', { body: { transaction: '@@' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('POST /api/v1/transactions', { body: {}, expect: 400, code: 'INVALID_ARGUMENT', note: 'no transaction' });
  const forged = Buffer.from(signed.bytes);
  forged[forged.length - 5] ^= 0x01;  // inside the signature
  await call('POST /api/v1/transactions', { body: { transaction: forged.toString('base64') }, expect: 401, code: 'BAD_SIGNATURE' });
  await call('POST /api/v1/transactions', { body: { transaction: replay.base64 }, expect: 409, code: 'DUPLICATE_NONCE' });
  await call('GET /api/v1/transactions/{tx_hash}', { params: { tx_hash: unknownHash }, expect: 404, code: 'UNKNOWN_TRANSACTION' });
  await call('GET /api/v1/transactions/{tx_hash}', { params: { tx_hash: 'xyz' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/markets/{market}/book', { params: { market: 'NOPE-USD' }, expect: 404, code: 'UNKNOWN_MARKET' });
  await call('GET /api/v1/markets/{market}/book', { params: { market: 'BTC-USD' }, query: { depth: 0 }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/markets/{market}/trades', { params: { market: 'NOPE-USD' }, expect: 404, code: 'UNKNOWN_MARKET' });
  await call('GET /api/v1/markets/{market}/trades', { params: { market: 'BTC-USD' }, query: { limit: 'x' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/markets/{market}/candles', { params: { market: 'BTC-USD' }, query: { interval: '2m' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/markets/{market}/candles', { params: { market: 'BTC-USD' }, query: { from: 10, to: 5 }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/accounts/{account}/balances', { params: { account: 'zz' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/accounts/{account}/balances', { params: { account: unknownAccount }, expect: 404, code: 'UNKNOWN_ACCOUNT' });
  await call('GET /api/v1/accounts/{account}/trades', { params: { account: 'zz' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/accounts/{account}/orders', { params: { account: T0.account }, query: { status: 'bogus' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/accounts/{account}/orders', { params: { account: T0.account }, query: { client_order_id: 'never-used' }, expect: 404, code: 'UNKNOWN_ORDER' });
  await call('GET /api/v1/blocks/{height}', { params: { height: 'abc' }, expect: 400, code: 'INVALID_ARGUMENT' });
  await call('GET /api/v1/blocks/{height}', { params: { height: 1000000000 }, expect: 404, code: 'NOT_FOUND' });

  // 7. Methods a path does not document are refused (400 METHOD_NOT_ALLOWED or
  // 404 "no route"), and paths the document does not list answer "no route".
  // The probes answer every method (info.description says so).
  const sample = { order_id: buyId, tx_hash: signed.hash, market: 'BTC-USD', account: T0.account, height: 1, withdrawal_id: 1 };
  for (const [template, item] of Object.entries(spec.paths)) {
    if (['/healthz', '/readyz', '/metrics'].includes(template)) continue;
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      if (item[method.toLowerCase()]) continue;
      const target = fillPath(template, sample);
      const res = await fetch(env.restUrl + target, { method, body: method === 'GET' ? undefined : '{}' });
      const body = await res.json().catch(() => ({}));
      checks++;
      const refused = (res.status === 400 && body.code === 'METHOD_NOT_ALLOWED') || (res.status === 404 && /^no route/.test(body.message || ''));
      if (!refused) fail(`${method} ${template}`, res.status, `not documented, but the server serves it: ${JSON.stringify(body).slice(0, 120)}`);
    }
  }
  for (const target of ['/status', '/api/v1/markets/BTC-USD', `/api/v1/accounts/${T0.account}`, '/api/v1/blocks', '/api/v1/trades', '/api/v1/stream', '/api/v2/markets']) {
    const res = await fetch(env.restUrl + target);
    const body = await res.json().catch(() => ({}));
    checks++;
    if (!(res.status === 404 && /^no route/.test(body.message || ''))) fail(`GET ${target}`, res.status, `not documented, but the server serves it: ${JSON.stringify(body).slice(0, 120)}`);
  }
  console.log('  undocumented methods and paths: refused');

  // 8. The WebSocket stream, with a crossing pair to see every update kind.
  await webSocketChecks(async () => {
    await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: { market: 'BTC-USD', side: 'buy', price: '46000', quantity: '0.2' }, apiKey: T0.apiKey, expect: 200, note: 'for the stream' });
    await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: { market: 'BTC-USD', side: 'sell', price: '46000', quantity: '0.1' }, apiKey: T1.apiKey, expect: 200, note: 'for the stream' });
  });

  // A market order (no price: null in the Order) against trader0's resting bid.
  const market = (await call('POST /api/v1/orders', { query: { wait: 'commit' }, apiKey: T2.apiKey, expect: 200, note: 'market order',
    body: { market: 'BTC-USD', side: 'sell', type: 'market', time_in_force: 'ioc', quantity: '0.05', protection_price: '45000' } })).body;
  if (market.order?.status !== 'filled' || market.order?.price !== null || market.order?.type !== 'market') {
    fail('POST /api/v1/orders', 200, `market order: ${JSON.stringify(market.order).slice(0, 200)}`);
  }

  // 9. Leave no resting order behind (the gRPC test crosses on BTC-USD next).
  for (const trader of env.traders) {
    await call('DELETE /api/v1/orders', { query: { wait: 'commit' }, apiKey: trader.apiKey, expect: 200, note: `clean up ${trader.name}` });
  }

  // 9b. Settlement: the testnet settles on an anvil (run-api-tests deploys
  // the contract); one validator, so a threshold of one signature.
  const settlement = (await call('GET /api/v1/settlement', { expect: 200 })).body;
  if (settlement.chains?.length !== 1 || settlement.chains[0].threshold !== 1) fail('GET /api/v1/settlement', 200, `chains: ${JSON.stringify(settlement.chains).slice(0, 200)}`);
  const recipient = '0x000000000000000000000000000000000000bEEF';
  await call('POST /api/v1/withdrawals', { body: { asset: 'ETH', amount: '0.5' }, apiKey: T2.apiKey, expect: 202, note: 'no settlement address yet: refused at execution, not admission' });
  await call('POST /api/v1/settlement/address', { body: { eth_address: '0x12' }, apiKey: T2.apiKey, expect: 400, code: 'INVALID_ARGUMENT', note: 'not an address' });
  await call('POST /api/v1/settlement/address', { body: { eth_address: recipient }, expect: 401, note: 'no API key' });
  await call('POST /api/v1/settlement/address', { body: { eth_address: recipient }, apiKey: T2.apiKey, expect: 202, note: 'answered at admission' });
  const registered = (await call('POST /api/v1/settlement/address', { query: { wait: 'commit' }, body: { eth_address: recipient }, apiKey: T2.apiKey, expect: 200 })).body;
  if (!registered.events?.some((e) => e.type === 'settlement_address_registered' && e.attributes.eth_address === recipient)) {
    fail('POST /api/v1/settlement/address', 200, `events: ${JSON.stringify(registered.events)}`);
  }
  await call('POST /api/v1/withdrawals', { body: { asset: 'DOGE', amount: '1' }, apiKey: T2.apiKey, expect: 400, code: 'INVALID_ARGUMENT', note: 'unknown asset' });
  await call('POST /api/v1/withdrawals', { body: { asset: 'ETH', amount: '0' }, apiKey: T2.apiKey, expect: 400, code: 'INVALID_ARGUMENT', note: 'zero amount' });
  await call('POST /api/v1/withdrawals', { body: { asset: 'ETH', amount: '1', chain: 5 }, apiKey: T2.apiKey, expect: 400, code: 'UNKNOWN_FIELD', note: 'unknown field' });
  const withdrawn = (await call('POST /api/v1/withdrawals', { query: { wait: 'commit' }, body: { asset: 'ETH', amount: 0.5 }, apiKey: T2.apiKey, expect: 200 })).body;
  const withdrawalId = withdrawn.events?.find((e) => e.type === 'withdrawal_recorded')?.attributes.withdrawal_id;
  if (!withdrawalId) fail('POST /api/v1/withdrawals', 200, `no withdrawal_recorded event: ${JSON.stringify(withdrawn).slice(0, 200)}`);
  await call('GET /api/v1/withdrawals/{withdrawal_id}', { params: { withdrawal_id: 'x' }, expect: 400, note: 'not an id' });
  await call('GET /api/v1/withdrawals/{withdrawal_id}', { params: { withdrawal_id: 999999 }, expect: 404, code: 'UNKNOWN_WITHDRAWAL' });
  // Its claim, once a batch holds it (batches close every few blocks: orders make blocks).
  const claim = await waitFor('the withdrawal in a batch', async () => {
    await call('POST /api/v1/orders', { query: { wait: 'commit' }, body: { market: 'BTC-USDT', side: 'buy', price: '100', quantity: '0.001' }, apiKey: T3.apiKey, expect: 200, note: 'a block for the batch' });
    const r = await call('GET /api/v1/withdrawals/{withdrawal_id}', { params: { withdrawal_id: withdrawalId }, expect: [200, 404] });
    return r.status === 200 ? r.body : null;
  }, 60000);
  if (claim.recipient !== recipient || claim.amount !== '500000000000000000' || !claim.claim_calldata.startsWith('0x')) {
    fail('GET /api/v1/withdrawals/{withdrawal_id}', 200, `claim: ${JSON.stringify(claim).slice(0, 200)}`);
  }
  await call('DELETE /api/v1/orders', { query: { wait: 'commit' }, apiKey: T3.apiKey, expect: 200, note: 'clean up after the batch' });
  console.log(`  settlement: address registered, withdrawal ${withdrawalId} in batch ${claim.batch_number} (settled: ${claim.settled})`);

  // 10. Rate limit: a burst with one API key gets 429 with Retry-After.
  let limited = null;
  let sent = 0;
  while (!limited && sent < 3000) {
    const burst = await Promise.all(Array.from({ length: 300 }, () => fetch(`${env.restUrl}/api/v1/markets`, { headers: { 'X-API-Key': T3.apiKey } })
      .then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.text() }))
      .catch(() => ({ status: 0 }))));
    sent += burst.length;
    limited = burst.find((r) => r.status === 429) || null;
  }
  if (!limited) {
    fail('GET /api/v1/markets', null, `no 429 after ${sent} requests with one API key`);
  } else {
    const op = 'GET /api/v1/markets';
    const entry = coverage.get(op);
    entry.error.add(429);
    checks++;
    const body = JSON.parse(limited.body);
    for (const problem of check(spec, deref(spec, operation(op).responses['429']).content['application/json'].schema, body)) fail(op, 429, problem);
    if (!limited.retry || !(Number(limited.retry) >= 1)) fail(op, 429, `Retry-After: ${limited.retry}`);
    if (body.code !== 'RATE_LIMITED') fail(op, 429, `code ${body.code}`);
    console.log(`  429 GET /api/v1/markets (a burst of ${sent} with one key) RATE_LIMITED, Retry-After: ${limited.retry}`);
  }
  // Let the buckets refill before the next test talks to the node.
  await waitFor('the rate limit to lift', async () => (await fetch(`${env.restUrl}/api/v1/markets`, { headers: { 'X-API-Key': T3.apiKey } })).status === 200, 30000);

  // 11. Every documented operation answered as documented at least once.
  console.log('\nOperations (statuses seen):');
  for (const op of documented) {
    const entry = coverage.get(op);
    if (!entry || entry.ok.size === 0) fail(op, null, 'no successful request was made');
    const fmt = (s) => [...s].sort().join(',') || '-';
    console.log(`  ${op.padEnd(42)} ok: ${fmt(entry?.ok ?? new Set()).padEnd(8)} errors: ${fmt(entry?.error ?? new Set())}`);
  }
  const statuses = new Set();
  for (const e of coverage.values()) for (const s of [...e.ok, ...e.error]) statuses.add(s);
  console.log(`\n${documented.length} operations, ${checks} checked answers, statuses seen: ${[...statuses].sort().join(', ')}`);
}

try {
  await main();
} catch (e) {
  mismatches.push(`aborted: ${e.stack || e.message}`);
  console.log(`ABORTED: ${e.stack || e.message}`);
}
if (mismatches.length) {
  console.log(`\nFAILED: ${mismatches.length} mismatch(es):`);
  for (const m of mismatches) console.log(`  - ${m}`);
  process.exit(1);
}
console.log('OpenAPI conformance: PASSED');
