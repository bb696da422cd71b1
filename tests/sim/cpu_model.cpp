#include "sim/cpu_model.hpp"

#include <algorithm>
#include <charconv>

#include "replex/core/overloaded.hpp"

namespace replex::sim {

namespace {

struct CostField {
  const char* name;
  std::uint64_t CpuCosts::*field;
};
constexpr CostField kCostFields[] = {
    {"verify", &CpuCosts::verify_us},   {"sign", &CpuCosts::sign_us},
    {"message", &CpuCosts::message_us}, {"kib", &CpuCosts::kib_us}, {"tx", &CpuCosts::tx_us},
    {"execute-tx", &CpuCosts::execute_tx_us}, {"block", &CpuCosts::block_us},
};

}  // namespace

std::string CpuCosts::to_string() const {
  std::string s = "cores=" + std::to_string(cores);
  for (const CostField& f : kCostFields) {
    s += ',';
    s += f.name;
    s += '=';
    s += std::to_string(this->*f.field);
  }
  return s;
}

Result<CpuCosts> CpuCosts::parse(const std::string& text) {
  CpuCosts costs;
  if (text == "on") return costs;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::invalid_argument("--cpu: '" + item + "', expected on or KEY=MICROSECONDS");
    }
    const std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size() || v > 10'000'000) {
      return Status::invalid_argument("--cpu: " + key + "='" + value +
                                      "' is not an integer in 0..10000000");
    }
    if (key == "cores") {
      if (v < 1 || v > 64) return Status::invalid_argument("--cpu: cores=" + value + ", must be 1..64");
      costs.cores = static_cast<std::uint32_t>(v);
      continue;
    }
    const auto* f = std::find_if(std::begin(kCostFields), std::end(kCostFields),
                                 [&](const CostField& c) { return key == c.name; });
    if (f == std::end(kCostFields)) {
      return Status::invalid_argument("--cpu: unknown cost '" + key +
                                      "' (cores verify sign message kib tx execute-tx block)");
    }
    costs.*(f->field) = v;
  }
  return costs;
}

std::uint64_t signatures_in(const consensus::Message& message) {
  const auto view_change_signatures = [](const consensus::ViewChangeBody& vc) {
    std::uint64_t n = 0;
    if (vc.committed_certificate) n += vc.committed_certificate->signatures.size();
    for (const consensus::PreparedCertificate& p : vc.prepared) n += 1 + p.prepares.size();
    return n;
  };
  return 1 + std::visit(Overloaded{
                            [](const consensus::VoteBody&) -> std::uint64_t { return 0; },
                            [](const consensus::CheckpointBody&) -> std::uint64_t { return 0; },
                            [&](const consensus::ViewChangeBody& vc) -> std::uint64_t {
                              return view_change_signatures(vc);
                            },
                            [&](const consensus::NewViewBody& nv) -> std::uint64_t {
                              std::uint64_t n = nv.proposals.size();
                              for (const consensus::SignedViewChange& vc : nv.view_changes) {
                                n += 1 + view_change_signatures(vc.body);
                              }
                              return n;
                            },
                        },
                        message.body);
}

std::uint64_t NodeCpu::occupy(std::uint64_t ready_us, std::uint64_t cost_us) {
  auto core = std::min_element(free_at_us_.begin(), free_at_us_.end());
  const std::uint64_t start = std::max(ready_us, *core);
  max_backlog_us_ = std::max(max_backlog_us_, start - ready_us);
  *core = start + cost_us;
  busy_us_ += cost_us;
  return *core;
}

void NodeCpu::reset(std::uint64_t now_us) {
  for (std::uint64_t& t : free_at_us_) t = std::min(t, now_us);
}

std::uint64_t NodeCpu::backlog_us(std::uint64_t now_us) const {
  const std::uint64_t earliest = *std::min_element(free_at_us_.begin(), free_at_us_.end());
  return earliest > now_us ? earliest - now_us : 0;
}

}  // namespace replex::sim
