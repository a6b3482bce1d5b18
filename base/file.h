// Whole-file reads and crash-safe whole-file writes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>

#include "base/bytes.h"
#include "base/result.h"

namespace akari {

// Reads all of `path`. Errors: kNotFound if it does not exist, kInvalidInput
// if it is larger than `max_bytes`, kIo otherwise. Messages name the file.
Result<Bytes> ReadFileBytes(const std::filesystem::path& path, std::size_t max_bytes = std::size_t{1} << 30);

// Replaces `path` with `data` so that a crash at any point leaves either the
// old or the new content: writes a temporary file beside it with `mode`,
// fsyncs it, renames it over `path` and fsyncs the directory. On error the
// temporary file is removed and `path` is unchanged.
Status WriteFileAtomically(const std::filesystem::path& path, ByteSpan data, mode_t mode = 0600);

// fsyncs a directory so that renames and creations in it are durable.
Status SyncDirectory(const std::filesystem::path& dir);

// Creates `dir` (and missing parents) and gives `dir` mode 0700.
Status CreatePrivateDirectory(const std::filesystem::path& dir);

// An exclusive advisory lock on a file (flock), held until the object is
// destroyed or the process ends (the kernel drops it when the process dies,
// so a killed holder never leaves it stuck). Two holders conflict whether
// they are in two processes or in one (each opens the file on its own).
class FileLock {
 public:
  // Creates `path` (mode 0600) if needed and takes the lock without
  // waiting. Errors: kBusy if another holder has it, kIo otherwise.
  static Result<FileLock> TryAcquire(const std::filesystem::path& path);
  // The same, but waits for another holder to let go. Errors: kIo.
  static Result<FileLock> Acquire(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace akari
