// The `replex` command line (CLI11): testnet, init, start, keys, status,
// config check, bench, apikey, and trading (order, book, trades, balances).
// Exit codes: 0 success, 1 failure (the reason is printed), 2 bad usage.
// Reference: docs/node.md, "Command line".
#pragma once

namespace replex::cli {

int run_cli(int argc, char** argv);

}  // namespace replex::cli
