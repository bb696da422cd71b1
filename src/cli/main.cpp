// The `replex` binary: one executable for every role (docs/node.md).
#include "cli.hpp"

int main(int argc, char** argv) { return replex::cli::run_cli(argc, argv); }
