// config/validator.example.yaml and config/observer.example.yaml list every
// key the reader knows, docs/configuration.md documents the same keys, and
// the validator example holds the documented defaults.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "replex/config/node_config.hpp"

namespace replex::config {
namespace {

const std::string kSource = REPLEX_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

// "`a` / `b`" or "`a`, `b`" -> {"a", "b"} (backticks and quotes removed).
std::vector<std::string> split_cell(const std::string& cell) {
  std::vector<std::string> parts;
  std::string rest = cell;
  for (;;) {
    std::size_t at = rest.find(" / ");
    std::size_t len = 3;
    const std::size_t comma = rest.find(", ");
    if (comma != std::string::npos && (at == std::string::npos || comma < at)) { at = comma; len = 2; }
    std::string part = trim(rest.substr(0, at));
    std::erase(part, '`');
    if (part == "\"\"") part.clear();
    parts.push_back(part);
    if (at == std::string::npos) return parts;
    rest = rest.substr(at + len);
  }
}

// "section.key" -> its default, from the first table under each "### `section`"
// of docs/configuration.md's "The config file".
std::map<std::string, std::string> documented_keys() {
  std::map<std::string, std::string> keys;
  std::istringstream doc(read_file(kSource + "/docs/configuration.md"));
  std::string line, section;
  bool in_config = false, table_done = false, in_table = false;
  while (std::getline(doc, line)) {
    if (line.starts_with("## ")) in_config = line == "## The config file";
    if (!in_config) continue;
    if (line.starts_with("### `")) {
      section = line.substr(5, line.find('`', 5) - 5);
      table_done = in_table = false;
      continue;
    }
    if (section.empty() || table_done) continue;
    if (!line.starts_with("|")) {
      if (in_table) table_done = true;
      continue;
    }
    in_table = true;
    if (line.starts_with("| key |") || line.starts_with("|---")) continue;
    const std::size_t key_end = line.find('|', 1);
    const std::size_t default_end = line.find('|', key_end + 1);
    const auto names = split_cell(line.substr(1, key_end - 1));
    auto defaults = split_cell(line.substr(key_end + 1, default_end - key_end - 1));
    if (defaults.size() != names.size()) defaults = {trim(line.substr(key_end + 1, default_end - key_end - 1))};
    for (std::size_t i = 0; i < names.size(); ++i) {
      keys[section + "." + names[i]] = defaults.size() == names.size() ? defaults[i] : defaults[0];
    }
  }
  return keys;
}

// "section.key" -> the value's text ("[]" for an empty sequence) in an example file.
std::map<std::string, std::string> example_keys(const std::string& file) {
  std::map<std::string, std::string> keys;
  const YAML::Node root = YAML::LoadFile(kSource + "/config/" + file);
  for (const auto& section : root) {
    for (const auto& entry : section.second) {
      const YAML::Node& v = entry.second;
      std::string text = v.IsScalar() ? v.Scalar() : v.IsSequence() && v.size() == 0 ? "[]" : "(structure)";
      keys[section.first.Scalar() + "." + entry.first.Scalar()] = text;
    }
  }
  return keys;
}

std::set<std::string> names_of(const std::map<std::string, std::string>& keys) {
  std::set<std::string> names;
  for (const auto& [name, value] : keys) names.insert(name);
  return names;
}

// The names in `a` that `b` lacks, one per line ("" when none).
std::string lacking(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const std::string& name : a) {
    if (!b.contains(name)) out += name + "\n";
  }
  return out;
}

TEST(ExampleConfigs, TheDocumentationListsExactlyTheKeysTheReaderKnows) {
  const std::vector<std::string> known = node_config_keys();
  ASSERT_GT(known.size(), 80u);
  const std::set<std::string> reader(known.begin(), known.end());
  const std::set<std::string> documented = names_of(documented_keys());
  EXPECT_EQ(lacking(reader, documented), "") << "known to the reader, not in docs/configuration.md";
  EXPECT_EQ(lacking(documented, reader), "") << "in docs/configuration.md, unknown to the reader";
}

TEST(ExampleConfigs, BothExamplesParseAndListEveryKey) {
  const std::vector<std::string> known = node_config_keys();
  const std::set<std::string> expected(known.begin(), known.end());
  for (const std::string file : {"validator.example.yaml", "observer.example.yaml"}) {
    SCOPED_TRACE(file);
    auto config = load_node_config(kSource + "/config/" + file);
    ASSERT_TRUE(config.is_ok()) << config.status().to_string();
    const std::set<std::string> listed = names_of(example_keys(file));
    EXPECT_EQ(lacking(expected, listed), "") << "missing from the example";
    EXPECT_EQ(lacking(listed, expected), "") << "unknown to the reader";
  }
  EXPECT_EQ(load_node_config(kSource + "/config/observer.example.yaml")->node.mode, NodeMode::kObserver);
}

TEST(ExampleConfigs, TheValidatorExampleHoldsTheDocumentedDefaults) {
  const auto documented = documented_keys();
  for (const auto& [key, value] : example_keys("validator.example.yaml")) {
    const auto doc = documented.find(key);
    ASSERT_NE(doc, documented.end()) << key;
    EXPECT_EQ(value, doc->second) << key << " in config/validator.example.yaml vs docs/configuration.md";
  }
}

}  // namespace
}  // namespace replex::config
