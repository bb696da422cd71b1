#include "module_graph.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace replex::modules {
namespace fs = std::filesystem;
namespace {

constexpr const char* kListFile = "src/modules.txt";

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "nothing" : out;
}

// Path of `p` relative to `root`, with forward slashes.
std::string relative_to(const fs::path& p, const fs::path& root) {
  return fs::relative(p, root).generic_string();
}

// The owner of a file of the tree: a module or a test folder; nullopt for
// tests/support (helpers any test may use) and files outside src/include/tests.
struct Owner {
  std::string name;
  bool is_private_src = false;  // under src/<module>/ (not include/)
  bool is_test = false;         // under tests/
};

std::optional<Owner> owner_of(const std::string& rel, const ModuleGraph& graph) {
  const auto parts = [&] {
    std::vector<std::string> out;
    std::stringstream in(rel);
    for (std::string part; std::getline(in, part, '/');) out.push_back(part);
    return out;
  }();
  if (parts.size() >= 3 && parts[0] == "include" && parts[1] == "replex") {
    if (parts[2] == "v1") return Owner{"proto", false, false};
    return Owner{parts[2], false, false};
  }
  if (parts.size() >= 3 && parts[0] == "src") return Owner{parts[1], true, false};
  if (parts.size() >= 2 && parts[0] == "src") return Owner{"", true, false};  // src/modules.txt and the like
  if (parts.size() >= 3 && parts[0] == "tests") {
    if (parts[1] == "support") return std::nullopt;
    if (parts[1] == "unit" && parts.size() >= 4) {
      // A module's own tests, unless the list gives the folder its own line.
      if (graph.modules.count(parts[2]) && !graph.test_folders.count("unit/" + parts[2])) {
        return Owner{parts[2], false, true};
      }
      return Owner{"unit/" + parts[2], false, true};
    }
    return Owner{parts[1], false, true};
  }
  return std::nullopt;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string text(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

std::set<std::string> ModuleGraph::closure(const std::string& name) const {
  std::set<std::string> seen;
  std::vector<std::string> todo{name};
  while (!todo.empty()) {
    const std::string next = todo.back();
    todo.pop_back();
    const auto it = deps.find(next);
    if (it == deps.end()) continue;
    for (const auto& dep : it->second) {
      if (seen.insert(dep).second) todo.push_back(dep);
    }
  }
  return seen;
}

ModuleGraph parse_module_graph(const std::string& text, std::vector<Problem>& problems) {
  ModuleGraph graph;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::vector<std::string> w = words(line);
    if (w.empty()) continue;
    auto problem = [&](const std::string& message) { problems.push_back({kListFile, line_no, message}); };
    if (w[0] == "module" || w[0] == "tests") {
      if (w.size() < 2) {
        problem("'" + w[0] + "' needs a name");
        continue;
      }
      const std::string name = w[1];
      if (graph.deps.count(name)) problem("'" + name + "' is listed twice");
      for (std::size_t i = 2; i < w.size(); ++i) {
        // Listed bottom-up: a dependency must already be known.
        if (!graph.deps.count(w[i])) problem("'" + name + "' depends on '" + w[i] + "', not listed above it");
      }
      graph.deps[name] = {w.begin() + 2, w.end()};
      (w[0] == "module" ? graph.modules : graph.test_folders).insert(name);
    } else if (w[0] == "forbid") {
      ModuleGraph::Forbid f;
      f.line = line_no;
      if (w.size() < 3) {
        problem("'forbid' needs a module and what it may not use");
        continue;
      }
      f.from = w[1];
      bool except = false;
      for (std::size_t i = 2; i < w.size(); ++i) {
        if (w[i] == "except") {
          except = true;
          continue;
        }
        (except ? f.except : f.to).push_back(w[i]);
      }
      graph.forbids.push_back(std::move(f));
    } else {
      problem("unknown keyword '" + w[0] + "' (module, tests, forbid)");
    }
  }
  // The list itself must respect every forbid line.
  for (const auto& f : graph.forbids) {
    for (const auto& from : graph.modules) {
      if (f.from != "*" && f.from != from) continue;
      if (contains(f.except, from)) continue;
      for (const auto& used : graph.closure(from)) {
        if (used == "proto" && f.to == std::vector<std::string>{"*"}) continue;  // the generated schema, see the file
        if (used == from) continue;
        if (!contains(f.to, "*") && !contains(f.to, used)) continue;
        problems.push_back({kListFile, f.line,
                            "forbidden edge " + from + " -> " + used + " is allowed by the module lines"});
      }
    }
  }
  return graph;
}

std::vector<Problem> check_tree(const std::string& root_text) {
  const fs::path root = fs::path(root_text);
  std::vector<Problem> problems;
  const ModuleGraph graph = parse_module_graph(read_file((root / kListFile).string()), problems);
  if (graph.modules.empty()) {
    problems.push_back({kListFile, 0, "no modules listed (missing file?)"});
    return problems;
  }

  // Every folder of the source tree is a listed module.
  for (const char* top : {"src", "include/replex"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::directory_iterator(root / top)) {
      if (!entry.is_directory()) continue;
      const std::string name = entry.path().filename().string();
      if (name == "v1" || graph.modules.count(name)) continue;
      problems.push_back({relative_to(entry.path(), root), 0, "folder '" + name + "' is not a module of src/modules.txt"});
    }
  }

  // Which src/<module>/ folders hold a file with this name (white-box tests
  // put a module's src folder on their include path).
  auto find_in_src = [&](const std::string& name, const std::string& own) -> std::optional<fs::path> {
    if (!fs::exists(root / "src")) return std::nullopt;
    if (fs::exists(root / "src" / own / name)) return root / "src" / own / name;
    for (const auto& entry : fs::directory_iterator(root / "src")) {
      if (entry.is_directory() && fs::exists(entry.path() / name)) return entry.path() / name;
    }
    return std::nullopt;
  };

  static const std::regex include_re(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  for (const char* top : {"src", "include", "tests"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext != ".hpp" && ext != ".cpp" && ext != ".h" && ext != ".cc") continue;
      const std::string file = relative_to(entry.path(), root);
      const std::optional<Owner> from = owner_of(file, graph);
      if (!from || from->name.empty()) continue;
      if (!graph.deps.count(from->name)) {
        problems.push_back({file, 0, "belongs to '" + from->name + "', which src/modules.txt does not list"});
        continue;
      }
      const std::set<std::string> allowed = graph.closure(from->name);
      // tests/unit/<module>/ may look inside that module (white-box tests).
      const std::string own = from->name.rfind("unit/", 0) == 0 ? from->name.substr(5) : from->name;
      std::istringstream in(read_file(entry.path().string()));
      int line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        const bool quoted = m[1] == "\"";
        const std::string name = m[2];
        // Resolve like the compiler: beside the file (quoted), the public
        // include root, the tests root, generated protos, a module's src.
        std::optional<std::string> target;
        if (quoted && fs::exists(entry.path().parent_path() / name)) {
          target = relative_to(fs::weakly_canonical(entry.path().parent_path() / name), root);
        } else if (fs::exists(root / "include" / name)) {
          target = "include/" + name;
        } else if (fs::exists(root / "tests" / name)) {
          target = "tests/" + name;
        } else if (name.rfind("replex/v1/", 0) == 0) {
          target = "include/" + name;  // generated from proto/replex/v1
        } else if (auto in_src = find_in_src(name, own)) {
          target = relative_to(*in_src, root);
        } else if (name.rfind("replex/", 0) == 0) {
          problems.push_back({file, line_no, "includes " + name + ", which no module provides"});
          continue;
        }
        if (!target) continue;  // a system or library header
        const std::optional<Owner> to = owner_of(*target, graph);
        if (!to) {
          if (!from->is_test) problems.push_back({file, line_no, "includes test code " + *target});
          continue;
        }
        if (to->name == from->name || to->name == own) continue;
        if (to->is_test && !from->is_test) {
          problems.push_back({file, line_no, "includes test code " + *target});
          continue;
        }
        if (to->is_private_src) {
          problems.push_back({file, line_no,
                              "includes " + *target + ", a private header of '" + to->name +
                                  "' (use its public headers under include/replex/" + to->name + "/)"});
          continue;
        }
        if (!allowed.count(to->name)) {
          problems.push_back({file, line_no,
                              "'" + from->name + "' may not include '" + to->name + "' (" + name +
                                  "); src/modules.txt lets it use " + join(allowed)});
        }
      }
    }
  }
  return problems;
}

}  // namespace replex::modules
