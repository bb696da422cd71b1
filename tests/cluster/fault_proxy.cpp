#include "fault_proxy.hpp"

#include <array>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "replex/core/assert.hpp"

// GCC 12 reports -Wnull-dereference inside Asio's scheduler when it inlines
// it (a false positive; src/p2p/asio.hpp does the same).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#pragma GCC diagnostic pop

namespace replex::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;

struct Link;

// One accepted connection and, when forwarding, its upstream connection.
// Lives on the proxy thread; kept alive by its pending handlers and its link.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Link& link, tcp::socket client, bool forwarding)
      : link_(link), client_(std::move(client)), upstream_(client_.get_executor()), forwarding_(forwarding) {}

  void start(std::uint16_t target_port);
  // Stops forwarding: from now on bytes are read and discarded both ways.
  void drop() { forwarding_ = false; }
  bool forwarding() const { return forwarding_; }
  void close();

 private:
  using Buffer = std::array<std::uint8_t, kBufferBytes>;
  void pump(tcp::socket& from, tcp::socket& to, Buffer& buffer);

  Link& link_;
  tcp::socket client_;
  tcp::socket upstream_;
  Buffer to_upstream_{};
  Buffer to_client_{};
  bool forwarding_;
  bool closed_ = false;
};

struct Link {
  Link(asio::io_context& io, std::string link_name, std::uint16_t target)
      : name(std::move(link_name)), target_port(target), acceptor(io) {}

  const std::string name;
  const std::uint16_t target_port;
  tcp::acceptor acceptor;
  std::uint16_t listen_port = 0;
  FaultProxy::Mode mode = FaultProxy::Mode::kForward;  // proxy thread only
  std::set<std::shared_ptr<Session>> sessions;         // proxy thread only
  std::atomic<std::uint64_t> accepted{0};
};

void Session::start(std::uint16_t target_port) {
  auto self = shared_from_this();
  if (!forwarding_) {
    // Accepted while the link drops: read and discard, never connect upstream.
    pump(client_, upstream_, to_upstream_);
    return;
  }
  upstream_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), target_port),
                          [self](const error_code& ec) {
                            if (ec || self->closed_) {
                              self->close();
                              return;
                            }
                            self->pump(self->client_, self->upstream_, self->to_upstream_);
                            self->pump(self->upstream_, self->client_, self->to_client_);
                          });
}

void Session::pump(tcp::socket& from, tcp::socket& to, Buffer& buffer) {
  auto self = shared_from_this();
  from.async_read_some(asio::buffer(buffer), [self, &from, &to, &buffer](const error_code& ec, std::size_t n) {
    if (ec || self->closed_) {
      self->close();
      return;
    }
    if (!self->forwarding_) {
      self->pump(from, to, buffer);
      return;
    }
    asio::async_write(to, asio::buffer(buffer.data(), n), [self, &from, &to, &buffer](const error_code& wec, std::size_t) {
      if (wec || self->closed_) {
        self->close();
        return;
      }
      self->pump(from, to, buffer);
    });
  });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  client_.shutdown(tcp::socket::shutdown_both, ignored);
  client_.close(ignored);
  upstream_.shutdown(tcp::socket::shutdown_both, ignored);
  upstream_.close(ignored);
  link_.sessions.erase(shared_from_this());
}

}  // namespace

class FaultProxy::Impl {
 public:
  Impl() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

  ~Impl() {
    run_on_proxy_thread([this] {
      std::lock_guard lock(links_mutex_);
      for (auto& link : links_) {
        error_code ignored;
        link->acceptor.close(ignored);
        close_sessions(*link, [](const Session&) { return true; });
      }
    });
    work_.reset();
    thread_.join();
  }

  Result<LinkId> add_link(std::string name, std::uint16_t target_port) {
    Result<LinkId> result = Status::internal("not run");
    run_on_proxy_thread([&] {
      auto link = std::make_unique<Link>(io_, std::move(name), target_port);
      error_code ec;
      const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
      link->acceptor.open(endpoint.protocol(), ec);
      if (!ec) link->acceptor.bind(endpoint, ec);
      if (!ec) link->acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (!ec) link->listen_port = link->acceptor.local_endpoint(ec).port();
      if (ec) {
        result = Status::io_error("proxy link " + link->name + ": listen: " + ec.message());
        return;
      }
      accept(*link);
      std::lock_guard lock(links_mutex_);
      links_.push_back(std::move(link));
      result = links_.size() - 1;
    });
    return result;
  }

  Link& link(LinkId id) const {
    std::lock_guard lock(links_mutex_);
    REPLEX_ASSERT_MSG(id < links_.size(), "unknown proxy link " + std::to_string(id));
    return *links_[id];
  }

  void set_mode(LinkId id, Mode mode) {
    Link& l = link(id);
    run_on_proxy_thread([&l, mode] {
      l.mode = mode;
      switch (mode) {
        case Mode::kForward:
          // Streams that lost bytes cannot resume: their peers reconnect.
          close_sessions(l, [](const Session& s) { return !s.forwarding(); });
          break;
        case Mode::kDrop:
          for (const auto& session : l.sessions) session->drop();
          break;
        case Mode::kClose:
          close_sessions(l, [](const Session&) { return true; });
          break;
      }
    });
  }

 private:
  template <typename Fn>
  void run_on_proxy_thread(Fn fn) {
    REPLEX_ASSERT(std::this_thread::get_id() != thread_.get_id());
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  template <typename Pred>
  static void close_sessions(Link& l, Pred pred) {
    std::vector<std::shared_ptr<Session>> doomed;
    for (const auto& session : l.sessions) {
      if (pred(*session)) doomed.push_back(session);
    }
    for (const auto& session : doomed) session->close();
  }

  void accept(Link& l) {
    l.acceptor.async_accept([this, &l](const error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) return;
      if (!ec) {
        l.accepted.fetch_add(1, std::memory_order_relaxed);
        if (l.mode == Mode::kClose) {
          error_code ignored;
          socket.close(ignored);
        } else {
          auto session = std::make_shared<Session>(l, std::move(socket), l.mode == Mode::kForward);
          l.sessions.insert(session);
          session->start(l.target_port);
        }
      }
      accept(l);
    });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  mutable std::mutex links_mutex_;
  std::vector<std::unique_ptr<Link>> links_;  // guarded by links_mutex_; entries never removed
  std::thread thread_;
};

FaultProxy::FaultProxy() : impl_(std::make_unique<Impl>()) {}
FaultProxy::~FaultProxy() = default;

Result<FaultProxy::LinkId> FaultProxy::add_link(std::string name, std::uint16_t target_port) {
  return impl_->add_link(std::move(name), target_port);
}
std::uint16_t FaultProxy::listen_port(LinkId link) const { return impl_->link(link).listen_port; }
void FaultProxy::set_mode(LinkId link, Mode mode) { impl_->set_mode(link, mode); }
std::uint64_t FaultProxy::accepted(LinkId link) const {
  return impl_->link(link).accepted.load(std::memory_order_relaxed);
}

}  // namespace replex::cluster
