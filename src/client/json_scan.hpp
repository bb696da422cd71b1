// Private to client: reads one field out of the compact JSON the gateway
// writes (nlohmann's dump: no spaces, object keys sorted), without parsing
// the whole text, so that the load generator spends its CPU on load. The
// first occurrence of the key wins: callers ask only for keys that sort
// before any nested object holding the same name (docs/PERFORMANCE.md, "Gateway").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace replex::client {

// "key": (appended piecewise: GCC 12 warns falsely, -Wrestrict, on "\"" + std::string(key)).
inline std::string json_key(std::string_view key, std::string_view after) {
  std::string needle;
  needle.reserve(key.size() + 2 + after.size());
  needle += '"';
  needle += key;
  needle += '"';
  needle += after;
  return needle;
}

// "key":<digits> -> the number.
inline std::optional<std::uint64_t> scan_u64(std::string_view text, std::string_view key) {
  const std::string needle = json_key(key, ":");
  const auto at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + needle.size();
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
  std::uint64_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  return value;
}

// "key":"text" -> text (no unescaping: codes and names only).
inline std::optional<std::string_view> scan_string(std::string_view text, std::string_view key) {
  const std::string needle = json_key(key, ":\"");
  const auto at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t begin = at + needle.size();
  const auto end = text.find('"', begin);
  if (end == std::string_view::npos) return std::nullopt;
  return text.substr(begin, end - begin);
}

}  // namespace replex::client
