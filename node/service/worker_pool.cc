#include "node/service/internal/worker_pool.h"

#include <algorithm>
#include <utility>

namespace akari::node {

WorkerPool::WorkerPool(std::size_t threads) {
  threads_.reserve(std::max<std::size_t>(1, threads));
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) threads_.emplace_back([this, i] { Run(i); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void WorkerPool::Run(std::size_t worker) {
  std::unique_lock lock(mu_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing is left to run
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task(worker);
    task = nullptr;  // what it captured goes before the next wait
    lock.lock();
  }
}

}  // namespace akari::node
