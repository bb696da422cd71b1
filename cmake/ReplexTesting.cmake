# Test code compiles at -O1 in optimized builds: a third less compile time than
# -O3 and fast enough to run. The code under test (the module libraries, the
# simulator library) keeps the build type's flags.
function(replex_test_code_optimization target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release,RelWithDebInfo>:-O1>)
endfunction()

# replex_add_test(<name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>] [TIMEOUT <s>] [RUN_SERIAL])
# A GoogleTest executable whose tests CTest lists one by one, so the closing
# summary counts every test that ran. Discovery happens before the tests run,
# not at build time, to keep builds fast. RUN_SERIAL: each test runs with
# nothing else beside it (multi-process clusters that measure what load costs).
function(replex_add_test name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  replex_set_warnings(${name})
  replex_test_code_optimization(${name})
  # Unity batches of 8 files: the test files share gtest, gRPC and JSON
  # headers and their instantiations, compiled once per batch instead of per file.
  set_target_properties(${name} PROPERTIES UNITY_BUILD ${REPLEX_UNITY_BUILD} UNITY_BUILD_BATCH_SIZE 8)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set(serial FALSE)
  if(ARG_RUN_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} RUN_SERIAL ${serial})
endfunction()

# replex_add_bench(<name> SOURCES <files...> LIBS <targets...>): a Google
# Benchmark executable, run by `make bench`, never by `make test`.
function(replex_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} benchmark::benchmark)
  replex_set_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY REPLEX_BENCHMARKS ${name})
endfunction()
