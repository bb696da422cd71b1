#include "yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace replex::config {
namespace {

std::string in_quotes(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "'";
  out.append(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out.append("...");
  out.append("'");
  return out;
}

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return in_quotes(node.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

}  // namespace

void YamlErrors::add(const YAML::Mark& mark, std::string_view path, std::string_view what) {
  std::string line = source_;
  if (!mark.is_null()) line.append(":").append(std::to_string(mark.line + 1));
  line += ": ";
  line.append(path).append(": ").append(what);
  errors_.push_back(std::move(line));
}

void YamlErrors::add(std::string_view path, std::string_view what) {
  add(YAML::Mark::null_mark(), path, what);
}

Status YamlErrors::status() const {
  if (errors_.empty()) return Status::ok();
  std::string all;
  for (const auto& e : errors_) {
    if (!all.empty()) all += "\n";
    all += e;
  }
  return Status::invalid_argument(std::move(all));
}

std::optional<YAML::Node> parse_yaml(std::string_view text, YamlErrors& errors) {
  try {
    YAML::Node doc = YAML::Load(std::string(text));
    if (doc.IsNull()) doc = YAML::Node(YAML::NodeType::Map);  // an empty file is an empty mapping
    return doc;
  } catch (const YAML::Exception& e) {
    errors.add(e.mark, "yaml", e.msg);
    return std::nullopt;
  }
}

YamlMap::YamlMap(YAML::Node node, std::string path, YamlErrors& errors)
    : node_(std::move(node)), path_(std::move(path)), errors_(errors) {
  REPLEX_ASSERT(node_.IsMap());
}

std::optional<YamlMap> YamlMap::as_map(const YAML::Node& node, std::string path,
                                       YamlErrors& errors) {
  if (!node.IsMap()) {
    errors.add(node.Mark(), path.empty() ? "document" : path,
               "expected a mapping, got " + kind_of(node));
    return std::nullopt;
  }
  return YamlMap(node, std::move(path), errors);
}

std::string YamlMap::child_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

std::optional<YAML::Node> YamlMap::get(std::string_view key) {
  known_.emplace_back(key);
  errors_.note_asked(child_path(key));
  return find(key);
}

std::optional<YAML::Node> YamlMap::find(std::string_view key) const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return std::nullopt;
}

void YamlMap::error(std::string_view key, std::string_view what) {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      const YAML::Mark mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
      errors_.add(mark, child_path(key), what);
      return;
    }
  }
  errors_.add(node_.Mark(), child_path(key), what);
}

bool YamlMap::has(std::string_view key) { return get(key).has_value(); }

bool YamlMap::require(std::string_view key) {
  if (has(key)) return true;
  errors_.add(node_.Mark(), child_path(key), "required key is missing");
  return false;
}

std::optional<std::string> YamlMap::scalar(std::string_view key, const YAML::Node& value,
                                           std::string_view expected) {
  if (!value.IsScalar()) {
    error(key, "expected " + std::string(expected) + ", got " + kind_of(value));
    return std::nullopt;
  }
  return value.Scalar();
}

std::optional<std::uint64_t> YamlMap::unsigned_value(std::string_view key, std::uint64_t min,
                                                     std::uint64_t max) {
  auto value = get(key);
  if (!value) return std::nullopt;
  auto text = scalar(key, *value, "an unsigned integer");
  if (!text) return std::nullopt;
  std::uint64_t v = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  const auto [end, ec] = std::from_chars(first, last, v);
  const bool digits_only = !text->empty() && std::all_of(text->begin(), text->end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits_only || ec != std::errc() || end != last) {
    if (digits_only) {
      error(key, in_quotes(*text) + " does not fit " + std::to_string(max));
    } else {
      error(key, "expected an unsigned integer, got " + in_quotes(*text));
    }
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(key, std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

void YamlMap::u64(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
  if (auto v = unsigned_value(key, min, max)) out = *v;
}

void YamlMap::u32(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
  if (auto v = unsigned_value(key, min, max)) out = static_cast<std::uint32_t>(*v);
}

void YamlMap::u16(std::string_view key, std::uint16_t& out, std::uint16_t min, std::uint16_t max) {
  if (auto v = unsigned_value(key, min, max)) out = static_cast<std::uint16_t>(*v);
}

void YamlMap::size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
  if (auto v = unsigned_value(key, min, max)) out = static_cast<std::size_t>(*v);
}

void YamlMap::i32(std::string_view key, int& out, int min, int max) {
  auto value = get(key);
  if (!value) return;
  auto text = scalar(key, *value, "an integer");
  if (!text) return;
  int v = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  const auto [end, ec] = std::from_chars(first, last, v);
  if (text->empty() || ec != std::errc() || end != last) {
    error(key, "expected an integer, got " + in_quotes(*text));
    return;
  }
  if (v < min || v > max) {
    error(key, std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    return;
  }
  out = v;
}

void YamlMap::boolean(std::string_view key, bool& out) {
  auto value = get(key);
  if (!value) return;
  auto text = scalar(key, *value, "true or false");
  if (!text) return;
  if (*text == "true") {
    out = true;
  } else if (*text == "false") {
    out = false;
  } else {
    error(key, "expected true or false, got " + in_quotes(*text));
  }
}

void YamlMap::string(std::string_view key, std::string& out, bool allow_empty) {
  auto value = get(key);
  if (!value) return;
  auto text = scalar(key, *value, "a string");
  if (!text) return;
  if (!allow_empty && text->empty()) {
    error(key, "must not be empty");
    return;
  }
  out = std::move(*text);
}

void YamlMap::choice(std::string_view key, std::string& out, std::vector<std::string_view> choices) {
  auto value = get(key);
  if (!value) return;
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected.append(i == 0 ? " " : ", ").append(choices[i]);
  }
  auto text = scalar(key, *value, expected);
  if (!text) return;
  if (std::find(choices.begin(), choices.end(), *text) == choices.end()) {
    error(key, "expected " + expected + ", got " + in_quotes(*text));
    return;
  }
  out = std::move(*text);
}

void YamlMap::strings(std::string_view key, std::vector<std::string>& out) {
  auto value = get(key);
  if (!value) return;
  if (value->IsNull()) {  // "key:" with nothing: an empty list
    out.clear();
    return;
  }
  if (!value->IsSequence()) {
    error(key, "expected a list of strings, got " + kind_of(*value));
    return;
  }
  std::vector<std::string> items;
  const std::string path = child_path(key);
  bool ok = true;
  for (std::size_t i = 0; i < value->size(); ++i) {
    auto item = sequence_scalar((*value)[i], path + "[" + std::to_string(i) + "]", "a string", errors_);
    if (!item) {
      ok = false;
      continue;
    }
    items.push_back(std::move(*item));
  }
  if (ok) out = std::move(items);
}

std::optional<YamlMap> YamlMap::map(std::string_view key) {
  auto value = get(key);
  if (!value) return std::nullopt;
  if (value->IsNull()) return YamlMap(YAML::Node(YAML::NodeType::Map), child_path(key), errors_);
  if (!value->IsMap()) {
    error(key, "expected a mapping, got " + kind_of(*value));
    return std::nullopt;
  }
  return YamlMap(*value, child_path(key), errors_);
}

std::optional<YAML::Node> YamlMap::sequence(std::string_view key) {
  auto value = get(key);
  if (!value) return std::nullopt;
  if (value->IsNull()) return YAML::Node(YAML::NodeType::Sequence);
  if (!value->IsSequence()) {
    error(key, "expected a list, got " + kind_of(*value));
    return std::nullopt;
  }
  return value;
}

void YamlMap::renamed(std::string_view old_key, std::string_view new_key) {
  known_.emplace_back(old_key);  // reported here, not again as unknown; not a key readers ask for
  if (!find(old_key)) return;
  error(old_key, "renamed to '" + std::string(new_key) + "'; use " + child_path(new_key));
}

void YamlMap::finish() {
  std::map<std::string, int> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {
      errors_.add(it->first.Mark(), path_.empty() ? "document" : path_, "keys must be strings");
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (++seen[key] == 2) errors_.add(it->first.Mark(), child_path(key), "duplicate key");
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      errors_.add(it->first.Mark(), child_path(key), "unknown key");
    }
  }
}

std::optional<std::string> sequence_scalar(const YAML::Node& item, const std::string& path,
                                           std::string_view expected, YamlErrors& errors) {
  if (!item.IsScalar()) {
    errors.add(item.Mark(), path, "expected " + std::string(expected) + ", got " + kind_of(item));
    return std::nullopt;
  }
  return item.Scalar();
}

}  // namespace replex::config
