#include "replex/config/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace replex::config {

Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return Status::not_found(path + ": no such file");
    return Status::io_error(path + ": " + ec.message());
  }
  if (size > max_bytes) {
    return Status::invalid_argument(path + ": " + std::to_string(size) + " bytes, the limit is " +
                                    std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error(path + ": read failed");
  return text.str();
}

Status write_new_file(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::already_exists(path + ": exists, not overwritten");
    return Status::io_error(path + ": cannot create: " + std::strerror(errno));
  }
  Status status;
  if (::fchmod(fd, mode) != 0) status = Status::io_error(path + ": chmod: " + std::strerror(errno));
  std::size_t done = 0;
  while (status && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Status::io_error(path + ": write: " + std::strerror(errno));
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (status && ::fsync(fd) != 0) status = Status::io_error(path + ": fsync: " + std::strerror(errno));
  ::close(fd);
  return status;
}

Status replace_file(const std::string& path, std::string_view text, mode_t mode) {
  const std::string temporary = path + ".tmp";
  std::error_code ec;
  std::filesystem::remove(temporary, ec);  // a leftover of an interrupted replace
  REPLEX_RETURN_IF_ERROR(write_new_file(temporary, text, mode));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const Status failed = Status::io_error(path + ": rename: " + std::strerror(errno));
    std::filesystem::remove(temporary, ec);
    return failed;
  }
  return Status::ok();
}

Status make_directories(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::io_error(path + ": cannot create directory: " + ec.message());
  if (mode != 0755 && ::chmod(path.c_str(), mode) != 0) {
    return Status::io_error(path + ": chmod: " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace replex::config
