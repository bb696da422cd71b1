#include "replex/p2p/node_key_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace replex::p2p {
namespace {

// A fresh directory, removed with everything in it when the test ends.
class NodeKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/replex-p2p-key-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(std::string_view name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(NodeKeyFile, WritesMode0600AndReadsBack) {
  const KeyPair key = KeyPair::from_label("node-0");
  ASSERT_TRUE(write_node_key_file(path("node_key"), key).is_ok());
  struct stat st {};
  ASSERT_EQ(stat(path("node_key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto read = read_node_key_file(path("node_key"));
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read->public_key(), key.public_key());
  std::ifstream in(path("node_key"));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, to_hex(key.seed()));
}

TEST_F(NodeKeyFile, NeverOverwrites) {
  ASSERT_TRUE(write_node_key_file(path("k"), KeyPair::from_label("a")).is_ok());
  EXPECT_EQ(write_node_key_file(path("k"), KeyPair::from_label("b")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(read_node_key_file(path("k"))->public_key(), KeyPair::from_label("a").public_key());
}

TEST_F(NodeKeyFile, RefusesLooseModeMissingAndJunk) {
  ASSERT_TRUE(write_node_key_file(path("k"), KeyPair::from_label("a")).is_ok());
  ASSERT_EQ(chmod(path("k").c_str(), 0644), 0);
  const auto loose = read_node_key_file(path("k"));
  EXPECT_EQ(loose.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(loose.status().message().find("0644"), std::string::npos);

  EXPECT_EQ(read_node_key_file(path("missing")).status().code(), StatusCode::kNotFound);

  {
    std::ofstream out(path("junk"));
    out << "not hex at all\n";
  }
  ASSERT_EQ(chmod(path("junk").c_str(), 0600), 0);
  EXPECT_EQ(read_node_key_file(path("junk")).status().code(), StatusCode::kCorruption);
}

TEST_F(NodeKeyFile, LoadOrCreateIsStable) {
  auto first = load_or_create_node_key_file(path("node_key"));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = load_or_create_node_key_file(path("node_key"));
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first->public_key(), second->public_key());
}

}  // namespace
}  // namespace replex::p2p
