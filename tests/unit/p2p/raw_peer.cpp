#include "raw_peer.hpp"

namespace replex::p2p::testing {

namespace asio = boost::asio;
using boost::system::error_code;

RawPeer::RawPeer(std::string_view label, std::string chain_id)
    : key_(KeyPair::from_label(label)), chain_id_(std::move(chain_id)), socket_(io_) {}

void RawPeer::shrink_receive_buffer() {
  error_code ec;
  if (!socket_.is_open()) socket_.open(asio::ip::tcp::v4(), ec);
  socket_.set_option(asio::socket_base::receive_buffer_size(4096), ec);
}

Status RawPeer::connect(std::uint16_t port, const std::string& from_ip) {
  error_code ec;
  if (!socket_.is_open()) socket_.open(asio::ip::tcp::v4(), ec);
  if (!ec) socket_.bind(asio::ip::tcp::endpoint(asio::ip::make_address(from_ip), 0), ec);
  if (ec) return Status::io_error("bind " + from_ip + ": " + ec.message());
  socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return Status::io_error("connect: " + ec.message());
  return Status::ok();
}

Status RawPeer::run_for(std::chrono::milliseconds timeout, bool& done) {
  io_.restart();
  io_.run_for(timeout);
  if (done) return Status::ok();
  error_code ignored;
  socket_.cancel(ignored);
  io_.restart();
  io_.run();  // lets the cancelled operation complete
  return Status::deadline_exceeded("raw peer: no data within " + std::to_string(timeout.count()) + " ms");
}

Status RawPeer::send_raw(ByteView bytes) {
  error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) return Status::io_error("write: " + ec.message());
  return Status::ok();
}

Result<Bytes> RawPeer::read_exact(std::size_t n, std::chrono::milliseconds timeout) {
  Bytes out(n);
  bool done = false;
  error_code result;
  asio::async_read(socket_, asio::buffer(out), [&](const error_code& ec, std::size_t) {
    done = true;
    result = ec;
  });
  REPLEX_RETURN_IF_ERROR(run_for(timeout, done));
  if (result) return Status::io_error("read: " + result.message());
  return out;
}

Status RawPeer::handshake() {
  Handshake hs(Role::kInitiator, key_, chain_id_, 0);
  REPLEX_RETURN_IF_ERROR(send_raw(hs.local_hello()));
  REPLEX_ASSIGN_OR_RETURN(Bytes hello, read_exact(kHelloBytes, std::chrono::seconds(10)));
  REPLEX_RETURN_IF_ERROR(hs.receive_hello(hello));
  const Signature auth = hs.local_auth();
  REPLEX_RETURN_IF_ERROR(send_raw(auth.view()));
  REPLEX_ASSIGN_OR_RETURN(Bytes remote_auth, read_exact(kAuthBytes, std::chrono::seconds(10)));
  REPLEX_RETURN_IF_ERROR(hs.receive_auth(remote_auth));
  SessionKeys keys = hs.take_keys();
  sealer_.emplace(std::move(keys.send));
  opener_.emplace(std::move(keys.receive));
  return Status::ok();
}

Status RawPeer::send_message(const Message& message, bool tamper) {
  Bytes frame = sealer_->seal(encode_message(message));
  if (tamper) frame[kFrameHeaderBytes + 2] ^= 0x01;
  return send_raw(frame);
}

Result<Message> RawPeer::read_message(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::deadline_exceeded("raw peer: no message in time");
    REPLEX_ASSIGN_OR_RETURN(Bytes header, read_exact(kFrameHeaderBytes, left));
    REPLEX_ASSIGN_OR_RETURN(std::uint32_t length, decode_frame_length(header, kMaxFrameBytesLimit));
    REPLEX_ASSIGN_OR_RETURN(Bytes body, read_exact(length, std::chrono::seconds(10)));
    REPLEX_ASSIGN_OR_RETURN(Bytes plaintext, opener_->open(header, body));
    REPLEX_ASSIGN_OR_RETURN(Message message, decode_message(std::move(plaintext)));
    if (const auto* ping = std::get_if<Ping>(&message)) {
      REPLEX_RETURN_IF_ERROR(send_message(Pong{ping->nonce}));
      continue;
    }
    return message;
  }
}

bool RawPeer::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<std::uint8_t, 65536> sink{};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    bool done = false;
    error_code result;
    socket_.async_read_some(asio::buffer(sink), [&](const error_code& ec, std::size_t) {
      done = true;
      result = ec;
    });
    if (!run_for(left, done).is_ok()) return false;
    if (result) return true;  // end of stream or reset: the remote closed
  }
}

}  // namespace replex::p2p::testing
