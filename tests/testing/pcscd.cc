#include "tests/testing/pcscd.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace akari::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// What a child does between fork and exec. Runs in the child: only
// async-signal-safe calls, on data prepared before the fork. Returns 0 or
// an errno value.
struct PreExec {
  // Enter private namespaces for pcscd.
  const char* run_dir = nullptr;
  const char* empty_dir = nullptr;
  const char* uid_map = nullptr;
  const char* gid_map = nullptr;
  // Join another process's namespaces (akari-vcard).
  const char* join_user_ns = nullptr;
  const char* join_net_ns = nullptr;
};

int WriteProcFile(const char* path, const char* text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, text, std::strlen(text));
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  return err;
}

int BringLoopbackUp() {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, "lo", 3);
  int err = 0;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    err = errno;
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) err = errno;
  }
  ::close(s);
  return err;
}

int EnterPrivateNamespaces(const PreExec& p) {
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) {
    // Not root: a user namespace where we are root gives the same powers
    // over our own new mount and network namespaces.
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0) return errno;
    if (int e = WriteProcFile("/proc/self/setgroups", "deny"); e != 0) return e;
    if (int e = WriteProcFile("/proc/self/uid_map", p.uid_map); e != 0) return e;
    if (int e = WriteProcFile("/proc/self/gid_map", p.gid_map); e != 0) return e;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
  if (::mount(p.run_dir, "/run", nullptr, MS_BIND, nullptr) != 0) return errno;
  ::mkdir("/run/pcscd", 0755);
  // Hide the machine's USB devices so this pcscd never claims a real reader
  // (best effort: some kernels refuse mounts over sysfs in a user namespace).
  ::mount(p.empty_dir, "/sys/bus/usb/devices", nullptr, MS_BIND, nullptr);
  return BringLoopbackUp();
}

int JoinNamespaces(const PreExec& p) {
  if (p.join_user_ns != nullptr) {
    const int fd = ::open(p.join_user_ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWUSER) != 0) return errno;
    ::close(fd);
  }
  const int fd = ::open(p.join_net_ns, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) return errno;
  ::close(fd);
  return 0;
}

std::vector<std::string> EnvironmentWith(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    if (extra.count(key) == 0) env.push_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Forks and execs `program`; the child runs `pre` first. Returns the pid
// and the write end of its stdin, or -1 with `error` set.
pid_t Spawn(const std::string& program, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, const std::filesystem::path& output, const PreExec& pre,
            bool private_namespaces, int& stdin_fd, std::string& error) {
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = EnvironmentWith(env);
  std::vector<char*> argv = Pointers(argv_s);
  std::vector<char*> envp = Pointers(env_s);
  const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int pipe_fds[2];
  if (out < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error = "cannot open " + output.string() + ": " + std::strerror(errno);
    if (out >= 0) ::close(out);
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    ::close(out);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(pipe_fds[0], STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    const int err =
        private_namespaces ? EnterPrivateNamespaces(pre) : (pre.join_net_ns != nullptr ? JoinNamespaces(pre) : 0);
    if (err != 0) {
      const char* what = private_namespaces ? "akari test: cannot isolate pcscd in private namespaces: "
                                            : "akari test: cannot join pcscd's network namespace: ";
      (void)!::write(STDERR_FILENO, what, std::strlen(what));
      const char* reason = ::strerror(err);
      (void)!::write(STDERR_FILENO, reason, std::strlen(reason));
      (void)!::write(STDERR_FILENO, "\n", 1);
      ::_exit(125);
    }
    ::execve(argv[0], argv.data(), envp.data());
    (void)!::write(STDERR_FILENO, "akari test: exec failed\n", 24);
    ::_exit(127);
  }
  ::close(out);
  ::close(pipe_fds[0]);
  stdin_fd = pipe_fds[1];
  return pid;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One directory per process: libpcsclite keeps the first socket path it sees.
const std::filesystem::path& ProcessDir() {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/akari-pcscd-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    return std::filesystem::path(made != nullptr ? made : "/tmp/akari-pcscd-unavailable");
  }();
  return dir;
}

std::string Namespace(const std::string& pid, const char* kind) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + pid + "/ns/" + kind, ec).string();
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::string& program, const std::vector<std::string>& args,
                                                  const Options& options, std::string& error) {
  PreExec pre;
  std::string user_ns, net_ns;
  if (options.join_namespaces_of) {
    const std::string target = std::to_string(*options.join_namespaces_of);
    net_ns = "/proc/" + target + "/ns/net";
    user_ns = "/proc/" + target + "/ns/user";
    pre.join_net_ns = net_ns.c_str();
    if (Namespace(target, "user") != Namespace("self", "user")) pre.join_user_ns = user_ns.c_str();
  }
  int stdin_fd = -1;
  const pid_t pid = Spawn(program, args, options.env, options.output, pre, false, stdin_fd, error);
  if (pid < 0) return nullptr;
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, stdin_fd, options.output));
}

ChildProcess::~ChildProcess() {
  Stop();
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
}

bool ChildProcess::Send(const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::write(stdin_fd_, text.data() + sent, text.size() - sent);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool ChildProcess::Running() {
  if (status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int ChildProcess::Stop(int signal, std::chrono::milliseconds grace) {
  if (!Running()) return *status_;
  ::kill(pid_, signal);
  const auto deadline = SteadyClock::now() + grace;
  while (Running() && SteadyClock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (Running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = 128 + SIGKILL;
  }
  return *status_;
}

std::string ChildProcess::Output() const {
  return ReadText(output_);
}

std::unique_ptr<PcscdInstance> PcscdInstance::Start(std::string& error) {
  std::unique_ptr<PcscdInstance> p(new PcscdInstance());
  p->dir_ = ProcessDir();
  std::error_code ec;
  std::filesystem::remove_all(p->dir_, ec);
  const std::filesystem::path run = p->dir_ / "run", conf = p->dir_ / "reader.conf.d", empty = p->dir_ / "empty";
  std::filesystem::create_directories(run / "pcscd", ec);
  std::filesystem::create_directories(conf, ec);
  std::filesystem::create_directories(empty, ec);
  const std::string driver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
  std::string pcscd = "/usr/sbin/pcscd";
  if (!std::filesystem::exists(pcscd) || !std::filesystem::exists(driver)) {
    error = "pcscd or the vpcd driver is not installed (run fieldkit/scripts/setup.sh: pcscd, vsmartcard-vpcd)";
    return nullptr;
  }
  // vpcd as Debian configures it (server on 0x8C7B = 35963), but inside a
  // network namespace of our own.
  std::ofstream(conf / "vpcd") << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x8C7B\nLIBPATH      " << driver
                               << "\nCHANNELID    0x8C7B\n";
  const std::filesystem::path socket = run / "pcscd" / "pcscd.comm";
  if (const char* current = std::getenv("PCSCLITE_CSOCK_NAME"); current != nullptr && socket != current) {
    error = "PCSCLITE_CSOCK_NAME is already " + std::string(current) + " in this process";
    return nullptr;
  }
  ::setenv("PCSCLITE_CSOCK_NAME", socket.c_str(), 1);

  const std::string run_s = run.string(), empty_s = empty.string();
  const std::string uid_map = "0 " + std::to_string(::getuid()) + " 1\n";
  const std::string gid_map = "0 " + std::to_string(::getgid()) + " 1\n";
  PreExec pre;
  pre.run_dir = run_s.c_str();
  pre.empty_dir = empty_s.c_str();
  pre.uid_map = uid_map.c_str();
  pre.gid_map = gid_map.c_str();
  int stdin_fd = -1;
  const std::filesystem::path log = p->dir_ / "pcscd.log";
  std::vector<std::string> args = {"--foreground", "--config", conf.string()};
  if (std::getenv("AKARI_PCSCD_DEBUG") != nullptr) args.push_back("--debug");  // for Log() when debugging a test
  const pid_t pid = Spawn(pcscd, args, {}, log, pre, true, stdin_fd, error);
  if (pid < 0) return nullptr;
  p->pcscd_.reset(new ChildProcess(pid, stdin_fd, log));

  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (SteadyClock::now() < deadline) {
    if (!p->pcscd_->Running()) {
      error = "pcscd exited: " + p->Log();
      return nullptr;
    }
    SCARDCONTEXT ctx = 0;
    if (std::filesystem::exists(socket) &&
        SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) == SCARD_S_SUCCESS) {
      char names[1024];
      DWORD len = sizeof names;
      const LONG rv = SCardListReaders(ctx, nullptr, names, &len);
      SCardReleaseContext(ctx);
      if (rv == SCARD_S_SUCCESS && std::string(names, len).find(kReader) != std::string::npos) return p;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error = "pcscd did not list the vpcd reader within 10 s: " + p->Log();
  return nullptr;
}

PcscdInstance::~PcscdInstance() {
  if (pcscd_) pcscd_->Stop();
  pcscd_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::map<std::string, std::string> PcscdInstance::ClientEnv() const {
  return {{"PCSCLITE_CSOCK_NAME", (dir_ / "run" / "pcscd" / "pcscd.comm").string()}};
}

std::unique_ptr<ChildProcess> PcscdInstance::StartVirtualCard(const std::vector<std::string>& args, std::string& error,
                                                              const std::string& name) {
  ChildProcess::Options options;
  options.output = dir_ / (name + ".log");
  options.join_namespaces_of = pcscd_->pid();
  return ChildProcess::Start(std::string(AKARI_BIN_DIR) + "/akari-vcard", args, options, error);
}

bool PcscdInstance::WaitForCard(bool present, std::chrono::milliseconds timeout, const std::string& reader) {
  SCARDCONTEXT ctx = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) return false;
  SCARD_READERSTATE state{};
  state.szReader = reader.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const auto deadline = SteadyClock::now() + timeout;
  bool ok = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    const LONG rv = SCardGetStatusChange(ctx, static_cast<DWORD>(std::max<long>(0, left.count())), &state, 1);
    if (rv != SCARD_S_SUCCESS) break;
    const bool has_card = (state.dwEventState & SCARD_STATE_PRESENT) != 0;
    if (has_card == present) {
      ok = true;
      break;
    }
    state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  }
  SCardReleaseContext(ctx);
  return ok;
}

std::string PcscdInstance::Log() const {
  return ReadText(dir_ / "pcscd.log");
}

}  // namespace akari::testing
