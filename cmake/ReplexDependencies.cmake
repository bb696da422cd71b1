# Every dependency comes from a Debian package (see scripts/bootstrap).
# Packages that ship a CMake config are found directly; the rest through the
# small Find modules beside this file, which wrap pkg-config.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(Sodium REQUIRED)
find_package(Secp256k1 REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(CryptoPP REQUIRED)
# https:// for settlement's JSON-RPC client, when OpenSSL is there.
find_package(OpenSSL)
if(OPENSSL_FOUND)
  set(REPLEX_SETTLEMENT_TLS 1)
else()
  set(REPLEX_SETTLEMENT_TLS 0)
  message(STATUS "settlement: OpenSSL not found, the JSON-RPC client speaks http:// only")
endif()

find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

if(REPLEX_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(REPLEX_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
