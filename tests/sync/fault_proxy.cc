#include "tests/sync/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include "tests/sync/loopback.h"

namespace akari::testing {
namespace {

// Appends what arrives on `fd` to `out` until `done(out)` or the peer
// closes or nothing arrives for `idle_ms`.
void ReadUntil(int fd, std::string& out, const std::function<bool(const std::string&)>& done, int idle_ms) {
  char buf[16384];
  while (!done(out)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, idle_ms) <= 0) return;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

void CloseWithReset(int fd) {
  const linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

// Answers `status` ("500 Internal Server Error") with a JSON error body and closes.
void SendError(int fd, const std::string& status) {
  const std::string body = R"({"error":{"code":"internal","message":"injected by the test proxy"}})";
  SendAll(fd, "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The head with any Connection header replaced by "Connection: close", and
// the Content-Length it announces.
std::string CloseAfterwards(std::string_view head, std::size_t& content_length) {
  std::istringstream in{std::string(head)};
  std::string line, out;
  content_length = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (strncasecmp(line.c_str(), "connection:", 11) == 0) continue;
    if (strncasecmp(line.c_str(), "content-length:", 15) == 0) {
      content_length = static_cast<std::size_t>(std::stoull(line.substr(15)));
    }
    out += line + "\r\n";
  }
  return out + "Connection: close\r\n\r\n";
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, Policy policy) : upstream_port_(upstream_port), policy_(std::move(policy)) {
  listen_fd_ = ListenOnLoopback(port_);
  thread_ = std::thread([this] { Loop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<std::pair<FaultProxy::Seen, FaultProxy::Fault>> FaultProxy::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

int FaultProxy::Count(const std::string& method, const std::string& target) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [s, f] : seen_) n += s.method == method && s.target == target ? 1 : 0;
  return n;
}

void FaultProxy::Loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Handle(fd);
  }
}

void FaultProxy::Handle(int fd) {
  std::string request;
  ReadUntil(
      fd, request, [](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; }, 5000);
  const std::size_t head_end = request.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    ::close(fd);
    return;
  }
  std::size_t content_length = 0;
  const std::string head = CloseAfterwards(std::string_view(request).substr(0, head_end + 2), content_length);
  const std::size_t body_start = head_end + 4;
  ReadUntil(
      fd, request, [&](const std::string& r) { return r.size() >= body_start + content_length; }, 5000);

  Seen seen;
  std::istringstream(head.substr(0, head.find("\r\n"))) >> seen.method >> seen.target;
  Fault fault = Fault::kForward;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [s, f] : seen_) seen.nth += s.method == seen.method && s.target == seen.target ? 1 : 0;
  }
  if (policy_) fault = policy_(seen);
  {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.emplace_back(seen, fault);
  }

  if (fault == Fault::kStatus500) {
    SendError(fd, "500 Internal Server Error");
    return;
  }
  const int upstream = ConnectLoopback(upstream_port_);
  if (upstream < 0) {  // the hub is down behind the proxy
    CloseWithReset(fd);
    return;
  }
  SendAll(upstream, head);
  SendAll(upstream, std::string_view(request).substr(body_start));
  std::string response;
  ReadUntil(
      upstream, response, [](const std::string&) { return false; }, 30000);  // until the hub closes
  ::close(upstream);
  if (fault == Fault::kLoseResponse) {
    CloseWithReset(fd);
    return;
  }
  if (fault == Fault::kForwardThen502) {
    SendError(fd, "502 Bad Gateway");
    return;
  }
  SendAll(fd, response);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace akari::testing
