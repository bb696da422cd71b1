#include "json_body.hpp"

#include <charconv>
#include <vector>

namespace replex::api {
namespace {

// Builds a Json document like nlohmann's DOM parser, but keeps numbers as text.
class ExactSax final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return number(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) override { return number(text); }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t&) override { return false; }  // JSON text has none
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = "malformed JSON at byte " + std::to_string(position) + ": " + strip(e.what());
    return false;
  }

  Json take() { return std::move(root_); }
  const std::string& error() const { return error_; }

 private:
  static std::string strip(std::string what) {
    // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    if (const auto at = what.rfind(": "); at != std::string::npos) return what.substr(at + 2);
    return what;
  }

  bool number(const std::string& text) {
    Json::binary_t bytes(std::vector<std::uint8_t>(text.begin(), text.end()));
    return put(Json::binary(std::move(bytes)));
  }

  // Places a scalar or a new container where the parser is.
  Json* place(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_object()) {
      if (top.contains(key_)) {
        error_ = "duplicate field '" + key_ + "'";
        return nullptr;
      }
      Json& slot = top[key_];
      slot = std::move(value);
      return &slot;
    }
    top.push_back(std::move(value));
    return &top.back();
  }

  bool put(Json value) { return place(std::move(value)) != nullptr; }

  bool open(Json container) {
    if (stack_.size() >= kMaxJsonDepth) {
      error_ = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    Json* placed = place(std::move(container));
    if (placed == nullptr) return false;
    stack_.push_back(placed);
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  Json root_;
  std::vector<Json*> stack_;
  std::string key_;
  std::string error_;
};

std::string kind_of(const Json& v) {
  if (v.is_binary()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  return "null";
}

}  // namespace

int ApiError::http_status() const {
  switch (kind) {
    case ApiErrorKind::kBadRequest: return 400;
    case ApiErrorKind::kUnauthorized: return 401;
    case ApiErrorKind::kForbidden: return 403;
    case ApiErrorKind::kNotFound: return 404;
    case ApiErrorKind::kConflict: return 409;
    case ApiErrorKind::kTooLarge: return 413;
    case ApiErrorKind::kRejected: return 422;
    case ApiErrorKind::kRateLimited: return 429;
    case ApiErrorKind::kUnavailable: return 503;
    case ApiErrorKind::kTimeout: return 504;
    case ApiErrorKind::kInternal: return 500;
  }
  return 500;
}

ApiResult<Json> parse_json_body(std::string_view text) {
  if (text.empty()) return ApiError::bad_request("", "the request body is empty; expected a JSON object");
  ExactSax sax;
  const bool ok = Json::sax_parse(text, &sax, Json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    return ApiError::bad_request("", sax.error().empty() ? "malformed JSON" : sax.error(), "MALFORMED_JSON");
  }
  return sax.take();
}

std::optional<std::string> number_text(const Json& value) {
  if (!value.is_binary()) return std::nullopt;
  const auto& bytes = value.get_binary();
  return std::string(bytes.begin(), bytes.end());
}

JsonFields::JsonFields(const Json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) {
    error_ = ApiError::bad_request(where_, (where_.empty() ? std::string("the body") : where_) +
                                               ": expected a JSON object, got " + kind_of(object_));
  }
}

std::string JsonFields::path(std::string_view key) const {
  return where_.empty() ? std::string(key) : where_ + "." + std::string(key);
}

void JsonFields::fail(std::string_view key, std::string message, std::string code) {
  if (!error_) error_ = ApiError::bad_request(path(key), path(key) + ": " + message, std::move(code));
}

const Json* JsonFields::find(std::string_view key) {
  known_.emplace(key);
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(std::string(key));
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonFields::has(std::string_view key) { return find(key) != nullptr; }

std::optional<std::string> JsonFields::string(std::string_view key) {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(key, "expected a string, got " + kind_of(*v));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::string> JsonFields::decimal(std::string_view key) {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (auto text = number_text(*v)) return text;
  fail(key, "expected a decimal string or number, got " + kind_of(*v));
  return std::nullopt;
}

std::optional<std::uint64_t> JsonFields::u64(std::string_view key) {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  std::optional<std::string> text = v->is_string() ? std::optional(v->get<std::string>()) : number_text(*v);
  if (!text) {
    fail(key, "expected an unsigned integer, got " + kind_of(*v));
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
    fail(key, "'" + *text + "' is not an unsigned 64-bit integer");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> JsonFields::boolean(std::string_view key) {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(key, "expected true or false, got " + kind_of(*v));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<ApiError> JsonFields::finish() {
  if (error_) return error_;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!known_.count(it.key())) {
      return ApiError::bad_request(path(it.key()), path(it.key()) + ": unknown field", "UNKNOWN_FIELD");
    }
  }
  return std::nullopt;
}

}  // namespace replex::api
