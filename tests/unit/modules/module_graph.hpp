// The module list (src/modules.txt) and the include check against it.
//
// check_tree() reads every C++ file under src/, include/ and tests/ of a
// source tree, resolves each `#include` to the module that owns the named
// file, and reports every include the list does not allow, with file and
// line. It also refuses a list that allows an edge its `forbid` lines rule
// out. Used by module_boundaries_test.cpp, on the real tree and on planted ones.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace replex::modules {

struct ModuleGraph {
  // Modules and test folders, with the names each may use directly.
  std::map<std::string, std::vector<std::string>> deps;
  std::set<std::string> modules;       // `module` lines
  std::set<std::string> test_folders;  // `tests` lines
  struct Forbid {
    std::string from;  // a module or "*"
    std::vector<std::string> to;  // modules or "*"
    std::vector<std::string> except;  // modules the rule does not apply to
    int line = 0;
  };
  std::vector<Forbid> forbids;

  // What `name` may use: its dependencies and theirs.
  std::set<std::string> closure(const std::string& name) const;
};

struct Problem {
  std::string file;  // relative to the tree's root
  int line = 0;
  std::string message;
};

// Parses modules.txt; problems name its lines.
ModuleGraph parse_module_graph(const std::string& text, std::vector<Problem>& problems);

// The file's bytes; empty when it cannot be read.
std::string read_file(const std::string& path);

// The whole check of the tree rooted at `root` (holding src/modules.txt).
std::vector<Problem> check_tree(const std::string& root);

}  // namespace replex::modules
