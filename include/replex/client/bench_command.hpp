// `replex bench`: signed crossing orders over gRPC into a running cluster at
// a given rate; prints committed orders/s, submit-to-commit latency and the
// machine's Ed25519 verification rate (docs/PERFORMANCE.md, "End to end").
// With --api, --book-queries or --ws-subscribers: order entry into one node
// over each of its APIs, book queries, and WebSocket book fan-out
// (docs/PERFORMANCE.md, "Gateway").
#pragma once

#include <CLI/CLI.hpp>

namespace replex::client {

// Registers the subcommand; its callback stores the exit code in `code`.
void add_bench_command(CLI::App& app, int& code);

}  // namespace replex::client
