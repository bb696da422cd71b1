#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "replex/config/key_file.hpp"
#include "support/temp_dir.hpp"

namespace replex::config {
namespace {

using replex::testing::TempDir;

TEST(KeyFile, WritesMode0600AndReadsBack) {
  TempDir dir;
  const std::string path = dir.file("validator.hex");
  const KeyPair key = KeyPair::from_label("validator");
  ASSERT_TRUE(write_key_file(path, key, "validator key").is_ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = read_key_file(path, "validator key");
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read->public_key(), key.public_key());
}

TEST(KeyFile, NeverOverwrites) {
  TempDir dir;
  const std::string path = dir.file("k.hex");
  ASSERT_TRUE(write_key_file(path, KeyPair::from_label("a"), "key").is_ok());
  const Status again = write_key_file(path, KeyPair::from_label("b"), "key");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(read_key_file(path, "key")->public_key(), KeyPair::from_label("a").public_key());
}

TEST(KeyFile, RefusesFilesOthersCanRead) {
  TempDir dir;
  const std::string path = dir.file("k.hex");
  ASSERT_TRUE(write_key_file(path, KeyPair::from_label("a"), "validator key").is_ok());
  for (const mode_t mode : {0640, 0604, 0660, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto read = read_key_file(path, "validator key");
    ASSERT_FALSE(read.is_ok());
    EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(read.status().message().find("validator key file has mode"), std::string::npos)
        << read.status().message();
    EXPECT_NE(read.status().message().find("chmod 600"), std::string::npos);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(read_key_file(path, "validator key").is_ok());
}

TEST(KeyFile, RefusesMissingAndMalformedFiles) {
  TempDir dir;
  EXPECT_EQ(read_key_file(dir.file("absent"), "key").status().code(), StatusCode::kNotFound);
  const std::string path = dir.file("bad.hex");
  {
    std::ofstream out(path);
    out << "not hex at all\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto read = read_key_file(path, "key");
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find("64 hex digits"), std::string::npos);
}

TEST(KeyFile, LoadOrCreateCreatesOnceThenReads) {
  TempDir dir;
  const std::string path = dir.file("node_key.hex");
  auto first = load_or_create_key_file(path, "node key");
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = load_or_create_key_file(path, "node key");
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(first->public_key(), second->public_key());
  // A broken file is reported, never silently replaced.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(load_or_create_key_file(path, "node key").status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace replex::config
