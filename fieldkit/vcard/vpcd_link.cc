#include "fieldkit/vcard/vpcd_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace akari::fieldkit {
namespace {

volatile std::sig_atomic_t g_quit = 0;
volatile std::sig_atomic_t g_remove = 0;
volatile std::sig_atomic_t g_insert = 0;

extern "C" void OnSignal(int sig) {
  if (sig == SIGUSR1) {
    g_remove = 1;
  } else if (sig == SIGUSR2) {
    g_insert = 1;
  } else {
    g_quit = 1;
  }
}

void InstallSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaction(sig, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

void Event(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string Hex(ByteSpan b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (std::uint8_t x : b) {
    out += kDigits[x >> 4];
    out += kDigits[x & 15];
  }
  return out;
}

// The APDU for the log, with the data of VERIFY (a PIN) masked.
std::string TraceText(ByteSpan apdu) {
  if (apdu.size() > 5 && apdu[1] == 0x20) return Hex(apdu.first(5)) + std::string((apdu.size() - 5) * 2, '*');
  return Hex(apdu);
}

int ConnectTo(const std::string& host, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool ReadExactly(int fd, std::uint8_t* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    // vpcd sends a message's length and its bytes in two writes; with
    // Nagle on its side, the second waits for our ACK of the first. ACK at
    // once instead of after the 40 ms delayed-ACK timer (Linux resets this
    // flag now and then, so set it before every read).
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    const ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

bool WriteAll(int fd, ByteSpan data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t r = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    sent += static_cast<std::size_t>(r);
  }
  return true;
}

std::optional<Bytes> ReadFrame(int fd) {
  std::uint8_t head[2];
  if (!ReadExactly(fd, head, 2)) return std::nullopt;
  Bytes payload(static_cast<std::size_t>(head[0] << 8 | head[1]));
  if (!payload.empty() && !ReadExactly(fd, payload.data(), payload.size())) return std::nullopt;
  return payload;
}

class Link {
 public:
  Link(VirtualJpkiCard& card, const VpcdLinkOptions& options) : card_(card), options_(options) {}

  int Run() {
    InstallSignals();
    Event("ready");
    auto next_connect = std::chrono::steady_clock::now();
    while (g_quit == 0) {
      if (g_remove != 0) {
        g_remove = 0;
        Remove("removed");
      }
      if (g_insert != 0) {
        g_insert = 0;
        Insert();
      }
      if (inserted_ && fd_ < 0 && std::chrono::steady_clock::now() >= next_connect) {
        fd_ = ConnectTo(options_.host, options_.port);
        if (fd_ >= 0) {
          card_.Reset();
          Event("connected");
        } else {
          next_connect = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        }
      }
      pollfd fds[2] = {{stdin_open_ ? STDIN_FILENO : -1, POLLIN, 0}, {fd_, POLLIN, 0}};
      if (::poll(fds, 2, 100) < 0) continue;  // EINTR: a signal; the loop looks at the flags
      if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) ReadStdin();
      if (fd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) Serve();
    }
    Close();
    return 0;
  }

 private:
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void Remove(std::string_view event) {
    Close();
    if (inserted_) Event(event);
    inserted_ = false;
  }

  void Insert() {
    if (!inserted_) Event("inserted");
    inserted_ = true;
    apdus_ = 0;
  }

  void ReadStdin() {
    char buf[256];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) {
      stdin_open_ = false;  // no more commands; keep serving until a signal
      return;
    }
    line_.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = line_.find('\n')) != std::string::npos;) {
      std::string cmd = line_.substr(0, nl);
      line_.erase(0, nl + 1);
      while (!cmd.empty() && (cmd.back() == '\r' || cmd.back() == ' ')) cmd.pop_back();
      if (cmd == "remove") {
        Remove("removed");
      } else if (cmd == "insert") {
        Insert();
      } else if (cmd == "quit") {
        g_quit = 1;
      } else if (cmd == "status") {
        Event(std::string(inserted_ ? "inserted" : "removed") + " tries_left=" + std::to_string(card_.tries_left()));
      } else if (!cmd.empty()) {
        std::fprintf(stderr, "akari-vcard: unknown command \"%s\" (use remove, insert, status or quit)\n", cmd.c_str());
      }
    }
  }

  void Serve() {
    std::optional<Bytes> frame = ReadFrame(fd_);
    if (!frame) {
      // vpcd closed the connection (pcscd stopped): try again later.
      Close();
      return;
    }
    if (frame->size() == 1) {
      switch ((*frame)[0]) {
        case 0x04:
          if (!WriteAll(fd_, VpcdFrame(options_.atr))) Close();
          return;
        case 0x00:
        case 0x01:
        case 0x02:
          card_.Reset();
          return;
        default:
          return;
      }
    }
    const Bytes response = card_.Process(*frame);
    if (options_.trace) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
      std::fprintf(stderr, "akari-vcard: %10.3f ms > %s\nakari-vcard: %10s    < %s\n",
                   static_cast<double>(ms.count()) / 1000.0, TraceText(*frame).c_str(), "", Hex(response).c_str());
    }
    sodium_memzero(frame->data(), frame->size());  // it may hold a PIN
    if (!WriteAll(fd_, VpcdFrame(response))) {
      Close();
      return;
    }
    ++apdus_;
    if (options_.remove_after && !pulled_ && apdus_ >= *options_.remove_after) {
      // Once: an "insert" afterwards puts the card back for good.
      pulled_ = true;
      Remove("removed after " + std::to_string(apdus_) + " APDUs");
    }
  }

  VirtualJpkiCard& card_;
  const VpcdLinkOptions& options_;
  int fd_ = -1;
  bool inserted_ = true;
  bool stdin_open_ = true;
  int apdus_ = 0;
  bool pulled_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string line_;
};

}  // namespace

Bytes VpcdFrame(ByteSpan payload) {
  Bytes out;
  out.reserve(payload.size() + 2);
  out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

int RunVpcdLink(VirtualJpkiCard& card, const VpcdLinkOptions& options) {
  return Link(card, options).Run();
}

}  // namespace akari::fieldkit
