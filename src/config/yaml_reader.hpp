// Strict reading of the node's YAML files (config, genesis).
//
// Every key must be expected, every value must have the expected type and
// range, and every error names the file, the line and the key path:
//   "config.yaml:12: p2p.max_peers: expected an unsigned integer, got 'many'".
// Errors are collected, not thrown, so one run reports all of them. yaml-cpp
// exceptions stop at this file. Private to the node module; single-threaded.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "replex/core/status.hpp"

namespace replex::config {

// The errors found in one file, each "source:line: path: what".
class YamlErrors {
 public:
  explicit YamlErrors(std::string source) : source_(std::move(source)) {}

  void add(const YAML::Mark& mark, std::string_view path, std::string_view what);
  // An error without a position (cross-field checks after reading).
  void add(std::string_view path, std::string_view what);

  // Records that a reader asked for `path` (present or not): the keys a
  // reader knows, for node_config_keys().
  void note_asked(std::string path) { asked_.push_back(std::move(path)); }
  const std::vector<std::string>& asked() const { return asked_; }

  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& source() const { return source_; }
  // kInvalidArgument with one error per line; ok when there are none.
  Status status() const;

 private:
  std::string source_;
  std::vector<std::string> errors_;
  std::vector<std::string> asked_;
};

// Parses `text` into a document; a syntax error is recorded and nullopt returned.
std::optional<YAML::Node> parse_yaml(std::string_view text, YamlErrors& errors);

// One YAML mapping being read. Each accessor marks its key as known and
// leaves `out` unchanged when the key is absent (the default stays); a value
// of the wrong type or out of range is recorded as an error. finish() then
// reports every key nobody asked for, and duplicate keys.
class YamlMap {
 public:
  // `node` must be a mapping (see as_map).
  YamlMap(YAML::Node node, std::string path, YamlErrors& errors);

  // A mapping at `node`, or nullopt with an error naming `path`.
  static std::optional<YamlMap> as_map(const YAML::Node& node, std::string path,
                                       YamlErrors& errors);

  void u64(std::string_view key, std::uint64_t& out, std::uint64_t min = 0,
           std::uint64_t max = UINT64_MAX);
  void u32(std::string_view key, std::uint32_t& out, std::uint32_t min = 0,
           std::uint32_t max = UINT32_MAX);
  void u16(std::string_view key, std::uint16_t& out, std::uint16_t min = 0,
           std::uint16_t max = UINT16_MAX);
  void i32(std::string_view key, int& out, int min, int max);
  void size(std::string_view key, std::size_t& out, std::size_t min = 0,
            std::size_t max = SIZE_MAX);
  void boolean(std::string_view key, bool& out);
  // A scalar; `allow_empty` false refuses "".
  void string(std::string_view key, std::string& out, bool allow_empty = true);
  // One of `choices`.
  void choice(std::string_view key, std::string& out, std::vector<std::string_view> choices);
  // One of `choices` by name, stored as its value; `out`'s value must be listed.
  template <typename E>
  void choice_of(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> choices) {
    std::string name;
    std::vector<std::string_view> names;
    for (const auto& [n, v] : choices) {
      names.push_back(n);
      if (v == out) name = n;
    }
    choice(key, name, std::move(names));
    for (const auto& [n, v] : choices) {
      if (n == name) out = v;
    }
  }
  void strings(std::string_view key, std::vector<std::string>& out);

  // Nested mapping / sequence; nullopt when absent (or wrong type, recorded).
  std::optional<YamlMap> map(std::string_view key);
  std::optional<YAML::Node> sequence(std::string_view key);
  // True when the key is present (marks it known).
  bool has(std::string_view key);
  // Records that `key` is required and missing, unless present.
  bool require(std::string_view key);

  // A key that was renamed: its presence is an error naming the new name
  // (old files fail loudly rather than have a setting silently ignored).
  void renamed(std::string_view old_key, std::string_view new_key);

  // Reports unknown and duplicate keys. Call once, after every accessor.
  void finish();

  const std::string& path() const { return path_; }
  // The mapping itself, for keys chosen by the file (e.g. asset symbols).
  const YAML::Node& node() const { return node_; }
  YamlErrors& errors() { return errors_; }
  // "path.key" (or "key" at the top level).
  std::string child_path(std::string_view key) const;
  // Records an error at the value of `key` (or the mapping, if absent).
  void error(std::string_view key, std::string_view what);

 private:
  // The value of `key`, marking it known; nullopt when absent.
  std::optional<YAML::Node> get(std::string_view key);
  // The value of `key` without marking it.
  std::optional<YAML::Node> find(std::string_view key) const;
  std::optional<std::string> scalar(std::string_view key, const YAML::Node& value,
                                    std::string_view expected);
  std::optional<std::uint64_t> unsigned_value(std::string_view key, std::uint64_t min,
                                              std::uint64_t max);

  YAML::Node node_;
  std::string path_;
  YamlErrors& errors_;
  std::vector<std::string> known_;
};

// Scalar text of a sequence item or nullopt with an error "path[i]: expected <what>".
std::optional<std::string> sequence_scalar(const YAML::Node& item, const std::string& path,
                                           std::string_view expected, YamlErrors& errors);

}  // namespace replex::config
