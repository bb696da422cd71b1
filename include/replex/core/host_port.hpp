// "host:port" endpoints, one syntax for the whole node: an IPv6 host is
// always bracketed ("[::1]:26656"), a port is decimal. Callers choose whether
// the host may be a DNS name or must be an IP literal, and whether port 0
// ("let the OS choose", for listen addresses) is allowed. Errors quote the
// text and name the problem. Plain value types; thread-safe functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/status.hpp"

namespace replex {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  // "host:port", the host bracketed when it is IPv6.
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

struct HostPortRules {
  bool ip_literal_only = false;  // refuse DNS names
  bool allow_port_zero = false;
};

Result<HostPort> parse_host_port(std::string_view text, HostPortRules rules);

// True for an IPv4 or IPv6 address literal (no brackets).
bool is_ip_literal(const std::string& host);

}  // namespace replex
