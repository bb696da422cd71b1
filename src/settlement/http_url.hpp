// Private: the JSON-RPC endpoint's URL, parsed and checked. Kept apart from
// the Beast transport so config validation compiles without Beast or OpenSSL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/status.hpp"

namespace replex::settlement::detail {

// Whether this build speaks TLS (OpenSSL found at configure time).
bool http_transport_has_tls();

struct HttpUrl {
  bool tls = false;
  std::string host;    // a name, an IPv4 address or an IPv6 address without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  // "host:port" ("[::1]:8545"): what error texts show (never the path,
  // which may hold an API key).
  std::string authority() const;
};

// http://host[:port][/path][?query] or https://...; no user info, no fragment.
Result<HttpUrl> parse_http_url(std::string_view url);

}  // namespace replex::settlement::detail
