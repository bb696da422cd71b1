#include "replex/core/host_port.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace replex {
namespace {

bool is_host_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == '_' || c == ':';
}

}  // namespace

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text, HostPortRules rules) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.append(1, '\'').append(text).append(1, '\'');
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::invalid_argument(quoted + ": expected [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::invalid_argument(quoted + ": expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::invalid_argument(quoted + ": an IPv6 host must be bracketed, as in [::1]:26656");
    }
  }
  if (host.empty()) return Status::invalid_argument(quoted + ": empty host");
  for (char c : host) {
    if (!is_host_char(c)) return Status::invalid_argument(quoted + ": host has an invalid character");
  }
  HostPort out{std::string(host), 0};
  if (rules.ip_literal_only && !is_ip_literal(out.host)) {
    return Status::invalid_argument(quoted + ": the host must be an IP address (e.g. 127.0.0.1 or [::1])");
  }
  const unsigned min_port = rules.allow_port_zero ? 0 : 1;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < min_port || value > 65535) {
    return Status::invalid_argument(quoted + ": port must be " + std::to_string(min_port) + "..65535");
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace replex
