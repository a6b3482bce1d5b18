#include "base/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "base/errors.h"

namespace akari {
namespace {

// Owns one file descriptor.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports whether close succeeded (close can report a
  // deferred write error).
  bool Close() {
    const int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::unexpected<Error> IoError(const std::filesystem::path& path, std::string_view what, int err) {
  return MakeError(err == ENOENT ? BaseErrc::kNotFound : BaseErrc::kIo,
                   std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

Status WriteAll(int fd, ByteSpan data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path, "cannot write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<Bytes> ReadFileBytes(const std::filesystem::path& path, std::size_t max_bytes) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError(path, "cannot stat", errno);
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return MakeError(BaseErrc::kInvalidInput,
                     "file " + path.string() + " is larger than the " + std::to_string(max_bytes) + " bytes allowed");
  }
  // Read straight into the result, with no buffer of our own: a caller
  // that reads a key wipes the result, and nothing else keeps a copy.
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      // The file grew since fstat (or reports no size, as /proc does). One
      // byte past the limit is enough to tell that it is too large.
      const std::size_t cap = max_bytes < std::numeric_limits<std::size_t>::max() ? max_bytes + 1 : max_bytes;
      out.resize(std::min(cap, std::max<std::size_t>(2 * out.size(), 4096)));
    }
    const ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path, "cannot read", errno);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    if (used > max_bytes) {
      return MakeError(BaseErrc::kInvalidInput, "file " + path.string() + " grew past the size allowed");
    }
  }
  out.resize(used);
  return out;
}

namespace {

// A failed mode change that only says the file system keeps no POSIX
// modes: FAT and exFAT (the file systems of most USB sticks), NTFS, and FUSE
// mounts of them. There the kernel's vfat answers EPERM unless mounted with
// `quiet`, fusefat ENOSYS, and the mount's own options decide who may read.
// Refusing would leave a node unable to back up to the stick staff have;
// what Akari writes there (a SQLCipher store, a passphrase-wrapped
// keystore) is encrypted. EPERM elsewhere (a directory owned by another
// user) stays an error.
bool ModesNotKept(const struct statfs& fs, int err) {
  if (err == ENOSYS || err == ENOTSUP || err == EOPNOTSUPP) return true;
  if (err != EPERM) return false;
  constexpr std::array<unsigned long, 5> kModeless = {
      0x4d44,      // MSDOS_SUPER_MAGIC: vfat, msdos
      0x2011BAB0,  // EXFAT_SUPER_MAGIC
      0x5346544e,  // NTFS_SB_MAGIC
      0x7366746e,  // ntfs3
      0x65735546,  // FUSE_SUPER_MAGIC: fusefat, exfat-fuse, ntfs-3g
  };
  return std::find(kModeless.begin(), kModeless.end(), static_cast<unsigned long>(fs.f_type)) != kModeless.end();
}

bool ModesNotKept(const std::filesystem::path& path, int err) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && ModesNotKept(fs, err);
}

bool ModesNotKept(int fd, int err) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && ModesNotKept(fs, err);
}

}  // namespace

Status SyncDirectory(const std::filesystem::path& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return IoError(dir, "cannot open directory", errno);
  if (::fsync(fd.get()) != 0) return IoError(dir, "cannot sync directory", errno);
  return {};
}

Status WriteFileAtomically(const std::filesystem::path& path, ByteSpan data, mode_t mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::random_device rd;
  const std::filesystem::path tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(rd()));
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return IoError(tmp, "cannot create", errno);
  auto fail = [&](std::unexpected<Error> e) {
    ::unlink(tmp.c_str());
    return e;
  };
  // The umask may have narrowed `mode`; a wider mode is never wanted, but an
  // exact one is (0600 files must not become 0400).
  if (::fchmod(fd.get(), mode) != 0 && !ModesNotKept(fd.get(), errno)) {
    return fail(IoError(tmp, "cannot set mode of", errno));
  }
  if (auto s = WriteAll(fd.get(), data, tmp); !s) return fail(std::unexpected(s.error()));
  if (::fsync(fd.get()) != 0) return fail(IoError(tmp, "cannot sync", errno));
  if (!fd.Close()) return fail(IoError(tmp, "cannot close", errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(IoError(path, "cannot replace", errno));
  return SyncDirectory(dir);
}

Status CreatePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return MakeError(BaseErrc::kIo, "cannot create directory " + dir.string() + ": " + ec.message());
  }
  if (::chmod(dir.c_str(), 0700) != 0 && !ModesNotKept(dir, errno)) {
    return IoError(dir, "cannot set mode 0700 on", errno);
  }
  return {};
}

Result<FileLock> FileLock::TryAcquire(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(path, "cannot open lock file", errno);
  FileLock lock(fd);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return MakeError(BaseErrc::kBusy, path.string() + " is locked by another process");
    return IoError(path, "cannot lock", errno);
  }
  return lock;
}

Result<FileLock> FileLock::Acquire(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(path, "cannot open lock file", errno);
  FileLock lock(fd);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return IoError(path, "cannot lock", errno);
  }
  return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

// Closing the descriptor releases the lock.
FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace akari
