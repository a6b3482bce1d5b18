#include "node/cli/cli.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crypto/errors.h"
#include "crypto/keystore.h"

namespace akari::cli {
namespace {

constexpr std::size_t kMaxPassphrase = 1024;

// The terminal a prompt has silenced, for the signal handler below.
volatile std::sig_atomic_t g_silenced_fd = -1;
termios g_silenced_saved{};  // written before g_silenced_fd is set

// A Ctrl-C (or a kill) at a prompt must not leave the terminal silent for
// whatever staff type next: the settings are restored, then the signal
// does what it would have done. tcsetattr is async-signal-safe.
void RestoreTerminalThenDie(int sig) {
  if (g_silenced_fd >= 0) ::tcsetattr(g_silenced_fd, TCSAFLUSH, &g_silenced_saved);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Turns the terminal's echo off; restores it when it goes out of scope, or
// when the process is interrupted or terminated meanwhile.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    g_silenced_saved = saved_;
    g_silenced_fd = fd_;
    struct sigaction restore {};
    restore.sa_handler = RestoreTerminalThenDie;
    ::sigemptyset(&restore.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &restore, &previous_[i]);
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    if (!active_) Release();
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  ~EchoOff() {
    if (!active_) return;
    ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    Release();
  }

 private:
  static constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
  void Release() {
    g_silenced_fd = -1;
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }

  int fd_;
  termios saved_{};
  std::array<struct sigaction, kSignals.size()> previous_{};
  bool active_ = false;
};

Result<crypto::SecretBuffer> Prompt(std::string_view prompt, std::string_view no_terminal) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return MakeError(crypto::CryptoErrc::kInvalidArgument, std::string(no_terminal));
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer buf, crypto::SecretBuffer::Allocate(kMaxPassphrase));
  std::size_t len = 0;
  {
    EchoOff echo_off(fd);
    (void)!::write(fd, prompt.data(), prompt.size());
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
      if (len < buf.size()) buf.data()[len++] = static_cast<std::uint8_t>(c);
    }
    (void)!::write(fd, "\n", 1);
  }
  ::close(fd);
  buf.Truncate(len);
  return buf;
}

}  // namespace

int CommandTable::RunParsed(const CLI::App& root) const {
  for (const auto& [command, run] : commands_) {
    if (!command->parsed()) continue;
    // Only the leaf that was chosen runs (a parent like `keyslot` is parsed too).
    bool child_parsed = false;
    for (const CLI::App* sub : command->get_subcommands()) child_parsed |= sub->parsed();
    if (child_parsed) continue;
    Status status = run();
    if (!status) {
      std::fprintf(stderr, "%s: error: %s\n", root.get_name().c_str(), status.error().message.c_str());
      return 1;
    }
    return 0;
  }
  std::fprintf(stderr, "%s", root.help().c_str());
  return 2;
}

void AddDataOption(CLI::App* command, std::string& dir) {
  command->add_option("--data", dir, "Node data directory")->required()->type_name("DIR");
}

void AddPassphraseOption(CLI::App* command, PassphraseSource& source, std::string flag) {
  command->add_option(flag, source.file, "File holding the passphrase (else $" + source.env_var + ", else a prompt)")
      ->type_name("FILE");
}

Result<crypto::SecretBuffer> ObtainPassphrase(const PassphraseSource& source, bool confirm) {
  if (!source.file.empty()) return crypto::ReadSecretFile(source.file);
  if (char* env = std::getenv(source.env_var.c_str()); env != nullptr) {
    const std::size_t len = std::strlen(env);
    auto buf = crypto::SecretBuffer::CopyOf({reinterpret_cast<const std::uint8_t*>(env), len});
    // Leave no copy in this process's environment block.
    std::memset(env, 0, len);
    ::unsetenv(source.env_var.c_str());
    if (buf && buf->empty()) {
      return MakeError(crypto::CryptoErrc::kInvalidArgument, "$" + source.env_var + " is empty");
    }
    return buf;
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer first, Prompt(source.prompt, source.no_terminal));
  if (!confirm) return first;
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer second, Prompt("Repeat to confirm: ", source.no_terminal));
  if (!first.Equals(second.span())) {
    return MakeError(crypto::CryptoErrc::kInvalidArgument, "the two passphrases differ; nothing was changed");
  }
  return first;
}

void AddKdfOption(CLI::App* command, KdfOption& option) {
  command
      ->add_option("--kdf-ms", option.target_ms,
                   "Target unlock time in ms for the new key slot (default 500; lower values make guessing "
                   "the passphrase cheaper and are meant for tests and demos)")
      ->check(CLI::Range(1, 10000));
}

crypto::Argon2idParams KdfParamsFor(const KdfOption& option) {
  // Below 250 ms the memory cost is scaled down too (never under 8 MiB), so
  // that test and demo nodes unlock in milliseconds.
  constexpr std::size_t kFullMemory = std::size_t{64} << 20;
  const std::size_t memory =
      option.target_ms >= 250
          ? kFullMemory
          : std::max<std::size_t>(std::size_t{8} << 20, kFullMemory / 250 * static_cast<std::size_t>(option.target_ms));
  if (option.target_ms < 250) return {1, memory};
  return crypto::CalibrateArgon2id(std::chrono::milliseconds(option.target_ms), memory);
}

Result<node::OpenNode> UnlockNode(const std::string& dir, const PassphraseSource& source) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, ObtainPassphrase(source));
  return node::OpenNodeDir(dir, passphrase);
}

void Print(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

std::string LabelledRow(std::string_view label, std::string_view value, std::size_t width) {
  std::string line(label);
  line.resize(std::max(line.size() + 1, width), ' ');
  line += value;
  return line;
}

}  // namespace akari::cli
