// Private: how much later than the node's own commit deadline a load client
// gives up on a call, so the node can answer DEADLINE_EXCEEDED itself.
#pragma once

#include <chrono>

namespace replex::client {

inline constexpr std::chrono::milliseconds kClientSlack{5'000};

}  // namespace replex::client
