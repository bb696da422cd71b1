#include "connection.hpp"

#include <algorithm>
#include <vector>

namespace replex::p2p {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Frames gathered into one write call.
constexpr std::size_t kMaxFramesPerWrite = 64;
// A read buffer grown by a large frame is released afterwards, so idle peers
// that once sent a block do not pin max_frame_bytes each.
constexpr std::size_t kKeptReadBufferBytes = 64 * 1024;

Status io_status(std::string_view what, const error_code& ec) {
  if (ec == asio::error::eof) return Status::io_error(std::string(what) + ": connection closed by the peer");
  return Status::io_error(std::string(what) + ": " + ec.message());
}

}  // namespace

std::string ip_text(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  const std::string ip = ip_text(endpoint.address());
  const bool v6 = ip.find(':') != std::string::npos;
  return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(endpoint.port());
}

Connection::Connection(ConnectionOwner& owner, const NetworkConfig& config, ConnectionId id,
                       tcp::socket socket, Direction direction, DialOrigin origin,
                       std::uint16_t local_listen_port)
    : owner_(owner),
      config_(config),
      id_(id),
      socket_(std::move(socket)),
      direction_(direction),
      origin_(std::move(origin)),
      handshake_(
          std::make_unique<Handshake>(direction == Direction::kOutbound ? Role::kInitiator : Role::kResponder,
                                      *config.node_key, config.chain_id, local_listen_port)),
      handshake_timer_(socket_.get_executor()),
      heartbeat_timer_(socket_.get_executor()),
      last_received_(Clock::now()),
      recv_bytes_(config.recv_rate_bytes_per_s, config.recv_burst_bytes, Clock::now()),
      recv_messages_(config.recv_rate_messages_per_s, config.recv_burst_messages, Clock::now()) {
  REPLEX_ASSERT(id_ != 0);
  error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (ec) {
    remote_address_ = "unknown";
  } else {
    remote_address_ = endpoint_text(remote);
    remote_ip_ = ip_text(remote.address());
  }
  socket_.set_option(tcp::no_delay(true), ec);  // latency matters more than packet count
}

const NodeId& Connection::peer_id() const {
  REPLEX_ASSERT_MSG(peer_id_, "peer_id before the Hello arrived");
  return *peer_id_;
}

std::string Connection::peer_listen_address() const {
  if (peer_listen_port_ == 0 || remote_ip_.empty()) return {};
  const bool v6 = remote_ip_.find(':') != std::string::npos;
  return (v6 ? "[" + remote_ip_ + "]" : remote_ip_) + ":" + std::to_string(peer_listen_port_);
}

void Connection::start() {
  handshake_timer_.expires_after(std::chrono::milliseconds(config_.handshake_timeout_ms));
  handshake_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->state_ != State::kHandshaking) return;
    self->close(Status::deadline_exceeded("handshake: not completed within handshake_timeout_ms (" +
                                          std::to_string(self->config_.handshake_timeout_ms) + ")"),
                CloseKind::kNormal);
  });
  enqueue(handshake_->local_hello());
  read_hello();
}

void Connection::read_hello() {
  read_buffer_.resize(kHelloBytes);
  asio::async_read(socket_, asio::buffer(read_buffer_),
                   [self = shared_from_this()](const error_code& ec, std::size_t n) {
                     if (self->is_closed()) return;
                     if (ec)
                       return self->close(io_status("handshake: reading hello", ec), CloseKind::kNormal);
                     self->counters_->bytes_in += n;
                     self->on_hello(self->read_buffer_);
                   });
}

void Connection::on_hello(ByteView bytes) {
  if (Status s = handshake_->receive_hello(bytes); !s) return close(s, CloseKind::kNormal);
  const Hello& hello = handshake_->remote_hello();
  peer_id_ = hello.identity;
  peer_listen_port_ = hello.listen_port;
  if (Status s = owner_.on_hello(*this, hello); !s) return close(s, CloseKind::kNormal);
  const Signature auth = handshake_->local_auth();
  enqueue(Bytes(auth.bytes.begin(), auth.bytes.end()));
  read_auth();
}

void Connection::read_auth() {
  read_buffer_.resize(kAuthBytes);
  asio::async_read(socket_, asio::buffer(read_buffer_),
                   [self = shared_from_this()](const error_code& ec, std::size_t n) {
                     if (self->is_closed()) return;
                     if (ec) return self->close(io_status("handshake: reading auth", ec), CloseKind::kNormal);
                     self->counters_->bytes_in += n;
                     self->on_auth(self->read_buffer_);
                   });
}

void Connection::on_auth(ByteView bytes) {
  if (Status s = handshake_->receive_auth(bytes); !s) return close(s, CloseKind::kNormal);
  SessionKeys keys = handshake_->take_keys();
  sealer_.emplace(std::move(keys.send));
  opener_.emplace(std::move(keys.receive));
  handshake_.reset();
  if (Status s = owner_.on_authenticated(*this); !s) return close(s, CloseKind::kNormal);
  state_ = State::kActive;
  handshake_timer_.cancel();
  active_since_ = Clock::now();
  active_since_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  last_received_ = active_since_;
  schedule_ping();
  read_frame_header();
  owner_.on_active(*this);
}

void Connection::read_frame_header() {
  asio::async_read(socket_, asio::buffer(frame_header_),
                   [self = shared_from_this()](const error_code& ec, std::size_t) {
                     if (self->is_closed()) return;
                     if (ec) return self->close(io_status("reading frame", ec), CloseKind::kNormal);
                     self->on_frame_header();
                   });
}

void Connection::on_frame_header() {
  auto length = decode_frame_length(frame_header_, config_.max_frame_bytes);
  if (!length) return close(length.status(), CloseKind::kMisbehaved);
  const Clock::time_point now = Clock::now();
  const std::uint64_t wire_bytes = kFrameHeaderBytes + std::uint64_t{*length};
  if (!recv_bytes_.try_take(wire_bytes, now)) {
    return close(Status::resource_exhausted("rate limit: over recv_rate_bytes_per_s (" +
                                            std::to_string(config_.recv_rate_bytes_per_s) + ", burst " +
                                            std::to_string(config_.recv_burst_bytes) + ")"),
                 CloseKind::kMisbehaved);
  }
  if (!recv_messages_.try_take(1, now)) {
    return close(Status::resource_exhausted("rate limit: over recv_rate_messages_per_s (" +
                                            std::to_string(config_.recv_rate_messages_per_s) + ", burst " +
                                            std::to_string(config_.recv_burst_messages) + ")"),
                 CloseKind::kMisbehaved);
  }
  read_buffer_.resize(*length);
  asio::async_read(socket_, asio::buffer(read_buffer_),
                   [self = shared_from_this()](const error_code& ec, std::size_t n) {
                     if (self->is_closed()) return;
                     if (ec) return self->close(io_status("reading frame body", ec), CloseKind::kNormal);
                     self->counters_->bytes_in += kFrameHeaderBytes + n;
                     self->on_frame_body();
                   });
}

void Connection::on_frame_body() {
  auto plaintext = opener_->open(frame_header_, read_buffer_);
  if (read_buffer_.capacity() > kKeptReadBufferBytes) Bytes().swap(read_buffer_);
  if (!plaintext) return close(plaintext.status(), CloseKind::kMisbehaved);
  auto message = decode_message(std::move(plaintext).value());
  if (!message) return close(message.status(), CloseKind::kMisbehaved);
  last_received_ = Clock::now();
  ++counters_->messages_in;
  if (const auto* ping = std::get_if<Ping>(&*message)) {
    send(Pong{ping->nonce});
  } else if (!std::holds_alternative<Pong>(*message)) {
    owner_.on_message(*this, std::move(message).value());
  }
  if (is_active()) read_frame_header();
}

void Connection::schedule_ping() {
  heartbeat_timer_.expires_after(std::chrono::milliseconds(config_.ping_interval_ms));
  heartbeat_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || !self->is_active()) return;
    const auto silent =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - self->last_received_);
    if (silent.count() >= self->config_.pong_timeout_ms) {
      return self->close(Status::deadline_exceeded("heartbeat: nothing received for " +
                                                   std::to_string(silent.count()) + " ms (pong_timeout_ms " +
                                                   std::to_string(self->config_.pong_timeout_ms) + ")"),
                         CloseKind::kSilent);
    }
    if (self->send(Ping{++self->ping_nonce_})) self->schedule_ping();
  });
}

bool Connection::send_encoded(ByteView plaintext) {
  if (state_ != State::kActive) return false;
  REPLEX_ASSERT_MSG(plaintext.size() + kFrameTagBytes <= config_.max_frame_bytes,
                    "message over max_frame_bytes; callers check max_payload_bytes");
  enqueue(sealer_->seal(plaintext));
  if (is_closed()) return false;
  ++counters_->messages_out;
  return true;
}

void Connection::enqueue(Bytes wire_bytes) {
  if (queued_bytes_ + wire_bytes.size() > config_.max_send_queue_bytes) {
    return close(Status::resource_exhausted(
                     "send queue: " + std::to_string(queued_bytes_) + " bytes waiting, a frame of " +
                     std::to_string(wire_bytes.size()) + " would exceed max_send_queue_bytes (" +
                     std::to_string(config_.max_send_queue_bytes) + ")"),
                 CloseKind::kSlow);
  }
  queued_bytes_ += wire_bytes.size();
  send_queue_.push_back(std::move(wire_bytes));
  write_some();
}

void Connection::write_some() {
  if (frames_in_write_ > 0 || send_queue_.empty() || is_closed()) return;
  std::vector<asio::const_buffer> buffers;
  frames_in_write_ = std::min(send_queue_.size(), kMaxFramesPerWrite);
  buffers.reserve(frames_in_write_);
  for (std::size_t i = 0; i < frames_in_write_; ++i) buffers.push_back(asio::buffer(send_queue_[i]));
  asio::async_write(socket_, buffers, [self = shared_from_this()](const error_code& ec, std::size_t n) {
    if (self->is_closed()) return;
    if (ec) return self->close(io_status("writing", ec), CloseKind::kNormal);
    std::size_t written = 0;
    for (std::size_t i = 0; i < self->frames_in_write_; ++i) {
      written += self->send_queue_.front().size();
      self->send_queue_.pop_front();
    }
    REPLEX_ASSERT(written == n && written <= self->queued_bytes_);
    self->queued_bytes_ -= written;
    self->counters_->bytes_out += written;
    self->frames_in_write_ = 0;
    self->write_some();
  });
}

void Connection::close(const Status& reason, CloseKind kind) {
  if (state_ == State::kClosed) return;
  REPLEX_ASSERT(!reason.is_ok());
  auto self = shared_from_this();  // the owner may drop its reference in on_closed
  const bool was_active = state_ == State::kActive;
  state_ = State::kClosed;
  handshake_timer_.cancel();
  heartbeat_timer_.cancel();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // The send queue stays until destruction: an aborted write may still refer to it.
  owner_.on_closed(*this, reason, kind, was_active);
}

}  // namespace replex::p2p
