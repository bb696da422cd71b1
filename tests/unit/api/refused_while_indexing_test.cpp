// A waiting submission refused for a used nonce while the execution thread is
// between applying a block to the state and indexing its transactions: the
// gateway (gRPC and REST, over a real RocksDB store and real sockets) answers
// only once the index is written, with the commit if the block holds the
// transaction, else with the refusal. The test plays the execution thread;
// its submitter refuses every transaction, as the mempool does once the
// state holds the nonce.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "replex/api/commit_waiters.hpp"
#include "replex/api/gateway.hpp"
#include "replex/api/read_views.hpp"
#include "replex/api/tx_submitter.hpp"
#include "replex/config/key_file.hpp"
#include "replex/config/node_config.hpp"
#include "replex/config/testnet.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/storage/rocks_store.hpp"
#include "replex/v1/node.grpc.pb.h"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace replex::api {
namespace {

using nlohmann::json;
using replex::testing::HttpAnswer;
using replex::testing::http_request;

// Refuses every transaction (DUPLICATE_NONCE unless told otherwise) and
// counts its verdicts.
class RefusingSubmitter final : public TxSubmitter {
 public:
  using TxSubmitter::submit;
  void submit(std::vector<Submission> batch) override {
    for (Submission& s : batch) {
      s.done(consensus::TxStatusReport{tx_hash(s.tx), consensus::TxVerdict::kRejected, exchange::code(reason),
                                       "refused"});
      std::lock_guard lock(mutex_);
      ++verdicts_;
      changed_.notify_all();
    }
  }
  std::atomic<exchange::Reason> reason = exchange::Reason::kDuplicateNonce;

  void wait_for_verdicts(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return verdicts_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t verdicts_ = 0;
};

class RefusedWhileIndexing : public ::testing::Test {
 protected:
  void SetUp() override {
    config::TestnetOptions options;
    options.validators = 1;
    options.accounts = 1;
    options.out_dir = dir_.file("net");
    auto layout = config::generate_testnet(options);
    ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
    genesis_ = layout->genesis;
    home_ = layout->nodes[0].home;
    trader_ = config::read_key_file(layout->account_key_files[0], "account key").value();
    auto node_config = config::load_node_config(home_ + "/config.yaml");
    ASSERT_TRUE(node_config.is_ok()) << node_config.status().to_string();
    api_ = node_config->api;
    api_.grpc_listen = "127.0.0.1:0";
    api_.rest_listen = "127.0.0.1:0";
    auto store = storage::RocksStore::open(dir_.file("store"));
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);

    ApiContext context{genesis_, api_, *store_, views_, waiters_, submitter_, nullptr, {}, {}, nullptr};
    auto gateway = Gateway::create(context, home_);
    ASSERT_TRUE(gateway.is_ok()) << gateway.status().to_string();
    gateway_ = std::move(*gateway);
    NodeIdentity identity;
    identity.grpc_listen = api_.grpc_listen;
    ASSERT_TRUE(gateway_->start(identity).is_ok());
    stub_ = v1::NodeService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(gateway_->grpc_port()),
                                                          grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    waiters_.close();
    if (gateway_) {
      gateway_->shutdown();
      gateway_->wait();
    }
  }

  Bytes order(std::uint64_t nonce) const {
    exchange::PlaceOrderArgs args;
    args.market = "BTC-USDT";
    args.side = exchange::Side::kBuy;
    args.price = 10'000;
    args.quantity = 100'000;
    return exchange::TxBuilder(genesis_.chain_id()).place_order(trader_, exchange::TxHeader{nonce, 900}, args);
  }

  // The execution thread's task: the block holding `txs` is
  // indexed, the read model and (when `notify`) the waiters hear of it, the
  // task ends. Without `notify`, as when a call registered its waiter after
  // the block's notification, only the index can answer it.
  enum class Notify : bool { kNo, kYes };
  void index_block_and_finish_task(std::uint64_t height, const std::vector<Hash256>& txs, Notify notify) {
    storage::BlockRecord record;
    record.height = height;
    record.block_hash = sha256("block " + std::to_string(height));
    record.block = {1};
    record.certificate = {1};
    record.tx_hashes = txs;
    record.tx_codes.assign(txs.size(), 0);
    ASSERT_TRUE(store_->put_block(record).is_ok());
    BlockDigest digest;
    digest.summary.height = height;
    digest.summary.block_hash = record.block_hash;
    digest.summary.tx_count = static_cast<std::uint32_t>(txs.size());
    digest.tx_hashes = txs;
    gateway_->feed(std::move(digest));
    if (notify == Notify::kYes) waiters_.notify_block(height, record.tx_hashes, record.tx_codes);
    waiters_.task_done();
  }

  std::future<grpc::Status> submit_and_wait(const Bytes& tx, v1::SubmitTransactionResponse* response,
                                            std::uint32_t timeout_ms = 0) {
    return std::async(std::launch::async, [this, tx, response, timeout_ms] {
      grpc::ClientContext context;
      v1::SubmitTransactionRequest request;
      request.set_transaction(std::string(as_chars(tx)));
      request.set_wait_for_commit(true);
      request.set_timeout_ms(timeout_ms);
      return stub_->SubmitTransaction(&context, request, response);
    });
  }

  std::future<grpc::Status> submit_batch_and_wait(std::vector<Bytes> txs, v1::SubmitTransactionsResponse* response) {
    return std::async(std::launch::async, [this, txs = std::move(txs), response] {
      grpc::ClientContext context;
      v1::SubmitTransactionsRequest request;
      for (const Bytes& tx : txs) request.add_transactions(std::string(as_chars(tx)));
      request.set_wait_for_commit(true);
      return stub_->SubmitTransactions(&context, request, response);
    });
  }

  replex::testing::TempDir dir_;
  config::GenesisFile genesis_;
  std::string home_;
  KeyPair trader_ = KeyPair::from_label("unused");
  config::ApiSection api_;
  std::unique_ptr<storage::Store> store_;
  ReadViews views_;
  CommitWaiters waiters_{64};
  RefusingSubmitter submitter_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
};

template <typename T>
bool answered(std::future<T>& answer) {
  return answer.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready;
}

TEST_F(RefusedWhileIndexing, AWaitingCallWhoseBlockIsNotYetIndexedLearnsTheCommit) {
  for (const Notify notify : {Notify::kYes, Notify::kNo}) {
    const std::uint64_t height = notify == Notify::kYes ? 1 : 2;
    const Bytes tx = order(height);
    waiters_.task_posted();  // the block holding tx is committed, not yet indexed
    v1::SubmitTransactionResponse response;
    auto answer = submit_and_wait(tx, &response);
    submitter_.wait_for_verdicts(height);
    EXPECT_FALSE(answered(answer)) << "refused while the block is committed but not indexed";
    index_block_and_finish_task(height, {tx_hash(tx)}, notify);
    const grpc::Status status = answer.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
    EXPECT_EQ(response.commit().height(), height);
  }
}

TEST_F(RefusedWhileIndexing, ARefusalForANonceAnotherTransactionUsedComesOnceTheBlockIsIndexed) {
  const Bytes tx = order(1);
  waiters_.task_posted();
  v1::SubmitTransactionResponse response;
  auto answer = submit_and_wait(tx, &response);
  submitter_.wait_for_verdicts(1);
  index_block_and_finish_task(1, {tx_hash(order(2))}, Notify::kYes);
  const grpc::Status status = answer.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("DUPLICATE_NONCE"), std::string::npos) << status.error_message();

  // With no block under way the refusal comes at once.
  v1::SubmitTransactionResponse again;
  EXPECT_EQ(submit_and_wait(order(3), &again).get().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RefusedWhileIndexing, ARetryRefusedAsExpiredLearnsTheCommit) {
  // Committed at height 1 with good_til_height 1; admission checks height 2.
  submitter_.reason = exchange::Reason::kExpired;
  const Bytes tx = order(1);
  waiters_.task_posted();
  v1::SubmitTransactionResponse response;
  auto answer = submit_and_wait(tx, &response);
  submitter_.wait_for_verdicts(1);
  EXPECT_FALSE(answered(answer));
  index_block_and_finish_task(1, {tx_hash(tx)}, Notify::kNo);
  const grpc::Status status = answer.get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
}

TEST_F(RefusedWhileIndexing, ADeadlineWhileTheIndexIsAwaitedSaysSo) {
  waiters_.task_posted();  // a block that does not finish before the deadline
  v1::SubmitTransactionResponse response;
  const grpc::Status status = submit_and_wait(order(1), &response, /*timeout_ms=*/200).get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(status.error_message().find("whether an earlier submission of it committed"), std::string::npos)
      << status.error_message();
  waiters_.task_done();
}

TEST_F(RefusedWhileIndexing, OtherRefusalsComeAtOnce) {
  submitter_.reason = exchange::Reason::kGoodTilTooFar;  // a commit cannot be why
  waiters_.task_posted();
  v1::SubmitTransactionResponse response;
  auto answer = submit_and_wait(order(1), &response);
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  const grpc::Status status = answer.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("GOOD_TIL_TOO_FAR"), std::string::npos) << status.error_message();
  waiters_.task_done();
}

TEST_F(RefusedWhileIndexing, ABatchAnswersEachEntryOnceIndexed) {
  const Bytes committed = order(1);
  const Bytes refused = order(2);
  waiters_.task_posted();
  v1::SubmitTransactionsResponse response;
  auto answer = submit_batch_and_wait({committed, refused}, &response);
  submitter_.wait_for_verdicts(2);
  EXPECT_FALSE(answered(answer));
  index_block_and_finish_task(1, {tx_hash(committed)}, Notify::kNo);
  const grpc::Status status = answer.get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).status(), v1::SUBMIT_STATUS_COMMITTED);
  EXPECT_EQ(response.results(0).commit().height(), 1u);
  EXPECT_EQ(response.results(1).status(), v1::SUBMIT_STATUS_UNSPECIFIED);
  EXPECT_NE(response.results(1).error().find("DUPLICATE_NONCE"), std::string::npos) << response.results(1).error();
}

TEST_F(RefusedWhileIndexing, RestLearnsTheCommitToo) {
  for (const Notify notify : {Notify::kYes, Notify::kNo}) {
    const std::uint64_t height = notify == Notify::kYes ? 1 : 2;
    const Bytes tx = order(height);
    waiters_.task_posted();
    auto answer = std::async(std::launch::async, [&] {
      return http_request("127.0.0.1:" + std::to_string(gateway_->rest_port()), "POST",
                          "/api/v1/transactions?wait=commit", json{{"transaction", to_base64(tx)}}.dump());
    });
    submitter_.wait_for_verdicts(height);
    EXPECT_FALSE(answered(answer));
    index_block_and_finish_task(height, {tx_hash(tx)}, notify);
    const HttpAnswer committed = answer.get();
    ASSERT_EQ(committed.status, 200) << committed.body;
    EXPECT_EQ(json::parse(committed.body)["height"], height) << committed.body;
  }
}

// After a failure the execution thread drops the block under way (and every
// later one): the index never learns of them, so a refusal for a used nonce
// cannot be told from a retry of a transaction they committed. gRPC (one
// and batched) and REST say so instead of refusing.
TEST_F(RefusedWhileIndexing, AfterADroppedBlockTheRefusalSaysTheIndexCannotTell) {
  waiters_.task_posted();  // the block that will be dropped
  v1::SubmitTransactionResponse response;
  auto one = submit_and_wait(order(1), &response);
  v1::SubmitTransactionsResponse batch_response;
  auto batch = submit_batch_and_wait({order(2)}, &batch_response);
  auto rest = std::async(std::launch::async, [&] {
    return http_request("127.0.0.1:" + std::to_string(gateway_->rest_port()), "POST",
                        "/api/v1/transactions?wait=commit", json{{"transaction", to_base64(order(3))}}.dump());
  });
  submitter_.wait_for_verdicts(3);
  EXPECT_FALSE(answered(one));
  waiters_.task_dropped();

  const grpc::Status status = one.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("look it up by hash on another node"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("DUPLICATE_NONCE"), std::string::npos) << status.error_message();

  ASSERT_TRUE(batch.get().ok());
  ASSERT_EQ(batch_response.results_size(), 1);
  EXPECT_EQ(batch_response.results(0).error_code(), static_cast<int>(grpc::StatusCode::UNAVAILABLE))
      << batch_response.results(0).error();
  EXPECT_NE(batch_response.results(0).error().find("look it up by hash on another node"), std::string::npos);

  const HttpAnswer refused = rest.get();
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.headers.contains("retry-after")) << "this node stopped: ask another";
  EXPECT_NE(refused.body.find("look it up by hash on another node"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("DUPLICATE_NONCE"), std::string::npos) << refused.body;
}

}  // namespace
}  // namespace replex::api
