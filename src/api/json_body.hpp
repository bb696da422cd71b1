// Request bodies as JSON (nlohmann-json), with exact numbers.
//
// parse_json_body() uses nlohmann's SAX interface so that every JSON number
// keeps its source text: numbers are stored as a binary value holding that
// text (JSON input can never produce a binary value, so the two cannot be
// confused). Decimals therefore never pass through a double: 45000.10 is the
// text "45000.10", parsed exactly by replex::parse_decimal_unsigned.
// JsonFields reads one object strictly: wrong types, bad values and unknown
// fields become an ApiError naming the field. Single-threaded values.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api_error.hpp"

namespace replex::api {

using Json = nlohmann::json;

inline constexpr std::size_t kMaxJsonDepth = 16;

// The body as JSON; numbers as their source text (see above).
ApiResult<Json> parse_json_body(std::string_view text);

// The source text of a number read by parse_json_body; nullopt for other values.
std::optional<std::string> number_text(const Json& value);

class JsonFields {
 public:
  // `object` must outlive this; `where` prefixes field names ("" at the top).
  JsonFields(const Json& object, std::string where = {});

  // Absent (or null) fields give nullopt and no error.
  std::optional<std::string> string(std::string_view key);
  // A decimal given as a string or a JSON number; its text, checked later against a scale.
  std::optional<std::string> decimal(std::string_view key);
  // An unsigned integer given as a JSON number or a string of digits.
  std::optional<std::uint64_t> u64(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  // Marks `key` known without reading it (an alias read elsewhere).
  bool has(std::string_view key);
  // Records an error for `key` (e.g. a value outside its enum).
  void fail(std::string_view key, std::string message, std::string code = "INVALID_ARGUMENT");

  // The first problem: not an object, a field error, or an unknown field.
  std::optional<ApiError> finish();
  bool failed() const { return error_.has_value(); }

 private:
  const Json* find(std::string_view key);
  std::string path(std::string_view key) const;

  const Json& object_;
  std::string where_;
  std::set<std::string, std::less<>> known_;
  std::optional<ApiError> error_;
};

}  // namespace replex::api
