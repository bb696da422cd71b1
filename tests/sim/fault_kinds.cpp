#include "sim/fault_kinds.hpp"

#include <array>

namespace replex::sim {

namespace {

constexpr std::array<std::string_view, kFaultKinds> kNames = {"drop",
                                                              "dup",
                                                              "delay",
                                                              "reorder",
                                                              "partition",
                                                              "crash",
                                                              "outage",
                                                              "disk-error",
                                                              "disk-corrupt",
                                                              "skew",
                                                              "nonce-reuse",
                                                              "equivocate",
                                                              "silent",
                                                              "forge",
                                                              "double-vote",
                                                              "replay",
                                                              "invalid-proposal",
                                                              "lying-view-change"};

}  // namespace

std::string_view fault_name(Fault f) { return kNames[static_cast<std::size_t>(f)]; }

std::optional<Fault> fault_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Fault>(i);
  }
  return std::nullopt;
}

bool is_byzantine(Fault f) { return f >= Fault::kEquivocate; }

bool FaultSet::has_byzantine() const {
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    const auto f = static_cast<Fault>(i);
    if (is_byzantine(f) && has(f)) return true;
  }
  return false;
}

std::string FaultSet::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    if (!has(static_cast<Fault>(i))) continue;
    if (!out.empty()) out += ',';
    out += kNames[i];
  }
  return out.empty() ? "none" : out;
}

std::optional<FaultSet> FaultSet::parse(std::string_view list, std::string* error) {
  FaultSet set;
  if (list == "none") return set;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    const std::optional<Fault> f = fault_from_name(name);
    if (!f) {
      if (error) *error = "unknown fault '" + std::string(name) + "'";
      return std::nullopt;
    }
    set.add(*f);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return set;
}

FaultCounts& FaultCounts::operator+=(const FaultCounts& other) {
  for (std::size_t i = 0; i < kFaultKinds; ++i) injected[i] += other.injected[i];
  view_changes += other.view_changes;
  crash_restarts += other.crash_restarts;
  state_transfers += other.state_transfers;
  chunks_served += other.chunks_served;
  transfers_overtaken += other.transfers_overtaken;
  refused_starts += other.refused_starts;
  evidence += other.evidence;
  return *this;
}

}  // namespace replex::sim
