// The card endpoints of the local service with an in-process virtual card:
// readers, tries left before and after every attempt, the last-try rule, a
// blocked PIN with certificate-only verification, and the record opening
// that a verified card allows.
#include <gtest/gtest.h>

#include "node/service/service.h"
#include "tests/node/card_world.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

using nlohmann::json;

constexpr std::uint32_t kSerial = 0x0705d991;
constexpr std::int64_t kPerson = 42;

class ServiceCardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = cardtest::CreateTestNode(dir_ / "node");
    ASSERT_TRUE(node) << node.error().message;
    node_.emplace(std::move(*node));
    card_ = cardtest::IssueCard(kSerial);
    ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({})}));
    ASSERT_TRUE(cardtest::SeedPerson(node_->store, kPerson, *card_.cert));
    testing::AddOperator(*node_, "doc1", Role::kDoctor, "1234");
    testing::AddOperator(*node_, "clerk1", Role::kClerk, "1234");
    vcard_ = cardtest::MakeVirtualCard(card_);
    cards_.Insert("Reader A", vcard_.get());
    ServiceOptions options;
    options.cards = &cards_;
    options.facility = "1710000001";
    service_ = std::move(*Service::Create(*node_, clock_, options, 1));
  }

  std::pair<int, json> Send(std::string method, std::string path, const json& body = nullptr) {
    net::Request r;
    r.method = std::move(method);
    r.target = path;
    r.path = path;
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.Set("Content-Type", "application/json");
    }
    if (!token_.empty()) r.headers.Set("Authorization", "Bearer " + token_);
    const net::Response res = service_->Handle(r);
    return {res.status, json::parse(res.body, nullptr, false)};
  }
  void Login(const std::string& id) {
    token_.clear();
    auto [status, body] = Send("POST", "/v1/login", {{"operator_id", id}, {"pin", "1234"}});
    ASSERT_EQ(status, 200) << body.dump();
    token_ = body["token"];
  }

  testing::TempDir dir_;
  ManualClock clock_{cardtest::Now()};
  std::optional<OpenNode> node_;
  cardtest::IssuedCard card_;
  std::unique_ptr<fieldkit::VirtualJpkiCard> vcard_;
  cardtest::FakeCardAccess cards_;
  std::unique_ptr<Service> service_;
  std::string token_;
};

TEST_F(ServiceCardTest, VerifiedCardAnswersAndOpensTheRecord) {
  Login("doc1");
  auto [rs, readers] = Send("GET", "/v1/cards/readers");
  ASSERT_EQ(rs, 200) << readers.dump();
  EXPECT_EQ(readers["readers"][0]["name"], "Reader A");
  EXPECT_EQ(readers["readers"][0]["card_present"], true);
  auto [ps, probe] = Send("POST", "/v1/cards/probe", {{"reader", "Reader A"}});
  ASSERT_EQ(ps, 200) << probe.dump();
  EXPECT_EQ(probe["pin"]["tries_left"], 3);
  auto [vs, v] = Send("POST", "/v1/cards/verify", {{"reader", "Reader A"}, {"pin", "1234"}});
  ASSERT_EQ(vs, 200) << v.dump();
  EXPECT_EQ(v["card"]["status"], "covered");
  EXPECT_EQ(v["tries_left"], 3);
  EXPECT_EQ(v["answer"]["status"], "covered");
  // The answer shown is the one recorded: coverage in force has no detail
  // (how the card was verified is in "card").
  EXPECT_EQ(v["answer"]["detail"], "");
  EXPECT_EQ(v["answer"]["detail_code"], "");
  auto [ls, listed] = Send("GET", "/v1/checks");
  ASSERT_EQ(ls, 200) << listed.dump();
  ASSERT_EQ(listed["checks"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["checks"][0]["id"], v["check"]["id"]);
  EXPECT_EQ(listed["checks"][0]["detail_code"], v["answer"]["detail_code"]);
  EXPECT_EQ(listed["checks"][0]["detail"], v["answer"]["detail"]);
  EXPECT_NE(v["card"]["message"].get<std::string>().find("Identity confirmed"), std::string::npos) << v.dump();
  EXPECT_EQ(v["check"]["method"], "card");
  EXPECT_EQ(v["check"]["assurance"], "signature");
  EXPECT_EQ(v["person"]["id"], kPerson);
  EXPECT_EQ(v["can_open_record"], true);
  auto [os, summary] = Send("GET", "/v1/persons/" + std::to_string(kPerson));
  ASSERT_EQ(os, 200) << summary.dump();
  EXPECT_EQ(summary["access"]["basis"], "card");
  EXPECT_EQ(summary["access"]["check_id"], v["check"]["id"]);
  EXPECT_EQ(summary["access"]["assurance"], "signature");
  EXPECT_EQ(summary["risk_flags"][0]["class"], "insulin");
}

TEST_F(ServiceCardTest, WrongPinsReportTriesLeftAndTheLastTryNeedsConfirmation) {
  Login("clerk1");
  auto verify = [&](json body) { return Send("POST", "/v1/cards/verify", body); };
  auto [s1, a1] = verify({{"pin", "0000"}});
  ASSERT_EQ(s1, 200) << a1.dump();
  EXPECT_EQ(a1["card"]["code"], "pin_wrong");
  EXPECT_EQ(a1["tries_left"], 2);
  EXPECT_TRUE(a1["check"].is_null());
  auto [s2, a2] = verify({{"pin", "0000"}});
  EXPECT_EQ(a2["tries_left"], 1);
  auto [s3, a3] = verify({{"pin", "0000"}});
  EXPECT_EQ(a3["card"]["code"], "pin_last_try");  // not spent without the patient's confirmation
  EXPECT_EQ(a3["tries_left"], 1);
  auto [s4, a4] = verify({{"pin", "0000"}, {"confirm_last_try", true}});
  EXPECT_EQ(a4["card"]["pin"]["blocked"], true);
  EXPECT_EQ(a4["tries_left"], 0);
  auto [ps, probe] = Send("POST", "/v1/cards/probe", json::object());
  ASSERT_EQ(ps, 200);
  EXPECT_EQ(probe["pin"]["blocked"], true);
  // A blocked PIN: verify the certificate alone, after a visual face check.
  auto [s5, a5] = verify(json::object());
  EXPECT_EQ(s5, 422);
  EXPECT_EQ(a5["error"]["code"], "face_check_required");
  auto [s6, a6] = verify({{"face_checked", true}});
  ASSERT_EQ(s6, 200) << a6.dump();
  EXPECT_EQ(a6["answer"]["status"], "covered");
  EXPECT_EQ(a6["check"]["assurance"], "certificate");
  EXPECT_EQ(a6["can_open_record"], false);  // a clerk sees eligibility only
}

TEST_F(ServiceCardTest, CardBodiesAreValidated) {
  Login("doc1");
  auto [s1, a1] = Send("POST", "/v1/cards/verify", {{"pin", 1234}});
  EXPECT_EQ(s1, 400);
  EXPECT_EQ(a1["error"]["code"], "wrong_type");
  auto [s2, a2] = Send("POST", "/v1/cards/verify", {{"pin", "1234"}, {"reader_name", "x"}});
  EXPECT_EQ(a2["error"]["code"], "unknown_field");
  auto [s3, a3] = Send("POST", "/v1/cards/probe", {{"reader", "No Such Reader"}});
  EXPECT_EQ(s3, 409);
  EXPECT_EQ(a3["error"]["code"], "card_not_ready");
  // An optional field sent as null is a field not sent (it once reached
  // json::value() and answered 500).
  auto [s4, a4] = Send("POST", "/v1/cards/verify", {{"face_checked", nullptr}});
  EXPECT_EQ(s4, 422) << a4.dump();
  EXPECT_EQ(a4["error"]["code"], "face_check_required");
  auto [s5, a5] =
      Send("POST", "/v1/cards/verify", {{"reader", "No Such Reader"}, {"pin", "1234"}, {"confirm_last_try", nullptr}});
  EXPECT_LT(s5, 500) << a5.dump();
}

TEST_F(ServiceCardTest, WithoutCardAccessTheCardEndpointsSaySo) {
  service_.reset();  // one service owns the node's audit journal at a time
  service_ = std::move(*Service::Create(*node_, clock_, ServiceOptions{}, 1));
  Login("doc1");
  auto [s, a] = Send("POST", "/v1/cards/verify", {{"pin", "1234"}});
  EXPECT_EQ(s, 503);
  EXPECT_EQ(a["error"]["code"], "card_unavailable");
}

}  // namespace
}  // namespace akari::node
