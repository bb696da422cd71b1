// Module boundaries (src/modules.txt, DESIGN.md §3): every #include of the
// tree is an edge the list allows, and the list allows no forbidden edge.
// The planted-tree tests prove the check fails where it must.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "module_graph.hpp"
#include "support/temp_dir.hpp"

namespace replex::modules {
namespace {

std::string describe(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.file + ":" + std::to_string(p.line) + ": " + p.message + "\n";
  return out;
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(ModuleBoundaries, EveryIncludeOfTheTreeIsAllowedByTheModuleList) {
  const auto problems = check_tree(REPLEX_SOURCE_DIR);
  EXPECT_TRUE(problems.empty()) << describe(problems);
}

TEST(ModuleBoundaries, TheListKeepsTheDesignsOneWayEdges) {
  std::vector<Problem> problems;
  const ModuleGraph graph = parse_module_graph(read_file(std::string(REPLEX_SOURCE_DIR) + "/src/modules.txt"), problems);
  ASSERT_TRUE(problems.empty()) << describe(problems);
  EXPECT_FALSE(graph.closure("exchange").count("consensus"));
  EXPECT_FALSE(graph.closure("consensus").count("exchange"));
  EXPECT_TRUE(graph.closure("exchange").count("abci"));
  EXPECT_TRUE(graph.closure("consensus").count("abci"));
  EXPECT_EQ(graph.closure("core"), std::set<std::string>{"proto"});
  for (const auto& m : graph.modules) {
    if (m != "cli" && m != "node") {
      EXPECT_FALSE(graph.closure(m).count("node")) << m;
    }
  }
  EXPECT_FALSE(graph.closure("client").count("node")) << "the client library is never linked into the daemon";
}

// A tree with two modules, core <- exchange, and one planted include.
class PlantedTree : public ::testing::Test {
 protected:
  void SetUp() override {
    write(dir_.file("src/modules.txt"),
          "module proto\nmodule core proto\nmodule abci core\nmodule exchange abci\nmodule consensus abci\n"
          "forbid exchange consensus\nforbid consensus exchange\n");
    write(dir_.file("include/replex/core/status.hpp"), "#pragma once\n");
    write(dir_.file("include/replex/abci/application.hpp"), "#include \"replex/core/status.hpp\"\n");
    write(dir_.file("include/replex/consensus/replica.hpp"), "#include \"replex/abci/application.hpp\"\n");
    write(dir_.file("src/consensus/private.hpp"), "#pragma once\n");
    write(dir_.file("src/exchange/app.cpp"), "#include <vector>\n#include \"replex/abci/application.hpp\"\n");
  }
  replex::testing::TempDir dir_;
};

TEST_F(PlantedTree, AnAllowedTreePasses) {
  EXPECT_TRUE(check_tree(dir_.path()).empty()) << describe(check_tree(dir_.path()));
}

TEST_F(PlantedTree, AForbiddenIncludeIsReportedWithFileAndLine) {
  write(dir_.file("src/exchange/app.cpp"),
        "#include <vector>\n#include \"replex/abci/application.hpp\"\n#include \"replex/consensus/replica.hpp\"\n");
  const auto problems = check_tree(dir_.path());
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  EXPECT_EQ(problems[0].file, "src/exchange/app.cpp");
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_NE(problems[0].message.find("'exchange' may not include 'consensus'"), std::string::npos)
      << problems[0].message;
}

TEST_F(PlantedTree, AnotherModulesPrivateHeaderIsRefused) {
  write(dir_.file("include/replex/consensus/replica.hpp"),
        "#include \"replex/abci/application.hpp\"\n#include \"../../../src/consensus/private.hpp\"\n");
  write(dir_.file("src/exchange/app.cpp"), "#include \"private.hpp\"\n");
  const auto problems = check_tree(dir_.path());
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  EXPECT_EQ(problems[0].file, "src/exchange/app.cpp");
  EXPECT_NE(problems[0].message.find("private header of 'consensus'"), std::string::npos) << problems[0].message;
}

TEST_F(PlantedTree, AListThatAllowsAForbiddenEdgeIsRefused) {
  write(dir_.file("src/modules.txt"),
        "module proto\nmodule core proto\nmodule abci core\nmodule consensus abci\nmodule exchange abci consensus\n"
        "forbid exchange consensus\n");
  const auto problems = check_tree(dir_.path());
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(describe(problems).find("forbidden edge exchange -> consensus"), std::string::npos) << describe(problems);
}

TEST_F(PlantedTree, AFolderThatIsNoModuleIsReported) {
  write(dir_.file("src/misc/thing.cpp"), "\n");
  const auto problems = check_tree(dir_.path());
  EXPECT_NE(describe(problems).find("folder 'misc' is not a module"), std::string::npos) << describe(problems);
}

}  // namespace
}  // namespace replex::modules
