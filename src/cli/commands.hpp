// The command groups of `replex` beyond the node's own (cli.cpp): trading
// over gRPC (`order`, `book`, `trades`, `balances`) and the custodial
// API keys of a node home (`apikey`). Each registers its subcommands on
// `app` and stores its exit code in `code` (0 ok, 1 failure) when it runs.
#pragma once

#include <CLI/CLI.hpp>

namespace replex::cli {

void add_trading_commands(CLI::App& app, int& code);
void add_apikey_commands(CLI::App& app, int& code);

}  // namespace replex::cli
