#include "http_url.hpp"

#include <charconv>

namespace replex::settlement::detail {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool http_transport_has_tls() { return REPLEX_SETTLEMENT_TLS != 0; }

std::string HttpUrl::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + host + "]" : host;
  out += ':';
  out += std::to_string(port);
  return out;
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl out;
  std::string_view rest;
  if (starts_with_nocase(url, "http://")) {
    out.tls = false;
    out.port = 80;
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "https://")) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(8);
  } else {
    return Status::invalid_argument("url: must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos) {
    return Status::invalid_argument("url: a fragment (#) is not allowed");
  }
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::invalid_argument("url: user info (user:password@) is not supported");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::invalid_argument("url: unterminated [IPv6 address]");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::invalid_argument("url: junk after ]");
      port_text = after.substr(1);
      if (port_text.empty()) return Status::invalid_argument("url: empty port");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Status::invalid_argument("url: empty port");
      authority = authority.substr(0, colon);
    }
    out.host = std::string(authority);
  }
  if (out.host.empty()) return Status::invalid_argument("url: no host");
  for (char c : out.host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\') {
      return Status::invalid_argument("url: bad character in host");
    }
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (err != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return Status::invalid_argument("url: port must be 1..65535");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return Status::invalid_argument("url: path must be percent-encoded ASCII without spaces");
    }
  }
  return out;
}

}  // namespace replex::settlement::detail
