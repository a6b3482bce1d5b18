#include "base/log.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>

#include "base/clock.h"
#include "base/json_text.h"

namespace akari {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;
std::function<void(std::string_view)> g_sink;  // guarded by g_mu

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Lines for stderr. Writing each line as it came cost a system call and
// a contended lock per request (with the access log, 6-14 us of CPU per
// person-summary answer; docs/benchmarks.md, "Fifth round"). Info and debug lines wait
// here up to kGather and go out together; a warning or an error goes out
// at once, with everything before it, so that the lines that explain a
// failure are never held back. An idle process is never woken: the
// flusher sleeps until a line arrives.
class StderrLines {
 public:
  static constexpr auto kGather = std::chrono::milliseconds(100);
  static constexpr std::size_t kMaxPending = 64 * 1024;

  void Add(std::string_view line, bool urgent) {
    std::lock_guard lock(mu_);
    const bool was_empty = pending_.empty();
    pending_.append(line);
    pending_.push_back('\n');
    if (urgent || pending_.size() >= kMaxPending || !StartFlusherLocked()) return WriteLocked();
    if (was_empty) wake_.notify_one();
  }

  void Flush() {
    std::lock_guard lock(mu_);
    WriteLocked();
  }

  // pthread_atfork handlers: the forking thread holds mu_ across fork().
  void BeforeFork() { mu_.lock(); }
  void AfterForkInParent() { mu_.unlock(); }
  void AfterForkInChild() {
    flusher_started_ = false;  // the child has no flusher; a new one starts on demand
    mu_.unlock();
  }

 private:
  // The flusher is started on first use and never stopped: this object
  // lives until the process ends, and exit() flushes (see Lines()).
  bool StartFlusherLocked() {
    if (flusher_started_) return true;
    try {
      std::thread([this] { Run(); }).detach();
    } catch (const std::exception&) {
      return false;  // no thread to be had: write as we go
    }
    flusher_started_ = true;
    return true;
  }

  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return !pending_.empty(); });
      lock.unlock();
      std::this_thread::sleep_for(kGather);
      lock.lock();
      WriteLocked();
    }
  }

  // Under mu_, so that lines keep their order. A full pipe blocks here as
  // it blocked every writer before; errors are ignored (there is nowhere
  // left to report them).
  void WriteLocked() {
    std::size_t done = 0;
    while (done < pending_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    pending_.clear();
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;  // whole lines, each ending in '\n'
  bool flusher_started_ = false;
};

StderrLines& Lines() {
  // Never destroyed: other objects' destructors may still log during
  // exit. exit() writes whatever is waiting.
  static StderrLines* const lines = [] {
    auto* l = new StderrLines;
    std::atexit([] { Lines().Flush(); });
    // A child of fork() has the lines but not the flusher thread, and must
    // not inherit the lock held by a thread it does not have.
    ::pthread_atfork([] { Lines().BeforeFork(); }, [] { Lines().AfterForkInParent(); },
                     [] { Lines().AfterForkInChild(); });
    return l;
  }();
  return *lines;
}

}  // namespace

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  // Written as text: a nlohmann tree per line cost more than the rest of
  // logging a request.
  std::string text;
  text.reserve(192);
  JsonText w(text);
  w.BeginObject();
  w.Key("t").String(FormatUtc(SystemClock::Instance().Now()));
  w.Key("level").String(LevelName(level));
  w.Key("event").String(event);
  for (const LogField& f : fields) {
    w.Key(f.key);
    std::visit(
        [&w](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::int64_t>) {
            w.Int(v);
          } else if constexpr (std::is_same_v<V, double>) {
            w.Double(v);
          } else if constexpr (std::is_same_v<V, bool>) {
            w.Bool(v);
          } else {
            w.String(v);
          }
        },
        f.value);
  }
  w.EndObject();
  std::lock_guard lock(g_mu);
  if (g_sink) {
    g_sink(text);
  } else {
    Lines().Add(text, level >= LogLevel::kWarn);
  }
}

void FlushLog() {
  Lines().Flush();
}

void SetLogLevel(LogLevel level) {
  g_level.store(level);
}

void SetLogSink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_mu);
  g_sink = std::move(sink);
}

}  // namespace akari
