// The real programs end to end: akari-gen writes a region, akari-hub
// imports, publishes and serves it, akari enrolls and syncs (over HTTP, from
// a directory, from nginx), including SIGKILL at every stage of a sync.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "node/node_dir.h"
#include "node/store/meta_keys.h"
#include "tests/sync/background_process.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using testing::ProcessResult;
using testing::RunProgram;

class SyncCliTest : public ::testing::Test {
 protected:
  ProcessResult Hub(std::vector<std::string> args) {
    testing::ProcessOptions o;
    o.env = {{"AKARI_HUB_PASSPHRASE", "hub-passphrase"}};
    return RunProgram("akari-hub", args, o);
  }
  ProcessResult Akari(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    testing::ProcessOptions o;
    o.env = std::move(env);
    o.env["AKARI_PASSPHRASE"] = "node-passphrase";
    return RunProgram("akari", args, o);
  }
  void Generate(const std::string& dir, const std::string& as_of) {
    auto r = RunProgram("akari-gen", {"region", "--persons", "150", "--seed", "3", "--as-of", as_of, "--out", dir});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void ImportAndPublish(const std::string& region, std::vector<std::string> publish_args = {}) {
    auto imported = Hub({"import", "--data", hub_, "--from", region});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    std::vector<std::string> args = {"publish", "--data", hub_};
    args.insert(args.end(), publish_args.begin(), publish_args.end());
    auto published = Hub(args);
    ASSERT_EQ(published.exit_code, 0) << published.err;
  }
  // A hub with region A imported (not yet published), serving, and an
  // enrolled node.
  void SetUpEnrolled() {
    Generate(region_a_, "2026-11-01");
    ASSERT_EQ(Hub({"init", "--data", hub_, "--kdf-ms", "5"}).exit_code, 0);
    auto imported = Hub({"import", "--data", hub_, "--from", region_a_});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto add = Hub({"node", "add", "--data", hub_, "--label", "shelter", "--json"});
    ASSERT_EQ(add.exit_code, 0) << add.err;
    const std::string token = nlohmann::json::parse(add.out)["token"];
    testing::HubProcess hub = testing::StartHubProcess(hub_, "hub-passphrase");
    serve_ = std::move(hub.process);
    ASSERT_FALSE(hub.url.empty()) << "akari-hub serve printed: " << hub.first_line;
    url_ = hub.url;
    ASSERT_EQ(Akari({"init", "--data", node_, "--kdf-ms", "5"}).exit_code, 0);
    auto enrolled = Akari({"enroll", "--data", node_, "--hub", url_, "--token", token});
    ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    auto again = Akari({"enroll", "--data", node_, "--hub", url_, "--token", token});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("already enrolled"), std::string::npos) << again.err;
    auto published = Hub({"publish", "--data", hub_});
    ASSERT_EQ(published.exit_code, 0) << published.err;
  }
  nlohmann::json SyncJson(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> args = {"sync", "--data", node_, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Akari(args, std::move(env));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }
  struct NodeState {
    std::optional<std::string> version;
    std::int64_t persons = 0;
    std::string integrity;
  };
  NodeState ReadNode() {
    auto pass = crypto::SecretBuffer::CopyOf(AsBytes("node-passphrase"));
    auto node = node::OpenNodeDir(node_, *pass);
    EXPECT_TRUE(node) << node.error().message;
    if (!node) return {};
    return {*node->store.GetMeta(store::meta::kDataVersion), node->store.Counts()->persons,
            *node->store.IntegrityCheck()};
  }
  std::size_t StagedFiles() {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(node_) / "staging" / "17", ec)) {
      if (e.path().extension() != ".part") ++n;
    }
    return n;
  }

  testing::TempDir root_;
  std::string hub_ = (root_ / "hub").string();
  std::string node_ = (root_ / "node").string();
  std::string region_a_ = (root_ / "gen-a").string();
  std::string region_b_ = (root_ / "gen-b").string();
  std::string publication_ = (root_ / "hub" / "publication").string();
  std::string url_;
  std::unique_ptr<testing::BackgroundProcess> serve_;
};

TEST_F(SyncCliTest, GeneratedRegionSyncsOverHttpThenByDelta) {
  SetUpEnrolled();
  auto full = SyncJson();
  EXPECT_EQ(full["mode"], "full");
  EXPECT_EQ(full["to_version"], 1);
  EXPECT_EQ(full["persons_total"], 150);
  auto status = Akari({"status", "--data", node_, "--json"});
  ASSERT_EQ(status.exit_code, 0);
  const auto st = nlohmann::json::parse(status.out);
  EXPECT_EQ(st["data"]["version"], 1);
  EXPECT_EQ(st["data"]["expired"], false);
  EXPECT_EQ(st["region"], "17");

  Generate(region_b_, "2026-11-02");
  ImportAndPublish(region_b_);
  auto delta = SyncJson();
  EXPECT_EQ(delta["mode"], "delta");
  EXPECT_EQ(delta["to_version"], 2);
  EXPECT_GT(delta["persons_inserted"].get<int>(), 0);
  EXPECT_LT(delta["persons_inserted"].get<int>(), 150);
  EXPECT_LT(delta["bytes_fetched"].get<std::int64_t>(), full["bytes_fetched"].get<std::int64_t>());
  EXPECT_EQ(SyncJson()["mode"], "up-to-date");
  auto list = Hub({"node", "list", "--data", hub_, "--json"});
  EXPECT_EQ(nlohmann::json::parse(list.out)[0]["state"], "enrolled");
}

TEST_F(SyncCliTest, SigkillAtAnyStageLeavesTheOldOrTheNewVersionAndNothingIsFetchedTwice) {
  SetUpEnrolled();
  serve_.reset();  // from here on the node reads the publication directory
  const std::vector<std::string> from = {"--from", publication_};
  struct Kill {
    const char* point;
    std::optional<std::string> version_after;
  };
  for (const Kill& k :
       {Kill{"object-fetched:1", std::nullopt}, Kill{"verified", std::nullopt}, Kill{"apply-object:1", std::nullopt},
        Kill{"before-commit", std::nullopt}, Kill{"after-commit", "1"}}) {
    SCOPED_TRACE(k.point);
    auto r = Akari({"sync", "--data", node_, "--from", publication_}, {{"AKARI_TEST_SYNC_STOP", k.point}});
    EXPECT_EQ(r.signal, SIGKILL) << r.err;
    const NodeState s = ReadNode();
    EXPECT_EQ(s.version, k.version_after);
    EXPECT_EQ(s.persons, k.version_after ? 150 : 0);
    EXPECT_EQ(s.integrity, "ok");
    if (!k.version_after) {
      EXPECT_GE(StagedFiles(), 1u);
    }
  }
  EXPECT_EQ(SyncJson(from)["mode"], "up-to-date");

  Generate(region_b_, "2026-11-02");
  ImportAndPublish(region_b_);
  for (const char* point : {"object-fetched:1", "apply-object:1", "before-commit"}) {
    SCOPED_TRACE(point);
    auto r = Akari({"sync", "--data", node_, "--from", publication_}, {{"AKARI_TEST_SYNC_STOP", point}});
    EXPECT_EQ(r.signal, SIGKILL) << r.err;
    const NodeState s = ReadNode();
    EXPECT_EQ(s.version, "1");
    EXPECT_EQ(s.integrity, "ok");
  }
  const auto done = SyncJson(from);
  EXPECT_EQ(done["mode"], "delta");
  EXPECT_EQ(done["to_version"], 2);
  EXPECT_EQ(done["bytes_fetched"], 0);  // every object was already verified in staging
  EXPECT_GE(done["objects_already_staged"].get<int>(), 1);
  EXPECT_EQ(ReadNode().version, "2");
}

TEST_F(SyncCliTest, AnUnreachableHubFailsQuicklyWithOneClearLine) {
  ASSERT_EQ(Akari({"init", "--data", node_, "--kdf-ms", "5"}).exit_code, 0);
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/";
  auto enroll = Akari({"enroll", "--data", node_, "--hub", dead, "--token",
                       "AKE1.17." + std::string(64, 'a') + "." + std::string(32, 'b')});
  EXPECT_EQ(enroll.exit_code, 1);
  EXPECT_NE(enroll.err.find("cannot connect"), std::string::npos) << enroll.err;
  auto sync = Akari({"sync", "--data", node_, "--hub", dead, "--retries", "2", "--timeout", "2"});
  EXPECT_EQ(sync.exit_code, 1);
  EXPECT_NE(sync.err.find("not enrolled"), std::string::npos) << sync.err;
}

TEST_F(SyncCliTest, ExpiredManifestIsRefusedUnlessAnAdministratorAcceptsIt) {
  SetUpEnrolled();
  SyncJson();
  Generate(region_b_, "2026-11-02");
  ImportAndPublish(region_b_, {"--expires-in", "1s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto refused = Akari({"sync", "--data", node_});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("expired"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--accept-expired"), std::string::npos) << refused.err;
  EXPECT_EQ(ReadNode().version, "1");

  auto accepted = Akari({"sync", "--data", node_, "--accept-expired", "--json"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(nlohmann::json::parse(accepted.out)["accepted_expired"], true);
  EXPECT_NE(accepted.err.find("recorded in the audit log"), std::string::npos);
  auto status = Akari({"status", "--data", node_, "--json"});
  const auto st = nlohmann::json::parse(status.out);
  EXPECT_EQ(st["data"]["version"], 2);
  EXPECT_EQ(st["data"]["expired"], true);
  auto human = Akari({"status", "--data", node_});
  EXPECT_NE(human.out.find("PAST EXPIRY"), std::string::npos) << human.out;
  auto audit = Akari({"audit", "export", "--data", node_});
  EXPECT_NE(audit.out.find("sync.accept_expired"), std::string::npos);
  EXPECT_NE(audit.out.find("sync.refused"), std::string::npos);
}

TEST_F(SyncCliTest, ANewManifestKeyTakesEffectWithTheNextPublishAndNodesNeverRefuseMeanwhile) {
  SetUpEnrolled();
  SyncJson();
  auto rotated = Hub({"keys", "rotate", "--data", hub_, "--manifest"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("run akari-hub publish now"), std::string::npos) << rotated.out;
  // Before the publish: nodes keep the current root and manifest, even when
  // the root keys are rotated too in the meantime.
  EXPECT_EQ(SyncJson()["mode"], "up-to-date");
  auto root_too = Hub({"keys", "rotate", "--data", hub_, "--root"});
  ASSERT_EQ(root_too.exit_code, 0) << root_too.err;
  EXPECT_NE(root_too.out.find("run akari-hub publish now"), std::string::npos) << root_too.out;
  EXPECT_EQ(SyncJson()["mode"], "up-to-date");
  auto published = Hub({"publish", "--data", hub_});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  const auto synced = SyncJson();
  EXPECT_EQ(synced["new_root_versions"], 2) << synced.dump();
  EXPECT_EQ(ReadNode().version, "2");
}

TEST_F(SyncCliTest, AClockBehindTheNewestSignedTimeIsReported) {
  SetUpEnrolled();
  auto r = Akari({"sync", "--data", node_, "--json"}, {{"AKARI_TEST_CLOCK", "2020-01-01T00:00:00Z"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["clock_behind"], true);
  EXPECT_NE(r.err.find("clock is behind"), std::string::npos) << r.err;
}

TEST_F(SyncCliTest, AnyStaticServerWillDoNginx) {
  SetUpEnrolled();
  serve_.reset();
  const auto prefix = root_ / "nginx";
  std::filesystem::create_directories(prefix / "tmp");
  const int port = testing::FreeLoopbackPort();
  std::ofstream(prefix / "nginx.conf")
      << "daemon off;\nworker_processes 1;\n"
      << (::geteuid() == 0 ? "user root;\n" : "") << "pid " << (prefix / "nginx.pid").string() << ";\nerror_log "
      << (prefix / "error.log").string() << ";\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
      << "  client_body_temp_path " << (prefix / "tmp").string() << ";\n"
      << "  types { application/json json; }\n  default_type application/octet-stream;\n"
      << "  server { listen 127.0.0.1:" << port << "; root " << publication_ << "; }\n}\n";
  testing::BackgroundProcess nginx("/usr/sbin/nginx", {"-p", prefix.string(), "-c", (prefix / "nginx.conf").string()});
  ASSERT_TRUE(nginx.started());
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  nlohmann::json full;
  for (int i = 0; i < 50 && full.is_null(); ++i) {  // until nginx listens
    auto r = Akari({"sync", "--data", node_, "--hub", url, "--json", "--retries", "1"});
    if (r.exit_code == 0) {
      full = nlohmann::json::parse(r.out);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_FALSE(full.is_null()) << "no sync through nginx";
  EXPECT_EQ(full["mode"], "full");
  EXPECT_EQ(full["persons_total"], 150);
  Generate(region_b_, "2026-11-02");
  ImportAndPublish(region_b_);
  auto delta = SyncJson({"--hub", url});
  EXPECT_EQ(delta["mode"], "delta");
  EXPECT_EQ(delta["to_version"], 2);
}

}  // namespace
}  // namespace akari
