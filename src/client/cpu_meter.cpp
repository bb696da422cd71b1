#include "cpu_meter.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace replex::client {
namespace {

using Clock = std::chrono::steady_clock;

double self_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds every core has spent busy (not idle, not waiting for I/O), from /proc/stat.
std::optional<double> machine_busy_s() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") {
    return std::nullopt;
  }
  return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<double> process_cpu_s(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // Fields after the command name (which may hold spaces) in parentheses.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<double> CpuUse::others_cores() const {
  if (!machine) return std::nullopt;
  double known = client;
  for (const auto& n : nodes) known += n.value_or(0);
  return std::max(0.0, *machine - known) / seconds;
}

std::string CpuUse::describe() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  if (machine) out << "machine " << *machine / seconds << " cores busy: ";
  for (std::size_t i = 0; i < pids.size(); ++i) {
    out << "pid " << pids[i] << " ";
    if (nodes[i]) {
      out << *nodes[i] / seconds;
    } else {
      out << "?";
    }
    out << ", ";
  }
  out << "this client " << client / seconds;
  if (const auto others = others_cores()) out << ", other processes " << *others;
  return out.str();
}

std::string CpuUse::per(double units) const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(0);
  const double n = std::max(1.0, units);
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (nodes[i]) out << "pid " << pids[i] << " " << *nodes[i] * 1e6 / n << " us, ";
  }
  out << "this client " << client * 1e6 / n << " us";
  return out.str();
}

CpuMeter::CpuMeter(const std::vector<int>& pids)
    : pids_(pids), start_(Clock::now()), self_start_(self_cpu_s()), machine_start_(machine_busy_s()) {
  for (const int pid : pids_) nodes_start_.push_back(process_cpu_s(pid));
}

CpuUse CpuMeter::stop() const {
  CpuUse use;
  use.seconds = std::max(1e-3, std::chrono::duration<double>(Clock::now() - start_).count());
  use.pids = pids_;
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    const auto now = process_cpu_s(pids_[i]);
    use.nodes.push_back(now && nodes_start_[i] ? std::optional(*now - *nodes_start_[i]) : std::nullopt);
  }
  use.client = self_cpu_s() - self_start_;
  const auto machine_now = machine_busy_s();
  if (machine_now && machine_start_) use.machine = *machine_now - *machine_start_;
  return use;
}

std::vector<int> testnet_node_pids(const std::string& testnet_dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(testnet_dir, ec)) {
    const auto file = entry.path() / "replex.pid";
    if (std::filesystem::is_regular_file(file, ec)) files.push_back(file);
  }
  std::sort(files.begin(), files.end());
  std::vector<int> pids;
  for (const auto& file : files) {
    std::ifstream in(file);
    int pid = 0;
    // A pid file left by a stopped node names no process (or another one's).
    if (in >> pid && pid > 0 && process_cpu_s(pid)) pids.push_back(pid);
  }
  return pids;
}

}  // namespace replex::client
