// The gRPC API from a client not written in C++: @grpc/grpc-js with
// @grpc/proto-loader loading proto/replex/v1/*.proto, grpc-health-check's
// health service definition, and grpc-js-reflection-client against the
// server's v1alpha reflection service. Proves the protos work for
// integrators in other languages.
//
// Usage: node grpc_client_test.mjs <testnet dir> <proto dir>
// Exits 1 listing every failed check.
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import health from 'grpc-health-check';
import reflection from 'grpc-js-reflection-client';
import { loadTestnet, sleep } from './lib/testnet.mjs';

const [testnetDir, protoDir] = process.argv.slice(2);
if (!testnetDir || !protoDir) {
  console.error('usage: grpc_client_test.mjs <testnet dir> <proto dir>');
  process.exit(2);
}
const env = loadTestnet(testnetDir);
const [T0, T1, T2, T3] = env.traders;
const failures = [];
let passed = 0;

function expect(ok, what) {
  if (ok) {
    passed++;
    console.log(`  ok    ${what}`);
  } else {
    failures.push(what);
    console.log(`  FAIL  ${what}`);
  }
}

const definition = protoLoader.loadSync(
  ['replex/v1/exchange.proto', 'replex/v1/node.proto'],
  { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
);
const loaded = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createInsecure();
const exchange = new loaded.replex.v1.ExchangeService(env.grpc, credentials);
const node = new loaded.replex.v1.NodeService(env.grpc, credentials);
const HealthClient = grpc.makeGenericClientConstructor(health.service, 'Health');
const healthClient = new HealthClient(env.grpc, credentials);

const keyOf = (trader) => {
  const metadata = new grpc.Metadata();
  metadata.set('x-api-key', trader.apiKey);
  return metadata;
};
const deadline = (ms = 20000) => ({ deadline: new Date(Date.now() + ms) });

// A unary call as a promise of {response} or {error}.
function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client[method](request, metadata, deadline(), (error, response) => resolve({ error, response }));
  });
}

async function ok(client, method, request, metadata) {
  const { error, response } = await unary(client, method, request, metadata);
  if (error) {
    expect(false, `${method}: ${grpc.status[error.code]} ${error.details}`);
    throw new Error(`${method} failed`);
  }
  return response;
}

const place = (trader, side, price, quantity, extra = {}) => ok(exchange, 'PlaceOrder', {
  market: 'BTC-USD', side, kind: 'ORDER_KIND_LIMIT', price, quantity, wait_for_commit: true, ...extra,
}, keyOf(trader));

async function main() {
  console.log(`gRPC client test against ${env.grpc} (@grpc/grpc-js with @grpc/proto-loader)`);
  await new Promise((resolve, reject) => exchange.waitForReady(new Date(Date.now() + 10000), (e) => (e ? reject(e) : resolve())));

  // A book without resting orders, whatever ran before.
  for (const trader of env.traders) {
    await ok(exchange, 'CancelAllOrders', { market: 'BTC-USD', wait_for_commit: true }, keyOf(trader));
  }

  const markets = await ok(exchange, 'ListMarkets', {});
  const btc = markets.markets.find((m) => m.symbol === 'BTC-USD');
  expect(btc && btc.price_decimals === 2 && btc.tick_size === '0.01', `ListMarkets: ${markets.markets.length} markets, BTC-USD with tick 0.01`);

  // Two demo accounts cross on BTC-USD.
  const buy = await place(T0, 'ORDER_SIDE_BUY', '50000.00', '0.5', { client_order_id: 'grpc-buy-1' });
  expect(buy.receipt.height !== '0' && buy.receipt.result === 'OK' && buy.order.status === 'ORDER_STATUS_NEW',
    `PlaceOrder (trader0 buy 0.5 @ 50000, wait_for_commit): committed at ${buy.receipt.height}, ${buy.order.status}`);
  const sell = await place(T1, 'ORDER_SIDE_SELL', '50000.00', '0.2');
  expect(sell.order.status === 'ORDER_STATUS_FILLED' && sell.order.fills.length === 1 && sell.order.fills[0].maker === false,
    `PlaceOrder (trader1 sell 0.2 @ 50000): ${sell.order.status}, a taker fill`);

  const got = await ok(exchange, 'GetOrder', { order_id: buy.order.order_id });
  expect(got.order.status === 'ORDER_STATUS_PARTIALLY_FILLED' && got.order.filled_quantity === '0.20000000' &&
    got.order.open_quantity === '0.30000000', `GetOrder ${buy.order.order_id}: ${got.order.status}, filled ${got.order.filled_quantity}`);
  const byClient = await ok(exchange, 'GetOrder', { account: T0.account, client_order_id: 'grpc-buy-1' });
  expect(byClient.order.order_id === buy.order.order_id, 'GetOrder by (account, client_order_id)');

  const book = await ok(exchange, 'GetBook', { market: 'BTC-USD', depth: 5 });
  expect(book.book.bids.length === 1 && book.book.bids[0].price === '50000.00' && book.book.bids[0].quantity === '0.30000000' &&
    book.book.asks.length === 0 && book.book.last_update_id !== '0', `GetBook: bids ${JSON.stringify(book.book.bids)}`);

  const trades = await ok(exchange, 'ListTrades', { market: 'BTC-USD', limit: 10 });
  const first = trades.trades[0];
  expect(first && first.price === '50000.00' && first.quantity === '0.20000000' && first.aggressor === 'ORDER_SIDE_SELL' &&
    first.maker === T0.account && first.taker === T1.account, `ListTrades: newest ${first && `${first.quantity} @ ${first.price}`}`);

  // StreamTrades sees the trade of a third crossing order.
  const stream = exchange.StreamTrades({ market: 'BTC-USD' });
  const streamed = [];
  let streamError = null;
  stream.on('data', (message) => streamed.push(message.trade));
  stream.on('error', (e) => { if (e.code !== grpc.status.CANCELLED) streamError = e; });
  await sleep(500);  // the subscription is made when the call reaches the server
  let third = null;
  for (let attempt = 0; attempt < 3 && !streamed.some((t) => third && t.taker_order_id === third.order.order_id); attempt++) {
    third = await place(T2, 'ORDER_SIDE_SELL', '50000.00', '0.1');
    const until = Date.now() + 5000;
    while (Date.now() < until && !streamed.some((t) => t.taker_order_id === third.order.order_id)) await sleep(50);
  }
  const seen = streamed.find((t) => t.taker_order_id === third.order.order_id);
  expect(seen && seen.quantity === '0.10000000' && seen.taker === T2.account && seen.maker_order_id === buy.order.order_id,
    `StreamTrades: received the trade of trader2's order ${third.order.order_id}${streamError ? ` (stream error ${streamError.details})` : ''}`);
  stream.cancel();

  // Errors and their canonical status codes.
  const missing = await unary(exchange, 'GetOrder', { order_id: '999999999' });
  expect(missing.error && missing.error.code === grpc.status.NOT_FOUND && /^UNKNOWN_ORDER:/.test(missing.error.details),
    `GetOrder of an unknown id: ${missing.error && `${grpc.status[missing.error.code]} (${missing.error.code}) "${missing.error.details}"`}`);
  const invalid = await unary(exchange, 'PlaceOrder', { market: 'BTC-USD', side: 'ORDER_SIDE_BUY', price: '100', quantity: 'abc' }, keyOf(T0));
  expect(invalid.error && invalid.error.code === grpc.status.INVALID_ARGUMENT && /^INVALID_ARGUMENT: quantity/.test(invalid.error.details),
    `PlaceOrder with quantity "abc": ${invalid.error && `${grpc.status[invalid.error.code]} (${invalid.error.code}) "${invalid.error.details}"`}`);
  const noKey = await unary(exchange, 'PlaceOrder', { market: 'BTC-USD', side: 'ORDER_SIDE_BUY', price: '100', quantity: '1' });
  expect(noKey.error && noKey.error.code === grpc.status.UNAUTHENTICATED, `PlaceOrder without x-api-key: ${noKey.error && grpc.status[noKey.error.code]}`);
  const rejected = await unary(exchange, 'PlaceOrder', { market: 'BTC-USD', side: 'ORDER_SIDE_BUY', price: '100', quantity: '0.00001' }, keyOf(T0));
  expect(rejected.error && rejected.error.code === grpc.status.FAILED_PRECONDITION && /^QUANTITY_NOT_ON_LOT:/.test(rejected.error.details),
    `PlaceOrder off the lot: ${rejected.error && grpc.status[rejected.error.code]}`);

  // NodeService.
  const status = await ok(node, 'GetStatus', {});
  expect(status.chain_id === env.chainId && Number(status.height) >= Number(third.receipt.height) && status.validator_count === 1,
    `NodeService.GetStatus: chain ${status.chain_id}, height ${status.height}, mode ${status.mode}`);

  // grpc.health.v1.
  for (const service of ['', 'replex.v1.ExchangeService', 'replex.v1.NodeService']) {
    const { error, response } = await unary(healthClient, 'check', { service });
    expect(!error && response.status === 'SERVING', `grpc.health.v1 Check "${service}": ${error ? error.details : response.status}`);
  }
  const unknown = await unary(healthClient, 'check', { service: 'no.such.Service' });
  expect(unknown.error && unknown.error.code === grpc.status.NOT_FOUND, 'grpc.health.v1 Check of an unknown service: NOT_FOUND');

  // Server reflection (grpc.reflection.v1alpha).
  const reflect = new reflection.GrpcReflection(env.grpc, credentials, {}, 'v1alpha');
  const services = await reflect.listServices();
  expect(services.includes('replex.v1.ExchangeService') && services.includes('replex.v1.NodeService'),
    `reflection v1alpha ListServices: ${services.join(', ')}`);
  const methods = (await reflect.listMethods('replex.v1.ExchangeService')).map((m) => m.name);
  expect(['PlaceOrder', 'GetBook', 'StreamTrades'].every((m) => methods.includes(m)),
    `reflection: replex.v1.ExchangeService has ${methods.length} methods (${methods.slice(0, 4).join(', ')}, ...)`);

  // Leave the book as it was found.
  for (const trader of [T0, T1, T2, T3]) {
    await ok(exchange, 'CancelAllOrders', { wait_for_commit: true }, keyOf(trader));
  }
}

try {
  await main();
} catch (e) {
  failures.push(`aborted: ${e.stack || e.message}`);
  console.log(`ABORTED: ${e.stack || e.message}`);
}
exchange.close();
node.close();
healthClient.close();
console.log(`\ngRPC client test: ${passed} passed, ${failures.length} failed`);
if (failures.length) {
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
process.exit(0);
