// Invariant assertions that stay on in release builds.
//
// A broken invariant is a bug, not an expected failure: it prints the
// condition, the location and a message with the values, then aborts. Use
// Status for anything an input or a peer can cause.
#pragma once

#include <string_view>

namespace replex::detail {
[[noreturn]] void assert_fail(const char* condition, const char* file, int line,
                              std::string_view message);
}  // namespace replex::detail

#define REPLEX_ASSERT(cond)                                                  \
  do {                                                                       \
    if (!(cond)) [[unlikely]]                                                \
      ::replex::detail::assert_fail(#cond, __FILE__, __LINE__, {});          \
  } while (0)

// `msg` is evaluated only on failure; it may be any std::string_view-convertible expression.
#define REPLEX_ASSERT_MSG(cond, msg)                                         \
  do {                                                                       \
    if (!(cond)) [[unlikely]]                                                \
      ::replex::detail::assert_fail(#cond, __FILE__, __LINE__, (msg));       \
  } while (0)
