// A private, real PC/SC stack for tests: pcscd (Debian's, in the foreground)
// with the vsmartcard vpcd reader driver, isolated from any system pcscd and
// from other tests running at the same time, and akari-vcard processes that
// plug virtual cards into it.
//
// Isolation: pcscd runs in its own mount namespace, where a private
// directory is bind-mounted over /run (so its socket and pid file are
// private), and in its own network namespace with only loopback up (so the
// vpcd driver's INADDR_ANY:35963 listener exists only there and never
// reaches a real network). akari-vcard joins that network namespace; PC/SC
// clients reach pcscd through PCSCLITE_CSOCK_NAME, which libpcsclite honours
// (pcscd 1.9.9 itself does not, hence the mount namespace). As root this
// needs nothing more; otherwise unprivileged user namespaces (Debian 12's
// default) are used. libpcsclite reads PCSCLITE_CSOCK_NAME once per process,
// so every instance in a process uses the same socket path: run one at a
// time per process (each GoogleTest case is its own process under CTest).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace akari::testing {

// A child process with a stdin pipe and its output in files; stopped
// (SIGTERM, then SIGKILL) when the object dies, and killed by the kernel if
// the test process dies first.
class ChildProcess {
 public:
  struct Options {
    std::map<std::string, std::string> env;   // added to the inherited environment
    std::filesystem::path output;             // stdout and stderr go here
    std::optional<pid_t> join_namespaces_of;  // join this process's network (and user) namespace
  };
  // Returns nullptr (and fills `error`) when the process cannot be started.
  static std::unique_ptr<ChildProcess> Start(const std::string& program, const std::vector<std::string>& args,
                                             const Options& options, std::string& error);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Writes `text` to the child's stdin.
  bool Send(const std::string& text);
  bool Running();
  // Sends `signal` and waits up to `grace` for the exit; returns the exit
  // status (128 + signal when killed).
  int Stop(int signal = 15, std::chrono::milliseconds grace = std::chrono::seconds(3));
  std::string Output() const;

 private:
  friend class PcscdInstance;
  ChildProcess(pid_t pid, int stdin_fd, std::filesystem::path output)
      : pid_(pid), stdin_fd_(stdin_fd), output_(std::move(output)) {}
  pid_t pid_;
  int stdin_fd_;
  std::filesystem::path output_;
  std::optional<int> status_;
};

class PcscdInstance {
 public:
  // The vpcd reader that akari-vcard's default port (35963) plugs into.
  static constexpr const char* kReader = "Virtual PCD 00 00";

  // Starts pcscd and waits until it lists the vpcd readers. Returns nullptr
  // with `error` set when that is impossible (no pcscd or vpcd installed,
  // namespaces not allowed, pcscd not coming up in 10 s).
  static std::unique_ptr<PcscdInstance> Start(std::string& error);
  PcscdInstance(const PcscdInstance&) = delete;
  PcscdInstance& operator=(const PcscdInstance&) = delete;
  ~PcscdInstance();

  // {"PCSCLITE_CSOCK_NAME": socket} for child processes (already set in
  // this process's environment).
  std::map<std::string, std::string> ClientEnv() const;
  const std::filesystem::path& dir() const { return dir_; }

  // Starts akari-vcard (from AKARI_BIN_DIR) with `args` inside pcscd's
  // network namespace; its output goes to dir()/<name>.log.
  std::unique_ptr<ChildProcess> StartVirtualCard(const std::vector<std::string>& args, std::string& error,
                                                 const std::string& name = "vcard");

  // Waits until the reader shows a card (present) or none; false on timeout.
  bool WaitForCard(bool present, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                   const std::string& reader = kReader);

  // pcscd's own output (for failure messages).
  std::string Log() const;

 private:
  PcscdInstance() = default;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> pcscd_;
};

}  // namespace akari::testing
