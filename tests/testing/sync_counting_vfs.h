// A SQLite VFS for tests that passes every call to the default VFS and
// counts the syncs of write-ahead logs: how a test sees that a commit was
// made durable (synchronous = FULL) and not merely written.
#pragma once

#include <atomic>

struct sqlite3_vfs;

namespace akari::testing {

// While it lives, every database opened afterwards goes through it (it is
// registered as SQLite's default VFS). One at a time; connections opened
// through it must be closed before it is destroyed.
class SyncCountingVfs {
 public:
  SyncCountingVfs();
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;
  ~SyncCountingVfs();

  // Syncs of files whose name ends in "-wal" so far.
  int wal_syncs() const { return wal_syncs_.load(); }

  // For the VFS's callbacks.
  void CountWalSync() { ++wal_syncs_; }
  sqlite3_vfs* inner() const { return inner_; }

 private:
  sqlite3_vfs* inner_;
  sqlite3_vfs* vfs_;
  std::atomic<int> wal_syncs_{0};
};

}  // namespace akari::testing
