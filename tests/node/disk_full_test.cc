// A full disk, for real: the nodes of these tests live on a small tmpfs
// mounted in a private mount namespace of this test process (made in
// main(), before any thread exists), and a ballast file fills it to the
// byte. The hub and its publication live on the ordinary disk.
//
// The contract under test: a sync never fills the node's disk (it is
// refused before downloading when it would not fit beside the reserve
// for serving), a disk that fills up anyway while downloading or applying
// costs nothing but the update (its staged objects are deleted to give the
// space back, the store keeps serving its version intact), and the
// service answers a write it cannot make with 507 disk_full, shows nothing
// it did not record, and works again once space is freed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "node/service/service.h"
#include "node/status.h"
#include "node/store/meta_keys.h"
#include "node/sync/node_sync.h"
#include "sync/db/errors.h"
#include "sync/errors.h"
#include "sync/hub/import.h"
#include "sync/hub/publisher.h"
#include "sync/net/http_server.h"
#include "tests/node/check_input.h"
#include "tests/node/service_fixture.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

// The small disk, or why there is none (main()).
std::filesystem::path g_disk;
std::string g_disk_problem;
// Above node::kLowDiskBytes when empty, so that "low" can be seen to clear.
constexpr std::int64_t kDiskBytes = std::int64_t{192} << 20;

// Makes the private mount namespace and mounts the tmpfs; "" on success.
std::string MountSmallDisk(const std::filesystem::path& at) {
  if (::unshare(CLONE_NEWNS) != 0) {
    // Not root: a user namespace where we are root gives the same power
    // over a mount namespace of our own (as tests/testing/pcscd.cc does).
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      return std::string("cannot make a private mount namespace: ") + std::strerror(errno);
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  }
  // Nothing mounted here may reach the machine's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("cannot make mounts private: ") + std::strerror(errno);
  const std::string options = "size=" + std::to_string(kDiskBytes) + ",mode=0700";
  if (::mount("akari-small-disk", at.c_str(), "tmpfs", 0, options.c_str()) != 0)
    return std::string("cannot mount a tmpfs: ") + std::strerror(errno);
  return "";
}

std::int64_t FreeOnDisk() {
  struct statvfs s {};
  EXPECT_EQ(::statvfs(g_disk.c_str(), &s), 0);
  return static_cast<std::int64_t>(s.f_bavail) * static_cast<std::int64_t>(s.f_frsize);
}

// Fills the small disk so that `leave` bytes (rounded down to whole
// pages) stay free; released on destruction or Release().
class Ballast {
 public:
  ~Ballast() { Release(); }
  void Fill(std::int64_t leave) {
    const int fd =
        ::open((g_disk / ("ballast-" + std::to_string(files_++))).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::int64_t want = FreeOnDisk() - leave;
    const int err = want > 0 ? ::posix_fallocate(fd, 0, static_cast<off_t>(want)) : 0;
    ::close(fd);
    ASSERT_EQ(err, 0) << std::strerror(err);
  }
  void Release() {
    for (int i = 0; i < files_; ++i) std::filesystem::remove(g_disk / ("ballast-" + std::to_string(i)));
    files_ = 0;
  }

 private:
  int files_ = 0;
};

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(g_disk_problem.empty()) << "no small disk for this test: " << g_disk_problem;
    node_dir_ = g_disk / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    persons_ = testing::SampleRegion(600);
    Import(20261101);
    auto n = testing::MakeNode(node_dir_);
    ASSERT_TRUE(n) << n.error().message;
    node_.emplace(std::move(*n));
    auto enrolled = testing::EnrollOverHttp(*hub_, *node_, clock_);
    ASSERT_TRUE(enrolled) << enrolled.error().message;
  }
  void TearDown() override {
    ballast_.Release();
    node_.reset();
    std::filesystem::remove_all(node_dir_);
  }

  void Import(sync::Date as_of) {
    const auto dir = root_ / ("region-" + std::to_string(++imports_));
    auto s = testing::ImportSpec(*hub_, dir, {.as_of = as_of, .persons = persons_}, clock_);
    ASSERT_TRUE(s) << s.error().message;
  }
  // Version 2: every person changed, published without deltas, so the node
  // needs every chunk again (a node back from a long outage).
  void PublishEverythingChanged() {
    for (std::size_t i = 0; i < persons_.size(); ++i) testing::AddDispensing(persons_[i], 20261102, 7);
    Import(20261102);
    Publish(/*max_deltas=*/0);
  }
  void Publish(int max_deltas = 30) {
    sync::hub::PublishOptions options;
    options.max_deltas = max_deltas;
    options.chunk_divisor = 8;  // several objects, so a download can fail between two
    auto s = sync::hub::Publish(*hub_, options, clock_);
    ASSERT_TRUE(s) << s.error().message;
  }

  Result<node::SyncSummary> Sync(std::function<void(std::string_view)> checkpoint = nullptr) {
    auto source = sync::client::MakeDirectorySource(hub_->publication_root());
    node::SyncOptions options;
    options.clock = &clock_;
    options.keep_free_bytes = kKeepFree;
    options.checkpoint = std::move(checkpoint);
    return node::SyncNode(*node_, *source, options);
  }

  std::optional<std::int64_t> DataVersion() {
    auto v = node_->store.GetMeta(store::meta::kDataVersion);
    if (!v || !*v) return std::nullopt;
    return std::stoll(**v);
  }
  std::int64_t StagedBytes() {
    std::int64_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(node_dir_ / node::kStagingDir, ec))
      n += e.is_regular_file() ? static_cast<std::int64_t>(e.file_size()) : 0;
    return n;
  }
  Result<node::CheckRecord> RecordCheck() {
    node::CheckQueue queue(node_->store, node_->keystore.node_id(), node_->keystore.signing_secret_key(), clock_);
    return queue.Record(testing::NumbersCheckInput(persons_.front().person.id));
  }
  // The node still serves the version it had, whole: its persons, a sound
  // database and an intact audit chain.
  void ExpectServing(std::int64_t version) {
    EXPECT_EQ(DataVersion(), version);
    EXPECT_EQ(node_->store.Counts()->persons, static_cast<std::int64_t>(persons_.size()));
    EXPECT_EQ(*node_->store.IntegrityCheck(), "ok");
    auto p = node_->store.ReadPerson(persons_.back().person.id);
    ASSERT_TRUE(p && *p);
    node::AuditLog audit(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(),
                         clock_);
    auto verified = audit.Verify();
    ASSERT_TRUE(verified);
    EXPECT_FALSE(verified->first_bad_seq) << verified->problem;
  }

  // What must hold after a sync failed for lack of space: the named
  // error, nothing left staged, the version it had served whole and room
  // for a check; and once the disk has room again the next sync applies
  // version 2.
  void ExpectFailedForSpaceThenRecovered(const Result<node::SyncSummary>& r,
                                         std::initializer_list<std::string> mentions) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sync::SyncErrc::kDiskFull) << r.error().message;
    for (const std::string& m : mentions) EXPECT_NE(r.error().message.find(m), std::string::npos) << r.error().message;
    EXPECT_EQ(StagedBytes(), 0);
    ExpectServing(1);
    auto check = RecordCheck();
    ASSERT_TRUE(check) << check.error().message;

    ballast_.Release();
    auto again = Sync();
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->mode, "full");
    ExpectServing(2);
  }

  static constexpr std::int64_t kKeepFree = std::int64_t{1} << 20;
  testing::TempDir root_;
  std::filesystem::path node_dir_;
  ManualClock clock_{FromUnixSeconds(1761987600)};  // 2026-11-01T09:00:00Z
  std::optional<sync::hub::OpenHub> hub_;
  std::optional<node::OpenNode> node_;
  std::vector<sync::PersonRecord> persons_;
  int imports_ = 0;
  Ballast ballast_;
};

TEST_F(DiskFullTest, AnUpdateThatWouldNotFitIsRefusedBeforeAnythingIsDownloaded) {
  Publish();
  ASSERT_TRUE(Sync());
  PublishEverythingChanged();
  // Room for the reserve and a little more, not for the update.
  ballast_.Fill(kKeepFree + (256 << 10));

  auto r = Sync();
  // The reserve it kept is what lets staff go on working.
  EXPECT_GE(FreeOnDisk(), kKeepFree);
  ExpectFailedForSpaceThenRecovered(r, {"not enough free space on the disk holding " + node_dir_.string(),
                                        "Nothing was downloaded or changed; the node keeps serving version 1"});
}

TEST_F(DiskFullTest, ADiskThatFillsUpDuringTheDownloadGivesItsSpaceBack) {
  Publish();
  ASSERT_TRUE(Sync());
  PublishEverythingChanged();
  // The estimate passes; then something else takes the whole disk after
  // the third object, and the next object's write fails (ENOSPC).
  int fetched = 0;
  std::int64_t staged = 0;
  auto r = Sync([&](std::string_view at) {
    if (at == "object-fetched" && ++fetched == 3) {
      staged = StagedBytes();
      ballast_.Fill(0);
    }
  });
  // What it had downloaded is free again (the page-granular disk may give
  // back a little more).
  EXPECT_GE(FreeOnDisk(), staged);
  ExpectFailedForSpaceThenRecovered(r, {"the disk is full", "was deleted to give the space back"});
}

TEST_F(DiskFullTest, ADiskThatFillsUpDuringTheApplyRollsItBackAndGivesItsSpaceBack) {
  Publish();
  ASSERT_TRUE(Sync());
  PublishEverythingChanged();
  // Everything downloaded and verified; the disk fills before the apply
  // writes, so SQLite meets a full disk inside the transaction. With the
  // ballast still there, the staged objects given back are the room for
  // the check the contract asks for.
  auto r = Sync([&](std::string_view at) {
    if (at == "verified") ballast_.Fill(0);
  });
  ExpectFailedForSpaceThenRecovered(
      r, {"is full", "Nothing was applied; the node keeps serving version 1", "was deleted to give the space back"});
}

// The service on a node whose disk is full: nothing is shown that was not
// recorded, every refusal says why, and the node works again once space is
// freed.
class DiskFullServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(g_disk_problem.empty()) << "no small disk for this test: " << g_disk_problem;
    dir_ = g_disk / "service";
    node_.emplace(testing::CreateSeededNode(dir_, 20));
    testing::AddOperator(*node_, "doc1", node::Role::kDoctor, "1234");
    auto s = node::Service::Create(*node_, clock_, {}, 2);
    ASSERT_TRUE(s) << s.error().message;
    service_ = std::move(*s);
  }
  void TearDown() override {
    ballast_.Release();
    service_.reset();
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::pair<int, nlohmann::json> Send(std::string method, std::string path, const nlohmann::json& body = nullptr,
                                      const std::string& token = "") {
    net::Request r;
    r.method = std::move(method);
    r.target = path;
    EXPECT_TRUE(net::ParseTarget(path, r.path, r.query));
    r.remote_address = "127.0.0.1";
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.Set("Content-Type", "application/json");
    }
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    const net::Response a = service_->Handle(r);
    return {a.status, nlohmann::json::parse(a.body, nullptr, false)};
  }
  nlohmann::json NumbersOf(std::int64_t id) { return testing::InsuranceNumbersOf(id); }
  std::int64_t Checks() { return *node_->store.database().QueryInt("SELECT count(*) FROM check_record"); }

  std::filesystem::path dir_;
  ManualClock clock_{testing::TestNow()};
  std::optional<node::OpenNode> node_;
  std::unique_ptr<node::Service> service_;
  Ballast ballast_;
};

TEST_F(DiskFullServiceTest, AFullDiskRefusesChecksAndOpeningsWith507AndNothingIsShownUnrecorded) {
  auto [login_status, login] = Send("POST", "/v1/login", {{"operator_id", "doc1"}, {"pin", "1234"}});
  ASSERT_EQ(login_status, 200) << login.dump();
  const std::string token = login["token"];
  auto [checked, check] = Send("POST", "/v1/checks/insurance", NumbersOf(3), token);
  ASSERT_EQ(checked, 200) << check.dump();
  const std::int64_t checks_before = Checks();

  // A WAL already grown would hold a few more commits; a full disk with an
  // empty WAL is the hard case.
  ASSERT_TRUE(node_->store.Checkpoint());
  ballast_.Fill(0);

  auto [status_code, status] = Send("GET", "/v1/status");
  ASSERT_EQ(status_code, 200) << status.dump();
  EXPECT_EQ(status["disk"]["low"], true);

  auto [refused_check, refusal] = Send("POST", "/v1/checks/insurance", NumbersOf(4), token);
  EXPECT_EQ(refused_check, 507) << refusal.dump();
  EXPECT_EQ(refusal["error"]["code"], "disk_full");
  EXPECT_NE(refusal["error"]["message"].get<std::string>().find("free space"), std::string::npos);
  EXPECT_FALSE(refusal.contains("person"));

  // A record is shown while its opening can still be written to the audit
  // journal (the room left in the journal's last block); once not even
  // that can be written, openings are refused. Each one shown is in the
  // log once space is freed.
  int shown_while_full = 0;
  int refused_opens = 0;
  for (int i = 0; i < 200 && refused_opens < 3; ++i) {
    auto [open_code, opened] = Send("GET", "/v1/persons/3", nullptr, token);
    if (open_code == 200) {
      ASSERT_EQ(refused_opens, 0) << "shown after a refusal, while the disk is still full";
      EXPECT_EQ(opened["person"]["id"], 3);
      ++shown_while_full;
      continue;
    }
    EXPECT_EQ(open_code, 507) << opened.dump();
    EXPECT_EQ(opened["error"]["code"], "disk_full");
    EXPECT_FALSE(opened.contains("person"));
    ++refused_opens;
  }
  EXPECT_EQ(refused_opens, 3) << "openings were still shown after " << shown_while_full << " on a full disk";

  ballast_.Release();
  EXPECT_EQ(Checks(), checks_before);
  auto [rechecked, recheck] = Send("POST", "/v1/checks/insurance", NumbersOf(4), token);
  EXPECT_EQ(rechecked, 200) << recheck.dump();
  auto [reopened, person] = Send("GET", "/v1/persons/3", nullptr, token);
  EXPECT_EQ(reopened, 200) << person.dump();
  EXPECT_EQ(Checks(), checks_before + 1);
  // Every record shown is in the audit log: the ones shown while the disk
  // was full, and the one after.
  ASSERT_TRUE(service_->FlushAudit());
  auto opens = node_->store.database().QueryInt("SELECT count(*) FROM audit_log WHERE event = 'record.open'");
  ASSERT_TRUE(opens);
  EXPECT_EQ(*opens, shown_while_full + 1);
  // The journal works again: the next opening does not commit on its own.
  const auto journaled_before = service_->audit_commit_counts().journaled;
  auto [again, again_person] = Send("GET", "/v1/persons/3", nullptr, token);
  EXPECT_EQ(again, 200) << again_person.dump();
  ASSERT_TRUE(service_->FlushAudit());
  EXPECT_EQ(service_->audit_commit_counts().journaled, journaled_before + 1);
  auto [after_code, after] = Send("GET", "/v1/status");
  EXPECT_EQ(after["disk"]["low"], false);
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  // Before InitGoogleTest and before any thread: unshare(CLONE_NEWNS) is
  // refused to a process with threads sharing its file-system context.
  char pattern[] = "/tmp/akari-small-disk-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    akari::g_disk_problem = std::string("cannot make a mount point: ") + std::strerror(errno);
  } else {
    akari::g_disk = pattern;
    akari::g_disk_problem = akari::MountSmallDisk(akari::g_disk);
  }
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  if (!akari::g_disk.empty()) {
    ::umount2(akari::g_disk.c_str(), MNT_DETACH);
    ::rmdir(akari::g_disk.c_str());
  }
  return result;
}
