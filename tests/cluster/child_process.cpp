#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace replex::cluster {
namespace {

constexpr std::chrono::milliseconds kPollInterval{20};

// In the child between fork and exec only async-signal-safe calls are allowed.
[[noreturn]] void exec_child(char* const* argv, const char* log_path, pid_t parent) {
  // Dies with the test process (the kernel sends SIGKILL when the forking
  // thread exits); a parent that already died before this line is caught below.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  const int fd = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) ::_exit(125);
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  // The test process holds sockets (the proxy's, gRPC's) that Asio and gRPC
  // may not open with O_CLOEXEC. A node must not keep them alive: a
  // connection the proxy closes has to close for its peer too.
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
    for (int i = 3; i < 65536; ++i) ::close(i);
  }
  ::execv(argv[0], argv);
  ::_exit(127);
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return Status::invalid_argument("spawn: empty argv");
  // Everything the child needs is prepared before fork: no allocation after it.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Status::io_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(args.data(), log_path.c_str(), parent);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), exit_code_(other.exit_code_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill(); }

void ChildProcess::reaped(int wait_status) {
  exit_code_ = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -WTERMSIG(wait_status);
}

bool ChildProcess::running() {
  if (pid_ < 0 || exit_code_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped(status);
    return false;
  }
  return r == 0;
}

void ChildProcess::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped(status);
}

Result<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::deadline_exceeded("pid " + std::to_string(pid_) + " still running after " +
                                       std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (!exit_code_) return Status::failed_precondition("no child process");
  return *exit_code_;
}

Result<int> ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (running()) ::kill(pid_, SIGTERM);
  auto code = wait(timeout);
  if (!code) {
    kill();
    return code.status();
  }
  return code;
}

Result<int> run_to_completion(const std::vector<std::string>& argv, const std::string& log_path,
                              std::chrono::milliseconds timeout) {
  REPLEX_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::spawn(argv, log_path));
  return child.wait(timeout);
}

}  // namespace replex::cluster
