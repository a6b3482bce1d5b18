#include "node/store/wal_checkpointer.h"

#include "base/log.h"

namespace akari::store {

std::unique_ptr<WalCheckpointer> WalCheckpointer::Start(Store connection, int threshold_pages) {
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(connection), threshold_pages));
}

WalCheckpointer::WalCheckpointer(Store connection, int threshold_pages)
    : connection_(std::move(connection)), threshold_pages_(threshold_pages), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::Attach(db::Database& db) {
  db.SetWalCommitHook(&WalCheckpointer::OnCommit, this);
}

void WalCheckpointer::OnCommit(void* self, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= checkpointer->threshold_pages_) {
    {
      std::lock_guard lock(checkpointer->mu_);
      checkpointer->requested_ = true;
    }
    checkpointer->wake_.notify_one();
  }
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    const bool last = stopping_;
    requested_ = false;
    lock.unlock();
    // PASSIVE copies what it can without waiting for readers or writers;
    // whatever it could not copy is taken by a later checkpoint.
    if (auto s = connection_.database().Exec("PRAGMA wal_checkpoint(PASSIVE)"); !s) {
      Log(LogLevel::kWarn, "store.checkpoint_failed", {{"message", s.error().message}});
    } else {
      ++checkpoints_;
    }
    if (last) return;
    lock.lock();
  }
}

}  // namespace akari::store
