#include "connection.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace replex::p2p {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Frames gathered into one write call.
constexpr std::size_t kMaxFramesPerWrite = 64;
// One read takes up to this much (many small frames at once); a buffer grown
// for a larger frame shrinks back to it, so idle peers that once sent a block
// do not pin max_frame_bytes each.
constexpr std::size_t kReadBufferBytes = 64 * 1024;

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
  handshake_buffer_.resize(kHelloBytes);
  asio::async_read(socket_, asio::buffer(handshake_buffer_),
                   [self = shared_from_this()](const error_code& ec, std::size_t n) {
                     if (self->is_closed()) return;
                     if (ec)
                       return self->close(io_status("handshake: reading hello", ec), CloseKind::kNormal);
                     self->counters_->bytes_in += n;
                     self->on_hello(self->handshake_buffer_);
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
  handshake_buffer_.resize(kAuthBytes);
  asio::async_read(socket_, asio::buffer(handshake_buffer_),
                   [self = shared_from_this()](const error_code& ec, std::size_t n) {
                     if (self->is_closed()) return;
                     if (ec) return self->close(io_status("handshake: reading auth", ec), CloseKind::kNormal);
                     self->counters_->bytes_in += n;
                     self->on_auth(self->handshake_buffer_);
                   });
}

void Connection::on_auth(ByteView bytes) {
  if (Status s = handshake_->receive_auth(bytes); !s) return close(s, CloseKind::kNormal);
  SessionKeys keys = handshake_->take_keys();
  sealer_.emplace(std::move(keys.send));
  opener_.emplace(std::move(keys.receive));
  handshake_.reset();
  Bytes().swap(handshake_buffer_);
  if (Status s = owner_.on_authenticated(*this); !s) return close(s, CloseKind::kNormal);
  state_ = State::kActive;
  handshake_timer_.cancel();
  active_since_ = Clock::now();
  active_since_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  last_received_ = active_since_;
  schedule_ping();
  read_frames();
  owner_.on_active(*this);
}

void Connection::read_frames() {
  // The unhandled tail moves to the front; the buffer holds at least the
  // pending frame and shrinks back once no large frame needs it.
  const std::size_t held = rx_end_ - rx_begin_;
  if (rx_begin_ > 0) {
    std::memmove(rx_.data(), rx_.data() + rx_begin_, held);
    rx_begin_ = 0;
    rx_end_ = held;
  }
  const std::size_t want =
      std::max(kReadBufferBytes, rx_frame_length_ ? kFrameHeaderBytes + *rx_frame_length_ : std::size_t{0});
  if (rx_.size() < want) {
    rx_.resize(want);
  } else if (rx_.size() > want) {
    Bytes smaller(want);
    std::copy_n(rx_.begin(), held, smaller.begin());
    rx_.swap(smaller);
  }
  socket_.async_read_some(asio::buffer(rx_.data() + rx_end_, rx_.size() - rx_end_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            if (self->is_closed()) return;
                            if (ec) return self->close(io_status("reading frame", ec), CloseKind::kNormal);
                            self->counters_->bytes_in += n;
                            ++self->counters_->reads_in;
                            self->rx_end_ += n;
                            self->on_bytes_read();
                          });
}

void Connection::on_bytes_read() {
  while (is_active()) {
    const std::size_t held = rx_end_ - rx_begin_;
    if (!rx_frame_length_) {
      if (held < kFrameHeaderBytes) break;
      if (!accept_frame_header(ByteView(rx_.data() + rx_begin_, kFrameHeaderBytes))) return;
    }
    const std::size_t frame_bytes = kFrameHeaderBytes + *rx_frame_length_;
    if (held < frame_bytes) break;
    const std::uint8_t* frame = rx_.data() + rx_begin_;
    rx_begin_ += frame_bytes;
    rx_frame_length_.reset();
    // rx_ is not touched again until read_frames, so the views stay valid.
    on_frame(ByteView(frame, kFrameHeaderBytes), ByteView(frame + kFrameHeaderBytes, frame_bytes - kFrameHeaderBytes));
  }
  if (is_active()) read_frames();
}

bool Connection::accept_frame_header(ByteView header) {
  auto length = decode_frame_length(header, config_.max_frame_bytes);
  if (!length) {
    close(length.status(), CloseKind::kMisbehaved);
    return false;
  }
  const Clock::time_point now = Clock::now();
  const std::uint64_t wire_bytes = kFrameHeaderBytes + std::uint64_t{*length};
  if (!recv_bytes_.try_take(wire_bytes, now)) {
    close(Status::resource_exhausted("rate limit: over recv_rate_bytes_per_s (" +
                                     std::to_string(config_.recv_rate_bytes_per_s) + ", burst " +
                                     std::to_string(config_.recv_burst_bytes) + ")"),
          CloseKind::kMisbehaved);
    return false;
  }
  if (!recv_messages_.try_take(1, now)) {
    close(Status::resource_exhausted("rate limit: over recv_rate_messages_per_s (" +
                                     std::to_string(config_.recv_rate_messages_per_s) + ", burst " +
                                     std::to_string(config_.recv_burst_messages) + ")"),
          CloseKind::kMisbehaved);
    return false;
  }
  rx_frame_length_ = *length;
  return true;
}

void Connection::on_frame(ByteView header, ByteView ciphertext) {
  auto plaintext = opener_->open(header, ciphertext);
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
