#include "request_peers.hpp"

#include <algorithm>

namespace replex::consensus::detail {

std::vector<ValidatorIndex> peers_for_request(const ValidatorSet& validators,
                                              const std::vector<ValidatorIndex>& likely,
                                              std::uint32_t rotation, std::optional<ValidatorIndex> self) {
  std::vector<ValidatorIndex> peers;
  std::vector<bool> listed(validators.size(), false);
  if (self) listed[*self] = true;
  for (ValidatorIndex p : likely) {
    if (!validators.contains(p) || listed[p]) continue;
    peers.push_back(p);
    listed[p] = true;
  }
  for (ValidatorIndex i = 0; i < validators.size(); ++i) {
    if (!listed[i]) peers.push_back(i);
  }
  if (!peers.empty()) {
    const auto shift = static_cast<std::ptrdiff_t>(rotation % peers.size());
    std::rotate(peers.begin(), peers.begin() + shift, peers.end());
  }
  return peers;
}

}  // namespace replex::consensus::detail
