#include "tests/sync/fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/sync/loopback.h"

namespace akari::testing {
namespace {

std::string Header(std::string_view head, std::string_view name) {
  std::istringstream in{std::string(head)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() + 1 && strncasecmp(line.c_str(), name.data(), name.size()) == 0 &&
        line[name.size()] == ':') {
      std::string v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      return v;
    }
  }
  return "";
}

}  // namespace

FaultServer::FaultServer(std::filesystem::path root, Policy policy)
    : root_(std::move(root)), policy_(std::move(policy)) {
  listen_fd_ = ListenOnLoopback(port_);
  thread_ = std::thread([this] { Loop(); });
}

FaultServer::~FaultServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<FaultServer::Seen> FaultServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

void FaultServer::Loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Handle(fd);
  }
}

void FaultServer::Handle(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  std::istringstream first(head.substr(0, head.find("\r\n")));
  std::string method, target;
  first >> method >> target;
  const std::string range = Header(head, "Range");
  int index = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = static_cast<int>(seen_.size());
    seen_.push_back({target, range});
  }
  const Fault fault = policy_ ? policy_(Seen{target, range}, index) : Fault{};
  if (fault.kind == Fault::Kind::kDelay) std::this_thread::sleep_for(fault.delay);
  if (fault.kind == Fault::Kind::kOversize) {
    SendOversize(fd, fault);
    ::close(fd);
    return;
  }
  if (fault.kind == Fault::Kind::kStatus500) {
    SendAll(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ::close(fd);
    return;
  }
  const auto file = root_ / std::filesystem::path(target).relative_path();
  std::ifstream in(file, std::ios::binary);
  if (target.find("..") != std::string::npos || !in) {
    SendAll(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ::close(fd);
    return;
  }
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t first_byte = 0, last_byte = body.empty() ? 0 : body.size() - 1;
  std::string status = "200 OK", extra;
  if (range.starts_with("bytes=")) {
    const std::size_t dash = range.find('-');
    first_byte = std::stoull(range.substr(6, dash - 6));
    if (dash + 1 < range.size()) last_byte = std::min<std::size_t>(std::stoull(range.substr(dash + 1)), last_byte);
    if (first_byte >= body.size()) {
      SendAll(fd, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      ::close(fd);
      return;
    }
    status = "206 Partial Content";
    extra = "Content-Range: bytes " + std::to_string(first_byte) + "-" + std::to_string(last_byte) + "/" +
            std::to_string(body.size()) + "\r\n";
  }
  const std::string part = body.substr(first_byte, last_byte - first_byte + 1);
  SendAll(fd, "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(part.size()) + "\r\n" + extra +
                  "Connection: close\r\n\r\n");
  if (fault.kind == Fault::Kind::kReset) {
    // Never the whole body: the client must see an incomplete response.
    SendAll(fd, std::string_view(part).substr(0, std::min(fault.reset_after, part.empty() ? 0 : part.size() - 1)));
    const linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);  // close with RST
    ::close(fd);
    return;
  }
  SendAll(fd, part);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

void FaultServer::SendOversize(int fd, const Fault& fault) {
  // Small socket buffers, so that what the client leaves unread stays
  // close to what was counted as sent; a client that neither reads nor
  // closes ends the answer after the send timeout.
  const int buffer = 64 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  const timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string head = "HTTP/1.1 " + std::to_string(fault.status) + " Oversize\r\nConnection: close\r\n";
  if (fault.framing == Fault::Framing::kContentLength) {
    head += "Content-Length: " + std::to_string(fault.oversize_bytes) + "\r\n";
  } else if (fault.framing == Fault::Framing::kChunked) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  if (!SendAll(fd, head + "\r\n")) return;
  const std::string block(64 * 1024, 'x');
  for (std::size_t left = fault.oversize_bytes; left > 0;) {
    const std::string_view piece = std::string_view(block).substr(0, std::min(left, block.size()));
    if (fault.framing == Fault::Framing::kChunked) {
      char size_line[32];
      std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
      if (!SendAll(fd, size_line)) return;
    }
    if (!SendAll(fd, piece)) return;
    oversize_sent_ += piece.size();
    left -= piece.size();
    if (fault.framing == Fault::Framing::kChunked && !SendAll(fd, "\r\n")) return;
  }
  if (fault.framing == Fault::Framing::kChunked) SendAll(fd, "0\r\n\r\n");
  ::shutdown(fd, SHUT_WR);
}

}  // namespace akari::testing
