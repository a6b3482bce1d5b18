// The `akari` command line, run as a user would run it.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "node/store/store.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using testing::RunProgram;

class CliTest : public ::testing::Test {
 protected:
  testing::ProcessResult Akari(std::vector<std::string> args, std::string passphrase = "operator-pass") {
    testing::ProcessOptions opts;
    if (!passphrase.empty()) opts.env["AKARI_PASSPHRASE"] = passphrase;
    return RunProgram("akari", args, opts);
  }
  void Init() {
    auto r = Akari({"init", "--data", data_, "--kdf-ms", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  testing::TempDir root_;
  std::string data_ = (root_ / "node").string();
};

TEST_F(CliTest, HelpListsTheCommands) {
  auto r = Akari({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"init", "status", "keyslot"}) EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  auto sub = Akari({"keyslot", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("remove"), std::string::npos);
}

TEST_F(CliTest, InitThenStatusAsJson) {
  Init();
  auto r = Akari({"status", "--data", data_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], store::CurrentSchemaVersion());
  EXPECT_EQ(j["counts"]["persons"], 0);
  EXPECT_EQ(j["key_slots"].size(), 1u);
  EXPECT_TRUE(j["data"]["version"].is_null());
  // The disk the node's data is on (its free space depends on the machine).
  EXPECT_GT(j["disk"]["free_bytes"].get<std::int64_t>(), 0);
  EXPECT_GT(j["disk"]["store_bytes"].get<std::int64_t>(), 0);
  EXPECT_TRUE(j["disk"]["low"].is_boolean());
  auto human = Akari({"status", "--data", data_});
  ASSERT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("none yet"), std::string::npos);
  EXPECT_NE(human.out.find("free on the disk holding the node's directory"), std::string::npos) << human.out;
}

// A Ctrl-C at the passphrase prompt (echo off) must leave the terminal as it
// was: before, whatever staff typed next in it was invisible.
TEST_F(CliTest, AnInterruptedPassphrasePromptGivesTheTerminalItsEchoBack) {
  Init();
  int terminal = -1;
  const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::unsetenv("AKARI_PASSPHRASE");
    const std::string bin = testing::BinPath("akari");
    ::execl(bin.c_str(), bin.c_str(), "status", "--data", data_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string shown;
  pollfd p{terminal, POLLIN, 0};
  while (shown.find("assphrase") == std::string::npos && ::poll(&p, 1, 10000) == 1) {
    char buf[256];
    const ssize_t n = ::read(terminal, buf, sizeof buf);
    if (n <= 0) break;
    shown.append(buf, static_cast<std::size_t>(n));
  }
  ASSERT_NE(shown.find("assphrase"), std::string::npos) << shown;
  termios during{};
  ASSERT_EQ(::tcgetattr(terminal, &during), 0);
  EXPECT_EQ(during.c_lflag & ECHO, 0u);  // the prompt silenced it
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;
  termios after{};
  ASSERT_EQ(::tcgetattr(terminal, &after), 0);
  EXPECT_NE(after.c_lflag & ECHO, 0u);
  ::close(terminal);
}

TEST_F(CliTest, InitRefusesAnExistingNode) {
  Init();
  auto r = Akari({"init", "--data", data_, "--kdf-ms", "5"}, "another-pass");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already holds an Akari node"), std::string::npos) << r.err;
  EXPECT_EQ(Akari({"status", "--data", data_}).exit_code, 0);
}

// A node needs a directory of its own: init into one that holds other
// files (a home directory, a stick in use) would mix the node's files with
// them and close the directory to its owner (mode 0700).
TEST_F(CliTest, InitRefusesADirectoryThatHoldsOtherFilesOrIsAFile) {
  const std::filesystem::path shared = std::filesystem::path(data_).parent_path() / "shared";
  std::filesystem::create_directories(shared);
  ASSERT_TRUE(WriteFileAtomically(shared / "report.xlsx", AsBytes("x"), 0644));
  ::chmod(shared.c_str(), 0755);
  auto r = Akari({"init", "--data", shared.string(), "--kdf-ms", "5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("holds other files (report.xlsx)"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(shared / "keystore.json"));
  struct stat st {};
  ASSERT_EQ(::stat(shared.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);  // left as it was
  auto file = Akari({"init", "--data", (shared / "report.xlsx").string(), "--kdf-ms", "5"});
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_NE(file.err.find("is a file, not a directory"), std::string::npos) << file.err;
  // A fresh file system's lost+found is not another file.
  std::filesystem::create_directories(shared.parent_path() / "mount" / "lost+found");
  EXPECT_EQ(Akari({"init", "--data", (shared.parent_path() / "mount").string(), "--kdf-ms", "5"}).exit_code, 0);
}

TEST_F(CliTest, WrongPassphraseIsAOneLineError) {
  Init();
  auto r = Akari({"status", "--data", data_}, "wrong-passphrase");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("passphrase does not open"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST_F(CliTest, NoPassphraseAndNoTerminalIsExplained) {
  Init();
  auto r = Akari({"status", "--data", data_}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--passphrase-file"), std::string::npos) << r.err;
}

TEST_F(CliTest, PassphraseFileWorks) {
  Init();
  ASSERT_TRUE(WriteFileAtomically(root_ / "pass", AsBytes("operator-pass\n")));
  auto r = Akari({"status", "--data", data_, "--passphrase-file", (root_ / "pass").string()}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliTest, KeyslotAddListRemove) {
  Init();
  testing::ProcessOptions opts;
  opts.env = {{"AKARI_PASSPHRASE", "operator-pass"}, {"AKARI_NEW_PASSPHRASE", "regional-office-recovery"}};
  auto add =
      RunProgram("akari", {"keyslot", "add", "--data", data_, "--label", "regional office", "--kdf-ms", "5"}, opts);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  auto list = Akari({"keyslot", "list", "--data", data_, "--json"}, "");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto slots = nlohmann::json::parse(list.out);
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[1]["label"], "regional office");
  EXPECT_EQ(Akari({"status", "--data", data_}, "regional-office-recovery").exit_code, 0);

  // Without a new passphrase and without a terminal: the advice names the
  // new passphrase's own options, not the node passphrase's.
  testing::ProcessOptions no_new;
  no_new.env = {{"AKARI_PASSPHRASE", "operator-pass"}};
  auto unasked = RunProgram("akari", {"keyslot", "add", "--data", data_, "--label", "x", "--kdf-ms", "5"}, no_new);
  EXPECT_EQ(unasked.exit_code, 1);
  EXPECT_NE(unasked.err.find("--new-passphrase-file or AKARI_NEW_PASSPHRASE"), std::string::npos) << unasked.err;
  auto remove = Akari({"keyslot", "remove", "--data", data_, "--slot", "1"}, "regional-office-recovery");
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_EQ(Akari({"status", "--data", data_}, "operator-pass").exit_code, 1);
  auto last = Akari({"keyslot", "remove", "--data", data_, "--slot", "2"}, "regional-office-recovery");
  EXPECT_EQ(last.exit_code, 1);
  EXPECT_NE(last.err.find("only key slot"), std::string::npos) << last.err;
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Akari({"status"}).exit_code, 2);
  EXPECT_EQ(Akari({"frobnicate"}).exit_code, 2);
}

TEST_F(CliTest, TruncatedKeystoreIsNamedInTheError) {
  Init();
  const auto ks = root_ / "node" / "keystore.json";
  std::filesystem::resize_file(ks, 40);
  auto r = Akari({"status", "--data", data_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(ks.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("damaged"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace akari
