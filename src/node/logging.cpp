#include "replex/node/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace replex::node {

Status setup_logging(const config::LoggingSection& logging, const std::string& home) {
  spdlog::sink_ptr sink;
  try {
    if (logging.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config::resolve_path(home, logging.file));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Status::io_error(std::string("logging.file: ") + e.what());
  }
  auto logger = std::make_shared<spdlog::logger>("replex", std::move(sink));
  logger->set_level(spdlog::level::from_str(logging.level));
  logger->set_pattern(logging.pattern, spdlog::pattern_time_type::utc);
  // Operators tail the log: info and above reach the sink at once.
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::ok();
}

}  // namespace replex::node
