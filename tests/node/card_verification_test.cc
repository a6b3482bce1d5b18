// The verification flow with an in-process card (no pcscd): outcomes,
// what is recorded (checks, audit), PIN policy, faults at every APDU, and
// several threads verifying at once.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "crypto/openssl.h"
#include "node/card/verification.h"
#include "node/store/meta_keys.h"
#include "sync/index_keys.h"
#include "tests/node/card_world.h"
#include "tests/testing/temp_dir.h"

namespace akari::card {
namespace {

using cardtest::IssueCard;
using cardtest::MakeVirtualCard;
using cardtest::Pin;
using cardtest::Utc;

constexpr std::uint32_t kSerial = 0x0705d990;
constexpr std::int64_t kPerson = 42;

class CardVerificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto node = cardtest::CreateTestNode(dir_ / "node");
    ASSERT_TRUE(node) << node.error().message;
    node_.emplace(std::move(*node));
    services_.emplace(*node_, clock_);
    card_ = IssueCard(kSerial);
    ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({0x0bad})}));
    ASSERT_TRUE(cardtest::SeedPerson(node_->store, kPerson, *card_.cert));
  }

  void InsertCard(std::unique_ptr<fieldkit::VirtualJpkiCard> card, const std::string& reader = "Reader A") {
    vcards_.push_back(std::move(card));
    cards_.Insert(reader, vcards_.back().get());
  }

  VerificationOutcome Verify(std::optional<std::string> pin = "1234", bool confirm_last_try = false) {
    VerificationRequest request;
    if (pin) request.pin = Pin(*pin);
    request.confirm_last_try = confirm_last_try;
    request.operator_id = "clerk-7";
    request.facility = "1710000001";
    auto outcome = VerifyCard(request, Context());
    EXPECT_TRUE(outcome) << outcome.error().message;
    return outcome ? std::move(*outcome) : VerificationOutcome{};
  }

  VerificationContext Context() { return {node_->store, services_->queue, services_->audit, clock_, cards_}; }

  std::vector<node::CheckRecord> Checks() { return *services_->queue.List(0, 100); }

  nlohmann::json LastAudit() {
    auto head = services_->audit.Head();
    EXPECT_TRUE(head);
    auto s = node_->store.database().Prepare("SELECT body FROM audit_log WHERE seq = ?");
    s->Bind(1, head->first);
    EXPECT_TRUE(*s->Step());
    return nlohmann::json::parse(ToString(s->ColumnBlob(0)));
  }

  testing::TempDir dir_;
  ManualClock clock_{cardtest::Now()};
  std::optional<node::OpenNode> node_;
  std::optional<cardtest::NodeServices> services_;
  cardtest::FakeCardAccess cards_;
  std::vector<std::unique_ptr<fieldkit::VirtualJpkiCard>> vcards_;
  cardtest::IssuedCard card_;
};

TEST_F(CardVerificationTest, PinAndSignatureConfirmIdentityAndRecordTheCheck) {
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kCovered);
  EXPECT_EQ(o.code, VerificationCode::kCovered);
  EXPECT_EQ(o.assurance, node::Assurance::kSignature);
  EXPECT_EQ(o.person_id, kPerson);
  EXPECT_TRUE(o.pin.verified);
  EXPECT_EQ(o.pin.tries_left, 3);
  EXPECT_EQ(o.reader, "Reader A");
  EXPECT_EQ(o.token_label, "JPKIAPICCTOKEN2");
  ASSERT_TRUE(o.revocation);
  EXPECT_EQ(o.revocation->status, crypto::RevocationStatus::kCurrent);
  EXPECT_EQ(o.coverage["insurer_name"], "輪島市");
  ASSERT_TRUE(o.check_id);
  ASSERT_TRUE(o.audit_seq);

  const auto checks = Checks();
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].id, *o.check_id);
  EXPECT_EQ(checks[0].method, node::CheckMethod::kCard);
  EXPECT_EQ(checks[0].assurance, node::Assurance::kSignature);
  EXPECT_EQ(checks[0].person_id, kPerson);
  const auto body = nlohmann::json::parse(checks[0].body);
  EXPECT_EQ(body["local_answer"]["status"], "covered");
  EXPECT_EQ(body["operator_id"], "clerk-7");
  EXPECT_EQ(body["claim"]["certificate"]["serial"], "0705d990");

  const auto audit = LastAudit();
  EXPECT_EQ(audit["event"], "card.verify");
  EXPECT_EQ(audit["actor"], "clerk-7");
  EXPECT_EQ(audit["person_id"], kPerson);
  EXPECT_EQ(audit["detail"]["code"], "covered");
  EXPECT_EQ(audit["detail"]["check_id"], *o.check_id);
  EXPECT_TRUE(services_->audit.Verify()->ok());

  const auto j = ToJson(o);
  EXPECT_EQ(j["status"], "covered");
  EXPECT_EQ(j["assurance"], "signature");
  EXPECT_EQ(j["pin"]["tries_left"], 3);
  EXPECT_EQ(j["revocation"]["status"], "current");
  EXPECT_EQ(j["revocation"]["age_seconds"], 5 * 86400 + 3 * 3600);
  EXPECT_EQ(j["check_id"], *o.check_id);
  EXPECT_GE(j["timing"]["apdus"].get<int>(), 5);
}

TEST_F(CardVerificationTest, EveryPinAndSignatureVerificationUsesAtMostEightApdusAfterTheCertificate) {
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify();
  ASSERT_EQ(o.code, VerificationCode::kCovered);
  // SELECT AP, SELECT 0006, READ label, SELECT 000A, READ × ⌈size/256⌉,
  // then SELECT 0018, empty VERIFY, VERIFY, SELECT 0017, SIGN.
  const int cert_reads = static_cast<int>((crypto::CertificateDer(*card_.cert).size() + 255) / 256);
  EXPECT_EQ(o.timing.apdus, 4 + cert_reads + 5);
}

TEST_F(CardVerificationTest, WithoutPinTheAssuranceIsCertificateAndStaffCheckTheFace) {
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify(std::nullopt);
  EXPECT_EQ(o.status, VerificationStatus::kCovered);
  EXPECT_EQ(o.assurance, node::Assurance::kCertificate);
  EXPECT_FALSE(o.pin.used);
  EXPECT_EQ(o.pin.tries_left, 3);
  EXPECT_NE(o.message.find("目視確認"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("photo"), std::string::npos);
  EXPECT_EQ(Checks().at(0).assurance, node::Assurance::kCertificate);
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
}

TEST_F(CardVerificationTest, FaceOnlyCardVerifiesWithCertificateAssurance) {
  fieldkit::VirtualCardOptions options;
  options.no_pin = true;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  const VerificationOutcome o = Verify(std::nullopt);
  EXPECT_EQ(o.status, VerificationStatus::kCovered);
  EXPECT_EQ(o.assurance, node::Assurance::kCertificate);
}

TEST_F(CardVerificationTest, CoverageThatEndedIsNotCovered) {
  const cardtest::IssuedCard other = IssueCard(0x0705d991);
  ASSERT_TRUE(cardtest::SeedPerson(node_->store, 43, *other.cert, /*covered=*/false));
  InsertCard(MakeVirtualCard(other));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kNotCovered);
  EXPECT_EQ(o.person_id, 43);
  EXPECT_NE(o.detail.find("2026-04-01"), std::string::npos) << o.detail;
  EXPECT_EQ(o.detail_code, "coverage_ended");
  EXPECT_EQ(nlohmann::json::parse(Checks().at(0).body)["local_answer"]["status"], "not_covered");
  EXPECT_EQ(nlohmann::json::parse(Checks().at(0).body)["local_answer"]["detail_code"], "coverage_ended");
}

// Coverage is decided on the day the certificate was checked at, the
// node's time: a clock set back to before the coverage ended (2026-04-01)
// must not make it current again.
TEST_F(CardVerificationTest, CoverageThatEndedStaysEndedWhenTheClockIsSetBack) {
  ASSERT_TRUE(node_->store.SetMeta(store::meta::kTrustedTime, FormatUtc(cardtest::Now())));
  clock_.Set(cardtest::Utc(2026, 3, 1));
  const cardtest::IssuedCard other = IssueCard(0x0705d997);
  ASSERT_TRUE(cardtest::SeedPerson(node_->store, 47, *other.cert, /*covered=*/false));
  InsertCard(MakeVirtualCard(other));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kNotCovered) << o.message;
  EXPECT_EQ(o.detail_code, "coverage_ended");
  EXPECT_EQ(nlohmann::json::parse(Checks().at(0).body)["local_answer"]["detail_code"], "coverage_ended");
}

TEST_F(CardVerificationTest, ValidCardLinkedToNobodyIsQueuedAsUnknownPerson) {
  InsertCard(MakeVirtualCard(IssueCard(0x0705d992)));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kUnknownPerson);
  EXPECT_EQ(o.assurance, node::Assurance::kSignature);
  EXPECT_FALSE(o.person_id);
  EXPECT_NE(o.message.find("no person in this region"), std::string::npos) << o.message;
  const auto checks = Checks();
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_FALSE(checks[0].person_id);
  const auto body = nlohmann::json::parse(checks[0].body);
  EXPECT_EQ(body["local_answer"]["status"], "unknown_person");
  EXPECT_EQ(body["local_answer"]["detail_code"], "card_not_linked");
  // The hub resolves the card through its own (possibly newer) card links.
  const Bytes issuer = crypto::NameDer(*X509_get_subject_name(cardtest::TrustedCa().cert.get()));
  EXPECT_EQ(body["claim"]["card_key"], ToHex(sync::CardLinkKey(issuer, Bytes{0x07, 0x05, 0xd9, 0x92})));
}

TEST_F(CardVerificationTest, ClonedCardIsRefusedRecordedAndAuditedWithTheReason) {
  InsertCard(MakeVirtualCard(card_, {}, /*clone=*/true));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
  EXPECT_EQ(o.code, VerificationCode::kSignatureInvalid);
  EXPECT_FALSE(o.person_id);
  EXPECT_NE(o.message.find("cloned"), std::string::npos);
  const auto checks = Checks();
  ASSERT_EQ(checks.size(), 1u);
  const auto body = nlohmann::json::parse(checks[0].body);
  EXPECT_EQ(body["local_answer"]["status"], "identity_not_confirmed");
  EXPECT_EQ(body["local_answer"]["detail"], "signature_invalid");
  EXPECT_EQ(body["local_answer"]["detail_code"], "signature_invalid");
  const auto audit = LastAudit();
  EXPECT_EQ(audit["detail"]["code"], "signature_invalid");
  EXPECT_EQ(audit["detail"]["status"], "identity_not_confirmed");
  EXPECT_EQ(audit["detail"]["check_id"], checks[0].id);
  EXPECT_EQ(audit["detail"]["certificate_serial"], "0705d990");
}

// The chip accepts the PIN, then answers the signing command with an error
// status word or a signature of the wrong size: a failed proof of
// possession, refused and recorded like a signature that does not verify.
TEST_F(CardVerificationTest, CardThatAcceptsThePinButDoesNotSignIsRefusedAndRecorded) {
  InsertCard(MakeVirtualCard(card_));
  const std::vector<std::string> answers = {"6982", "6a80", "9000", std::string(2 * 255, 'a') + "9000"};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    cards_.Override("802a", answers[i]);
    const VerificationOutcome o = Verify();
    EXPECT_EQ(o.code, VerificationCode::kSignatureInvalid) << answers[i] << ": " << o.message;
    EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
    EXPECT_TRUE(o.pin.verified);
    EXPECT_FALSE(o.person_id);
    EXPECT_NE(o.message.find("keep the card aside"), std::string::npos) << o.message;
    const auto checks = Checks();
    ASSERT_EQ(checks.size(), i + 1);
    const auto body = nlohmann::json::parse(checks[0].body);
    EXPECT_EQ(body["local_answer"]["status"], "identity_not_confirmed");
    EXPECT_EQ(body["local_answer"]["detail_code"], "signature_invalid");
    const auto audit = LastAudit();
    EXPECT_EQ(audit["detail"]["code"], "signature_invalid");
    EXPECT_EQ(audit["detail"]["check_id"], *o.check_id);
  }
}

// No answer at all to the signing command (a reader error) says nothing
// about the card: not completed, nothing but the audit entry recorded.
TEST_F(CardVerificationTest, TransmitFailureAtTheSignatureStaysACardError) {
  InsertCard(MakeVirtualCard(card_));
  cards_.Override("802a", "");
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCardError) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAudit()["detail"]["code"], "card_error");
}

TEST_F(CardVerificationTest, CertificateFromUnknownCaIsRefusedWithoutSpendingAPinTry) {
  InsertCard(MakeVirtualCard(IssueCard(0x0705d993, cardtest::StrangerCa())));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateUntrusted);
  EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
  EXPECT_FALSE(o.pin.tries_left);  // stopped before the PIN
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
  EXPECT_EQ(Checks().size(), 1u);
  EXPECT_EQ(LastAudit()["detail"]["code"], "certificate_untrusted");
}

// Only smartphone tokens want the PIN before showing their certificate: a
// physical card that does is not trusted with a PIN try.
TEST_F(CardVerificationTest, PhysicalCardAskingForThePinBeforeItsCertificateGetsNoPin) {
  InsertCard(MakeVirtualCard(card_));
  cards_.Override("00b0000000", "6982");  // the first READ BINARY of EF 000A
  const VerificationOutcome o = Verify("0000");
  EXPECT_EQ(o.code, VerificationCode::kCardError) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_EQ(o.token_label, "JPKIAPICCTOKEN2");
  EXPECT_NE(o.message.find("no PIN was sent"), std::string::npos) << o.message;
  EXPECT_EQ(o.timing.apdus, 5);  // SELECT AP, SELECT 0006, READ label, SELECT 000A, READ
  EXPECT_FALSE(o.pin.tries_left);
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
  EXPECT_TRUE(Checks().empty());
}

TEST_F(CardVerificationTest, RevokedCertificateIsRefused) {
  const cardtest::IssuedCard revoked = IssueCard(0x0bad);
  ASSERT_TRUE(cardtest::SeedPerson(node_->store, 44, *revoked.cert));
  InsertCard(MakeVirtualCard(revoked));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateRevoked);
  EXPECT_FALSE(o.person_id);
  EXPECT_NE(o.message.find("revoked on 2026-10-01"), std::string::npos) << o.message;
  EXPECT_EQ(nlohmann::json::parse(Checks().at(0).body)["local_answer"]["detail"], "certificate_revoked");
}

TEST_F(CardVerificationTest, ExpiredCertificateIsRefused) {
  InsertCard(MakeVirtualCard(IssueCard(0x0705d994, cardtest::TrustedCa(), Utc(2021, 1, 1), Utc(2026, 1, 1))));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateExpired);
  EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
}

// A clock set back 40 days must not make a card that expired 30 days before
// the newest signed time the node has seen (sync's trusted time) valid again.
TEST_F(CardVerificationTest, ExpiredCertificateIsRefusedWhenTheClockIsSetBackBeforeTheTrustedTime) {
  const TimePoint trusted = Utc(2026, 11, 20);  // also the CRL's thisUpdate
  ASSERT_TRUE(node_->store.SetMeta(store::meta::kTrustedTime, FormatUtc(trusted)));
  clock_.Set(trusted - std::chrono::days(40));
  const cardtest::IssuedCard expired =
      IssueCard(0x0705d995, cardtest::TrustedCa(), Utc(2021, 10, 21), trusted - std::chrono::days(30));
  ASSERT_TRUE(cardtest::SeedPerson(node_->store, 45, *expired.cert));
  InsertCard(MakeVirtualCard(expired));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateExpired) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
  EXPECT_FALSE(o.person_id);
  EXPECT_NE(o.message.find("expired on 2026-10-21"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("clock (2026-10-11) is behind"), std::string::npos) << o.message;
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
  EXPECT_EQ(nlohmann::json::parse(Checks().at(0).body)["local_answer"]["detail"], "certificate_expired");
}

// Without a stored trusted time, a revocation list dated after the clock
// still shows the clock is wrong: no verdict, and never "current".
TEST_F(CardVerificationTest, RevocationListDatedAfterTheClockIsAClockProblemNotCurrent) {
  clock_.Set(Utc(2026, 11, 20) - std::chrono::days(40));
  const cardtest::IssuedCard expired =
      IssueCard(0x0705d996, cardtest::TrustedCa(), Utc(2021, 10, 21), Utc(2026, 10, 21));
  ASSERT_TRUE(cardtest::SeedPerson(node_->store, 46, *expired.cert));
  InsertCard(MakeVirtualCard(expired));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kClockBehind) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_FALSE(o.revocation);
  EXPECT_NE(o.message.find("clock is behind"), std::string::npos) << o.message;
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAudit()["detail"]["code"], "clock_behind");
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
}

TEST_F(CardVerificationTest, StaleRevocationDataStillVerifiesAndSaysSo) {
  ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({}, Utc(2026, 9, 1), Utc(2026, 10, 1))}));
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.status, VerificationStatus::kCovered);
  EXPECT_EQ(o.revocation->status, crypto::RevocationStatus::kStale);
  EXPECT_NE(o.message.find("stale since 2026-10-01"), std::string::npos) << o.message;
  const auto j = ToJson(o);
  EXPECT_EQ(j["revocation"]["stale_since"], "2026-10-01T00:00:00Z");
  EXPECT_EQ(LastAudit()["detail"]["revocation"], "stale");
}

TEST_F(CardVerificationTest, ANewRevocationListTakesEffectAtOnce) {
  InsertCard(MakeVirtualCard(card_));
  EXPECT_EQ(Verify().code, VerificationCode::kCovered);
  ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({kSerial}, Utc(2026, 11, 24))}));
  EXPECT_EQ(Verify().code, VerificationCode::kCertificateRevoked);
  ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({})}));
  EXPECT_EQ(Verify().code, VerificationCode::kCovered);
}

TEST_F(CardVerificationTest, NoTrustMaterialStopsBeforeAnyVerdict) {
  ASSERT_TRUE(node_->store.ReplaceTrustMaterial({}));
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kNoTrustMaterial);
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAudit()["detail"]["code"], "no_trust_material");
}

TEST_F(CardVerificationTest, WrongPinReportsTriesLeftAndRecordsOnlyTheAudit) {
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify("0000");
  EXPECT_EQ(o.code, VerificationCode::kPinWrong);
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_EQ(o.pin.tries_left, 2);
  EXPECT_FALSE(o.pin.verified);
  EXPECT_NE(o.message.find("2 tries left"), std::string::npos) << o.message;
  EXPECT_FALSE(o.check_id);
  EXPECT_TRUE(Checks().empty());
  const auto audit = LastAudit();
  EXPECT_EQ(audit["detail"]["code"], "pin_wrong");
  EXPECT_EQ(audit["detail"]["pin_tries_left"], 2);
  EXPECT_TRUE(audit["person_id"].is_null());
}

// A VERIFY that gets no clear answer may have spent a try: the outcome and
// the audit entry then say the tries left are unknown, never the count read
// before.
TEST_F(CardVerificationTest, TriesLeftAreUnknownWhenVerifyGetsNoClearAnswer) {
  InsertCard(MakeVirtualCard(card_));
  for (const std::string answer : {"", "6f00"}) {
    cards_.Override("0020008004", answer);  // VERIFY with a 4-digit PIN
    const VerificationOutcome o = Verify();
    EXPECT_EQ(o.code, VerificationCode::kCardError) << "'" << answer << "': " << o.message;
    EXPECT_FALSE(o.pin.tries_left) << "'" << answer << "': " << *o.pin.tries_left;
    EXPECT_TRUE(ToJson(o)["pin"]["tries_left"].is_null());
    EXPECT_TRUE(LastAudit()["detail"]["pin_tries_left"].is_null()) << answer;
  }
  EXPECT_TRUE(Checks().empty());
}

TEST_F(CardVerificationTest, LastTryIsNotSpentWithoutConfirmation) {
  InsertCard(MakeVirtualCard(card_));
  EXPECT_EQ(Verify("0000").pin.tries_left, 2);
  EXPECT_EQ(Verify("0000").pin.tries_left, 1);
  const VerificationOutcome refused = Verify("0000");
  EXPECT_EQ(refused.code, VerificationCode::kPinLastTry);
  EXPECT_EQ(refused.pin.tries_left, 1);
  EXPECT_NE(refused.message.find("city office (市区町村の窓口)"), std::string::npos) << refused.message;
  EXPECT_EQ(vcards_[0]->tries_left(), 1);
  const VerificationOutcome confirmed = Verify("1234", /*confirm_last_try=*/true);
  EXPECT_EQ(confirmed.code, VerificationCode::kCovered);
  EXPECT_EQ(confirmed.pin.tries_left, 3);
}

TEST_F(CardVerificationTest, ConfirmedWrongLastTryBlocksAndSaysWhereToReset) {
  fieldkit::VirtualCardOptions options;
  options.tries = 1;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  const VerificationOutcome o = Verify("0000", /*confirm_last_try=*/true);
  EXPECT_EQ(o.code, VerificationCode::kPinBlocked);
  EXPECT_TRUE(o.pin.blocked);
  EXPECT_EQ(o.pin.tries_left, 0);
  EXPECT_NE(o.message.find("city office"), std::string::npos);
}

TEST_F(CardVerificationTest, BlockedCardStopsWithTheCityOfficeAdviceAndCertificateFallback) {
  fieldkit::VirtualCardOptions options;
  options.start_blocked = true;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kPinBlocked);
  EXPECT_EQ(o.pin.tries_left, 0);
  EXPECT_TRUE(o.pin.blocked);
  EXPECT_NE(o.message.find("市区町村の窓口"), std::string::npos);
  EXPECT_NE(o.message.find("without the PIN"), std::string::npos);
  EXPECT_TRUE(Checks().empty());
  // The fallback: certificate only, staff check the face.
  const VerificationOutcome fallback = Verify(std::nullopt);
  EXPECT_EQ(fallback.code, VerificationCode::kCovered);
  EXPECT_EQ(fallback.assurance, node::Assurance::kCertificate);
  EXPECT_TRUE(fallback.pin.blocked);
}

TEST_F(CardVerificationTest, MalformedPinNeverReachesTheCard) {
  InsertCard(MakeVirtualCard(card_));
  const VerificationOutcome o = Verify("12345");
  EXPECT_EQ(o.code, VerificationCode::kPinFormat);
  EXPECT_EQ(o.timing.apdus, 0);
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
  EXPECT_EQ(LastAudit()["detail"]["code"], "pin_format");
}

TEST_F(CardVerificationTest, InteractivePinIsAskedWithTheTriesLeft) {
  fieldkit::VirtualCardOptions options;
  options.tries = 2;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  std::vector<std::optional<int>> asked;
  VerificationRequest request;
  request.ask_pin = [&](const PinStatus& status) -> Result<crypto::SecretBuffer> {
    asked.push_back(status.tries_left);
    return Pin("1234");
  };
  auto o = VerifyCard(request, Context());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->code, VerificationCode::kCovered);
  EXPECT_EQ(o->assurance, node::Assurance::kSignature);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], 2);
}

// When the PIN cannot be asked for (the CLI without a terminal), nothing
// is sent, and the code is not a PIN-format error: the message says why.
TEST_F(CardVerificationTest, PinThatCannotBeAskedForIsPinNotGiven) {
  InsertCard(MakeVirtualCard(card_));
  VerificationRequest request;
  request.ask_pin = [](const PinStatus&) -> Result<crypto::SecretBuffer> {
    return MakeError(std::make_error_code(std::errc::no_such_device),
                     "the card's PIN cannot be asked for without a terminal");
  };
  auto o = VerifyCard(request, Context());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->code, VerificationCode::kPinNotGiven);
  EXPECT_EQ(CodeName(o->code), "pin_not_given");
  EXPECT_EQ(o->status, VerificationStatus::kIncomplete);
  EXPECT_NE(o->message.find("without a terminal"), std::string::npos) << o->message;
  EXPECT_EQ(o->pin.tries_left, 3);
  EXPECT_EQ(vcards_[0]->tries_left(), 3);
  EXPECT_EQ(LastAudit()["detail"]["code"], "pin_not_given");
}

TEST_F(CardVerificationTest, InteractivePinIsNotAskedForABlockedCard) {
  fieldkit::VirtualCardOptions options;
  options.start_blocked = true;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  bool asked = false;
  VerificationRequest request;
  request.ask_pin = [&](const PinStatus&) -> Result<crypto::SecretBuffer> {
    asked = true;
    return Pin("1234");
  };
  auto o = VerifyCard(request, Context());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->code, VerificationCode::kPinBlocked);
  EXPECT_FALSE(asked);
}

TEST_F(CardVerificationTest, NoCardIsAnIncompleteOutcome) {
  cards_.Insert("Reader A", nullptr);
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kNoCard);
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAudit()["detail"]["code"], "no_card");
}

TEST_F(CardVerificationTest, GarbageAnsweringCardIsACardError) {
  fieldkit::VirtualCardOptions options;
  options.garbage = true;
  InsertCard(MakeVirtualCard(card_, std::move(options)));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCardError);
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  EXPECT_TRUE(Checks().empty());
}

// Fault loop: the card is pulled after 0, 1, 2 … APDUs. Every attempt ends
// as card_removed with no check, one audit entry each, and the PIN counter
// is never spent by a removal; once the card stays in, it verifies.
TEST_F(CardVerificationTest, CardPulledAtEveryStepLeavesAConsistentRecord) {
  InsertCard(MakeVirtualCard(card_));
  int attempts = 0;
  for (int n = 0;; ++n) {
    cards_.set_fail_after(n);
    const VerificationOutcome o = Verify();
    ++attempts;
    if (o.code == VerificationCode::kCovered) break;
    ASSERT_EQ(o.code, VerificationCode::kCardRemoved) << "after " << n << " APDUs: " << o.message;
    EXPECT_TRUE(Checks().empty());
    EXPECT_EQ(services_->audit.Head()->first, attempts);
    EXPECT_EQ(vcards_[0]->tries_left(), 3);
    ASSERT_LT(n, 40);
  }
  EXPECT_EQ(Checks().size(), 1u);
  EXPECT_TRUE(services_->audit.Verify()->ok());
}

TEST_F(CardVerificationTest, SeveralThreadsVerifyAtOnceEachWithItsOwnConnection) {
  constexpr int kThreads = 4;
  std::vector<cardtest::IssuedCard> cards;
  for (int i = 0; i < kThreads; ++i) {
    cards.push_back(IssueCard(0x0705e000 + static_cast<std::uint32_t>(i)));
    ASSERT_TRUE(cardtest::SeedPerson(node_->store, 100 + i, *cards.back().cert));
    InsertCard(MakeVirtualCard(cards.back()), "Reader " + std::to_string(i));
  }
  std::vector<std::optional<VerificationOutcome>> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto store = node::OpenStoreConnection(*node_);
      ASSERT_TRUE(store);
      node::CheckQueue queue(*store, node_->keystore.node_id(), node_->keystore.signing_secret_key(), clock_);
      node::AuditLog audit(*store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
      for (int round = 0; round < 3; ++round) {
        VerificationRequest request;
        request.reader = "Reader " + std::to_string(i);
        request.pin = Pin("1234");
        auto o = VerifyCard(request, {*store, queue, audit, clock_, cards_});
        ASSERT_TRUE(o) << o.error().message;
        outcomes[static_cast<std::size_t>(i)] = std::move(*o);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(outcomes[static_cast<std::size_t>(i)]);
    EXPECT_EQ(outcomes[static_cast<std::size_t>(i)]->person_id, 100 + i);
  }
  const auto checks = Checks();
  EXPECT_EQ(checks.size(), static_cast<std::size_t>(kThreads * 3));
  EXPECT_TRUE(services_->audit.Verify()->ok());
  EXPECT_EQ(services_->audit.Verify()->entries, kThreads * 3);
}

TEST(VerificationCodesTest, EveryCodeHasAUniqueNameAndAStatus) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(VerificationCode::kTimeout); ++c) {
    const auto code = static_cast<VerificationCode>(c);
    EXPECT_TRUE(names.insert(CodeName(code)).second) << CodeName(code);
  }
  EXPECT_EQ(StatusOf(VerificationCode::kCertificateRevoked), VerificationStatus::kIdentityNotConfirmed);
  EXPECT_EQ(StatusOf(VerificationCode::kPinWrong), VerificationStatus::kIncomplete);
  EXPECT_EQ(StatusName(VerificationStatus::kIdentityNotConfirmed), "identity_not_confirmed");
}

}  // namespace
}  // namespace akari::card
