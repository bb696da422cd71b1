#include "event_loop.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "replex/core/assert.hpp"

namespace replex::node {

EventLoop::EventLoop(std::string name) : name_(std::move(name)), work_(io_.get_executor()) {}

EventLoop::~EventLoop() { stop(); }

void EventLoop::start() {
  REPLEX_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    try {
      io_.run();
    } catch (const std::exception& e) {
      // A handler that throws is a bug in the node; do not limp on half-wired.
      REPLEX_ASSERT_MSG(false, name_ + ": handler threw: " + e.what());
    }
  });
}

void EventLoop::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

void EventLoop::stop() {
  io_.stop();
  join();
}

void EventLoop::drain() {
  work_.reset();
  join();
}

void EventLoop::join() {
  if (!thread_.joinable()) return;
  REPLEX_ASSERT_MSG(!in_loop_thread(), name_ + ": stopped from its own thread");
  thread_.join();
}

}  // namespace replex::node
