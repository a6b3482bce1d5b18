#include "base/log.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace akari {
namespace {

using nlohmann::json;

// Catches the lines given to the sink for one test.
class LogLines {
 public:
  LogLines() {
    SetLogSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  ~LogLines() { SetLogSink({}); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

TEST(LogTest, ALineIsOneJsonObjectWithItsFieldsInOrder) {
  LogLines caught;
  Log(LogLevel::kWarn, "store.busy",
      {{"person_id", std::int64_t{42}},
       {"ms", 1.5},
       {"retry", true},
       {"path", "/v1/persons/42"},
       {"what", "a \"quoted\"\nline\twith\\ and \x01"}});
  ASSERT_EQ(caught.lines().size(), 1u);
  const std::string& line = caught.lines()[0];
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  const json parsed = json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["event"], "store.busy");
  EXPECT_EQ(parsed["person_id"], 42);
  EXPECT_EQ(parsed["ms"], 1.5);
  EXPECT_EQ(parsed["retry"], true);
  EXPECT_EQ(parsed["path"], "/v1/persons/42");
  EXPECT_EQ(parsed["what"], "a \"quoted\"\nline\twith\\ and \x01");
  // t, level, event first, then the fields as given.
  EXPECT_TRUE(line.starts_with("{\"t\":\"")) << line;
  EXPECT_LT(line.find("\"event\""), line.find("\"person_id\""));
  EXPECT_LT(line.find("\"person_id\""), line.find("\"ms\""));
  EXPECT_LT(line.find("\"retry\""), line.find("\"path\""));
}

TEST(LogTest, InvalidUtf8FromAClientIsReplacedNotPassedOn) {
  LogLines caught;
  Log(LogLevel::kWarn, "http.bad", {{"path", std::string_view("/v1/\xff\xfe/\xe3\x81\x82", 10)}});
  ASSERT_EQ(caught.lines().size(), 1u);
  const json parsed = json::parse(caught.lines()[0]);  // throws on invalid UTF-8
  EXPECT_EQ(parsed["path"], "/v1/\xef\xbf\xbd\xef\xbf\xbd/\xe3\x81\x82");
}

TEST(LogTest, LinesBelowTheLevelAreDropped) {
  LogLines caught;
  SetLogLevel(LogLevel::kWarn);
  Log(LogLevel::kInfo, "quiet");
  SetLogLevel(LogLevel::kInfo);
  Log(LogLevel::kInfo, "heard");
  ASSERT_EQ(caught.lines().size(), 1u);
  EXPECT_EQ(json::parse(caught.lines()[0])["event"], "heard");
}

TEST(JsonTextTest, WritesWhatNlohmannWouldForTheSameTree) {
  std::string text;
  JsonText w(text);
  w.BeginObject();
  w.Key("a").BeginArray();
  w.Int(-7);
  w.Double(3.0);
  w.Double(0.1);
  w.Null();
  w.Bool(false);
  w.EndArray();
  w.Key("b").String("日本語 \"x\" \x1f");
  w.Key("c").BeginObject();
  w.EndObject();
  w.Key("d").Tree(json{{"z", 1}, {"y", {1, 2}}});
  w.EndObject();
  EXPECT_EQ(text, json::parse(text).dump());
}

TEST(JsonTextTest, ATreeIsWrittenAsNlohmannDumpsIt) {
  const json trees[] = {
      json::parse(R"({"z":[1,-2,{"b":[],"a":{}},[[]],"x\u0001\"\\"],"y":18446744073709551615,"x":-9223372036854775808,
                      "w":0.1,"v":1e300,"u":true,"t":null,"日本":"語","":""})"),
      json::array(),
      json::object(),
      json(nullptr),
      json("just a string"),
      json(42),
      json(std::uint64_t{7}),
      json(2.5),
  };
  for (const json& tree : trees) {
    std::string text;
    JsonText w(text);
    w.BeginArray();
    w.Tree(tree);
    w.Tree(tree);
    w.EndArray();
    EXPECT_EQ(text, json::array({tree, tree}).dump());
  }
}

TEST(JsonTextTest, ATreeWithInvalidUtf8IsWrittenWithReplacementsNotThrown) {
  std::string text;
  JsonText w(text);
  const std::string bad =
      "a\xC3\x28"
      "b";
  w.BeginObject();
  w.Key("s").String(bad);
  w.Key("t").Tree(json{{"r", bad}});
  w.EndObject();
  EXPECT_EQ(text, "{\"s\":\"a\xEF\xBF\xBD(b\",\"t\":{\"r\":\"a\xEF\xBF\xBD(b\"}}");
}

// Everything `fd` gives until its writers are gone.
std::string ReadAll(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

// A child process running `body` with its stderr on a pipe, then exit(0)
// (which runs the exit handlers).
struct Child {
  pid_t pid = -1;
  int stderr_fd = -1;  // the pipe's read end
};

template <typename Body>
Child Spawn(Body body) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    body();
    std::exit(0);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// The "event" of each whole line in `text`.
std::vector<std::string> EventsIn(const std::string& text) {
  std::vector<std::string> events;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    events.push_back(json::parse(text.substr(start, end - start))["event"]);
    start = end + 1;
  }
  return events;
}

TEST(LogTest, AWarningGoesOutAtOnceAfterEveryLineBeforeIt) {
  // The child blocks after the warning and is killed: only lines already
  // written reach the parent.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const Child child = Spawn([&] {
    Log(LogLevel::kInfo, "first");
    Log(LogLevel::kInfo, "second");
    Log(LogLevel::kWarn, "third");
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  });
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, nullptr, 0);
  const std::string text = ReadAll(child.stderr_fd);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_EQ(EventsIn(text), (std::vector<std::string>{"first", "second", "third"})) << text;
}

TEST(LogTest, InfoLinesAreWrittenSoonWithoutAWarningAndAtExit) {
  // Soon: the child waits well past the gathering delay and is killed, so
  // only the flusher can have written its line.
  const Child soon = Spawn([] {
    Log(LogLevel::kInfo, "soon");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ::kill(::getpid(), SIGKILL);
  });
  const std::string text = ReadAll(soon.stderr_fd);
  ::waitpid(soon.pid, nullptr, 0);
  EXPECT_EQ(EventsIn(text), std::vector<std::string>{"soon"}) << text;

  // At exit: a process that ends at once still writes what waits.
  const Child at_exit = Spawn([] {
    for (int i = 0; i < 100; ++i) Log(LogLevel::kInfo, "line", {{"i", i}});
  });
  const std::string lines = ReadAll(at_exit.stderr_fd);
  int status = -1;
  ::waitpid(at_exit.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(EventsIn(lines).size(), 100u) << lines;
}

TEST(LogTest, FlushLogWritesWhatWaits) {
  const Child child = Spawn([] {
    Log(LogLevel::kInfo, "waiting");
    FlushLog();
    // Gone without exit handlers: only the flush above can have written.
    ::_exit(0);
  });
  const std::string text = ReadAll(child.stderr_fd);
  ::waitpid(child.pid, nullptr, 0);
  EXPECT_EQ(EventsIn(text), std::vector<std::string>{"waiting"}) << text;
}

}  // namespace
}  // namespace akari
