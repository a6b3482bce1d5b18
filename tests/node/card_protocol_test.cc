// The card protocol without a reader: APDU completion (61xx, 6Cxx, garbage)
// with a scripted channel, and the JPKI application against the virtual
// card in-process (the same card akari-vcard serves to pcscd).
#include <gtest/gtest.h>

#include <deque>

#include "crypto/x509_verify.h"
#include "node/card/apdu.h"
#include "node/card/errors.h"
#include "node/card/identity_card.h"
#include "node/card/jpki_card.h"
#include "tests/node/card_world.h"

namespace akari::card {
namespace {

using cardtest::IssueCard;
using cardtest::MakeVirtualCard;
using cardtest::Pin;

Bytes H(std::string_view hex) {
  return *FromHex(hex);
}

// The answer to READ BINARY of EF 0006 holding `label`.
std::string LabelAnswer(std::string_view label) {
  return ToHex(AsBytes(label)) + "9000";
}

// Answers from a script and remembers what was sent.
class ScriptedChannel final : public CardChannel {
 public:
  explicit ScriptedChannel(std::vector<std::string> answers) {
    for (const auto& a : answers) answers_.push_back(H(a));
  }
  Result<Bytes> Transmit(ByteSpan command) override {
    sent.emplace_back(command.begin(), command.end());
    if (answers_.empty()) return MakeError(CardErrc::kTransmitFailed, "script exhausted");
    Bytes a = std::move(answers_.front());
    answers_.pop_front();
    return a;
  }
  std::vector<Bytes> sent;

 private:
  std::deque<Bytes> answers_;
};

// Passes APDUs to a virtual card and remembers them.
class RecordingChannel final : public CardChannel {
 public:
  explicit RecordingChannel(fieldkit::VirtualJpkiCard& card) : card_(card) {}
  Result<Bytes> Transmit(ByteSpan command) override {
    sent.emplace_back(command.begin(), command.end());
    return card_.Process(command);
  }
  std::vector<Bytes> sent;

 private:
  fieldkit::VirtualJpkiCard& card_;
};

TEST(ApduTest, EncodesTheFourShortCases) {
  EXPECT_EQ(EncodeApdu({.ins = 0x20, .p2 = 0x80}), H("00200080"));
  EXPECT_EQ(EncodeApdu({.ins = 0xB0, .le = 256}), H("00b0000000"));
  const Bytes fid = H("000a");
  EXPECT_EQ(EncodeApdu({.ins = 0xA4, .p1 = 2, .p2 = 0x0C, .data = fid}), H("00a4020c02000a"));
  EXPECT_EQ(EncodeApdu({.cla = 0x80, .ins = 0x2A, .p2 = 0x80, .data = fid, .le = 256}), H("802a008002000a00"));
}

TEST(ApduTest, FollowsGetResponseUntilTheCardIsDone) {
  ScriptedChannel ch({"6110", "00112233445566778899aabbccddeeff6105",
                      "0102030405"
                      "9000"});
  auto r = Transceive(ch, {.ins = 0xB0, .le = 256});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sw, 0x9000);
  EXPECT_EQ(r->data.size(), 21u);
  ASSERT_EQ(ch.sent.size(), 3u);
  EXPECT_EQ(ch.sent[1], H("00c0000010"));
  EXPECT_EQ(ch.sent[2], H("00c0000005"));
}

TEST(ApduTest, ResendsWithTheLeTheCardAsksFor) {
  ScriptedChannel ch({"6c20", std::string(64, 'a') + "9000"});
  auto r = Transceive(ch, {.ins = 0xB0, .p1 = 1, .le = 256});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.size(), 32u);
  ASSERT_EQ(ch.sent.size(), 2u);
  EXPECT_EQ(ch.sent[1], H("00b0010020"));
}

TEST(ApduTest, ACommandThatAskedForNoDataIsNeverSentAgainOn6Cxx) {
  ScriptedChannel ch({"6c00", "63c1"});
  const Bytes pin = H("31323334");
  auto r = Transceive(ch, {.ins = 0x20, .p2 = 0x80, .data = pin});  // VERIFY: no Le
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sw, 0x6C00);
  EXPECT_EQ(ch.sent.size(), 1u);  // the PIN went out once
}

TEST(ApduTest, AnswerShorterThanAStatusWordIsBadResponse) {
  ScriptedChannel ch({"90"});
  auto r = Transceive(ch, {.ins = 0xA4});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CardErrc::kBadResponse);
}

TEST(ApduTest, EndlessGetResponseIsBadResponse) {
  ScriptedChannel ch(std::vector<std::string>(100, "aa6101"));
  auto r = Transceive(ch, {.ins = 0xB0, .le = 1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CardErrc::kBadResponse);
  EXPECT_EQ(ch.sent.size(), 65u);
}

TEST(ApduTest, MeteredChannelCountsEveryApdu) {
  ScriptedChannel inner({"6102", "aabb9000"});
  MeteredChannel metered(inner);
  ASSERT_TRUE(Transceive(metered, {.ins = 0xB0, .le = 2}));
  EXPECT_EQ(metered.apdus(), 2);
  EXPECT_GE(metered.card_time().count(), 0);
}

class JpkiCardTest : public ::testing::Test {
 protected:
  void SetUp() override { card_ = IssueCard(0x0705d990); }
  std::unique_ptr<IdentityCard> Open(RecordingChannel& ch) {
    auto card = DetectIdentityCard(ch);
    EXPECT_TRUE(card) << card.error().message;
    return card ? std::move(*card) : nullptr;
  }
  cardtest::IssuedCard card_;
};

TEST_F(JpkiCardTest, DetectsBySelectAndTokenLabel) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card);
  EXPECT_EQ(card->Kind(), "jpki");
  EXPECT_EQ(card->TokenLabel(), "JPKIAPICCTOKEN2");
  ASSERT_EQ(ch.sent.size(), 3u);
  EXPECT_EQ(ch.sent[0], H("00a4040c0ad392f000260100000001"));
  EXPECT_EQ(ch.sent[1], H("00a4020c020006"));
  EXPECT_EQ(ch.sent[2], H("00b0000020"));
}

TEST_F(JpkiCardTest, CardWithoutJpkiApplicationIsNotAnIdentityCard) {
  ScriptedChannel ch({"6a82"});
  auto card = DetectIdentityCard(ch);
  ASSERT_FALSE(card);
  EXPECT_EQ(card.error().code, CardErrc::kNotIdentityCard);
}

TEST_F(JpkiCardTest, ForeignTokenLabelIsNotAnIdentityCard) {
  fieldkit::VirtualCardOptions options;
  options.token_label = "PIV-CARD";
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  auto card = DetectIdentityCard(ch);
  ASSERT_FALSE(card);
  EXPECT_EQ(card.error().code, CardErrc::kNotIdentityCard);
}

TEST_F(JpkiCardTest, AcceptsSmartphoneTokenLabels) {
  fieldkit::VirtualCardOptions options;
  options.token_label = "JPKIAPGPSETOKEN";
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card);
  EXPECT_EQ(card->TokenLabel(), "JPKIAPGPSETOKEN");
}

TEST_F(JpkiCardTest, ReadsTheCertificateInChunksOfAtMost256Bytes) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card);
  ch.sent.clear();
  auto der = card->ReadAuthCertificate();
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, crypto::CertificateDer(*card_.cert));
  // SELECT 000A, then READ BINARY at 0, 256, 512 … with Le ≤ 256.
  EXPECT_EQ(ch.sent[0], H("00a4020c02000a"));
  const std::size_t reads = (der->size() + 255) / 256;
  ASSERT_EQ(ch.sent.size(), 1 + reads);
  for (std::size_t i = 0; i < reads; ++i) {
    const Bytes& apdu = ch.sent[1 + i];
    ASSERT_EQ(apdu.size(), 5u);
    EXPECT_EQ(apdu[1], 0xB0);
    EXPECT_EQ(static_cast<std::size_t>(apdu[2] << 8 | apdu[3]), i * 256);
    const std::size_t le = apdu[4] == 0 ? 256 : apdu[4];
    EXPECT_EQ(le, std::min<std::size_t>(256, der->size() - i * 256));
  }
}

TEST_F(JpkiCardTest, ReadsTheCertificateThroughGetResponse) {
  fieldkit::VirtualCardOptions options;
  options.get_response = true;
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card);
  auto der = card->ReadAuthCertificate();
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, crypto::CertificateDer(*card_.cert));
  EXPECT_TRUE(std::any_of(ch.sent.begin(), ch.sent.end(), [](const Bytes& a) { return a[1] == 0xC0; }));
}

TEST_F(JpkiCardTest, ReadsAShortFileWhenTheCardWantsAnExactLe) {
  fieldkit::VirtualCardOptions options;
  options.exact_le = true;
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  ASSERT_TRUE(Open(ch));  // leaves EF 0006 (160 bytes) selected
  ch.sent.clear();
  auto r = Transceive(ch, {.ins = 0xB0, .le = 256});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->data.size(), 160u);
  ASSERT_EQ(ch.sent.size(), 2u);
  EXPECT_EQ(ch.sent[1], H("00b00000a0"));
}

TEST_F(JpkiCardTest, CertificateWithoutDerHeaderIsBadResponse) {
  ScriptedChannel ch({"9000", "9000", LabelAnswer("JPKIAPICCTOKEN2      "), "9000", "ffffffff9000"});
  auto card = DetectIdentityCard(ch);
  ASSERT_TRUE(card) << card.error().message;
  EXPECT_EQ((*card)->TokenLabel(), "JPKIAPICCTOKEN2");
  auto der = (*card)->ReadAuthCertificate();
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, CardErrc::kBadResponse);
}

TEST_F(JpkiCardTest, CertificateNeedingThePinIsSecurityNotSatisfied) {
  ScriptedChannel ch({"9000", "9000", LabelAnswer("JPKIAPGPSETOKEN"), "9000", "6982"});
  auto card = DetectIdentityCard(ch);
  ASSERT_TRUE(card);
  auto der = (*card)->ReadAuthCertificate();
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, CardErrc::kSecurityNotSatisfied);
}

TEST_F(JpkiCardTest, CertificateNeedingThePinIsAcceptedOnlyFromSmartphoneTokens) {
  ScriptedChannel phone({"9000", "9000", LabelAnswer("JPKIAPIOSTOKEN"), "9000", "6982"});
  auto iphone = DetectIdentityCard(phone);
  ASSERT_TRUE(iphone);
  EXPECT_EQ((*iphone)->ReadAuthCertificate().error().code, CardErrc::kSecurityNotSatisfied);
  // A physical card shows EF 000A without a PIN (jpki.md §1.1).
  for (const char* label : {"JPKIAPICCTOKEN2", "JPKIAPICCTOKEN"}) {
    ScriptedChannel ch({"9000", "9000", LabelAnswer(label), "9000", "6982"});
    auto card = DetectIdentityCard(ch);
    ASSERT_TRUE(card);
    auto der = (*card)->ReadAuthCertificate();
    ASSERT_FALSE(der);
    EXPECT_EQ(der.error().code, CardErrc::kUnexpectedStatus) << label;
    EXPECT_NE(der.error().message.find("no PIN was sent"), std::string::npos) << der.error().message;
  }
}

TEST_F(JpkiCardTest, PinQueryDoesNotSpendATry) {
  fieldkit::VirtualCardOptions options;
  options.tries = 2;
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  for (int i = 0; i < 3; ++i) {
    auto s = card->QueryPin();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->tries_left, 2);
    EXPECT_FALSE(s->blocked);
  }
  EXPECT_EQ(vcard->tries_left(), 2);
  EXPECT_EQ(ch.sent.back(), H("00200080"));
}

TEST_F(JpkiCardTest, WrongPinsCountDownThenBlock) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  const crypto::SecretBuffer wrong = Pin("9999");
  for (int left : {2, 1, 0}) {
    auto s = card->VerifyPin(wrong);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_FALSE(s->verified);
    EXPECT_EQ(s->tries_left, left);
    EXPECT_EQ(s->blocked, left == 0);
  }
  // Blocked: even the right PIN gets 6984.
  auto s = card->VerifyPin(Pin("1234"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->blocked);
  EXPECT_FALSE(s->verified);
  auto q = card->QueryPin();
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->blocked);
}

TEST_F(JpkiCardTest, RightPinResetsTheCounter) {
  fieldkit::VirtualCardOptions options;
  options.tries = 1;
  auto vcard = MakeVirtualCard(card_, std::move(options));
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  auto s = card->VerifyPin(Pin("1234"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->verified);
  EXPECT_EQ(s->tries_left, 3);
  EXPECT_EQ(vcard->tries_left(), 3);
}

TEST_F(JpkiCardTest, MalformedPinIsRefusedBeforeTheCard) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  const std::size_t before = ch.sent.size();
  for (const char* bad : {"123", "12345", "12a4", ""}) {
    auto s = card->VerifyPin(Pin(bad));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, CardErrc::kPinFormat);
  }
  EXPECT_EQ(ch.sent.size(), before);
  EXPECT_EQ(vcard->tries_left(), 3);
}

TEST_F(JpkiCardTest, SigningWithoutPinIsRefusedByTheCard) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  auto sig = card->SignChallenge(Bytes(32, 1));
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, CardErrc::kSecurityNotSatisfied);
}

TEST_F(JpkiCardTest, SignatureOverChallengeVerifiesWithTheCertificate) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card->VerifyPin(Pin("1234")));
  const Bytes challenge(32, 0x42);
  ch.sent.clear();
  auto sig = card->SignChallenge(challenge);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(sig->algorithm, crypto::kRsaPkcs1Sha256);
  EXPECT_TRUE(crypto::VerifyChallengeSignature(*card_.cert, sig->algorithm, challenge, sig->signature));
  // SELECT 0017, then 80 2A 00 80 33 <SHA-256 DigestInfo> 00.
  ASSERT_EQ(ch.sent.size(), 2u);
  EXPECT_EQ(ch.sent[0], H("00a4020c020017"));
  Bytes expected = H("802a008033");
  const Bytes di = crypto::Sha256DigestInfo(challenge);
  expected.insert(expected.end(), di.begin(), di.end());
  expected.push_back(0x00);
  EXPECT_EQ(ch.sent[1], expected);
}

// An answer to the signing command that is not a signature is kept apart
// from a failed transmit: after an accepted PIN it fails the proof.
TEST_F(JpkiCardTest, SigningCommandAnsweredWithoutASignatureIsSigningFailed) {
  const std::string short_signature = std::string(2 * 255, 'a') + "9000";
  for (const std::string& answer : {std::string("6a80"), std::string("6f00"), std::string("9000"), short_signature}) {
    ScriptedChannel ch({"9000", "9000", LabelAnswer("JPKIAPICCTOKEN2"), "9000", "9000", "9000", answer});
    auto card = DetectIdentityCard(ch);
    ASSERT_TRUE(card);
    auto pin = (*card)->VerifyPin(Pin("1234"));
    ASSERT_TRUE(pin && pin->verified);
    auto sig = (*card)->SignChallenge(Bytes(32, 1));
    ASSERT_FALSE(sig) << answer;
    EXPECT_EQ(sig.error().code, CardErrc::kSigningFailed) << answer << ": " << sig.error().message;
  }
  ScriptedChannel ch({"9000", "9000", LabelAnswer("JPKIAPICCTOKEN2"), "9000", "9000", "9000", "6a80"});
  auto card = DetectIdentityCard(ch);
  ASSERT_TRUE(card && (*card)->VerifyPin(Pin("1234")));
  EXPECT_NE((*card)->SignChallenge(Bytes(32, 1)).error().message.find("6A80"), std::string::npos);
  // The script ends: the transmit fails without any answer.
  ScriptedChannel gone({"9000", "9000", LabelAnswer("JPKIAPICCTOKEN2"), "9000", "9000", "9000"});
  auto other = DetectIdentityCard(gone);
  ASSERT_TRUE(other && (*other)->VerifyPin(Pin("1234")));
  EXPECT_EQ((*other)->SignChallenge(Bytes(32, 1)).error().code, CardErrc::kTransmitFailed);
}

TEST_F(JpkiCardTest, ClonedCardSignsWithTheWrongKey) {
  auto vcard = MakeVirtualCard(card_, {}, /*clone=*/true);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card->VerifyPin(Pin("1234")));
  const Bytes challenge(32, 0x43);
  auto sig = card->SignChallenge(challenge);
  ASSERT_TRUE(sig);
  auto ok = crypto::VerifyChallengeSignature(*card_.cert, sig->algorithm, challenge, sig->signature);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, crypto::CertErrc::kBadSignature);
}

TEST_F(JpkiCardTest, ReselectingTheApplicationDropsThePin) {
  auto vcard = MakeVirtualCard(card_);
  RecordingChannel ch(*vcard);
  auto card = Open(ch);
  ASSERT_TRUE(card->VerifyPin(Pin("1234")));
  EXPECT_TRUE(vcard->pin_verified());
  auto again = DetectIdentityCard(ch);
  ASSERT_TRUE(again);
  EXPECT_FALSE(vcard->pin_verified());
  auto sig = (*again)->SignChallenge(Bytes(32, 1));
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, CardErrc::kSecurityNotSatisfied);
}

TEST_F(JpkiCardTest, UnknownStatusWordIsUnexpectedStatus) {
  ScriptedChannel ch({"9000", "9000", LabelAnswer("JPKIAPICCTOKEN2"), "9000", "6f00"});
  auto card = DetectIdentityCard(ch);
  ASSERT_TRUE(card);
  auto s = (*card)->QueryPin();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, CardErrc::kUnexpectedStatus);
  EXPECT_NE(s.error().message.find("6F00"), std::string::npos);
}

TEST_F(JpkiCardTest, GarbageAnswersAreErrorsNotCrashes) {
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    fieldkit::VirtualCardOptions options;
    options.garbage = true;
    options.garbage_seed = seed;
    auto vcard = MakeVirtualCard(card_, std::move(options));
    RecordingChannel ch(*vcard);
    auto card = DetectIdentityCard(ch);
    ASSERT_FALSE(card) << "seed " << seed;
    const auto code = card.error().code;
    EXPECT_TRUE(code == CardErrc::kBadResponse || code == CardErrc::kUnexpectedStatus ||
                code == CardErrc::kNotIdentityCard)
        << "seed " << seed << ": " << card.error().message;
  }
}

TEST_F(JpkiCardTest, VirtualCardAnswersUnknownCommandsWithErrors) {
  auto vcard = MakeVirtualCard(card_);
  // OpenSC's probes for other cards, GET DATA, odd classes, a truncated APDU.
  EXPECT_EQ(vcard->Process(H("00a4040009a00000030800001000")), H("6a82"));
  EXPECT_EQ(vcard->Process(H("00ca010000")), H("6d00"));
  EXPECT_EQ(vcard->Process(H("ffca000000")), H("6e00"));
  EXPECT_EQ(vcard->Process(H("00b0")), H("6700"));
  EXPECT_EQ(vcard->Process(H("00b0000004")), H("6986"));  // no file selected
  EXPECT_EQ(vcard->Process(H("802a008001aa00")), H("6985"));
  ASSERT_EQ(vcard->Process(H("00a4040c0ad392f000260100000001")), H("9000"));
  EXPECT_EQ(vcard->Process(H("00a4020c020001")), H("6a82"));
  ASSERT_EQ(vcard->Process(H("00a4020c020017")), H("9000"));
  EXPECT_EQ(vcard->Process(H("00b0000004")), H("6981"));  // the key file is not readable
  ASSERT_EQ(vcard->Process(H("00a4020c02000a")), H("9000"));
  EXPECT_EQ(vcard->Process(H("00b0ff0004")), H("6a81"));  // no short EF identifiers
  EXPECT_EQ(vcard->Process(H("00b07f0004")), H("6b00"));  // beyond the end
  // Extended-length READ BINARY reads the whole certificate at once.
  const Bytes whole = vcard->Process(H("00b00000000000"));
  const Bytes der = crypto::CertificateDer(*card_.cert);
  ASSERT_EQ(whole.size(), der.size() + 2);
  EXPECT_TRUE(std::equal(der.begin(), der.end(), whole.begin()));
}

}  // namespace
}  // namespace akari::card
