// Sets up a real region for the browser scenarios in e2e.mjs, then runs
// them in headless Chromium: akari-gen makes a region, akari-hub imports
// and publishes it and serves it, a node enrolls and syncs, operators are
// added, a card from akari-gen is plugged into a test-started pcscd through
// akari-vcard, and `akari serve` runs against all of that.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/file.h"
#include "node/node_dir.h"
#include "sync/net/http_client.h"
#include "sync/risk_class.h"
#include "tests/testing/pcscd.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::PcscdInstance;
using testing::RunProgram;

constexpr const char* kNodePassphrase = "browser-node-pass";
constexpr const char* kHubPassphrase = "browser-hub-pass";
constexpr const char* kOperatorPin = "2580";

// A free loopback port (the hub prints its port only when it exits).
std::uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool WaitForHttp(const std::string& url) {
  for (int i = 0; i < 200; ++i) {
    net::ClientOptions options;
    options.request_timeout = std::chrono::milliseconds(1000);
    net::HttpClient client(options);
    auto r = client.Get(url);
    if (r && r->status < 500) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class BrowserTest : public ::testing::Test {
 protected:
  testing::ProcessResult Run(const std::string& program, const std::vector<std::string>& args,
                             std::map<std::string, std::string> env = {}, int timeout = 300) {
    testing::ProcessOptions options;
    options.env = std::move(env);
    options.env["AKARI_PASSPHRASE"] = kNodePassphrase;
    options.env["AKARI_HUB_PASSPHRASE"] = kHubPassphrase;
    options.timeout_seconds = timeout;
    auto r = RunProgram(program, args, options);
    EXPECT_EQ(r.exit_code, 0) << program << " " << ::testing::PrintToString(args) << "\n" << r.out << r.err;
    return r;
  }

  // The first synced person who is covered today, takes insulin, holds a
  // valid linked card, and whose card akari-gen can issue.
  json PickPatient() {
    auto pass = crypto::SecretBuffer::CopyOf(AsBytes(kNodePassphrase));
    auto node = node::OpenNodeDir(node_dir_, *pass);
    EXPECT_TRUE(node) << node.error().message;
    if (!node) return nullptr;
    auto revoked_text = ReadFileBytes(region_ / "trust" / "revoked.json");
    const json revoked = revoked_text ? json::parse(ToString(*revoked_text), nullptr, false) : json::object();
    auto ids = node->store.FindByRiskClass(sync::RiskClass::kInsulin, 0, 200);
    EXPECT_TRUE(ids && !ids->empty()) << "no insulin user in the generated region";
    const sync::Date today = sync::DateInJapan(SystemClock::Instance().Now());
    for (std::int64_t id : ids ? *ids : std::vector<std::int64_t>{}) {
      if (revoked.is_object() && revoked.contains("persons") &&
          std::find(revoked["persons"].begin(), revoked["persons"].end(), id) != revoked["persons"].end())
        continue;
      auto record = node->store.ReadPerson(id);
      if (!record || !*record || sync::CoverageOn(**record, today) == nullptr) continue;
      const auto active = sync::ActiveRiskClasses(**record, today);
      if (std::find(active.begin(), active.end(), sync::RiskClass::kInsulin) == active.end()) continue;
      testing::ProcessOptions quiet;
      auto card = RunProgram(
          "akari-gen",
          {"card", "--from", region_.string(), "--person", std::to_string(id), "--out", card_dir_.string()}, quiet);
      if (card.exit_code != 0) {
        std::filesystem::remove_all(card_dir_);
        continue;
      }
      const sync::Person& p = (*record)->person;
      return {{"id", id},
              {"name_kana", p.name_kana},
              {"birth_date", sync::FormatDate(p.birth_date)},
              {"sex", p.sex == sync::Sex::kFemale ? "female" : "male"}};
    }
    return nullptr;
  }

  // playwright-core from the npm registry, installed with `npm ci` into the
  // build tree (outside the sources); reused while the lock file is unchanged.
  std::filesystem::path InstallPlaywright() {
    const std::filesystem::path src = std::filesystem::path(AKARI_SOURCE_DIR) / "tests" / "browser";
    const std::filesystem::path dir = std::filesystem::path(AKARI_BIN_DIR).parent_path() / "browser-npm";
    const auto lock = ReadFileBytes(src / "package-lock.json");
    const auto installed = ReadFileBytes(dir / "package-lock.json");
    if (lock && installed && *lock == *installed &&
        std::filesystem::exists(dir / "node_modules" / "playwright-core" / "package.json")) {
      return dir / "node_modules";
    }
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(src / "package.json", dir / "package.json",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(src / "package-lock.json", dir / "package-lock.json",
                               std::filesystem::copy_options::overwrite_existing);
    testing::ProcessOptions options;
    options.timeout_seconds = 300;
    options.env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";  // Debian's chromium is used
    auto r = RunProgram("/usr/bin/env", {"npm", "ci", "--no-audit", "--no-fund", "--prefix", dir.string()}, options);
    EXPECT_EQ(r.exit_code, 0) << "npm ci failed:\n" << r.out << r.err;
    return dir / "node_modules";
  }

  testing::TempDir root_;
  std::filesystem::path region_ = root_ / "region";
  std::filesystem::path hub_dir_ = root_ / "hub";
  std::filesystem::path node_dir_ = root_ / "node";
  std::filesystem::path card_dir_ = root_ / "card";
};

TEST_F(BrowserTest, StaffScenariosInHeadlessChromium) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "install Debian's chromium (fieldkit/scripts/setup.sh)";
  ASSERT_EQ(RunProgram("/usr/bin/env", {"node", "--version"}).exit_code, 0) << "install Node.js (setup.sh)";
  const std::filesystem::path modules = InstallPlaywright();

  // A region, published by a hub and synced by an enrolled node.
  Run("akari-gen", {"region", "--persons", "300", "--seed", "11", "--out", region_.string()});
  Run("akari-hub", {"init", "--data", hub_dir_.string(), "--region", "17", "--kdf-ms", "5"});
  Run("akari-hub", {"import", "--data", hub_dir_.string(), "--from", region_.string()});
  const auto invite = Run("akari-hub", {"node", "add", "--data", hub_dir_.string(), "--label", "browser", "--json"});
  const std::string token = json::parse(invite.out, nullptr, false).value("token", "");
  ASSERT_FALSE(token.empty()) << invite.out;
  const std::string hub_url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/";
  std::string error;
  ChildProcess::Options hub_options;
  hub_options.env["AKARI_HUB_PASSPHRASE"] = kHubPassphrase;
  hub_options.output = root_ / "hub.log";
  auto hub = ChildProcess::Start(
      testing::BinPath("akari-hub"),
      {"serve", "--data", hub_dir_.string(), "--listen", hub_url.substr(7, hub_url.size() - 8)}, hub_options, error);
  ASSERT_TRUE(hub) << error;
  ASSERT_TRUE(WaitForHttp(hub_url + "v1/enroll")) << hub->Output();
  Run("akari", {"init", "--data", node_dir_.string(), "--kdf-ms", "5"});
  Run("akari", {"enroll", "--data", node_dir_.string(), "--hub", hub_url, "--token", token});
  Run("akari-hub", {"publish", "--data", hub_dir_.string()});  // with a content key for the enrolled node
  Run("akari", {"sync", "--data", node_dir_.string()});
  for (auto [id, role] : {std::pair{"doc1", "doctor"}, std::pair{"admin1", "admin"}}) {
    Run("akari",
        {"operator", "add", "--data", node_dir_.string(), "--id", id, "--name", std::string("E2E ") + id, "--role",
         role, "--kdf-ms", "5"},
        {{"AKARI_OPERATOR_PIN", kOperatorPin}});
  }
  const json patient = PickPatient();
  ASSERT_FALSE(patient.is_null()) << "no covered insulin user with a valid card in the region";

  // The patient's card in a virtual reader behind a private pcscd.
  auto pcscd = PcscdInstance::Start(error);
  ASSERT_TRUE(pcscd) << error;
  auto vcard = pcscd->StartVirtualCard({"--card", card_dir_.string(), "--pin", "1234"}, error);
  ASSERT_TRUE(vcard) << error;
  ASSERT_TRUE(pcscd->WaitForCard(true)) << vcard->Output() << pcscd->Log();

  // akari serve with the card reader.
  ChildProcess::Options serve_options;
  serve_options.env = pcscd->ClientEnv();
  serve_options.env["AKARI_PASSPHRASE"] = kNodePassphrase;
  serve_options.output = root_ / "serve.log";
  auto serve = ChildProcess::Start(testing::BinPath("akari"),
                                   {"serve", "--data", node_dir_.string(), "--listen", "127.0.0.1:0", "--reader",
                                    PcscdInstance::kReader, "--facility", "1710000001"},
                                   serve_options, error);
  ASSERT_TRUE(serve) << error;
  std::string url;
  const std::regex serving(R"(at (http://127\.0\.0\.1:[0-9]+/) )");
  for (int i = 0; i < 200 && url.empty(); ++i) {
    std::smatch m;
    const std::string out = serve->Output();
    if (std::regex_search(out, m, serving)) url = m[1];
    if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(url.empty()) << serve->Output();

  // Emptied first: a failure's screenshot left from an earlier run would
  // point whoever reads them at a scenario that now passes.
  const std::filesystem::path artifacts = std::filesystem::path(AKARI_BIN_DIR).parent_path() / "browser-artifacts";
  std::filesystem::remove_all(artifacts);
  std::filesystem::create_directories(artifacts);
  testing::ProcessOptions e2e;
  e2e.timeout_seconds = 240;
  e2e.env = {{"AKARI_URL", url},
             {"AKARI_DOCTOR", "doc1"},
             {"AKARI_ADMIN", "admin1"},
             {"AKARI_OPERATOR_PIN", kOperatorPin},
             {"AKARI_CARD_PIN", "1234"},
             {"AKARI_PERSON", patient.dump()},
             {"PLAYWRIGHT_DIR", modules.string()},
             {"AKARI_ARTIFACTS", artifacts.string()}};
  const std::string script = std::string(AKARI_SOURCE_DIR) + "/tests/browser/e2e.mjs";
  auto r = RunProgram("/usr/bin/env", {"node", script}, e2e);
  std::cout << r.out;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << "\n--- akari serve ---\n" << serve->Output();
  EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos);

  // What the scenarios did is in the audit log, intact.
  EXPECT_EQ(serve->Stop(), 0) << serve->Output();
  auto verify = Run("akari", {"audit", "verify", "--data", node_dir_.string(), "--json"});
  const json report = json::parse(verify.out, nullptr, false);
  EXPECT_EQ(report.value("ok", false), true) << verify.out;
  hub->Stop();
}

}  // namespace
}  // namespace akari
