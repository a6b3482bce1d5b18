// A deliberately bad HTTP reverse proxy for reconciliation fault tests: it
// stands between a node and a real hub and, as a policy decides per request,
// forwards it, answers 500 without forwarding, or forwards it and then
// resets the connection instead of relaying the hub's answer (the hub has
// committed; the node never hears). One request per connection.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace akari::testing {

class FaultProxy {
 public:
  enum class Fault {
    kForward,         // relay the request and the answer
    kStatus500,       // answer 500 at once; the hub never sees the request
    kLoseResponse,    // relay the request, read the hub's answer, reset the client's connection
    kForwardThen502,  // relay the request, read the hub's answer, answer 502 instead (a gateway timing out)
  };
  struct Seen {
    std::string method;
    std::string target;
    int nth = 0;  // 0-based index among the requests with this method and target
  };
  using Policy = std::function<Fault(const Seen& request)>;

  // Forwards to http://127.0.0.1:`upstream_port`.
  FaultProxy(int upstream_port, Policy policy);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  // The requests seen so far, in order, with the fault applied to each.
  std::vector<std::pair<Seen, Fault>> requests() const;
  // How many requests had this method and target.
  int Count(const std::string& method, const std::string& target) const;

 private:
  void Loop();
  void Handle(int fd);

  int upstream_port_;
  Policy policy_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::pair<Seen, Fault>> seen_;
  std::thread thread_;
};

}  // namespace akari::testing
