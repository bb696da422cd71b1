// SynchronizedApplication: blocks executed on one thread while another runs
// check_tx and verify_tx, as the node's execution and consensus threads do.
#include "replex/host/synchronized_application.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

TEST(SynchronizedApplication, ExecutionAndAdmissionOnTwoThreadsGiveTheSameState) {
  ChainFixture fixture;
  std::vector<consensus::CertifiedBlock> blocks;
  for (int i = 0; i < 20; ++i) blocks.push_back(fixture.next_block(fixture.orders(20)));
  const std::vector<Bytes> probes = fixture.orders(50);

  auto reference = genesis_app();
  for (const consensus::CertifiedBlock& b : blocks) {
    (void)reference->execute_block({b.height(), b.block->header.time_ms}, b.block->txs);
  }

  auto inner = genesis_app();
  SynchronizedApplication app(*inner);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> checks{0};
  std::thread admission([&] {
    while (!done.load()) {
      for (const Bytes& tx : probes) {
        const std::uint64_t height = app.last_height() + 1;
        EXPECT_TRUE(app.verify_tx(tx).ok());
        const abci::TxCheck check = app.check_tx(tx, height);
        EXPECT_FALSE(app.reason_name(check.code).empty());
        checks.fetch_add(1);
      }
    }
  });
  // Interleave: each block waits until admission has run once more.
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    while (checks.load() <= i) std::this_thread::yield();
    const consensus::CertifiedBlock& b = blocks[i];
    (void)app.execute_block({b.height(), b.block->header.time_ms}, b.block->txs);
  }
  done.store(true);
  admission.join();

  EXPECT_GE(checks.load(), blocks.size());
  EXPECT_EQ(app.last_height(), 20u);
  EXPECT_EQ(app.app_hash(), reference->app_hash());
  EXPECT_EQ(app.state_digest(), reference->state_digest());
  {
    const auto lock = app.lock_shared();
    EXPECT_TRUE(inner->check_invariants().is_ok());
  }
  // restore goes through the wrapper too.
  ASSERT_TRUE(app.restore(reference->snapshot()).is_ok());
  EXPECT_EQ(app.snapshot(), reference->snapshot());
}

}  // namespace
}  // namespace replex::host::testing
