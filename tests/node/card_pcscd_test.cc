// Card verification through the real stack: libpcsclite → a private pcscd
// → the vpcd driver → akari-vcard (each test starts and stops its own; see
// tests/testing/pcscd.h). Every fault of issue 5 has a test here, plus the
// OpenSC cross-check and the `akari card` command line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "fieldkit/vcard/card_dir.h"
#include "node/card/errors.h"
#include "node/card/pcsc.h"
#include "node/card/verification.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "sync/record_json.h"
#include "tests/node/card_world.h"
#include "tests/testing/pcscd.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/zstd_file.h"

namespace akari::card {
namespace {

using cardtest::IssueCard;
using cardtest::Pin;
using testing::PcscdInstance;

constexpr std::uint32_t kSerial = 0x0705d990;
constexpr std::int64_t kPerson = 42;
constexpr const char* kReader = PcscdInstance::kReader;

class CardPcscdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    pcscd_ = PcscdInstance::Start(error);
    ASSERT_TRUE(pcscd_) << error;
    auto node = cardtest::CreateTestNode(dir_ / "node");
    ASSERT_TRUE(node) << node.error().message;
    node_.emplace(std::move(*node));
    services_.emplace(*node_, clock_);
    card_ = IssueCard(kSerial);
    ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({0x0bad})}));
    ASSERT_TRUE(cardtest::SeedPerson(node_->store, kPerson, *card_.cert));
  }

  // Writes a CARD_DIR for `card` and plugs akari-vcard with it into the reader.
  testing::ChildProcess* Insert(const cardtest::IssuedCard& card, std::vector<std::string> args = {},
                                bool wait_present = true) {
    const std::filesystem::path card_dir = dir_ / ("card-" + ToHex(card.serial));
    EXPECT_TRUE(fieldkit::WriteCardDir(card_dir, *card.cert, *card.key, *cardtest::TrustedCa().cert, kPerson));
    args.insert(args.begin(), {"--card", card_dir.string()});
    std::string error;
    vcard_ = pcscd_->StartVirtualCard(args, error);
    EXPECT_TRUE(vcard_) << error;
    if (vcard_ && wait_present) {
      EXPECT_TRUE(pcscd_->WaitForCard(true)) << "the virtual card never appeared: " << vcard_->Output() << "\n"
                                             << pcscd_->Log();
    }
    return vcard_.get();
  }

  VerificationOutcome Verify(std::optional<std::string> pin = "1234", bool confirm_last_try = false,
                             std::string reader = kReader) {
    VerificationRequest request;
    request.reader = std::move(reader);
    if (pin) request.pin = Pin(*pin);
    request.confirm_last_try = confirm_last_try;
    request.operator_id = "clerk-7";
    auto outcome = VerifyCard(request, {node_->store, services_->queue, services_->audit, clock_, cards_});
    EXPECT_TRUE(outcome) << outcome.error().message;
    return outcome ? std::move(*outcome) : VerificationOutcome{};
  }

  std::vector<node::CheckRecord> Checks() { return *services_->queue.List(0, 100); }
  std::string LastAuditCode() {
    auto s = node_->store.database().Prepare("SELECT body FROM audit_log ORDER BY seq DESC LIMIT 1");
    EXPECT_TRUE(*s->Step());
    return nlohmann::json::parse(ToString(s->ColumnBlob(0)))["detail"]["code"];
  }

  testing::TempDir dir_;
  std::unique_ptr<PcscdInstance> pcscd_;
  std::unique_ptr<testing::ChildProcess> vcard_;
  ManualClock clock_{cardtest::Now()};
  std::optional<node::OpenNode> node_;
  std::optional<cardtest::NodeServices> services_;
  PcscCardAccess cards_;
  cardtest::IssuedCard card_;
};

TEST_F(CardPcscdTest, ListsTheVirtualReadersWithCardPresence) {
  auto before = cards_.ListReaders();
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->size(), 2u);
  EXPECT_EQ((*before)[0].name, kReader);
  EXPECT_FALSE((*before)[0].card_present);
  Insert(card_);
  auto after = cards_.ListReaders();
  ASSERT_TRUE(after);
  EXPECT_TRUE((*after)[0].card_present);
  EXPECT_EQ(ToHex((*after)[0].atr), ToHex(fieldkit::VirtualJpkiCard::DefaultAtr()));
  EXPECT_FALSE((*after)[1].card_present);
}

TEST_F(CardPcscdTest, VerifiesWithPinAndSignature) {
  Insert(card_);
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCovered) << o.message;
  EXPECT_EQ(o.assurance, node::Assurance::kSignature);
  EXPECT_EQ(o.person_id, kPerson);
  EXPECT_EQ(o.reader, kReader);
  EXPECT_EQ(o.pin.tries_left, 3);
  const int cert_reads = static_cast<int>((crypto::CertificateDer(*card_.cert).size() + 255) / 256);
  EXPECT_EQ(o.timing.apdus, 4 + cert_reads + 5);
  ASSERT_EQ(Checks().size(), 1u);
  EXPECT_EQ(Checks()[0].assurance, node::Assurance::kSignature);
}

TEST_F(CardPcscdTest, VerifiesTheOnlyCardWhenNoReaderIsNamed) {
  Insert(card_);
  EXPECT_EQ(Verify("1234", false, "").code, VerificationCode::kCovered);
  EXPECT_EQ(Verify("1234", false, "PCD 00 00").code, VerificationCode::kCovered);  // a unique part of the name
}

TEST_F(CardPcscdTest, CertificateOnlyWithoutPin) {
  Insert(card_, {"--no-pin"});
  const VerificationOutcome o = Verify(std::nullopt);
  EXPECT_EQ(o.code, VerificationCode::kCovered) << o.message;
  EXPECT_EQ(o.assurance, node::Assurance::kCertificate);
  EXPECT_NE(o.message.find("目視確認"), std::string::npos);
}

TEST_F(CardPcscdTest, AnswersThroughGetResponseLikeAT0Card) {
  Insert(card_, {"--get-response"});
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCovered) << o.message;
  EXPECT_GT(o.timing.apdus, 4 + 5 + 4);  // GET RESPONSE rounds
}

TEST_F(CardPcscdTest, WrongPinCountsDownAndTheNodeStopsBeforeTheLastTry) {
  testing::ChildProcess* vcard = Insert(card_);
  EXPECT_EQ(Verify("0000").pin.tries_left, 2);
  const VerificationOutcome second = Verify("0000");
  EXPECT_EQ(second.code, VerificationCode::kPinWrong);
  EXPECT_EQ(second.pin.tries_left, 1);
  const VerificationOutcome third = Verify("0000");
  EXPECT_EQ(third.code, VerificationCode::kPinLastTry);
  EXPECT_EQ(third.pin.tries_left, 1);
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAuditCode(), "pin_last_try");
  // The card itself still has its last try.
  ASSERT_TRUE(vcard->Send("status\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_NE(vcard->Output().find("tries_left=1"), std::string::npos) << vcard->Output();
  EXPECT_EQ(Verify("1234", /*confirm_last_try=*/true).code, VerificationCode::kCovered);
}

TEST_F(CardPcscdTest, BlockedCardIsReportedWithTheCityOffice) {
  Insert(card_, {"--start-blocked"});
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kPinBlocked);
  EXPECT_TRUE(o.pin.blocked);
  EXPECT_EQ(o.pin.tries_left, 0);
  EXPECT_NE(o.message.find("市区町村の窓口"), std::string::npos);
  EXPECT_TRUE(Checks().empty());
}

TEST_F(CardPcscdTest, CardRemovedBetweenCertificateAndSignature) {
  // SELECT AP, SELECT 0006, READ, SELECT 000A, READ × n, SELECT 0018, empty
  // VERIFY, VERIFY: then the card is pulled before SELECT 0017 and SIGN.
  const int cert_reads = static_cast<int>((crypto::CertificateDer(*card_.cert).size() + 255) / 256);
  testing::ChildProcess* vcard = Insert(card_, {"--remove-after", std::to_string(4 + cert_reads + 3)});
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCardRemoved) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIncomplete);
  ASSERT_TRUE(o.certificate);  // the certificate had been read
  EXPECT_TRUE(Checks().empty());
  EXPECT_EQ(LastAuditCode(), "card_removed");
  // Put it back: the next verification goes through.
  ASSERT_TRUE(pcscd_->WaitForCard(false)) << vcard->Output();
  ASSERT_TRUE(vcard->Send("insert\n"));
  ASSERT_TRUE(pcscd_->WaitForCard(true)) << vcard->Output() << pcscd_->Log();
  EXPECT_EQ(Verify().code, VerificationCode::kCovered);
}

TEST_F(CardPcscdTest, ClonedCardIsRefusedAndTheAuditSaysWhy) {
  Insert(card_, {"--clone"});
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kSignatureInvalid) << o.message;
  EXPECT_EQ(o.status, VerificationStatus::kIdentityNotConfirmed);
  const auto checks = Checks();
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(checks[0].body)["local_answer"]["status"], "identity_not_confirmed");
  EXPECT_EQ(LastAuditCode(), "signature_invalid");
}

TEST_F(CardPcscdTest, CertificateFromAnUnknownCaIsRefused) {
  Insert(IssueCard(0x0705d993, cardtest::StrangerCa()));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateUntrusted) << o.message;
  EXPECT_EQ(Checks().size(), 1u);
  EXPECT_EQ(LastAuditCode(), "certificate_untrusted");
}

TEST_F(CardPcscdTest, RevokedCertificateIsRefused) {
  Insert(IssueCard(0x0bad));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateRevoked) << o.message;
  EXPECT_EQ(LastAuditCode(), "certificate_revoked");
}

TEST_F(CardPcscdTest, ExpiredCertificateIsRefused) {
  Insert(IssueCard(0x0705d994, cardtest::TrustedCa(), cardtest::Utc(2021, 1, 1), cardtest::Utc(2026, 1, 1)));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCertificateExpired) << o.message;
}

TEST_F(CardPcscdTest, UnlinkedCertificateIsQueuedAsUnknownPerson) {
  Insert(IssueCard(0x0705d995));
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kUnknownPerson) << o.message;
  EXPECT_NE(o.message.find("no person in this region"), std::string::npos);
  const auto checks = Checks();
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(checks[0].body)["local_answer"]["status"], "unknown_person");
}

TEST_F(CardPcscdTest, CardAnsweringGarbageIsACardError) {
  Insert(card_, {"--garbage"});
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kCardError) << o.message;
  EXPECT_TRUE(Checks().empty());
}

TEST_F(CardPcscdTest, EmptyReaderAndUnknownReaderAreReported) {
  EXPECT_EQ(Verify().code, VerificationCode::kNoCard);
  EXPECT_EQ(Verify("1234", false, "").code, VerificationCode::kNoCard);
  const VerificationOutcome o = Verify("1234", false, "Reader That Does Not Exist");
  EXPECT_EQ(o.code, VerificationCode::kReaderNotFound);
  EXPECT_NE(o.message.find("Virtual PCD 00 00"), std::string::npos) << o.message;
}

TEST_F(CardPcscdTest, AReaderNameMatchingSeveralReadersIsReportedWithThem) {
  Insert(card_);
  const VerificationOutcome o = Verify("1234", false, "Virtual PCD");
  EXPECT_EQ(o.code, VerificationCode::kReaderNotFound);
  EXPECT_NE(o.message.find("matches 2 readers"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("\"Virtual PCD 00 01\""), std::string::npos) << o.message;
  EXPECT_EQ(Verify("1234", false, "PCD 00 00").code, VerificationCode::kCovered);
}

TEST_F(CardPcscdTest, WaitsForTheCardToBeInserted) {
  std::optional<VerificationOutcome> outcome;
  std::thread verifier([&] {
    VerificationRequest request;
    request.reader = kReader;
    request.pin = Pin("1234");
    request.card_wait = std::chrono::seconds(20);
    auto store = node::OpenStoreConnection(*node_);
    ASSERT_TRUE(store);
    node::CheckQueue queue(*store, node_->keystore.node_id(), node_->keystore.signing_secret_key(), clock_);
    node::AuditLog audit(*store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
    PcscCardAccess cards;
    auto o = VerifyCard(request, {*store, queue, audit, clock_, cards});
    ASSERT_TRUE(o) << o.error().message;
    outcome = std::move(*o);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Insert(card_, {}, /*wait_present=*/false);
  verifier.join();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->code, VerificationCode::kCovered) << outcome->message;
}

TEST_F(CardPcscdTest, PcscdGoneIsServiceUnavailable) {
  pcscd_.reset();
  const VerificationOutcome o = Verify();
  EXPECT_EQ(o.code, VerificationCode::kServiceUnavailable) << o.message;
  EXPECT_NE(o.message.find("pcscd"), std::string::npos);
}

TEST_F(CardPcscdTest, TwoThreadsOnOneReaderTakeTurns) {
  Insert(card_);
  std::vector<std::thread> threads;
  std::vector<int> covered(2, 0);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto store = node::OpenStoreConnection(*node_);
      ASSERT_TRUE(store);
      node::CheckQueue queue(*store, node_->keystore.node_id(), node_->keystore.signing_secret_key(), clock_);
      node::AuditLog audit(*store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(), clock_);
      PcscCardAccess cards;
      for (int round = 0; round < 3; ++round) {
        VerificationRequest request;
        request.reader = kReader;
        request.pin = Pin("1234");
        auto o = VerifyCard(request, {*store, queue, audit, clock_, cards});
        ASSERT_TRUE(o) << o.error().message;
        EXPECT_EQ(o->code, VerificationCode::kCovered) << CodeName(o->code) << ": " << o->message;
        if (o->code == VerificationCode::kCovered) ++covered[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(covered[0], 3);
  EXPECT_EQ(covered[1], 3);
  EXPECT_EQ(Checks().size(), 6u);
  EXPECT_TRUE(services_->audit.Verify()->ok());
}

TEST_F(CardPcscdTest, OpenScListsTheUserAuthenticationCertificate) {
  Insert(card_);
  testing::ProcessOptions options;
  options.env = pcscd_->ClientEnv();
  options.env["HOME"] = dir_.path().string();  // OpenSC's file cache stays in the test directory
  options.timeout_seconds = 60;
  const auto r = testing::RunProgram("/usr/bin/pkcs15-tool", {"--list-certificates"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << vcard_->Output();
  // OpenSC's JPKI driver found the card by SELECT (the ATR is not in its
  // table) and read EF 000A itself.
  const std::string expected =
      "X.509 Certificate [User Authentication Certificate]\n"
      "\tObject Flags   : [0x00]\n"
      "\tAuthority      : no\n"
      "\tPath           : 000a\n"
      "\tID             : 01\n"
      "\tEncoded serial : 02 04 0705D990\n";
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out << r.err;
}

// What another engineer's tool issues verifies here: akari-gen region and
// card, the region's trust material and person in the node, akari-vcard
// presenting the card.
TEST_F(CardPcscdTest, CardIssuedByAkariGenVerifies) {
  const auto region = dir_ / "region";
  const auto gen = testing::RunProgram(
      "akari-gen", {"region", "--persons", "3", "--seed", "7", "--as-of", "2026-11-25", "--out", region.string()});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const auto card_dir = dir_ / "gen-card";
  const auto issued = testing::RunProgram(
      "akari-gen", {"card", "--from", region.string(), "--person", "1", "--out", card_dir.string()});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;

  std::vector<store::TrustItem> trust;
  trust.push_back({store::TrustItem::Kind::kCaCertificate, *ReadFileBytes(region / "trust" / "ca.der")});
  trust.push_back({store::TrustItem::Kind::kCrl, *ReadFileBytes(region / "trust" / "crl.der")});
  ASSERT_TRUE(node_->store.ReplaceTrustMaterial(trust));
  std::istringstream lines(testing::ReadZstdFile(region / "persons.ndjson.zst"));
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto record = sync::RecordFromJson(nlohmann::json::parse(line));
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_EQ(record->person.id, 1);
  store::StoredPerson stored;
  stored.id = 1;
  stored.document = *sync::EncodePersonDocument(*record);
  stored.index = sync::DeriveIndexEntries(*record, 20261125);
  ASSERT_TRUE(node_->store.ReplacePersons(std::span<const store::StoredPerson>(&stored, 1)));

  std::string error;
  vcard_ = pcscd_->StartVirtualCard({"--card", card_dir.string()}, error);
  ASSERT_TRUE(vcard_) << error;
  ASSERT_TRUE(pcscd_->WaitForCard(true)) << vcard_->Output();
  const VerificationOutcome o = Verify();
  EXPECT_TRUE(o.identity_confirmed()) << CodeName(o.code) << ": " << o.message;
  EXPECT_EQ(o.person_id, 1);
  EXPECT_EQ(o.assurance, node::Assurance::kSignature);
}

// The CLI runs on the system clock: its card and CRL are dated around now.
class CardCliTest : public CardPcscdTest {
 protected:
  void SetUp() override {
    CardPcscdTest::SetUp();
    if (HasFatalFailure()) return;
    const TimePoint now = SystemClock::Instance().Now();
    constexpr auto kDay = std::chrono::hours(24);
    card_ = IssueCard(kSerial, cardtest::TrustedCa(), now - 365 * kDay, now + 4 * 365 * kDay);
    ASSERT_TRUE(cardtest::SeedTrust(node_->store, {cardtest::TrustedCrl({}, now - kDay, now + 30 * kDay)}));
  }
  testing::ProcessResult Akari(std::vector<std::string> args) {
    testing::ProcessOptions options;
    options.env = pcscd_->ClientEnv();
    options.env["AKARI_PASSPHRASE"] = cardtest::kPassphrase;
    return testing::RunProgram("akari", args, options);
  }
  std::string PinFile(const std::string& pin) {
    const auto path = dir_ / "pin";
    EXPECT_TRUE(WriteFileAtomically(path, AsBytes(pin + "\n")));
    return path.string();
  }
  void CloseNode() {
    services_.reset();
    node_.reset();
  }
};

TEST_F(CardCliTest, VerifyPrintsJsonAndExitsZeroWhenIdentityIsConfirmed) {
  Insert(card_);
  CloseNode();
  const auto r = Akari({"card", "verify", "--data", (dir_ / "node").string(), "--pin-file", PinFile("1234"), "--json",
                        "--operator", "clerk-7", "--facility", "1710000001"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // The real clock: the sample person's coverage is open-ended, so covered.
  EXPECT_EQ(j["status"], "covered");
  EXPECT_EQ(j["assurance"], "signature");
  EXPECT_EQ(j["person_id"], kPerson);
  EXPECT_EQ(j["pin"]["tries_left"], 3);
  EXPECT_EQ(j["reader"], kReader);
  EXPECT_TRUE(j["check_id"].is_string());
}

TEST_F(CardCliTest, VerifyWithoutPinSaysToCheckTheFace) {
  Insert(card_);
  CloseNode();
  const auto r = Akari({"card", "verify", "--data", (dir_ / "node").string(), "--no-pin"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("certificate only"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("目視確認"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 tries left"), std::string::npos) << r.out;
}

TEST_F(CardCliTest, RefusedCardExitsNonZeroWithOneLineReason) {
  Insert(card_, {"--clone"});
  CloseNode();
  const auto r = Akari({"card", "verify", "--data", (dir_ / "node").string(), "--pin-file", PinFile("1234")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("REFUSED"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "akari: error: card verification identity_not_confirmed (signature_invalid)\n");
}

// No --pin-file, no $AKARI_CARD_PIN, no --no-pin, and no terminal (the test
// runs akari in its own session): the PIN cannot be asked for.
TEST_F(CardCliTest, VerifyWithoutATerminalToAskThePinSaysHowToGiveIt) {
  Insert(card_);
  CloseNode();
  const auto r = Akari({"card", "verify", "--data", (dir_ / "node").string(), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["code"], "pin_not_given");
  EXPECT_EQ(j["status"], "incomplete");
  const std::string message = j["message"];
  EXPECT_NE(message.find("without a terminal"), std::string::npos) << message;
  for (const char* option : {"--pin-file", "$AKARI_CARD_PIN", "--no-pin"}) {
    EXPECT_NE(message.find(option), std::string::npos) << option << ": " << message;
  }
  EXPECT_EQ(message.find("--passphrase-file"), std::string::npos) << message;
  EXPECT_NE(r.err.find("pin_not_given"), std::string::npos) << r.err;
}

TEST_F(CardCliTest, WrongPinShowsTriesLeft) {
  Insert(card_);
  CloseNode();
  const auto r = Akari({"card", "verify", "--data", (dir_ / "node").string(), "--pin-file", PinFile("0000"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["code"], "pin_wrong");
  EXPECT_EQ(j["pin"]["tries_left"], 2);
  EXPECT_NE(r.err.find("pin_wrong"), std::string::npos);
}

TEST_F(CardCliTest, ReadersListsCardPresence) {
  Insert(card_);
  testing::ProcessOptions options;
  options.env = pcscd_->ClientEnv();
  const auto r = testing::RunProgram("akari", {"card", "readers", "--json"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], kReader);
  EXPECT_EQ(j[0]["card_present"], true);
  EXPECT_EQ(j[1]["card_present"], false);
  const auto human = testing::RunProgram("akari", {"card", "readers"}, options);
  EXPECT_NE(human.out.find("card present"), std::string::npos) << human.out;
}

}  // namespace
}  // namespace akari::card
