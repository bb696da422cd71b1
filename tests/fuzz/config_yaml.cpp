// The YAML readers (config/node_config.hpp, config/genesis_file.hpp): what an
// operator writes, or a genesis file handed around between operators.
// Input: a selector byte, then the text.
//   0 parse_node_config; 1 parse_genesis_file, whose accepted files render
//   (render_genesis_file) to text that parses back to an equal GenesisFile;
//   2 parse_settlement_section; 3 parse_listen_address.
// Every refusal carries a message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/node_config.hpp"

using namespace replex;
using namespace replex::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0]) {
    case 0: {
      auto config = parse_node_config(text, "fuzz.yaml");
      if (!config) FUZZ_CHECK(!config.status().message().empty(), "a refusal without a message");
      break;
    }
    case 1: {
      auto genesis = parse_genesis_file(text, "genesis.yaml");
      if (!genesis) {
        FUZZ_CHECK(!genesis.status().message().empty(), "a refusal without a message");
        break;
      }
      const std::string rendered = render_genesis_file(*genesis);
      auto again = parse_genesis_file(rendered, "rendered.yaml");
      FUZZ_CHECK(again.is_ok(), "a rendered genesis does not parse: " + again.status().to_string() + "\n" + rendered);
      FUZZ_CHECK(*again == *genesis, "a rendered genesis parses to another GenesisFile:\n" + rendered);
      FUZZ_CHECK(again->hash() == genesis->hash(), "a rendered genesis has another hash");
      break;
    }
    case 2: {
      auto section = parse_settlement_section(text, "chains.yaml");
      if (!section) FUZZ_CHECK(!section.status().message().empty(), "a refusal without a message");
      break;
    }
    case 3: {
      auto address = parse_listen_address(text);
      if (!address) FUZZ_CHECK(!address.status().message().empty(), "a refusal without a message");
      break;
    }
    default:
      break;
  }
  return 0;
}
