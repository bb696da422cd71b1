// replex-sim: runs one seeded simulation and prints its summary; exit code 1
// when an invariant failed. Usage: replex-sim --help.
#include <cstdio>
#include <string>
#include <vector>

#include "sim/simulator.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(replex::sim::sim_usage().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  auto options = replex::sim::parse_sim_args(args);
  if (!options.is_ok()) {
    std::fprintf(stderr, "replex-sim: %s\n%s", options.status().message().c_str(),
                 replex::sim::sim_usage().c_str());
    return 2;
  }
  replex::sim::install_replay_on_abort();
  const replex::sim::SimReport report = replex::sim::run_simulation(replex::sim::resolve(*options));
  std::fputs(report.summary().c_str(), stdout);
  return report.status.is_ok() ? 0 : 1;
}
