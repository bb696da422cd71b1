// replex.v1.NodeService against a real in-process single-validator node on
// free loopback ports: submit, wait for commit, status, blocks, streams,
// health, and the errors a client can meet.
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <spdlog/spdlog.h>

#include <future>
#include <thread>
#include <vector>

#include "node_harness.hpp"
#include "replex/consensus/state_transfer.hpp"
#include "replex/core/tx_envelope.hpp"

namespace replex::node {
namespace {

using testing::NodeHarness;

class NodeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    ASSERT_TRUE(harness_.start().is_ok());
  }
  NodeHarness harness_;
};

std::string hash_bytes(const Bytes& tx) { return std::string(as_chars(tx_hash(tx).view())); }

TEST_F(NodeServiceTest, SubmitWaitsForCommitAndTheBlockHoldsTheTransaction) {
  const Bytes tx = harness_.limit_buy(0, 1);
  v1::SubmitTransactionResponse response;
  const grpc::Status s = harness_.submit(tx, true, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.tx_hash(), hash_bytes(tx));
  ASSERT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
  EXPECT_GE(response.commit().height(), 1u);
  EXPECT_EQ(response.commit().result_code(), 0u);
  EXPECT_EQ(response.commit().result(), "OK");

  grpc::ClientContext context;
  v1::GetBlockRequest request;
  request.set_height(response.commit().height());
  v1::GetBlockResponse block;
  ASSERT_TRUE(harness_.stub().GetBlock(&context, request, &block).ok());
  EXPECT_EQ(block.block().height(), response.commit().height());
  ASSERT_GT(block.block().transactions_size(), static_cast<int>(response.commit().index()));
  EXPECT_EQ(block.block().transactions(static_cast<int>(response.commit().index())), std::string(as_chars(tx)));
  EXPECT_EQ(block.block().results(static_cast<int>(response.commit().index())).result(), "OK");

  // Finality is verifiable offline from the genesis validator set.
  const auto validators = harness_.node().genesis().validator_set().value();
  const consensus::Config c = harness_.node().genesis().consensus_config({});
  consensus::ChainContext chain{validators, harness_.node().genesis().chain_id(),
                                consensus::BlockLimits{c.max_block_txs, c.max_block_bytes, c.max_tx_bytes},
                                c.checkpoint_interval};
  const std::string& b = block.block().block_bytes();
  const std::string& cert = block.block().certificate();
  auto verified = consensus::verify_certified_block(
      consensus::CertifiedBlockBytes{Bytes(b.begin(), b.end()), Bytes(cert.begin(), cert.end())}, chain);
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(std::string(as_chars(verified->block_hash.view())), block.block().block_hash());
}

TEST_F(NodeServiceTest, ReadViewsShowTheBookAndTheAccountAfterTheBlock) {
  const auto before = harness_.node().views().chain()->accounts.find(harness_.trader(0).public_key());
  ASSERT_NE(before, nullptr) << "every genesis account has a view from the start";
  std::uint64_t locked_before = 0;
  for (const auto& balance : before->balances) locked_before += balance.locked;
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness_.submit(harness_.limit_buy(0, 31), true, &response).ok());
  // The view is published before commit waiters are answered.
  const auto chain = harness_.node().views().chain();
  EXPECT_GE(chain->height, response.commit().height());
  const auto account = chain->accounts.find(harness_.trader(0).public_key());
  ASSERT_NE(account, nullptr);
  std::uint64_t locked = 0;
  for (const auto& balance : account->balances) locked += balance.locked;
  EXPECT_GT(locked, locked_before) << "the resting buy locks quote";
  std::uint64_t still_locked = 0;
  for (const auto& balance : before->balances) still_locked += balance.locked;
  EXPECT_EQ(still_locked, locked_before) << "an older view never changes";
  // Markets in symbol order: BTC-USD, BTC-USDT, ETH-USDT.
  ASSERT_EQ(chain->markets[1].symbol, "BTC-USDT");
  ASSERT_EQ(chain->markets[1].depth.bids.size(), 1u);
  EXPECT_EQ(chain->markets[1].depth.bids[0].price, 10'000u);
}

TEST_F(NodeServiceTest, StatusReportsTheChainAndTheNode) {
  v1::SubmitTransactionResponse committed;
  ASSERT_TRUE(harness_.submit(harness_.limit_buy(1, 7), true, &committed).ok());
  grpc::ClientContext context;
  v1::GetStatusResponse status;
  ASSERT_TRUE(harness_.stub().GetStatus(&context, v1::GetStatusRequest{}, &status).ok());
  EXPECT_EQ(status.chain_id(), "replex-testnet");
  EXPECT_EQ(status.mode(), v1::NODE_MODE_VALIDATOR);
  EXPECT_EQ(status.validator_count(), 1u);
  ASSERT_TRUE(status.has_validator_index());
  EXPECT_EQ(status.validator_index(), 0u);
  EXPECT_GE(status.height(), committed.commit().height());
  EXPECT_GE(status.committed_height(), status.height());
  EXPECT_EQ(status.app_hash().size(), 32u);
  EXPECT_EQ(status.primary(), 0u);
  EXPECT_EQ(status.node_id(), std::string(as_chars(from_hex(harness_.node().node_id_hex()).value())));
  EXPECT_EQ(status.grpc_listen(), "127.0.0.1:" + std::to_string(harness_.node().grpc_port()));
}

TEST_F(NodeServiceTest, SubmitWithoutWaitAnswersAccepted) {
  const Bytes tx = harness_.limit_buy(0, 2);
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness_.submit(tx, false, &response).ok());
  EXPECT_TRUE(response.status() == v1::SUBMIT_STATUS_ACCEPTED) << response.status();
  // Waiting afterwards finds it committed (or in the mempool: DUPLICATE, then the commit).
  v1::SubmitTransactionResponse again;
  ASSERT_TRUE(harness_.submit(tx, true, &again).ok());
  EXPECT_EQ(again.status(), v1::SUBMIT_STATUS_COMMITTED);
}

TEST_F(NodeServiceTest, InvalidTransactionsNameTheReason) {
  Bytes tx = harness_.limit_buy(0, 3);
  tx[tx.size() - 1] ^= 0x01;  // the signature is the envelope's last field
  v1::SubmitTransactionResponse response;
  grpc::Status s = harness_.submit(tx, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("BAD_SIGNATURE"), std::string::npos) << s.error_message();

  s = harness_.submit(Bytes{1, 2, 3}, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("BAD_ENCODING"), std::string::npos) << s.error_message();

  // A committed nonce cannot be used again.
  const Bytes first = harness_.limit_buy(1, 11);
  ASSERT_TRUE(harness_.submit(first, true, &response).ok());
  exchange::PlaceOrderArgs args;
  args.market = "BTC-USDT";
  args.side = exchange::Side::kSell;
  args.price = 20'000;
  args.quantity = 10'000;
  const Bytes replay = harness_.builder().place_order(harness_.trader(1), exchange::TxHeader{11, 900}, args);
  s = harness_.submit(replay, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("DUPLICATE_NONCE"), std::string::npos) << s.error_message();
}

TEST_F(NodeServiceTest, GetBlockOfAMissingHeightIsNotFound) {
  grpc::ClientContext context;
  v1::GetBlockRequest request;
  request.set_height(1'000'000);
  v1::GetBlockResponse response;
  EXPECT_EQ(harness_.stub().GetBlock(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(NodeServiceTest, StreamBlocksSendsHeightsInOrderThenLive) {
  v1::SubmitTransactionResponse first;
  ASSERT_TRUE(harness_.submit(harness_.limit_buy(0, 21), true, &first).ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamBlocksRequest request;
  request.set_from_height(1);
  auto reader = harness_.stub().StreamBlocks(&context, request);
  // A later block arrives live while the stream is open.
  auto later = std::async(std::launch::async, [&] {
    v1::SubmitTransactionResponse r;
    return harness_.submit(harness_.limit_buy(0, 22), true, &r).ok() ? r.commit().height() : 0;
  });
  const std::uint64_t later_height = later.get();
  ASSERT_GT(later_height, first.commit().height());
  v1::StreamBlocksResponse message;
  std::uint64_t expected = 1;
  while (expected <= later_height && reader->Read(&message)) {
    EXPECT_EQ(message.block().height(), expected);
    ++expected;
  }
  EXPECT_EQ(expected, later_height + 1);
  context.TryCancel();
  reader->Finish();
}

// Calls `method` with raw protobuf bytes (the test has no generated client classes
// for the health and reflection protos) and returns the raw answer.
grpc::Status raw_call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::string& request_bytes, std::string* response_bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status s = done.get_future().get();
  if (!s.ok()) return s;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return {grpc::StatusCode::INTERNAL, "cannot read the answer"};
  for (const auto& piece : slices) response_bytes->append(reinterpret_cast<const char*>(piece.begin()), piece.size());
  return s;
}

TEST_F(NodeServiceTest, HealthServiceReportsServing) {
  // grpc.health.v1.HealthCheckRequest{service: "replex.v1.NodeService"}.
  const std::string service = "replex.v1.NodeService";
  std::string request = {0x0a, static_cast<char>(service.size())};
  request += service;
  std::string response;
  const grpc::Status s = raw_call(harness_.channel(), "/grpc.health.v1.Health/Check", request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response, std::string({0x08, 0x01}));  // status: SERVING
}

TEST_F(NodeServiceTest, ReflectionListsTheService) {
  // grpc.reflection.v1alpha.ServerReflectionRequest{list_services: "*"}: one
  // request and one answer over the bidirectional stream, which is what grpcurl's `list` does.
  const std::string request = {0x3a, 0x01, '*'};
  std::string response;
  const grpc::Status s = raw_call(harness_.channel(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                  request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(response.find("replex.v1.NodeService"), std::string::npos);
  EXPECT_NE(response.find("grpc.health.v1.Health"), std::string::npos);
}

TEST(NodeServiceLimits, FullMempoolAnswersResourceExhaustedWithMempoolFull) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness([](config::NodeConfig& c) {
    c.consensus.local.max_mempool_txs = 1;
    c.consensus.local.max_block_delay_ms = 60'000;  // nothing is cut while the test runs
  });
  ASSERT_TRUE(harness.start().is_ok());
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness.submit(harness.limit_buy(0, 1), false, &response).ok());
  const grpc::Status s = harness.submit(harness.limit_buy(0, 2), false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("MEMPOOL_FULL"), std::string::npos) << s.error_message();
}

TEST(NodeServiceLimits, WaitForCommitIsBoundedByTheTimeout) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness([](config::NodeConfig& c) { c.consensus.local.max_block_delay_ms = 60'000; });
  ASSERT_TRUE(harness.start().is_ok());
  v1::SubmitTransactionResponse response;
  const grpc::Status s = harness.submit(harness.limit_buy(0, 1), true, &response, 300);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
}

TEST(NodeServiceLimits, WaitingSubmissionsHoldNoServerThread) {
  spdlog::set_level(spdlog::level::warn);
  constexpr std::uint32_t kThreads = 70;
  constexpr int kWaiting = 150;  // more than the server has threads
  NodeHarness harness([](config::NodeConfig& c) {
    c.api.max_threads = kThreads;
    c.api.max_pending_submissions = 2 * kWaiting;
    c.consensus.local.max_block_delay_ms = 2'000;  // they all wait together
  });
  ASSERT_TRUE(harness.start().is_ok());
  std::vector<grpc::Status> results(kWaiting);
  std::vector<v1::SubmitTransactionResponse> responses(kWaiting);
  std::vector<std::thread> clients;
  for (int i = 0; i < kWaiting; ++i) {
    clients.emplace_back([&, i] {
      results[i] = harness.submit(harness.limit_buy(0, 1'000 + static_cast<std::uint64_t>(i)), true, &responses[i]);
    });
  }
  for (auto& client : clients) client.join();
  for (int i = 0; i < kWaiting; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error_message();
    EXPECT_EQ(responses[i].status(), v1::SUBMIT_STATUS_COMMITTED) << i;
  }
}

TEST_F(NodeServiceTest, ResubmittingACommittedTransactionSaysWhereItCommitted) {
  const Bytes tx = harness_.limit_buy(0, 7);
  v1::SubmitTransactionResponse first;
  ASSERT_TRUE(harness_.submit(tx, true, &first).ok());
  ASSERT_EQ(first.status(), v1::SUBMIT_STATUS_COMMITTED);
  v1::SubmitTransactionResponse again;
  const grpc::Status s = harness_.submit(tx, true, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.status(), v1::SUBMIT_STATUS_COMMITTED);
  EXPECT_EQ(again.commit().height(), first.commit().height());
  EXPECT_EQ(again.commit().index(), first.commit().index());
}

grpc::Status submit_batch(NodeHarness& harness, const std::vector<Bytes>& txs, bool wait,
                          v1::SubmitTransactionsResponse* response, std::uint32_t timeout_ms = 0) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::SubmitTransactionsRequest request;
  for (const Bytes& tx : txs) request.add_transactions(std::string(as_chars(tx)));
  request.set_wait_for_commit(wait);
  request.set_timeout_ms(timeout_ms);
  return harness.stub().SubmitTransactions(&context, request, response);
}

TEST_F(NodeServiceTest, ABatchGetsOneResultPerTransactionInOrder) {
  Bytes bad_signature = harness_.limit_buy(0, 31);
  bad_signature[bad_signature.size() - 1] ^= 0x01;
  const std::vector<Bytes> txs = {harness_.limit_buy(0, 30), bad_signature, Bytes{1, 2, 3},
                                  harness_.limit_buy(1, 30), harness_.limit_buy(0, 30)};
  v1::SubmitTransactionsResponse response;
  const grpc::Status s = submit_batch(harness_, txs, true, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.results_size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(response.results(i).tx_hash(), hash_bytes(txs[static_cast<std::size_t>(i)]));
  for (int i : {0, 3}) {
    EXPECT_EQ(response.results(i).status(), v1::SUBMIT_STATUS_COMMITTED) << i;
    EXPECT_EQ(response.results(i).commit().result(), "OK") << i;
    EXPECT_EQ(response.results(i).error_code(), 0u) << i;
  }
  const auto refused = [&](int i, std::string_view reason) {
    EXPECT_EQ(response.results(i).status(), v1::SUBMIT_STATUS_UNSPECIFIED) << i;
    EXPECT_EQ(response.results(i).error_code(), static_cast<std::uint32_t>(grpc::StatusCode::INVALID_ARGUMENT)) << i;
    EXPECT_NE(response.results(i).error().find(reason), std::string::npos) << i << ": " << response.results(i).error();
  };
  refused(1, "BAD_SIGNATURE");
  refused(2, "BAD_ENCODING");
  // The same nonce of the same account twice in one batch: the second is a duplicate.
  EXPECT_EQ(response.results(4).status(), v1::SUBMIT_STATUS_COMMITTED);
  EXPECT_EQ(response.results(4).commit().height(), response.results(0).commit().height());
}

TEST_F(NodeServiceTest, ABatchWithoutWaitAnswersAtAdmission) {
  std::vector<Bytes> txs;
  for (std::uint64_t nonce = 40; nonce < 50; ++nonce) txs.push_back(harness_.limit_buy(0, nonce));
  v1::SubmitTransactionsResponse response;
  ASSERT_TRUE(submit_batch(harness_, txs, false, &response).ok());
  ASSERT_EQ(response.results_size(), 10);
  for (const auto& result : response.results()) EXPECT_EQ(result.status(), v1::SUBMIT_STATUS_ACCEPTED);
  // A later batch that waits commits after them (nonces count up).
  std::vector<Bytes> later;
  for (std::uint64_t nonce = 50; nonce < 60; ++nonce) later.push_back(harness_.limit_buy(0, nonce));
  v1::SubmitTransactionsResponse committed;
  ASSERT_TRUE(submit_batch(harness_, later, true, &committed).ok());
  for (const auto& result : committed.results()) {
    EXPECT_EQ(result.status(), v1::SUBMIT_STATUS_COMMITTED) << result.error();
  }
}

TEST(NodeServiceLimits, BatchesAreBoundedByMaxSubmitBatchAndPendingSubmissions) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness([](config::NodeConfig& c) {
    c.api.max_submit_batch = 4;
    c.api.max_pending_submissions = 3;
    c.consensus.local.max_block_delay_ms = 60'000;
  });
  ASSERT_TRUE(harness.start().is_ok());
  v1::SubmitTransactionsResponse response;
  grpc::Status s = submit_batch(harness, {}, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("max_submit_batch"), std::string::npos) << s.error_message();
  std::vector<Bytes> five;
  for (std::uint64_t nonce = 1; nonce <= 5; ++nonce) five.push_back(harness.limit_buy(0, nonce));
  s = submit_batch(harness, five, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("5 in the batch; 1..4"), std::string::npos) << s.error_message();
  five.pop_back();
  s = submit_batch(harness, five, false, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("max_pending_submissions = 3"), std::string::npos) << s.error_message();
  five.pop_back();
  ASSERT_TRUE(submit_batch(harness, five, false, &response).ok());
  EXPECT_EQ(response.results_size(), 3);
}

TEST(NodeServiceLimits, ABatchWaitingPastItsTimeoutReportsEachTransaction) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness([](config::NodeConfig& c) { c.consensus.local.max_block_delay_ms = 60'000; });
  ASSERT_TRUE(harness.start().is_ok());
  v1::SubmitTransactionsResponse response;
  const grpc::Status s =
      submit_batch(harness, {harness.limit_buy(0, 1), harness.limit_buy(1, 1)}, true, &response, 300);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.results_size(), 2);
  for (const auto& result : response.results()) {
    EXPECT_EQ(result.error_code(), static_cast<std::uint32_t>(grpc::StatusCode::DEADLINE_EXCEEDED));
    EXPECT_NE(result.error().find("not committed within 300 ms"), std::string::npos) << result.error();
  }
}

}  // namespace
}  // namespace replex::node
