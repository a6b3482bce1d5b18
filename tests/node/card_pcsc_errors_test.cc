// PC/SC results are translated once into CardErrc, with messages that say
// what to do; the flow turns those into outcome codes.
#include <gtest/gtest.h>
#include <winscard.h>

#include "node/card/errors.h"
#include "node/card/pcsc.h"

namespace akari::card {
namespace {

TEST(PcscErrorsTest, EveryResultStaffCanActOnHasItsOwnCode) {
  const std::vector<std::pair<LONG, CardErrc>> cases = {
      {SCARD_E_NO_SERVICE, CardErrc::kServiceUnavailable},
      {SCARD_E_SERVICE_STOPPED, CardErrc::kServiceUnavailable},
      {SCARD_E_NO_READERS_AVAILABLE, CardErrc::kNoReader},
      {SCARD_E_READER_UNAVAILABLE, CardErrc::kReaderGone},
      {SCARD_E_UNKNOWN_READER, CardErrc::kReaderGone},
      {SCARD_E_NO_SMARTCARD, CardErrc::kNoCard},
      {SCARD_W_REMOVED_CARD, CardErrc::kCardRemoved},
      {SCARD_W_RESET_CARD, CardErrc::kCardRemoved},
      {SCARD_E_SHARING_VIOLATION, CardErrc::kCardBusy},
      {SCARD_W_UNRESPONSIVE_CARD, CardErrc::kCardUnresponsive},
      {SCARD_W_UNPOWERED_CARD, CardErrc::kCardUnresponsive},
      {SCARD_E_PROTO_MISMATCH, CardErrc::kCardUnresponsive},
      {SCARD_E_TIMEOUT, CardErrc::kTimeout},
      {SCARD_F_COMM_ERROR, CardErrc::kTransmitFailed},
      {SCARD_E_NOT_TRANSACTED, CardErrc::kTransmitFailed},
  };
  for (const auto& [rv, code] : cases) {
    const Error e = TranslatePcscError(rv, "talking to the card", "Reader A");
    EXPECT_EQ(e.code, code) << pcsc_stringify_error(rv);
    EXPECT_EQ(e.message.rfind("talking to the card: ", 0), 0u) << e.message;
    EXPECT_EQ(e.code.category().name(), std::string("akari.card"));
  }
}

TEST(PcscErrorsTest, MessagesSayWhatToDo) {
  EXPECT_NE(TranslatePcscError(SCARD_E_NO_SERVICE, "x").message.find("start it"), std::string::npos);
  EXPECT_NE(TranslatePcscError(SCARD_E_READER_UNAVAILABLE, "x", "R").message.find("plug it back in"),
            std::string::npos);
  EXPECT_NE(TranslatePcscError(SCARD_W_REMOVED_CARD, "x", "R").message.find("leave it in"), std::string::npos);
  const Error other = TranslatePcscError(SCARD_F_INTERNAL_ERROR, "x", "R");
  EXPECT_NE(other.message.find(pcsc_stringify_error(SCARD_F_INTERNAL_ERROR)), std::string::npos) << other.message;
}

TEST(PcscReaderNameTest, ANameMatchesExactlyOrAsTheOnlyReaderContainingIt) {
  const std::vector<std::string> names = {"Virtual PCD 00 00", "Virtual PCD 00 01", "SCM SCR 3310 [CCID] 00 00"};
  EXPECT_EQ(FindReader(names, "Virtual PCD 00 01"), 1u);
  EXPECT_EQ(FindReader(names, "SCR 3310"), 2u);
  EXPECT_EQ(FindReader({"Reader", "Reader 2"}, "Reader"), 0u);  // exact beats containing
  auto none = FindReader(names, "Sony RC-S380");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, CardErrc::kReaderNotFound);
  EXPECT_NE(none.error().message.find("no card reader named \"Sony RC-S380\""), std::string::npos)
      << none.error().message;
}

TEST(PcscReaderNameTest, ANameMatchingSeveralReadersSaysSoAndListsThem) {
  const std::vector<std::string> names = {"Virtual PCD 00 00", "Virtual PCD 00 01", "SCM SCR 3310 [CCID] 00 00"};
  auto several = FindReader(names, "Virtual PCD");
  ASSERT_FALSE(several);
  EXPECT_EQ(several.error().code, CardErrc::kReaderNotFound);
  const std::string& m = several.error().message;
  EXPECT_EQ(m.find("no card reader named"), std::string::npos) << m;
  EXPECT_NE(m.find("matches 2 readers (\"Virtual PCD 00 00\", \"Virtual PCD 00 01\")"), std::string::npos) << m;
}

}  // namespace
}  // namespace akari::card
