// The local service's API and static files, called in-process (no sockets):
// authentication, roles, input validation, checks, record access rules,
// disaster mode and the audit trail they leave.
#include "node/service/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "base/log.h"
#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "node/service/person_summary.h"
#include "node/service/ui_assets.h"
#include "node/store/meta_keys.h"
#include "sync/reconcile/protocol.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  json body;
  net::Response raw;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [id, role] :
         {std::pair{"admin1", Role::kAdmin}, std::pair{"doc1", Role::kDoctor}, std::pair{"doc2", Role::kDoctor},
          std::pair{"clerk1", Role::kClerk}, std::pair{"nurse1", Role::kNurse}}) {
      testing::AddOperator(node_, id, role, "1234");
    }
    service_ = MakeService();
  }

  std::unique_ptr<Service> MakeService(ServiceOptions options = {}) {
    options.facility = "1712345678";
    auto s = Service::Create(node_, clock_, options, 2);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  Answer Send(std::string method, std::string path, std::string body = "", std::string token = "",
              std::string content_type = "application/json", std::string remote = "127.0.0.1") {
    net::Request r;
    r.method = std::move(method);
    r.target = path;
    EXPECT_TRUE(net::ParseTarget(path, r.path, r.query)) << path;
    r.body = std::move(body);
    r.remote_address = std::move(remote);
    if (!content_type.empty() && r.method != "GET") r.headers.Set("Content-Type", content_type);
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    Answer a;
    a.raw = service_->Handle(r);
    a.status = a.raw.status;
    a.body = json::parse(a.raw.body, nullptr, false);
    return a;
  }
  Answer Post(std::string path, const json& body, const std::string& token = "") {
    return Send("POST", std::move(path), body.dump(), token);
  }
  std::string Login(const std::string& id, const std::string& pin = "1234") {
    Answer a = Post("/v1/login", {{"operator_id", id}, {"pin", pin}});
    EXPECT_EQ(a.status, 200) << a.raw.body;
    return a.body.value("token", "");
  }
  json NumbersOf(std::int64_t id) { return testing::InsuranceNumbersOf(id); }
  std::vector<json> AuditEntries() {
    // Record openings reach the log from the audit journal a moment later.
    if (service_) {
      EXPECT_TRUE(service_->FlushAudit());
    }
    AuditLog log(node_.store, node_.keystore.signing_secret_key(), node_.keystore.signing_public_key(), clock_);
    std::ostringstream out;
    EXPECT_TRUE(log.ExportJsonLines(out));
    std::vector<json> entries;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) entries.push_back(json::parse(line));
    return entries;
  }
  std::vector<json> AuditEvents(std::string_view event) {
    std::vector<json> out;
    for (json& e : AuditEntries()) {
      if (e["event"] == event) out.push_back(std::move(e));
    }
    return out;
  }
  void DeclareDisaster() {
    const std::string admin = Login("admin1");
    Answer a = Send("PUT", "/v1/mode", json{{"mode", "disaster"}, {"reason", "能登半島地震 輪島市"}}.dump(), admin);
    ASSERT_EQ(a.status, 200) << a.raw.body;
  }

  testing::TempDir dir_;
  OpenNode node_ = testing::CreateSeededNode(dir_ / "node", 30);
  ManualClock clock_{testing::TestNow()};
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, StatusIsPublicAndShowsDataAgeModeAndQueue) {
  Answer a = Send("GET", "/v1/status");
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["node_id"], node_.keystore.node_id());
  EXPECT_EQ(a.body["mode"], "normal");
  EXPECT_EQ(a.body["data"]["version"], 7);
  EXPECT_EQ(a.body["data"]["as_of"], testing::kSnapshotCreated);
  EXPECT_EQ(a.body["data"]["age_seconds"], 27 * 3600);
  EXPECT_EQ(a.body["data"]["records_as_of"], testing::kSnapshotRecordsAsOf);
  EXPECT_EQ(a.body["data"]["records_age_days"], 3);
  EXPECT_EQ(a.body["data"]["stale"], false);
  EXPECT_EQ(a.body["queue"]["pending"], 0);
  EXPECT_EQ(a.body["today"], "2026-11-01");
  EXPECT_GT(a.body["disk"]["free_bytes"].get<std::int64_t>(), 0);
  EXPECT_TRUE(a.body["disk"]["low"].is_boolean());
  EXPECT_TRUE(a.body["hub"].is_null());  // no background sync attached (offline)
  clock_.Advance(std::chrono::hours(24 * 7));
  a = Send("GET", "/v1/status");
  EXPECT_EQ(a.body["data"]["stale"], true);
  EXPECT_EQ(a.body["data"]["stale_since"], testing::kSnapshotExpires);
}

// Validity is decided on the node's time: the clock, but never before the
// newest signed time the node has seen. A clock set back years (a dead RTC
// battery, a laptop reset in the field) must not make a coverage that has
// ended current again, nor data that has expired fresh; the check carries
// the node's time, which the hub reconciles it at.
TEST_F(ServiceTest, AClockSetBackBringsBackNeitherEndedCoverageNorFreshData) {
  constexpr const char* kTrusted = "2026-11-10T00:00:00Z";  // after the data's expiry (11-07)
  ASSERT_TRUE(node_.store.SetMeta(store::meta::kTrustedTime, kTrusted));
  TimePoint back;
  ASSERT_TRUE(ParseUtc("2022-06-01T00:00:00Z", back));  // SamplePerson(5)'s first coverage still in force
  clock_.Set(back);
  const std::string token = Login("clerk1");
  const sync::PersonRecord r = testing::SamplePerson(5);
  Answer a = Post("/v1/checks/insurance", testing::InsuranceNumbersOf(r, r.coverages.front()), token);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["answer"]["detail_code"], "presented_coverage_ended") << a.raw.body;
  EXPECT_EQ(a.body["presented_coverage"]["valid_to"], "2023-04-01");
  EXPECT_EQ(a.body["check"]["created_at"], kTrusted);
  Answer status = Send("GET", "/v1/status");
  ASSERT_EQ(status.status, 200) << status.raw.body;
  EXPECT_EQ(status.body["today"], "2026-11-10");
  EXPECT_EQ(status.body["data"]["stale"], true);
  EXPECT_EQ(status.body["clock_behind"], true);
  // Once the clock is right again, it is the clock.
  clock_.Set(testing::TestNow() + std::chrono::days(30));
  status = Send("GET", "/v1/status");
  EXPECT_EQ(status.body["today"], "2026-12-01");
  EXPECT_EQ(status.body["clock_behind"], false);
}

// akari serve measures sessions on a clock that setting the machine's clock
// does not move (ServiceOptions::session_clock, a MonotonicClock there):
// an admin correcting a clock a year off must not log everyone out, and a
// clock set back must not keep a session alive past its idle limit.
TEST_F(ServiceTest, SettingTheMachinesClockNeitherEndsNorExtendsASession) {
  ManualClock session_clock(testing::TestNow());
  ServiceOptions options;
  options.session_clock = &session_clock;
  service_.reset();  // one service owns the node's audit journal at a time
  service_ = MakeService(options);
  const std::string token = Login("doc1");
  clock_.Advance(std::chrono::days(365));
  EXPECT_EQ(Send("GET", "/v1/session", "", token).status, 200);
  clock_.Set(testing::TestNow() - std::chrono::days(365));
  session_clock.Advance(SessionLimits{}.idle + std::chrono::minutes(1));
  Answer ended = Send("GET", "/v1/session", "", token);
  EXPECT_EQ(ended.status, 401) << ended.raw.body;
}

TEST_F(ServiceTest, StaffRequestsButNotStatusPollsCountAsUse) {
  // The hub link holds large snapshot applies while the node is in use
  // (hub_link.h); the UI's own status polling must not keep it held.
  Send("GET", "/v1/status");
  EXPECT_FALSE(service_->LastUse());
  const auto before = std::chrono::steady_clock::now();
  Send("GET", "/v1/persons/1");  // refused (no token), but someone is at the node
  const auto used = service_->LastUse();
  ASSERT_TRUE(used);
  EXPECT_GE(*used, before);
  EXPECT_LE(*used, std::chrono::steady_clock::now());
}

TEST_F(ServiceTest, OnlyAnAdminMayApplyAHeldUpdateAndOnlyWithALink) {
  const std::string clerk = Login("clerk1");
  Answer a = Send("POST", "/v1/hub/held-update/apply", "", clerk);
  EXPECT_EQ(a.status, 403) << a.raw.body;
  a = Send("POST", "/v1/hub/held-update/apply");
  EXPECT_EQ(a.status, 401) << a.raw.body;
  const std::string admin = Login("admin1");
  a = Send("POST", "/v1/hub/held-update/apply", "", admin);
  EXPECT_EQ(a.status, 409) << a.raw.body;
  EXPECT_EQ(a.body["error"]["code"], "no_hub_link");
}

TEST_F(ServiceTest, EveryAnswerCarriesAStrictContentSecurityPolicy) {
  for (const char* path : {"/", "/v1/status", "/v1/persons/1", "/nothing"}) {
    Answer a = Send("GET", path);
    const std::string csp = a.raw.headers.Get("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(a.raw.headers.Get("X-Frame-Options"), "DENY") << path;
  }
}

TEST_F(ServiceTest, LoginGivesATokenThatIdentifiesTheOperator) {
  Answer a = Post("/v1/login", {{"operator_id", "nurse1"}, {"pin", "1234"}});
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["token"].get<std::string>().size(), 64u);
  EXPECT_EQ(a.body["operator"]["role"], "nurse");
  EXPECT_EQ(a.body["permissions"]["clinical"], true);
  EXPECT_EQ(a.body["idle_timeout_seconds"], 900);
  EXPECT_EQ(a.body["absolute_expires_in_seconds"], 8 * 3600);
  clock_.Advance(std::chrono::minutes(10));
  Answer who = Send("GET", "/v1/session", "", a.body["token"]);
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(who.body["operator"]["id"], "nurse1");
  // The limits relative to the node's clock, for a tablet whose own is wrong.
  EXPECT_EQ(who.body["idle_timeout_seconds"], 900);
  EXPECT_EQ(who.body["absolute_expires_in_seconds"], 8 * 3600 - 600);
  EXPECT_EQ(AuditEvents("login.ok").size(), 1u);
  EXPECT_EQ(AuditEvents("login.ok")[0]["actor"], "nurse1");
}

TEST_F(ServiceTest, WrongPinsAre401ThenTheOperatorIsLockedEvenAcrossARestart) {
  for (int i = 0; i < 4; ++i) {
    Answer a = Post("/v1/login", {{"operator_id", "clerk1"}, {"pin", "9999"}});
    ASSERT_EQ(a.status, 401);
    EXPECT_EQ(a.body["error"]["code"], "invalid_credentials");
    EXPECT_EQ(a.raw.headers.Get("WWW-Authenticate"), "");  // login is not behind a token
    // The count the message states, for a client that words it itself.
    EXPECT_EQ(a.body["error"]["tries_before_lockout"], 4 - i) << a.raw.body;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find(std::to_string(4 - i)), std::string::npos);
  }
  Answer fifth = Post("/v1/login", {{"operator_id", "clerk1"}, {"pin", "9999"}});
  ASSERT_EQ(fifth.status, 403);
  EXPECT_EQ(fifth.body["error"]["code"], "operator_locked");
  {
    OperatorStore ops(node_.store, clock_);
    auto locked = ops.Get("clerk1");
    ASSERT_TRUE(locked && *locked && (*locked)->locked_until);
    EXPECT_EQ(fifth.body["error"]["locked_until"], FormatUtc(*(*locked)->locked_until));
  }
  EXPECT_NE(fifth.body["error"]["message"].get<std::string>().find("akari operator unlock"), std::string::npos);
  service_.reset();          // one service owns the node's audit journal at a time
  service_ = MakeService();  // a restart: sessions are gone, the lockout is not
  Answer after = Post("/v1/login", {{"operator_id", "clerk1"}, {"pin", "1234"}});
  EXPECT_EQ(after.status, 403);
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_EQ(Post("/v1/login", {{"operator_id", "clerk1"}, {"pin", "1234"}}).status, 200);
  const auto failed = AuditEvents("login.failed");
  ASSERT_EQ(failed.size(), 6u);
  EXPECT_EQ(failed[0]["detail"]["reason"], "wrong_pin");
  EXPECT_EQ(failed[4]["detail"]["reason"], "locked");
}

TEST_F(ServiceTest, LoginsTriedInParallelCountAgainstTheLockoutOneByOne) {
  ASSERT_TRUE(node_.store.database().Exec("UPDATE operator SET failed_logins = 4 WHERE id = 'clerk1'"));
  // Four wrong PINs at once, as from four tablets: the first is the fifth
  // failure and locks; the others must find the lock, not be tried.
  std::vector<std::thread> threads;
  std::vector<int> statuses(4);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      statuses[i] =
          Send("POST", "/v1/login", json{{"operator_id", "clerk1"}, {"pin", "999" + std::to_string(i)}}.dump(), "",
               "application/json", "10.0.1." + std::to_string(i))
              .status;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(statuses, (std::vector<int>{403, 403, 403, 403}));
  EXPECT_EQ(*node_.store.database().QueryInt("SELECT failed_logins FROM operator WHERE id = 'clerk1'"), 5);
}

TEST_F(ServiceTest, UnknownOperatorLooksLikeAWrongPin) {
  Answer a = Post("/v1/login", {{"operator_id", "nobody"}, {"pin", "1234"}});
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["error"]["code"], "invalid_credentials");
  EXPECT_FALSE(a.body["error"].contains("tries_before_lockout"));  // nobody's count to give
}

TEST_F(ServiceTest, BruteForceFromOneAddressIsRateLimited) {
  ServiceOptions options;
  options.login_attempts = 3;
  service_.reset();  // one service owns the node's audit journal at a time
  service_ = MakeService(options);
  const std::string body = json{{"operator_id", "doc1"}, {"pin", "0000"}}.dump();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9").status, 401);
  Answer limited = Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"]["code"], "too_many_attempts");
  EXPECT_EQ(limited.raw.headers.Get("Retry-After"), "60");
  EXPECT_EQ(limited.body["error"]["retry_after_seconds"], 60);
  // Another device is not affected, and the window passes.
  EXPECT_EQ(Send("POST", "/v1/login", json{{"operator_id", "doc1"}, {"pin", "1234"}}.dump(), "", "application/json",
                 "10.0.0.10")
                .status,
            200);
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9").status, 401);
}

TEST_F(ServiceTest, AFloodOfRefusedLoginsIsAuditedOncePerBlockedSpell) {
  ServiceOptions options;
  options.login_attempts = 3;
  service_.reset();  // one service owns the node's audit journal at a time
  service_ = MakeService(options);
  const std::string body = json{{"operator_id", "doc1"}, {"pin", "0000"}}.dump();
  auto rate_limited = [&] {
    std::vector<json> out;
    for (json& e : AuditEvents("login.failed"))
      if (e["detail"]["reason"] == "rate_limited") out.push_back(std::move(e));
    return out;
  };
  for (int i = 0; i < 3; ++i) Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9");
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9").status, 429);
  auto entries = rate_limited();
  ASSERT_EQ(entries.size(), 1u) << "one entry, not one per refused request";
  EXPECT_EQ(entries[0]["detail"]["address"], "10.0.0.9");
  // The next spell, after the window let one attempt through, is recorded again.
  clock_.Advance(std::chrono::seconds(61));
  for (int i = 0; i < 3; ++i) Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9");
  for (int i = 0; i < 50; ++i) Send("POST", "/v1/login", body, "", "application/json", "10.0.0.9");
  EXPECT_EQ(rate_limited().size(), 2u);
  EXPECT_EQ(AuditEvents("login.failed").size(), 8u);  // 6 wrong PINs, 2 spells
}

TEST_F(ServiceTest, AnIdNoOperatorHasIsNeverWrittenAPinTypedThereStaysSecret) {
  std::string logs;
  SetLogSink([&](std::string_view line) { logs.append(line).push_back('\n'); });
  // Staff typed the PIN into the operator-id field.
  Answer a = Post("/v1/login", {{"operator_id", "4821"}, {"pin", "4821"}});
  SetLogSink({});
  EXPECT_EQ(a.status, 401);
  const auto failed = AuditEvents("login.failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["actor"], "unknown");
  EXPECT_EQ(failed[0].dump().find("4821"), std::string::npos) << failed[0].dump();
  EXPECT_NE(logs.find("login_failed"), std::string::npos) << "the refusal is still logged";
  EXPECT_EQ(logs.find("4821"), std::string::npos) << logs;
  // A known operator's id is recorded, as the regional office needs it.
  Post("/v1/login", {{"operator_id", "doc1"}, {"pin", "9999"}});
  EXPECT_EQ(AuditEvents("login.failed").back()["actor"], "doc1");
}

TEST_F(ServiceTest, MissingGarbageAndExpiredTokensAre401WithReasons) {
  Answer none = Send("GET", "/v1/checks");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body["error"]["code"], "not_logged_in");
  EXPECT_EQ(none.raw.headers.Get("WWW-Authenticate"), "Bearer realm=\"akari\"");
  EXPECT_EQ(Send("GET", "/v1/checks", "", "not-a-token").body["error"]["code"], "invalid_token");
  EXPECT_EQ(Send("GET", "/v1/checks", "", std::string(64, 'a')).body["error"]["code"], "invalid_token");
  const std::string token = Login("doc1");
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_EQ(Send("GET", "/v1/checks", "", token).status, 200);  // activity restarts the idle timer
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_EQ(Send("GET", "/v1/checks", "", token).status, 200);
  clock_.Advance(std::chrono::minutes(16));
  Answer idle = Send("GET", "/v1/checks", "", token);
  EXPECT_EQ(idle.status, 401);
  EXPECT_EQ(idle.body["error"]["code"], "session_expired");
}

TEST_F(ServiceTest, SessionsEndAtTheirAbsoluteLimitDespiteActivity) {
  const std::string token = Login("doc1");
  for (int i = 0; i < 40; ++i) {
    clock_.Advance(std::chrono::minutes(12));
    if (Send("GET", "/v1/session", "", token).status != 200) {
      EXPECT_GE(i * 12 + 12, 8 * 60);
      EXPECT_EQ(Send("GET", "/v1/session", "", token).body["error"]["code"], "invalid_token");
      return;
    }
  }
  FAIL() << "the session never expired";
}

TEST_F(ServiceTest, LogoutEndsTheSession) {
  const std::string token = Login("nurse1");
  EXPECT_EQ(Post("/v1/logout", json::object(), token).status, 200);
  EXPECT_EQ(Send("GET", "/v1/session", "", token).status, 401);
}

TEST_F(ServiceTest, RemovedOperatorsLoseTheirSessionsAtOnce) {
  const std::string token = Login("nurse1");
  const std::string other_tablet = Login("nurse1");
  OperatorStore ops(node_.store, clock_);
  ASSERT_TRUE(ops.Remove("nurse1"));
  Answer a = Send("GET", "/v1/session", "", token);
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["error"]["code"], "operator_removed");
  // Every later request, from either tablet, is told why too (not "the
  // node may have restarted").
  EXPECT_EQ(Send("GET", "/v1/checks", "", token).body["error"]["code"], "operator_removed");
  EXPECT_EQ(Send("GET", "/v1/session", "", other_tablet).body["error"]["code"], "operator_removed");
  // Once the sessions would have ended anyway, the tokens are forgotten.
  clock_.Advance(std::chrono::hours(9));
  EXPECT_EQ(Send("GET", "/v1/session", "", token).body["error"]["code"], "invalid_token");
}

TEST_F(ServiceTest, ALockedOutOperatorsSessionsSayWhyTheyEnded) {
  const std::string token = Login("clerk1");
  for (int i = 0; i < 5; ++i) Post("/v1/login", {{"operator_id", "clerk1"}, {"pin", "9999"}});
  for (int i = 0; i < 2; ++i) {
    Answer a = Send("GET", "/v1/session", "", token);
    EXPECT_EQ(a.status, 401);
    EXPECT_EQ(a.body["error"]["code"], "operator_locked") << a.raw.body;
  }
}

TEST_F(ServiceTest, ARemovedOperatorCannotOpenARecordIdentifiedBefore) {
  // A record opening answers later, from the audit writer: the removal must
  // still be the first refusal, as on every other route.
  const std::string doc = Login("doc1");
  ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(7), doc).status, 200);
  ASSERT_EQ(Send("GET", "/v1/persons/7", "", doc).status, 200);
  const std::string doc2 = Login("doc2");
  const std::string nurse = Login("nurse1");
  const std::string clerk = Login("clerk1");
  OperatorStore ops(node_.store, clock_);
  for (const char* id : {"doc1", "doc2", "nurse1", "clerk1"}) ASSERT_TRUE(ops.Remove(id));
  Answer a = Send("GET", "/v1/persons/7", "", doc);
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["error"]["code"], "operator_removed");
  EXPECT_EQ(a.raw.headers.Get("WWW-Authenticate"), "Bearer realm=\"akari\"");
  // Not 400 for a bad id, nor 403 for a patient not identified or a role
  // that may not see records.
  Answer bad_id = Send("GET", "/v1/persons/x", "", doc2);
  EXPECT_EQ(bad_id.status, 401);
  EXPECT_EQ(bad_id.body["error"]["code"], "operator_removed");
  Answer not_identified = Send("GET", "/v1/persons/7", "", nurse);
  EXPECT_EQ(not_identified.status, 401);
  EXPECT_EQ(not_identified.body["error"]["code"], "operator_removed");
  Answer wrong_role = Send("GET", "/v1/persons/7", "", clerk);
  EXPECT_EQ(wrong_role.status, 401);
  EXPECT_EQ(wrong_role.body["error"]["code"], "operator_removed");
  // The session is gone with the operator, and says why every time.
  EXPECT_EQ(Send("GET", "/v1/session", "", doc).body["error"]["code"], "operator_removed");
  EXPECT_EQ(AuditEvents("record.open").size(), 1u);
}

TEST_F(ServiceTest, BadBodiesAreRefusedNamingTheProblem) {
  const std::string token = Login("doc1");
  struct Case {
    std::string body;
    std::string content_type;
    int status;
    std::string code;
    std::string mention;
  };
  const std::vector<Case> cases = {
      {"{\"insurer_number\": ", "application/json", 400, "malformed_json", ""},
      {"[1,2]", "application/json", 400, "not_an_object", ""},
      {"", "application/json", 400, "empty_body", ""},
      {"{}", "text/plain", 415, "unsupported_media_type", "application/json"},
      {"{\"insurer_number\": 17201, \"number\": \"1\", \"birth_date\": \"1950-01-01\"}", "application/json", 400,
       "wrong_type", "insurer_number"},
      {"{\"insurer_number\": \"172015\", \"number\": \"1\", \"birth_date\": \"1950-01-01\", \"extra\": 1}",
       "application/json", 400, "unknown_field", "extra"},
      {"{\"insurer_number\": \"172015\", \"birth_date\": \"1950-01-01\"}", "application/json", 400, "missing_field",
       "number"},
      {"{\"insurer_number\": \"172015\", \"number\": \"" + std::string(41, '1') + "\", \"birth_date\": \"1950-01-01\"}",
       "application/json", 400, "too_long", "number"},
      {"{\"insurer_number\": \"172015\", \"number\": \"1\\n2\", \"birth_date\": \"1950-01-01\"}", "application/json",
       400, "invalid_text", "number"},
      {std::string(100, '[') + std::string(100, ']'), "application/json", 400, "too_deep", ""},
      {"{\"insurer_number\": \"172015\", \"number\": \"1\", \"birth_date\": \"1950-02-30\"}", "application/json", 422,
       "invalid_date", "birth_date"},
      {"{\"insurer_number\": \"\xff\xfe\", \"number\": \"1\", \"birth_date\": \"1950-01-01\"}", "application/json", 400,
       "malformed_json", ""},
  };
  for (const Case& c : cases) {
    Answer a = Send("POST", "/v1/checks/insurance", c.body, token, c.content_type);
    EXPECT_EQ(a.status, c.status) << c.body;
    EXPECT_EQ(a.body["error"]["code"], c.code) << c.body << " -> " << a.raw.body;
    if (!c.mention.empty()) {
      EXPECT_NE(a.body["error"]["message"].get<std::string>().find(c.mention), std::string::npos) << a.raw.body;
    }
  }
  EXPECT_EQ(node_.store.Counts()->checks, 0);  // nothing was recorded for bad input
}

TEST_F(ServiceTest, InsurerNumberCheckDigitErrorsAreExplainedAndNotRecorded) {
  const std::string token = Login("clerk1");
  json numbers = NumbersOf(3);
  std::string insurer = numbers["insurer_number"];
  insurer.back() = static_cast<char>('0' + (insurer.back() - '0' + 1) % 10);
  numbers["insurer_number"] = insurer;
  Answer a = Post("/v1/checks/insurance", numbers, token);
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.body["error"]["code"], "invalid_insurer_number");
  EXPECT_NE(a.body["error"]["message"].get<std::string>().find("check digit"), std::string::npos) << a.raw.body;
  EXPECT_EQ(node_.store.Counts()->checks, 0);
}

TEST_F(ServiceTest, InsuranceNumberCheckIsRecordedDurablyAndAnswered) {
  const std::string token = Login("clerk1");
  json numbers = NumbersOf(7);
  numbers["insurer_number"] = "１７２０１" + numbers["insurer_number"].get<std::string>().substr(5);  // full-width
  Answer a = Post("/v1/checks/insurance", numbers, token);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["answer"]["status"], "covered");
  EXPECT_EQ(a.body["answer"]["coverage"]["insurer_name"], "輪島市");
  EXPECT_EQ(a.body["person"]["id"], 7);
  EXPECT_EQ(a.body["check"]["method"], "insurance_numbers");
  EXPECT_EQ(a.body["check"]["assurance"], "numbers");
  EXPECT_EQ(a.body["check"]["data_version"], 7);
  EXPECT_EQ(a.body["can_open_record"], false);  // a clerk
  CheckQueue queue(node_.store, node_.keystore.node_id(), node_.keystore.signing_secret_key(), clock_);
  auto pending = queue.Pending(10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, a.body["check"]["id"]);
  EXPECT_EQ((*pending)[0].person_id, 7);
  const json body = json::parse((*pending)[0].body);
  EXPECT_EQ(body["operator_id"], "clerk1");
  EXPECT_EQ(body["facility"], "1712345678");
  const auto audit = AuditEvents("check.record");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["detail"]["check_id"], a.body["check"]["id"]);
  EXPECT_EQ(audit[0]["person_id"], 7);
  // The audit entry holds ids and codes only.
  EXPECT_EQ(audit[0].dump().find("輪島"), std::string::npos);
}

TEST_F(ServiceTest, InsuranceNumbersThatDoNotMatchAreRecordedAsSuch) {
  const std::string token = Login("clerk1");
  json wrong_birth = NumbersOf(4);
  wrong_birth["birth_date"] = "1999-01-01";
  Answer a = Post("/v1/checks/insurance", wrong_birth, token);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["answer"]["status"], "identity_not_confirmed");
  EXPECT_EQ(a.body["answer"]["detail_code"], "birth_date_or_branch_differs");
  EXPECT_TRUE(a.body["person"].is_null());
  json wrong_branch = NumbersOf(4);
  wrong_branch["branch"] = "05";
  EXPECT_EQ(Post("/v1/checks/insurance", wrong_branch, token).body["answer"]["status"], "identity_not_confirmed");
  json unknown = NumbersOf(4);
  unknown["number"] = "9999999";
  Answer u = Post("/v1/checks/insurance", unknown, token);
  EXPECT_EQ(u.body["answer"]["status"], "unknown_person");
  EXPECT_EQ(u.body["answer"]["detail_code"], "no_such_numbers");
  EXPECT_EQ(node_.store.Counts()->checks, 3);
  // The code is kept with the check and listed with it.
  Answer listed = Send("GET", "/v1/checks", "", token);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["checks"][2]["detail_code"], "no_such_numbers");
}

TEST_F(ServiceTest, OldCardNumbersFindThePersonAndSayTheCoverageEnded) {
  const std::string token = Login("clerk1");
  const sync::PersonRecord r = testing::SamplePerson(5);
  const sync::Coverage& old = r.coverages.front();
  Answer a = Post("/v1/checks/insurance", testing::InsuranceNumbersOf(r, old), token);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["answer"]["status"], "covered");
  EXPECT_EQ(a.body["answer"]["coverage"]["insurer_name"], "輪島市");
  EXPECT_EQ(a.body["presented_coverage"]["valid_to"], "2023-04-01");
  EXPECT_NE(a.body["answer"]["detail"].get<std::string>().find("ended on 2023-04-01"), std::string::npos);
  EXPECT_EQ(a.body["answer"]["detail_code"], "presented_coverage_ended");
}

TEST_F(ServiceTest, RecordsOpenOnlyAfterACheckInTheSameSession) {
  const std::string doc = Login("doc1");
  Answer before = Send("GET", "/v1/persons/7", "", doc);
  EXPECT_EQ(before.status, 403);
  EXPECT_EQ(before.body["error"]["code"], "not_identified");
  Answer check = Post("/v1/checks/insurance", NumbersOf(7), doc);
  ASSERT_EQ(check.status, 200);
  EXPECT_EQ(check.body["can_open_record"], true);
  Answer opened = Send("GET", "/v1/persons/7", "", doc);
  ASSERT_EQ(opened.status, 200) << opened.raw.body;
  EXPECT_EQ(opened.body["access"]["basis"], "insurance_numbers");
  EXPECT_EQ(opened.body["access"]["check_id"], check.body["check"]["id"]);
  EXPECT_EQ(opened.body["access"]["assurance"], "numbers");
  // Another doctor's session has not identified this patient.
  EXPECT_EQ(Send("GET", "/v1/persons/7", "", Login("doc2")).status, 403);
  // Nor does a check of person 7 open person 8.
  EXPECT_EQ(Send("GET", "/v1/persons/8", "", doc).status, 403);
  const auto opens = AuditEvents("record.open");
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0]["person_id"], 7);
  EXPECT_EQ(opens[0]["actor"], "doc1");
  EXPECT_EQ(opens[0]["detail"]["basis"], "insurance_numbers");
}

TEST_F(ServiceTest, ConcurrentOpeningsAreEachAuditedOnceAndTheChainHolds) {
  // Record openings share one connection and group-commit their audit
  // entries; whatever the interleaving, each answer has its own entry.
  const std::string doc = Login("doc1");
  for (std::int64_t id = 1; id <= 8; ++id) ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(id), doc).status, 200);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        net::Request r;
        r.method = "GET";
        r.target = r.path = "/v1/persons/" + std::to_string(1 + (t + i) % 8);
        r.worker = t;  // as the server's threads do
        r.headers.Set("Authorization", "Bearer " + doc);
        const net::Response answer = service_->Handle(r);
        if (answer.status == 200 && json::parse(answer.body)["person"]["id"] == 1 + (t + i) % 8) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(AuditEvents("record.open").size(), static_cast<std::size_t>(kThreads * kPerThread));
  AuditLog log(node_.store, node_.keystore.signing_secret_key(), node_.keystore.signing_public_key(), clock_);
  auto report = log.Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problem;
  const auto counts = service_->audit_commit_counts();
  EXPECT_GE(counts.entries, kThreads * kPerThread);
  EXPECT_EQ(counts.journaled, kThreads * kPerThread);
  EXPECT_LE(counts.transactions, counts.entries);
}

TEST_F(ServiceTest, OnlyClinicalRolesSeeMedications) {
  for (const char* id : {"clerk1", "admin1"}) {
    Answer a = Send("GET", "/v1/persons/7", "", Login(id));
    EXPECT_EQ(a.status, 403) << id;
    EXPECT_EQ(a.body["error"]["code"], "forbidden_role") << id;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find("doctor, pharmacist or nurse"), std::string::npos);
  }
  // Admins manage; they do not check patients.
  EXPECT_EQ(Post("/v1/checks/insurance", NumbersOf(7), Login("admin1")).status, 403);
}

TEST_F(ServiceTest, SummaryGroupsMedicationsAndFlagsInsulin) {
  const std::string nurse = Login("nurse1");
  ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(9), nurse).status, 200);
  Answer a = Send("GET", "/v1/persons/9", "", nurse);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  const json& meds = a.body["medications"];
  ASSERT_EQ(meds.size(), 2u);
  EXPECT_EQ(meds[0]["ingredient"], "インスリン グラルギン（遺伝子組換え）");
  EXPECT_EQ(meds[0]["risk_classes"], json::array({"insulin"}));
  EXPECT_EQ(meds[0]["last_date"], "2026-10-20");
  EXPECT_EQ(meds[1]["days_or_times"], 28);
  EXPECT_EQ(meds[1]["supply_until"], "2026-11-17");
  EXPECT_EQ(meds[1]["still_supplied"], true);
  ASSERT_EQ(a.body["risk_flags"].size(), 1u);
  EXPECT_EQ(a.body["risk_flags"][0]["class"], "insulin");
  EXPECT_EQ(a.body["risk_flags"][0]["label_ja"], "インスリン");
  EXPECT_EQ(a.body["coverage"]["current"]["insurer_name"], "輪島市");
  EXPECT_EQ(a.body["coverage"]["history"].size(), 2u);
  EXPECT_EQ(a.body["checkups"]["items"][0]["name"], "収縮期血圧");
  EXPECT_EQ(a.body["data"]["version"], 7);
  EXPECT_EQ(a.body["data"]["records_as_of"], testing::kSnapshotRecordsAsOf);
  EXPECT_EQ(a.body["person"]["age"], sync::AgeOn(testing::SamplePerson(9).person.birth_date, 20261101));
  // HEAD shows nothing, so it is not an opening to audit: refused.
  const std::size_t opened = AuditEvents("record.open").size();
  Answer head = Send("HEAD", "/v1/persons/9", "", nurse);
  EXPECT_EQ(head.status, 405);
  EXPECT_EQ(AuditEvents("record.open").size(), opened);
}

// A record opening shows the data version and age it was read at. The
// service keeps those values between openings while the store has not
// changed; a sync (here: another connection, as akari sync in another
// process) changes them, and the next opening shows the new ones.
TEST_F(ServiceTest, ARecordOpenedAfterASyncShowsTheNewDataVersionAndExpiry) {
  const std::string nurse = Login("nurse1");
  ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(9), nurse).status, 200);
  Answer a = Send("GET", "/v1/persons/9", "", nurse);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["data"]["version"], 7);
  EXPECT_EQ(a.body["data"]["stale"], false);
  // Between syncs the age still moves on with the clock.
  const std::int64_t age = a.body["data"]["age_seconds"].get<std::int64_t>();
  clock_.Advance(std::chrono::minutes(10));
  a = Send("GET", "/v1/persons/9", "", nurse);
  EXPECT_EQ(a.body["data"]["version"], 7);
  EXPECT_EQ(a.body["data"]["age_seconds"], age + 600);
  ASSERT_TRUE(node_.store.SetMeta(store::meta::kDataVersion, "8"));
  a = Send("GET", "/v1/persons/9", "", nurse);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.body["data"]["version"], 8);
  // An expiry already past: stale at once, though the clock has not moved.
  ASSERT_TRUE(node_.store.SetMeta(store::meta::kDataExpiresAt, "2026-10-31T00:00:00Z"));
  a = Send("GET", "/v1/persons/9", "", nurse);
  EXPECT_EQ(a.body["data"]["stale"], true);
  // A clock set back still counts from the newest trusted time a sync
  // stored (the node's time).
  ASSERT_TRUE(node_.store.SetMeta(store::meta::kTrustedTime, "2026-11-20T00:00:00Z"));
  clock_.Set(testing::TestNow() - std::chrono::days(365));
  a = Send("GET", "/v1/persons/9", "", nurse);
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_GT(a.body["data"]["age_seconds"].get<std::int64_t>(), 19 * 86400) << a.raw.body;
}

TEST_F(ServiceTest, CheckupTrendsCompareTheLastTwoValues) {
  sync::PersonRecord r = testing::SamplePerson(1);
  sync::Checkup later = r.checkups.front();
  later.date = 20260610;
  later.items[0].value = "132";
  later.items[1].value = "8.4";
  r.checkups.push_back(later);
  DataFreshness fresh;
  fresh.now = clock_.Now();
  const json j = PersonSummaryJson(r, 20261101, fresh);
  EXPECT_EQ(j["checkups"]["items"][0]["trend"], "down");
  EXPECT_EQ(j["checkups"]["items"][1]["trend"], "up");
  EXPECT_EQ(j["checkups"]["items"][1]["values"].size(), 2u);
  EXPECT_EQ(j["checkups"]["items"][1]["latest"]["value"], "8.4");
  EXPECT_EQ(j["checkups"]["visits"].size(), 2u);
}

// The summary is written as text without a JSON tree; it must be exactly
// what nlohmann::json writes for the same content (keys in order, its
// number and escape forms), so parsing and dumping it again changes nothing.
TEST_F(ServiceTest, SummaryTextIsWhatATreeWouldGive) {
  DataFreshness fresh;
  fresh.now = clock_.Now();
  fresh.version = 7;
  for (std::int64_t id = 1; id <= 60; ++id) {
    const std::string text = PersonSummaryText(testing::SamplePerson(id), 20261101, fresh);
    EXPECT_EQ(text, json::parse(text).dump()) << "person " << id;
  }
  sync::PersonRecord r = testing::SamplePerson(9);
  r.person.name = "山田 \"太郎\" \\ \t\n\x01\x1f\x7f 😀";
  r.person.address.rest = "";
  ASSERT_FALSE(r.dispensings.empty());
  r.dispensings[0].quantity = 0.25;
  r.dispensings[0].yj_code = "12";
  r.dispensings[0].usage = "1日3回\r\n毎食後";
  r.dispensings.back().quantity = 1e-7;
  ASSERT_TRUE(ParseUtc("2026-10-31T00:00:00Z", fresh.as_of.emplace()));
  ASSERT_TRUE(ParseUtc("2026-10-31T01:00:00Z", fresh.expires_at.emplace()));  // stale
  const json access = {{"basis", "card"}, {"check_id", "c\"1"}, {"reason", "避難所\n"}};
  const std::string text = PersonSummaryText(r, 20261101, fresh, &access);
  EXPECT_EQ(text, json::parse(text).dump());
  const json j = json::parse(text);
  EXPECT_EQ(j["access"], access);
  EXPECT_EQ(j["person"]["name"], r.person.name);
  EXPECT_EQ(j["data"]["stale"], true);
  EXPECT_EQ(j, [&] {
    json t = PersonSummaryJson(r, 20261101, fresh);
    t["access"] = access;
    return t;
  }());
}

// Invalid UTF-8 (never produced by a valid import, but bytes from a store
// are not trusted) is replaced by U+FFFD, as net::Response::Json does.
TEST_F(ServiceTest, SummaryTextReplacesInvalidUtf8) {
  DataFreshness fresh;
  fresh.now = clock_.Now();
  sync::PersonRecord r = testing::SamplePerson(1);
  r.person.name = "山\xff田\xe5\xb1";  // a stray byte, then a truncated sequence
  const std::string text = PersonSummaryText(r, 20261101, fresh);
  EXPECT_EQ(json::parse(text)["person"]["name"], "山\uFFFD田\uFFFD");
  EXPECT_NE(text.find(json(r.person.name).dump(-1, ' ', false, json::error_handler_t::replace)), std::string::npos);
}

TEST_F(ServiceTest, PersonIdsAreValidated) {
  const std::string doc = Login("doc1");
  for (const char* bad : {"/v1/persons/abc", "/v1/persons/-3", "/v1/persons/0", "/v1/persons/99999999999999999999"}) {
    Answer a = Send("GET", bad, "", doc);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(a.body["error"]["code"], "invalid_person_id") << bad;
  }
}

TEST_F(ServiceTest, DisasterSearchNeedsDisasterModeAndAReason) {
  const std::string doc = Login("doc1");
  const sync::PersonRecord r = testing::SamplePerson(11);
  const json search = {{"kana_name", "ヤマダ"},
                       {"birth_date", sync::FormatDate(r.person.birth_date)},
                       {"reason", "避難所で本人確認書類なし"}};
  Answer off = Post("/v1/disaster/search", search, doc);
  EXPECT_EQ(off.status, 403);
  EXPECT_EQ(off.body["error"]["code"], "disaster_mode_off");
  // Only admins declare it.
  Answer by_doctor = Send("PUT", "/v1/mode", json{{"mode", "disaster"}, {"reason", "地震"}}.dump(), doc);
  EXPECT_EQ(by_doctor.status, 403);
  EXPECT_EQ(by_doctor.body["error"]["code"], "forbidden_role");
  const std::string admin = Login("admin1");
  EXPECT_EQ(Send("PUT", "/v1/mode", json{{"mode", "disaster"}}.dump(), admin).body["error"]["code"], "invalid_reason");
  DeclareDisaster();
  EXPECT_EQ(Send("PUT", "/v1/mode", json{{"mode", "disaster"}, {"reason", "x"}}.dump(), admin).status, 409);
  json no_reason = search;
  no_reason.erase("reason");
  Answer missing = Post("/v1/disaster/search", no_reason, doc);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["error"]["code"], "missing_field");
  EXPECT_NE(missing.body["error"]["message"].get<std::string>().find("reason"), std::string::npos);
  json blank = search;
  blank["reason"] = "\u3000 ";
  EXPECT_EQ(Post("/v1/disaster/search", blank, doc).body["error"]["code"], "invalid_reason");
  const auto changes = AuditEvents("mode.change");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["actor"], "admin1");
  EXPECT_EQ(changes[0]["detail"]["to"], "disaster");
}

TEST_F(ServiceTest, DisasterSearchFindsSelectsAndOpensWithTheReasonAudited) {
  DeclareDisaster();
  const std::string doc = Login("doc1");
  const sync::PersonRecord r = testing::SamplePerson(15);  // ヤマダ, male, 輪島市 河井町16部
  json search = {{"kana_name", "やまだ"},                  // hiragana finds katakana
                 {"birth_date", sync::FormatDate(r.person.birth_date)},
                 {"sex", "male"},
                 {"address", "輪島市 河井町"},
                 {"reason", "意識障害で搬送、所持品なし"}};
  Answer found = Post("/v1/disaster/search", search, doc);
  ASSERT_EQ(found.status, 200) << found.raw.body;
  ASSERT_EQ(found.body["results"].size(), 1u);
  EXPECT_EQ(found.body["results"][0]["id"], 15);
  EXPECT_EQ(found.body["results"][0]["insurer_name"], "輪島市");
  search["sex"] = "female";
  EXPECT_EQ(Post("/v1/disaster/search", search, doc).body["results"].size(), 0u);
  search["sex"] = "male";
  search["address"] = "金沢市";
  EXPECT_EQ(Post("/v1/disaster/search", search, doc).body["results"].size(), 0u);
  // A search does not open the record by itself.
  EXPECT_EQ(Send("GET", "/v1/persons/15", "", doc).body["error"]["code"], "not_identified");
  // Only a result of this session's search can be selected.
  Answer stranger = Post("/v1/disaster/select", {{"search_id", found.body["search_id"]}, {"person_id", 16}}, doc);
  EXPECT_EQ(stranger.status, 404);
  EXPECT_EQ(stranger.body["error"]["code"], "not_a_candidate");
  EXPECT_EQ(
      Post("/v1/disaster/select", {{"search_id", found.body["search_id"]}, {"person_id", 15}}, Login("doc2")).status,
      404);
  Answer selected = Post("/v1/disaster/select", {{"search_id", found.body["search_id"]}, {"person_id", 15}}, doc);
  ASSERT_EQ(selected.status, 200) << selected.raw.body;
  EXPECT_EQ(selected.body["check"]["method"], "disaster_search");
  EXPECT_EQ(selected.body["check"]["assurance"], "demographic");
  EXPECT_EQ(selected.body["answer"]["status"], "covered");
  Answer opened = Send("GET", "/v1/persons/15", "", doc);
  ASSERT_EQ(opened.status, 200) << opened.raw.body;
  EXPECT_EQ(opened.body["access"]["reason"], "意識障害で搬送、所持品なし");
  EXPECT_EQ(opened.body["access"]["assurance"], "demographic");
  const auto opens = AuditEvents("record.open");
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0]["detail"]["reason"], "意識障害で搬送、所持品なし");
  EXPECT_EQ(opens[0]["detail"]["assurance"], "demographic");
  EXPECT_EQ(opens[0]["detail"]["basis"], "disaster_search");
  const auto searches = AuditEvents("search.disaster");
  ASSERT_EQ(searches.size(), 3u);
  EXPECT_EQ(searches[0]["detail"]["person_ids"], json::array({15}));
  EXPECT_EQ(searches[0]["detail"]["reason"], "意識障害で搬送、所持品なし");
  // When disaster mode ends, records found by search close again.
  ASSERT_EQ(Send("PUT", "/v1/mode", json{{"mode", "normal"}}.dump(), Login("admin1")).status, 200);
  Answer closed = Send("GET", "/v1/persons/15", "", doc);
  EXPECT_EQ(closed.status, 403);
  EXPECT_EQ(closed.body["error"]["code"], "disaster_mode_off");
  // They stay closed when disaster mode is declared again (another reason,
  // another time): neither the record nor the old search's candidates come
  // back without a new search under the new declaration.
  DeclareDisaster();
  Answer still_closed = Send("GET", "/v1/persons/15", "", doc);
  EXPECT_EQ(still_closed.status, 403) << still_closed.raw.body;
  EXPECT_EQ(still_closed.body["error"]["code"], "disaster_mode_off");
  EXPECT_EQ(Post("/v1/disaster/select", {{"search_id", found.body["search_id"]}, {"person_id", 15}}, doc).status, 404);
  search["address"] = "輪島市";
  Answer refound = Post("/v1/disaster/search", search, doc);
  ASSERT_EQ(refound.status, 200) << refound.raw.body;
  ASSERT_EQ(Post("/v1/disaster/select", {{"search_id", refound.body["search_id"]}, {"person_id", 15}}, doc).status,
            200);
  EXPECT_EQ(Send("GET", "/v1/persons/15", "", doc).status, 200);
}

TEST_F(ServiceTest, DisasterSearchValidatesKanaAndSex) {
  DeclareDisaster();
  const std::string doc = Login("nurse1");
  json search = {{"kana_name", "山田"}, {"birth_date", "1950-01-01"}, {"reason", "r"}};
  EXPECT_EQ(Post("/v1/disaster/search", search, doc).body["error"]["code"], "invalid_kana");
  search["kana_name"] = "ヤマダ";
  search["sex"] = "other";
  EXPECT_EQ(Post("/v1/disaster/search", search, doc).body["error"]["code"], "invalid_sex");
}

TEST_F(ServiceTest, ChecksListPagesThroughTheQueue) {
  const std::string clerk = Login("clerk1");
  for (int id = 1; id <= 5; ++id) ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(id), clerk).status, 200);
  Answer page = Send("GET", "/v1/checks?limit=3", "", clerk);
  ASSERT_EQ(page.status, 200) << page.raw.body;
  ASSERT_EQ(page.body["checks"].size(), 3u);
  EXPECT_EQ(page.body["checks"][0]["status"], "covered");
  EXPECT_EQ(page.body["checks"][0]["operator_id"], "clerk1");
  EXPECT_EQ(page.body["checks"][0]["acknowledged"], false);
  Answer next = Send("GET", "/v1/checks?after=" + page.body["next_after"].dump() + "&limit=3", "", clerk);
  EXPECT_EQ(next.body["checks"].size(), 2u);
  EXPECT_TRUE(next.body["next_after"].is_null());
  EXPECT_EQ(Send("GET", "/v1/checks?limit=9999", "", clerk).body["error"]["code"], "invalid_query");
  EXPECT_EQ(Send("GET", "/v1/checks?limit=x", "", clerk).status, 400);
  EXPECT_EQ(Send("GET", "/v1/checks?sort=desc", "", clerk).body["error"]["code"], "unknown_query");
  // The newest, for a history screen: the highest numbers, oldest first.
  Answer newest = Send("GET", "/v1/checks?last=2", "", clerk);
  ASSERT_EQ(newest.status, 200) << newest.raw.body;
  ASSERT_EQ(newest.body["checks"].size(), 2u);
  EXPECT_EQ(newest.body["checks"][0]["seq"], 4);
  EXPECT_EQ(newest.body["checks"][1]["seq"], 5);
  EXPECT_TRUE(newest.body["next_after"].is_null());
  EXPECT_EQ(Send("GET", "/v1/checks?last=500", "", clerk).body["checks"].size(), 5u);
  for (const char* bad :
       {"/v1/checks?last=0", "/v1/checks?last=501", "/v1/checks?last=2&after=1", "/v1/checks?last=2&limit=2"}) {
    Answer refused = Send("GET", bad, "", clerk);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(refused.body["error"]["code"], "invalid_query") << bad;
  }
}

TEST_F(ServiceTest, StaticFilesAreEmbeddedAndSafeAgainstTraversal) {
  Answer index = Send("GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.raw.headers.Get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.raw.body.find("/ui/app.js"), std::string::npos);
  Answer js = Send("GET", "/ui/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.raw.headers.Get("Content-Type"), "text/javascript; charset=utf-8");
  for (const char* bad :
       {"/ui/../service.cc", "/ui/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd", "/ui/", "/ui//app.js", "/ui/./app.js",
        "/etc/passwd", "/ui/app.js/", "/ui/APP.JS", "/ui/..%2fapp.js", "/ui/app.js%00.html"}) {
    net::Request r;
    r.method = "GET";
    r.target = bad;
    if (!net::ParseTarget(bad, r.path, r.query)) continue;  // the server answers 400 itself
    const net::Response res = service_->Handle(r);
    EXPECT_EQ(res.status, 404) << bad;
    EXPECT_EQ(res.body.find("root:"), std::string::npos);
  }
  EXPECT_EQ(Send("POST", "/ui/app.js", "x").status, 405);
  EXPECT_EQ(Send("DELETE", "/v1/status").status, 405);
  EXPECT_EQ(Send("GET", "/v1/nothing").status, 404);
}

TEST_F(ServiceTest, NoHtmlUsesInlineScriptsOrHandlers) {
  Answer index = Send("GET", "/");
  const std::string& html = index.raw.body;
  for (const char* forbidden : {"onclick=", "onload=", "onsubmit=", "onerror=", "javascript:", "<style", "style=\""}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
  std::size_t pos = 0;
  while ((pos = html.find("<script", pos)) != std::string::npos) {
    const std::size_t end = html.find('>', pos);
    EXPECT_NE(html.substr(pos, end - pos).find("src="), std::string::npos) << "inline script at " << pos;
    pos = end;
  }
}

// The UI's scripts are ES modules: a module left out of the embedded list
// (node/CMakeLists.txt) would break the page in the browser, not the build.
TEST_F(ServiceTest, EveryFileTheUiLoadsIsServed) {
  const std::regex module_import(R"re(from "\./([^"]+)")re");
  const std::regex page_file(R"re((?:src|href)="/ui/([^"]+)")re");
  std::set<std::string> wanted;
  std::size_t scripts = 0;
  for (const UiAsset& asset : AllUiAssets()) {
    const std::string text(asset.data);
    const std::regex& pattern = asset.name.ends_with(".html") ? page_file : module_import;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
      wanted.insert((*it)[1].str());
    }
    if (asset.name.ends_with(".js")) ++scripts;
  }
  EXPECT_GE(scripts, 3u);
  EXPECT_TRUE(wanted.contains("app.js"));
  EXPECT_TRUE(wanted.contains("views-record.js"));
  for (const std::string& name : wanted) {
    Answer file = Send("GET", "/ui/" + name);
    EXPECT_EQ(file.status, 200) << name << " is loaded by the UI but not embedded";
  }
}

TEST_F(ServiceTest, RandomBodiesNeverCrashOrFailInternally) {
  DeclareDisaster();
  const std::string doc = Login("doc1");
  std::mt19937 rng(20261101);
  const std::vector<std::string> seeds = {
      NumbersOf(3).dump(),
      json{{"kana_name", "ヤマダ"}, {"birth_date", "1950-01-01"}, {"reason", "r"}}.dump(),
      json{{"search_id", "00"}, {"person_id", 1}}.dump(),
      json{{"mode", "normal"}, {"reason", "x"}}.dump(),
  };
  const std::vector<std::string> paths = {"/v1/checks/insurance", "/v1/disaster/search", "/v1/disaster/select",
                                          "/v1/login"};
  for (int i = 0; i < 600; ++i) {
    std::string body = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          body.erase(at, 1 + rng() % 3);
          break;
        default:
          body.insert(at, 1, "{}[]\",:0\\u"[rng() % 11]);
      }
    }
    Answer a = Send("POST", paths[rng() % paths.size()], body, doc);
    EXPECT_GE(a.status, 200);
    EXPECT_LT(a.status, 500) << body << " -> " << a.raw.body;
    EXPECT_TRUE(a.body.is_object()) << a.raw.body;
  }
}

// Every field of every body-taking route, sent as every kind of JSON value
// (and left out): each answer is a JSON object below 500. A null for an
// optional boolean once reached json::value() and answered 500.
TEST_F(ServiceTest, EveryFieldSentAsAnyKindOfValueIsAnsweredWithoutAnInternalError) {
  DeclareDisaster();
  const std::string doc = Login("doc1");
  const std::string admin = Login("admin1");
  struct Route {
    std::string method, path;
    json seed;
    const std::string* token;
  };
  // Mode changes and logins last: they may end disaster mode or rate-limit.
  const std::vector<Route> routes = {
      {"POST", "/v1/checks/insurance", NumbersOf(3), &doc},
      {"POST",
       "/v1/checks/self-reported",
       {{"name", "能登　花子"},
        {"name_kana", "ノト ハナコ"},
        {"birth_date", "1952-03-04"},
        {"sex", "female"},
        {"address", "富山県高岡市"},
        {"insurer", "高岡市国保"},
        {"contact", "090-0000-0000"}},
       &doc},
      {"POST", "/v1/disaster/search", {{"kana_name", "ヤマダ"}, {"birth_date", "1950-01-01"}, {"reason", "r"}}, &doc},
      {"POST", "/v1/disaster/select", {{"search_id", "00"}, {"person_id", 1}}, &doc},
      {"PUT", "/v1/mode", {{"mode", "disaster"}, {"reason", "drill"}}, &admin},
      {"POST", "/v1/login", {{"operator_id", "nobody"}, {"pin", "0000"}}, &doc},
  };
  const std::vector<json> values = {nullptr,
                                    true,
                                    false,
                                    0,
                                    -1,
                                    std::numeric_limits<std::int64_t>::max(),
                                    std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::uint64_t>::max(),
                                    1.5,
                                    1e308,
                                    "",
                                    " ",
                                    std::string(300, 'x'),
                                    "ア",
                                    json::array(),
                                    json::array({1, "a"}),
                                    json::object(),
                                    json{{"a", 1}}};
  int sent = 0;
  for (const Route& route : routes) {
    for (const auto& [field, unused] : route.seed.items()) {
      std::vector<json> bodies;
      json without = route.seed;
      without.erase(field);
      bodies.push_back(without);
      for (const json& v : values) {
        json body = route.seed;
        body[field] = v;
        bodies.push_back(body);
      }
      for (const json& body : bodies) {
        Answer a = Send(route.method, route.path, body.dump(), *route.token);
        ++sent;
        EXPECT_GE(a.status, 200);
        EXPECT_LT(a.status, 500) << route.path << " " << body.dump() << " -> " << a.raw.body;
        EXPECT_TRUE(a.body.is_object()) << route.path << " " << body.dump() << " -> " << a.raw.body;
        // The bodies, not the sessions, are what is under test.
        if (route.path != "/v1/login") {
          EXPECT_NE(a.status, 401) << route.path << " -> " << a.raw.body;
        }
      }
    }
  }
  EXPECT_GT(sent, 300);
}

TEST_F(ServiceTest, TheWholeWorkflowLeavesAVerifiableAuditLog) {
  DeclareDisaster();
  const std::string doc = Login("doc1");
  ASSERT_EQ(Post("/v1/checks/insurance", NumbersOf(2), doc).status, 200);
  ASSERT_EQ(Send("GET", "/v1/persons/2", "", doc).status, 200);
  (void)Post("/v1/login", {{"operator_id", "doc1"}, {"pin", "0000"}});
  AuditLog log(node_.store, node_.keystore.signing_secret_key(), node_.keystore.signing_public_key(), clock_);
  auto report = log.Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problem;
  std::vector<std::string> events;
  for (const json& e : AuditEntries()) events.push_back(e["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{"login.ok", "mode.change", "login.ok", "check.record", "record.open",
                                              "login.failed"}));
}

}  // namespace
}  // namespace akari::node

namespace akari::node {
namespace {

TEST_F(ServiceTest, SelfReportedChecksNeedDisasterModeAndRecordWhatWasStated) {
  const std::string clerk = Login("clerk1");
  const json stated = {{"name", "能登　花子"},      {"name_kana", "ノト ハナコ"}, {"birth_date", "1952-03-04"},
                       {"sex", "female"},           {"address", "富山県高岡市"},  {"insurer", "高岡市国保"},
                       {"contact", "090-0000-0000"}};
  Answer off = Post("/v1/checks/self-reported", stated, clerk);
  EXPECT_EQ(off.status, 403);
  EXPECT_EQ(off.body["error"]["code"], "disaster_mode_off");
  DeclareDisaster();
  Answer a = Post("/v1/checks/self-reported", stated, clerk);
  ASSERT_EQ(a.status, 201) << a.raw.body;
  EXPECT_EQ(a.body["check"]["method"], "self_reported");
  EXPECT_EQ(a.body["check"]["assurance"], "self_reported");
  EXPECT_EQ(a.body["answer"]["status"], "unknown_person");
  CheckQueue queue(node_.store, node_.keystore.node_id(), node_.keystore.signing_secret_key(), clock_);
  auto recorded = queue.Get(a.body["check"]["id"].get<std::string>());
  ASSERT_TRUE(recorded && *recorded);
  const json body = json::parse((*recorded)->body);
  EXPECT_EQ(body["claim"]["name_kana"], "ノト ハナコ");
  EXPECT_EQ(body["claim"]["sex"], 2);
  EXPECT_EQ(body["claim"]["insurer"], "高岡市国保");
  EXPECT_EQ(AuditEvents("check.record").back()["detail"]["method"], "self_reported");

  json bad = stated;
  bad["name_kana"] = "能登";
  EXPECT_EQ(Post("/v1/checks/self-reported", bad, clerk).body["error"]["code"], "invalid_kana");
  bad = stated;
  bad["sex"] = "x";
  EXPECT_EQ(Post("/v1/checks/self-reported", bad, clerk).body["error"]["code"], "invalid_sex");
  bad = stated;
  bad["telephone"] = "1";
  EXPECT_EQ(Post("/v1/checks/self-reported", bad, clerk).status, 400);
  // Someone on record must be found through the disaster search instead.
  const sync::PersonRecord r = testing::SamplePerson(15);
  json known = stated;
  known["name_kana"] = r.person.name_kana;
  known["birth_date"] = sync::FormatDate(r.person.birth_date);
  Answer on_record = Post("/v1/checks/self-reported", known, clerk);
  EXPECT_EQ(on_record.status, 409);
  EXPECT_EQ(on_record.body["error"]["code"], "person_on_record");
}

TEST_F(ServiceTest, ReconciliationReportListsChecksWhoseClaimMustChange) {
  const std::string clerk = Login("clerk1");
  Answer check = Post("/v1/checks/insurance", NumbersOf(4), clerk);
  ASSERT_EQ(check.status, 200) << check.raw.body;
  Answer none = Send("GET", "/v1/checks/report", "", clerk);
  ASSERT_EQ(none.status, 200) << none.raw.body;
  EXPECT_EQ(none.body["pending"], 1);
  EXPECT_EQ(none.body["changed"], 0);
  // The hub answers: not covered on the day of the visit.
  sync::reconcile::CheckAnswer answer;
  answer.check_id = check.body["check"]["id"];
  answer.outcome = sync::reconcile::Outcome::kNotCovered;
  answer.qualification_validity = 2;
  answer.ended_coverage = {{"insurer_number", "01170016"}, {"valid_to", "2026-10-01"}, {"loss_reason", 3}};
  auto s = node_.store.database().Prepare(
      "INSERT INTO check_result(check_seq, received_at, outcome, body) VALUES (1, 0, 'not_covered', ?)");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->BindBlob(1, AsBytes(sync::reconcile::AnswerToJson(answer).dump())).Run());
  ASSERT_TRUE(node_.store.database().Exec("INSERT INTO check_upload(check_seq, acknowledged_at) VALUES (1, 0)"));
  Answer report = Send("GET", "/v1/checks/report?since=2026-10-01", "", clerk);
  ASSERT_EQ(report.status, 200) << report.raw.body;
  EXPECT_EQ(report.body["changed"], 1);
  ASSERT_EQ(report.body["entries"].size(), 1u);
  EXPECT_EQ(report.body["entries"][0]["action"], "patient_not_covered");
  EXPECT_EQ(report.body["entries"][0]["patient"]["name"], testing::SamplePerson(4).person.name);
  EXPECT_EQ(Send("GET", "/v1/checks/report?since=2026-12-01", "", clerk).body["total"], 0);
  EXPECT_EQ(Send("GET", "/v1/checks/report?since=yesterday", "", clerk).status, 400);
  EXPECT_EQ(Send("GET", "/v1/checks/report").status, 401);
  // Nothing that names patients is shown unless its showing is in the audit
  // log: with the log refusing entries, neither the report nor a record.
  ASSERT_TRUE(node_.store.database().Exec(
      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'refused'); END"));
  Answer unaudited = Send("GET", "/v1/checks/report?since=2026-10-01", "", clerk);
  EXPECT_GE(unaudited.status, 500) << unaudited.raw.body;
  EXPECT_EQ(unaudited.raw.body.find(testing::SamplePerson(4).person.name), std::string::npos) << unaudited.raw.body;
}

}  // namespace
}  // namespace akari::node
