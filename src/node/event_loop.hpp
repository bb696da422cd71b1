// EventLoop: one named thread running an io_context; work is posted to it
// and runs there one handler at a time, in posting order.
//
// post() is thread-safe. stop() drops handlers not yet run; drain() lets
// every handler posted so far (and those they post) finish first. Either is
// idempotent; the loop's thread is joined before they return. Neither may be
// called from the loop's own thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "replex/p2p/asio.hpp"

namespace replex::node {

class EventLoop {
 public:
  explicit EventLoop(std::string name);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();
  void post(std::function<void()> fn);
  void stop();
  void drain();
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
  boost::asio::io_context& context() { return io_; }

 private:
  void join();

  std::string name_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace replex::node
