// Private to client: CPU time of local processes over one phase of a
// benchmark (from /proc), so `replex bench` can print what a node spent per
// committed order, apart from the bench client and from other processes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace replex::client {

// CPU seconds (user + system) a process has used so far; nullopt when unreadable.
std::optional<double> process_cpu_s(int pid);

// What one phase cost in CPU: the node processes', this client's, and the
// whole machine's, so a run can tell when other processes took cores.
struct CpuUse {
  double seconds = 0;  // wall clock
  std::vector<int> pids;
  std::vector<std::optional<double>> nodes;  // CPU seconds per pid
  double client = 0;
  std::optional<double> machine;

  double node(std::size_t i) const { return nodes[i].value_or(0); }
  // Cores busy with processes other than the nodes and this client.
  std::optional<double> others_cores() const;
  // "machine 1.9 cores busy: pid 31225 1.20, this client 0.20, other processes 0.50"
  std::string describe() const;
  // "pid 31225 416 us, ... this client 82 us" per unit of work.
  std::string per(double units) const;
};

class CpuMeter {
 public:
  explicit CpuMeter(const std::vector<int>& pids);
  CpuUse stop() const;

 private:
  std::vector<int> pids_;
  std::chrono::steady_clock::time_point start_;
  double self_start_ = 0;
  std::optional<double> machine_start_;
  std::vector<std::optional<double>> nodes_start_;
};

// The pids in DIR/*/replex.pid (what `make run` writes beside each node's
// home), in the order of the folder names; empty when there are none.
std::vector<int> testnet_node_pids(const std::string& testnet_dir);

}  // namespace replex::client
