// Small file helpers for the node's text files (config, genesis, keys).
// Errors are Status values naming the path.
#pragma once

#include <string>
#include <sys/types.h>

#include "replex/core/status.hpp"

namespace replex::config {

// Whole file as text; refuses files above `max_bytes`.
Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes = 64u << 20);

// Writes `text` to a new file with `mode`; kAlreadyExists if it exists.
Status write_new_file(const std::string& path, std::string_view text, mode_t mode = 0644);

// Replaces `path` with `text` in one step (a synced temporary file renamed
// over it), so a reader or a crash sees the old file or the new one, never half.
Status replace_file(const std::string& path, std::string_view text, mode_t mode = 0644);
// mkdir -p with `mode` for directories it creates.
Status make_directories(const std::string& path, mode_t mode = 0755);

}  // namespace replex::config
