// The `replex` binary: one executable for every role (docs/node.md).
#include "replex/node/cli.hpp"

int main(int argc, char** argv) { return replex::node::run_cli(argc, argv); }
