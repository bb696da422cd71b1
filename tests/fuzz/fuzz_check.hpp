// What every fuzz target uses: FUZZ_CHECK(cond, what) aborts with a message
// when a property of the decoder does not hold, so libFuzzer records the
// input as a crash (docs/fuzzing.md). Unlike REPLEX_ASSERT it names the
// target's property, not an invariant of the code under test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, what)                                                            \
  do {                                                                                    \
    if (!(cond)) [[unlikely]] {                                                           \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #cond, std::string(what).c_str());                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
