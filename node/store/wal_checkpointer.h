// Checkpoints a store's write-ahead log on a thread of its own.
//
// SQLite checkpoints in the committing thread once the WAL passes 1,000
// pages, and a checkpoint ends with fsync calls that can take milliseconds.
// On the service's shared connection that thread holds the connection every
// record opening reads through, so each checkpoint stalled every request in
// flight (the benchmark's p99 doubled; docs/benchmarks.md, "Service"). An
// attached connection hands the checkpoint to this object instead, whose
// thread runs it on its own connection in PASSIVE mode, which never blocks
// readers or writers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "node/store/store.h"

namespace akari::store {

class WalCheckpointer {
 public:
  // SQLite's own default threshold.
  static constexpr int kDefaultThresholdPages = 1000;

  // Starts the thread; `connection` is its own (to the same file as every
  // connection attached later).
  [[nodiscard]] static std::unique_ptr<WalCheckpointer> Start(Store connection,
                                                              int threshold_pages = kDefaultThresholdPages);
  // Stops the thread after a last passive checkpoint.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // From now on, a commit through `db` that leaves at least the threshold
  // of pages in the WAL wakes this thread, and `db` no longer checkpoints
  // by itself. This object must outlive `db`'s connection. Call on the
  // thread that uses `db`.
  void Attach(db::Database& db);

  // Checkpoints run so far (for tests).
  std::int64_t checkpoints() const { return checkpoints_.load(); }

 private:
  WalCheckpointer(Store connection, int threshold_pages);
  static void OnCommit(void* self, int wal_pages);
  void Run();

  Store connection_;
  const int threshold_pages_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::atomic<std::int64_t> checkpoints_{0};
  std::thread thread_;  // last: starts after everything it uses
};

}  // namespace akari::store
