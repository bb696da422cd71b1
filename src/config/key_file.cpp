#include "replex/config/key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace replex::config {
namespace {

constexpr std::size_t kSeedHexBytes = 2 * KeyPair::kSeedSize;

std::string errno_text() { return std::strerror(errno); }

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Status write_key_file(const std::string& path, const KeyPair& key, std::string_view kind) {
  auto seed = key.seed();
  const Status written = write_secret_file(path, seed, kind);
  sodium_memzero(seed.data(), seed.size());
  return written;
}

Status write_secret_file(const std::string& path, const SecretBytes& secret, std::string_view kind) {
  const std::string what = path + ": " + std::string(kind) + " file";
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) return Status::already_exists(what + " exists, not overwritten");
    return Status::io_error(what + ": cannot create: " + errno_text());
  }
  if (::fchmod(fd.get(), 0600) != 0) return Status::io_error(what + ": chmod 0600: " + errno_text());
  std::string line = to_hex(secret) + "\n";
  const ssize_t written = ::write(fd.get(), line.data(), line.size());
  sodium_memzero(line.data(), line.size());
  if (written != static_cast<ssize_t>(kSeedHexBytes + 1)) {
    return Status::io_error(what + ": short write: " + errno_text());
  }
  if (::fsync(fd.get()) != 0) return Status::io_error(what + ": fsync: " + errno_text());
  return Status::ok();
}

Result<KeyPair> read_key_file(const std::string& path, std::string_view kind) {
  REPLEX_ASSIGN_OR_RETURN(SecretBytes seed, read_secret_file(path, kind));
  auto key = KeyPair::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Result<SecretBytes> read_secret_file(const std::string& path, std::string_view kind) {
  const std::string what = path + ": " + std::string(kind) + " file";
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::not_found(what + " does not exist");
    return Status::io_error(what + ": cannot open: " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::io_error(what + ": stat: " + errno_text());
  if (!S_ISREG(st.st_mode)) return Status::corruption(what + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::permission_denied(what + " has mode " + mode +
                                     "; group and others must have no access (chmod 600)");
  }
  std::array<char, kSeedHexBytes + 2> buf{};
  std::size_t total = 0;
  while (total < buf.size()) {
    const ssize_t n = ::read(fd.get(), buf.data() + total, buf.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::io_error(what + ": read: " + errno_text());
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  std::string_view text(buf.data(), total);
  if (text.ends_with('\n')) text.remove_suffix(1);
  auto seed = text.size() == kSeedHexBytes ? from_hex(text) : Result<Bytes>(Status::corruption(""));
  sodium_memzero(buf.data(), buf.size());
  if (!seed) {
    return Status::corruption(what + " must hold one line of " + std::to_string(kSeedHexBytes) +
                              " hex digits");
  }
  SecretBytes out;
  std::copy(seed->begin(), seed->end(), out.begin());
  sodium_memzero(seed->data(), seed->size());
  return out;
}

Result<KeyPair> load_or_create_key_file(const std::string& path, std::string_view kind) {
  auto existing = read_key_file(path, kind);
  if (existing || existing.status().code() != StatusCode::kNotFound) return existing;
  KeyPair fresh = KeyPair::generate();
  const Status written = write_key_file(path, fresh, kind);
  // Another process may have created it between our read and write: use theirs.
  if (written.code() == StatusCode::kAlreadyExists) return read_key_file(path, kind);
  if (!written) return written;
  return fresh;
}

}  // namespace replex::config
