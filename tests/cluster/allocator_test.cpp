// The `replex` binary allocates with jemalloc (REPLEX_JEMALLOC, on by
// default; docs/PERFORMANCE.md): a running node has libjemalloc mapped, so
// the link was not dropped. Skipped in a build with REPLEX_JEMALLOC off, and
// when REPLEX_CLUSTER_BINARY names another binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

TEST(ClusterAllocator, ANodeRunsOnJemalloc) {
  if (!REPLEX_JEMALLOC_LINKED) GTEST_SKIP() << "built with REPLEX_JEMALLOC=OFF";
  // Another binary under test (cluster.hpp) was not necessarily built so.
  if (std::getenv("REPLEX_CLUSTER_BINARY") != nullptr) GTEST_SKIP() << "REPLEX_CLUSTER_BINARY is set";
  auto cluster = Cluster::create({.validators = 1});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  std::ifstream maps("/proc/" + std::to_string(c.pid(0)) + "/maps");
  ASSERT_TRUE(maps.good());
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_NE(text.str().find("libjemalloc"), std::string::npos) << text.str().substr(0, 4000);
}

}  // namespace
}  // namespace replex::cluster
