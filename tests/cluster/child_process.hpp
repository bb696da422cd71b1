// ChildProcess: one program started with fork/exec for the cluster tests,
// its standard output and error appended to a log file. The child is
// SIGKILLed when this object is destroyed, and by the kernel if the test
// process dies first (PR_SET_PDEATHSIG), so no node outlives its test.
// Create, signal and destroy from one thread (the test's): the death signal
// is tied to the thread that forked. Move-only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/status.hpp"

namespace replex::cluster {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`; output goes to `log_path` (appended).
  static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const std::string& log_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kill()

  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool running();
  // The exit code once it exited normally, -signal if a signal ended it.
  std::optional<int> exit_code() const { return exit_code_; }

  // SIGKILL and reap. Idempotent.
  void kill();
  // SIGTERM, then waits up to `timeout`; kills it after that. The exit code,
  // or kDeadlineExceeded when it had to be killed.
  Result<int> terminate(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the child to exit on its own.
  Result<int> wait(std::chrono::milliseconds timeout);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void reaped(int wait_status);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a program to completion (output to `log_path`); its exit code.
Result<int> run_to_completion(const std::vector<std::string>& argv, const std::string& log_path,
                              std::chrono::milliseconds timeout);

}  // namespace replex::cluster
