// Network faults between a node and its publication source: a reset in the
// middle of an object, a slow server, errors, an unreachable hub. Retries
// are bounded with growing, jittered delays (recorded, not slept), Range
// requests resume where the connection broke, and a failure applies nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/store/meta_keys.h"
#include "node/sync/node_sync.h"
#include "sync/client/source.h"
#include "sync/errors.h"
#include "sync/hub/import.h"
#include "sync/hub/publisher.h"
#include "sync/publication/layout.h"
#include "tests/sync/background_process.h"
#include "tests/sync/fault_server.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using sync::SyncErrc;
using Fault = testing::FaultServer::Fault;

using testing::At;

class SyncFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    testing::RegionSpec spec;
    spec.persons = testing::SampleRegion(60);
    ASSERT_TRUE(testing::WriteRegion(root_ / "region", spec));
    ASSERT_TRUE(sync::hub::ImportRegion(hub_->store, root_ / "region", {}, clock_));
    auto n = testing::MakeNode(root_ / "node");
    ASSERT_TRUE(n) << n.error().message;
    node_.emplace(std::move(*n));
    ASSERT_TRUE(testing::EnrollOverHttp(*hub_, *node_, clock_));
    sync::hub::PublishOptions options;
    options.chunk_divisor = 16;
    ASSERT_TRUE(sync::hub::Publish(*hub_, options, clock_));
  }

  // Syncs through `server` with small Range pieces and recorded backoff.
  Result<node::SyncSummary> SyncVia(const testing::FaultServer& server, int attempts,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    net::ClientOptions client;
    client.request_timeout = timeout;
    sync::client::RetryPolicy retry;
    retry.max_attempts = attempts;
    retry.piece_bytes = 1024;  // several pieces per object
    auto source = sync::client::MakeHttpSource(server.url(), client, retry,
                                               [this](std::chrono::milliseconds d) { sleeps_.push_back(d); });
    node::SyncOptions options;
    options.clock = &clock_;
    return node::SyncNode(*node_, *source, options);
  }

  void ExpectNothingApplied() {
    EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataVersion), std::nullopt);
    EXPECT_EQ(node_->store.Counts()->persons, 0);
    EXPECT_EQ(*node_->store.IntegrityCheck(), "ok");
  }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<sync::hub::OpenHub> hub_;
  std::optional<node::OpenNode> node_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

bool IsObject(const std::string& path) {
  return path.find("/objects/") != std::string::npos;
}

Fault Oversize(std::size_t bytes, Fault::Framing framing, int status = 200) {
  Fault f;
  f.kind = Fault::Kind::kOversize;
  f.status = status;
  f.framing = framing;
  f.oversize_bytes = bytes;
  return f;
}

// What a client that stops reading still gets counted as sent: the
// sockets' buffers on loopback (a few MiB at most).
constexpr std::size_t kBufferedSlack = std::size_t{16} << 20;
constexpr std::size_t kHuge = std::size_t{64} << 20;  // within the client's 256 MiB, far over any cap

int RequestsFor(const testing::FaultServer& server, std::string_view suffix) {
  int n = 0;
  for (const auto& s : server.requests()) n += s.path.ends_with(suffix) ? 1 : 0;
  return n;
}

// On a USB stick the region's folder (usb/17) is the natural pick; the
// error says to give the folder that holds it, not to wait for a publish.
TEST_F(SyncFaultsTest, SyncingFromTheRegionsOwnFolderSaysWhichFolderToGive) {
  auto source = sync::client::MakeDirectorySource(hub_->publication_root() / "17");
  node::SyncOptions options;
  options.clock = &clock_;
  auto r = node::SyncNode(*node_, *source, options);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("the region's own folder"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("published yet"), std::string::npos) << r.error().message;
  ExpectNothingApplied();
  auto right = sync::client::MakeDirectorySource(hub_->publication_root());
  ASSERT_TRUE(node::SyncNode(*node_, *right, options));
}

TEST_F(SyncFaultsTest, AConnectionResetMidObjectIsResumedFromWhereItBroke) {
  // The first piece that does not start an object breaks after 1000
  // bytes, twice.
  int resets = 0;
  testing::FaultServer server(hub_->publication_root(), [&](const testing::FaultServer::Seen& r, int) {
    if (!IsObject(r.path) || r.range.starts_with("bytes=0-") || resets >= 2) return Fault{};
    ++resets;
    return Fault{Fault::Kind::kReset, 1000, {}};
  });
  auto r = SyncVia(server, 4);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(resets, 2) << "no object needed a second piece";
  EXPECT_EQ(r->persons_total, 60);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_GE(sleeps_[1], sleeps_[0] / 2);  // grows (with jitter)
  // The broken piece was asked for again (not the object from byte 0).
  const auto seen = server.requests();
  std::size_t first_break = 0;
  while (first_break < seen.size() &&
         (!IsObject(seen[first_break].path) || seen[first_break].range.starts_with("bytes=0-"))) {
    ++first_break;
  }
  ASSERT_LT(first_break + 2, seen.size());
  EXPECT_EQ(seen[first_break + 1].path, seen[first_break].path);
  EXPECT_EQ(seen[first_break + 1].range, seen[first_break].range);
  EXPECT_EQ(seen[first_break + 2].range, seen[first_break].range);
}

TEST_F(SyncFaultsTest, AServerThatAlwaysResetsMakesABoundedNumberOfAttemptsAndAppliesNothing) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return IsObject(r.path) ? Fault{Fault::Kind::kReset, 100, {}} : Fault{};
  });
  auto r = SyncVia(server, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kUnreachable) << r.error().message;
  EXPECT_NE(r.error().message.find("gave up after 3 attempts"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Nothing was applied"), std::string::npos);
  EXPECT_EQ(sleeps_.size(), 2u);
  ExpectNothingApplied();
}

TEST_F(SyncFaultsTest, ASlowServerTimesOutWithAClearMessage) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return IsObject(r.path) ? Fault{Fault::Kind::kDelay, 0, std::chrono::milliseconds(1500)} : Fault{};
  });
  auto r = SyncVia(server, 2, std::chrono::milliseconds(300));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kTimeout) << r.error().message;
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  ExpectNothingApplied();
}

TEST_F(SyncFaultsTest, ServerErrorsAreRetried) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen&, int n) {
    return n < 2 ? Fault{Fault::Kind::kStatus500, 0, {}} : Fault{};
  });
  auto r = SyncVia(server, 5);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(SyncFaultsTest, AnUnreachableHubIsReportedAfterBoundedRetries) {
  net::ClientOptions client;
  client.connect_timeout = std::chrono::milliseconds(500);
  sync::client::RetryPolicy retry;
  retry.max_attempts = 3;
  auto source =
      sync::client::MakeHttpSource("http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/", client,
                                   retry, [this](std::chrono::milliseconds d) { sleeps_.push_back(d); });
  node::SyncOptions options;
  options.clock = &clock_;
  auto r = node::SyncNode(*node_, *source, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kUnreachable);
  EXPECT_NE(r.error().message.find("--from DIR"), std::string::npos) << r.error().message;
  EXPECT_EQ(sleeps_.size(), 2u);
  ExpectNothingApplied();
}

TEST_F(SyncFaultsTest, APartialDownloadResumesWithARangeRequest) {
  // The first run fetches one object and is cut off during the second.
  int object_requests = 0;
  testing::FaultServer broken(hub_->publication_root(), [&](const testing::FaultServer::Seen& r, int) {
    if (!IsObject(r.path)) return Fault{};
    return ++object_requests >= 3 ? Fault{Fault::Kind::kReset, 10, {}} : Fault{};
  });
  ASSERT_FALSE(SyncVia(broken, 1));
  testing::FaultServer good(hub_->publication_root(), [](const testing::FaultServer::Seen&, int) { return Fault{}; });
  auto r = SyncVia(good, 1);
  ASSERT_TRUE(r) << r.error().message;
  bool resumed = false;
  for (const auto& s : good.requests())
    resumed |= IsObject(s.path) && s.range.starts_with("bytes=") && !s.range.starts_with("bytes=0-");
  EXPECT_TRUE(resumed) << "no Range request resumed a partial object";
  EXPECT_EQ(node_->store.Counts()->persons, 60);
}

// A hostile server answers the manifest with an endless chunked body: the
// client stops reading once the manifest's cap has passed (instead of
// buffering up to its own 256 MiB), refuses it as too large, and does not
// ask again (the same server would send the same).
TEST_F(SyncFaultsTest, AnEndlessManifestIsCutOffAtItsCapAndRefused) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return r.path.ends_with("/manifest.json") ? Oversize(std::size_t{128} << 20, Fault::Framing::kChunked) : Fault{};
  });
  auto r = SyncVia(server, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument) << r.error().message;
  EXPECT_THAT(r.error().message,
              ::testing::HasSubstr(server.url() + "17/manifest.json is larger than the " +
                                   std::to_string(sync::publication::kMaxManifestBytes) + " bytes allowed"));
  EXPECT_LT(server.oversize_bytes_sent(), sync::publication::kMaxManifestBytes + kBufferedSlack);
  EXPECT_EQ(RequestsFor(server, "/manifest.json"), 1);
  EXPECT_TRUE(sleeps_.empty());
  ExpectNothingApplied();
}

// A root file whose Content-Length passes the root cap is refused on its
// header, before its body is read.
TEST_F(SyncFaultsTest, ARootFileDeclaringAHugeLengthIsRefusedBeforeItsBody) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return r.path.ends_with("/root/2.json") ? Oversize(kHuge, Fault::Framing::kContentLength) : Fault{};
  });
  auto r = SyncVia(server, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument) << r.error().message;
  EXPECT_THAT(r.error().message,
              ::testing::HasSubstr("17/root/2.json is larger than the " +
                                   std::to_string(sync::publication::kMaxRootBytes) + " bytes allowed"));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("report this to the hub operator"));
  EXPECT_LT(server.oversize_bytes_sent(), kBufferedSlack);
  EXPECT_EQ(RequestsFor(server, "/root/2.json"), 1);
  ExpectNothingApplied();
}

// A static server's "not found" page is no file whatever its size: the
// root chain still ends there, and the page is read no further than the cap.
TEST_F(SyncFaultsTest, AHugeNotFoundPageStillEndsTheRootChainAndIsNotReadWhole) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return r.path.ends_with("/root/2.json") ? Oversize(kHuge, Fault::Framing::kUntilClose, 404) : Fault{};
  });
  auto r = SyncVia(server, 3);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->new_root_versions, 0);
  EXPECT_EQ(node_->store.Counts()->persons, 60);
  EXPECT_LT(server.oversize_bytes_sent(), kBufferedSlack);
}

// An object answer longer than the manifest's size for it (here a whole
// answer ignoring Range, delimited by the connection's end) is cut off
// after that size.
TEST_F(SyncFaultsTest, AnObjectAnswerLongerThanTheObjectIsCutOffAndRefused) {
  testing::FaultServer server(hub_->publication_root(), [](const testing::FaultServer::Seen& r, int) {
    return IsObject(r.path) ? Oversize(kHuge, Fault::Framing::kUntilClose) : Fault{};
  });
  auto r = SyncVia(server, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kObjectMismatch) << r.error().message;
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("bytes the manifest says"));
  EXPECT_LT(server.oversize_bytes_sent(), kBufferedSlack);
  EXPECT_TRUE(sleeps_.empty());
  ExpectNothingApplied();
}

}  // namespace
}  // namespace akari
