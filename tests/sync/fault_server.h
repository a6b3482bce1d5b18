// A deliberately bad static HTTP server for fault tests: it serves files
// from a directory (with single Range support, one request per connection)
// and, as a policy decides per request, resets the connection in the middle
// of a body, answers late, answers 500, or answers with a body far larger
// than any file it has.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/sync/loopback.h"

namespace akari::testing {

class FaultServer {
 public:
  struct Fault {
    enum class Kind { kNone, kReset, kDelay, kStatus500, kOversize };
    enum class Framing { kContentLength, kChunked, kUntilClose };
    Kind kind = Kind::kNone;
    std::size_t reset_after = 0;  // body bytes sent before the reset
    std::chrono::milliseconds delay{0};
    // kOversize: answers `status` with `oversize_bytes` bytes of filler,
    // framed as `framing`, sent for as long as the client reads them.
    int status = 200;
    Framing framing = Framing::kContentLength;
    std::size_t oversize_bytes = 0;
  };
  struct Seen {
    std::string path;
    std::string range;  // the Range header, "" if none
  };
  // Decides the fault for the `n`-th request (0-based, over all paths).
  using Policy = std::function<Fault(const Seen& request, int n)>;

  FaultServer(std::filesystem::path root, Policy policy);
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::vector<Seen> requests() const;
  // Body bytes of kOversize answers the kernel took from the server: a
  // client that stops reading makes this stop growing, up to what the
  // sockets' buffers hold.
  std::size_t oversize_bytes_sent() const { return oversize_sent_; }

 private:
  void Loop();
  void Handle(int fd);
  void SendOversize(int fd, const Fault& fault);

  std::filesystem::path root_;
  Policy policy_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> oversize_sent_{0};
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::thread thread_;
};

}  // namespace akari::testing
