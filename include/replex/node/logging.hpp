// Logging setup: the process-wide spdlog default logger from the config's
// logging section (level, pattern, optional file). Call before any thread starts.
#pragma once

#include <string>

#include "replex/core/status.hpp"
#include "replex/config/node_config.hpp"

namespace replex::node {

// `home` resolves a relative logging.file.
Status setup_logging(const config::LoggingSection& logging, const std::string& home);

}  // namespace replex::node
