// A program run in the background for a test (a hub server, nginx): its
// stdout can be read line by line; it is stopped (SIGTERM, then SIGKILL)
// when the object dies, also when the test fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace akari::testing {

class BackgroundProcess {
 public:
  // Starts `program` (looked up in AKARI_BIN_DIR unless it has a slash).
  BackgroundProcess(const std::string& program, const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // The next line of stdout, or nullopt after `timeout` or at end of output.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Stops the process; returns its wait status.
  int Stop();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

// A loopback TCP port that was free a moment ago.
int FreeLoopbackPort();

// `akari-hub serve` on `hub_dir`, listening on loopback (`port` 0: a free
// one), with `passphrase` in AKARI_HUB_PASSPHRASE.
struct HubProcess {
  std::unique_ptr<BackgroundProcess> process;
  std::string url;         // "http://127.0.0.1:PORT/"; empty if it did not start
  std::string first_line;  // what it printed first (for the failure message)
};
// Starts it and waits up to 30 s (sanitizer builds start slowly) for the
// line that names its URL.
HubProcess StartHubProcess(const std::string& hub_dir, const std::string& passphrase, int port = 0);

}  // namespace akari::testing
