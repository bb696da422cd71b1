// Runs Foundry's `cast` (from npm, node_modules/.bin/cast) offline to produce
// reference vectors at test time. Tests that need it skip, saying why, only
// when the binary is missing (scripts/bootstrap installs it).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

#include "replex/core/bytes.hpp"

namespace replex::settlement::testing {

inline std::string cast_path() { return std::string(REPLEX_SOURCE_DIR) + "/node_modules/.bin/cast"; }

inline bool have_cast() { return ::access(cast_path().c_str(), X_OK) == 0; }

#define REPLEX_REQUIRE_CAST()                                                                  \
  do {                                                                                         \
    if (!::replex::settlement::testing::have_cast()) {                                         \
      GTEST_SKIP() << "cast is missing at " << ::replex::settlement::testing::cast_path()      \
                   << "; scripts/bootstrap installs it (npm @foundry-rs/cast-linux-amd64)";   \
    }                                                                                          \
  } while (0)

// One argument for /bin/sh, single-quoted.
inline std::string sh_quote(std::string_view arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += "'";
  return out;
}

// Runs `cast args...` with no RPC endpoint in its environment and returns its
// stdout without the trailing newline; a non-zero exit fails the test with stderr.
inline std::string cast(std::initializer_list<std::string_view> args) {
  char err_path[] = "/tmp/replex-cast-stderr-XXXXXX";
  const int err_fd = ::mkstemp(err_path);
  if (err_fd < 0) {
    ADD_FAILURE() << "mkstemp failed";
    return {};
  }
  ::close(err_fd);
  // Appends rather than "literal" + string: GCC 12 warns falsely (-Wrestrict) on the latter.
  std::string command = "env -u ETH_RPC_URL ";
  command += sh_quote(cast_path());
  for (std::string_view a : args) {
    command += ' ';
    command += sh_quote(a);
  }
  command += " 2>";
  command += sh_quote(err_path);

  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    std::filesystem::remove(err_path);
    return {};
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  std::stringstream err;
  err << std::ifstream(err_path).rdbuf();
  std::filesystem::remove(err_path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "cast failed (status " << status << "): " << command << "\n" << err.str();
    return {};
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

inline std::string hex0x(ByteView b) { return "0x" + to_hex(b); }

}  // namespace replex::settlement::testing
