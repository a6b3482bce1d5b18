// The threads that run the service's blocking requests: logins (Argon2id),
// card I/O, durable checks, searches. One thread per Worker (store
// connection), so a request holds its worker for its whole call without
// waiting for another, and the HTTP server's I/O threads never wait for
// any of them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace akari::node {

class WorkerPool {
 public:
  // Runs with the index of the thread running it, in [0, threads).
  using Task = std::move_only_function<void(std::size_t worker)>;

  explicit WorkerPool(std::size_t threads);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Runs every task still queued, then joins the threads.
  ~WorkerPool();

  // Thread-safe. Tasks start in the order posted, on whichever thread is
  // free first. A task must not throw.
  void Post(Task task);

 private:
  void Run(std::size_t worker);

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: they start once the rest is built
};

}  // namespace akari::node
