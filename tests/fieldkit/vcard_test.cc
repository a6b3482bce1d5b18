// akari-vcard as a process speaking the vpcd protocol to this test, which
// plays vpcd (no pcscd): framing, control bytes, ATR, APDUs, insert/remove
// on stdin, pulling the card after N APDUs, PIN masking in the trace; and
// CARD_DIR reading and writing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "base/file.h"
#include "fieldkit/errors.h"
#include "fieldkit/test_ca.h"
#include "fieldkit/vcard/card_dir.h"
#include "fieldkit/vcard/jpki_applet.h"
#include "fieldkit/vcard/vpcd_link.h"
#include "tests/testing/pcscd.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari::fieldkit {
namespace {

Seed SeedOf(std::uint8_t n) {
  Seed s{};
  s.fill(n);
  return s;
}

TimePoint Utc(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(
      std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)});
}

Bytes H(std::string_view hex) {
  return *FromHex(hex);
}

// A listening socket on 127.0.0.1 playing vpcd's side.
class FakeVpcd {
 public:
  FakeVpcd() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeVpcd() {
    Drop();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

  bool Accept(int timeout_ms = 10000) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    conn_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    return conn_ >= 0;
  }
  void Drop() {
    if (conn_ >= 0) ::close(conn_);
    conn_ = -1;
  }
  void Send(ByteSpan payload) {
    const Bytes frame = VpcdFrame(payload);
    ASSERT_EQ(::send(conn_, frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
  }
  // The next frame, or nullopt when the card closed the connection.
  std::optional<Bytes> Receive() {
    std::uint8_t head[2];
    if (!ReadAll(head, 2)) return std::nullopt;
    Bytes payload(static_cast<std::size_t>(head[0] << 8 | head[1]));
    if (!payload.empty() && !ReadAll(payload.data(), payload.size())) return std::nullopt;
    return payload;
  }
  std::optional<Bytes> Apdu(std::string_view hex) {
    Send(H(hex));
    return Receive();
  }

 private:
  bool ReadAll(std::uint8_t* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      pollfd p{conn_, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1) return false;
      const ssize_t r = ::recv(conn_, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }
  int listen_fd_ = -1;
  int conn_ = -1;
  std::uint16_t port_ = 0;
};

class VirtualCardProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new TestCa(*CreateTestCa(SeedOf(1), Utc(2020, 1, 1), Utc(2035, 1, 1)));
    key_ = DeterministicRsaKey(SeedOf(3))->release();
  }
  static void TearDownTestSuite() {
    delete ca_;
    EVP_PKEY_free(key_);
  }
  void SetUp() override {
    cert_ = std::move(*IssueUserAuthCertificate(
        *ca_, *key_, {{0x07, 0x05, 0xd9, 0x90}, "8439", Utc(2024, 4, 1), Utc(2029, 4, 1), ""}));
    ASSERT_TRUE(WriteCardDir(dir_ / "card", *cert_, *key_, *ca_->cert, 42));
  }
  std::unique_ptr<testing::ChildProcess> Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--card", (dir_ / "card").string(), "--port", std::to_string(vpcd_.port())};
    args.insert(args.end(), extra.begin(), extra.end());
    testing::ChildProcess::Options options;
    options.output = dir_ / "vcard.log";
    std::string error;
    auto p = testing::ChildProcess::Start(testing::BinPath("akari-vcard"), args, options, error);
    EXPECT_TRUE(p) << error;
    return p;
  }

  static inline TestCa* ca_ = nullptr;
  static inline EVP_PKEY* key_ = nullptr;
  testing::TempDir dir_;
  FakeVpcd vpcd_;
  crypto::X509Ptr cert_;
};

TEST_F(VirtualCardProcessTest, AnswersTheAtrRequestAndApdusOverVpcdFraming) {
  auto card = Start();
  ASSERT_TRUE(vpcd_.Accept());
  vpcd_.Send(Bytes{0x01});  // power on: no answer
  vpcd_.Send(Bytes{0x04});  // get ATR
  EXPECT_EQ(vpcd_.Receive(), VirtualJpkiCard::DefaultAtr());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c02000a"), H("9000"));
  const Bytes der = crypto::CertificateDer(*cert_);
  Bytes expected(der.begin(), der.begin() + 4);
  expected.insert(expected.end(), {0x90, 0x00});
  EXPECT_EQ(vpcd_.Apdu("00b0000004"), expected);
  EXPECT_EQ(vpcd_.Apdu("00a4040009a00000030800001000"), H("6a82"));  // a PIV probe
  EXPECT_EQ(card->Stop(), 0);
}

TEST_F(VirtualCardProcessTest, PowerOffDropsThePinButKeepsTheCounter) {
  auto card = Start({"--tries", "2"});
  ASSERT_TRUE(vpcd_.Accept());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c020018"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00200080"), H("63c2"));
  EXPECT_EQ(vpcd_.Apdu("002000800431323334"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c020017"), H("9000"));
  vpcd_.Send(Bytes{0x00});                             // power off
  EXPECT_EQ(vpcd_.Apdu("802a008001aa00"), H("6985"));  // nothing selected any more
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c020017"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("802a008001aa00"), H("6982"));  // PIN no longer verified
  EXPECT_EQ(vpcd_.Apdu("00a4020c020018"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00200080"), H("63c3"));  // reset to the maximum by the right PIN
}

TEST_F(VirtualCardProcessTest, RemoveAndInsertOnStdin) {
  auto card = Start();
  ASSERT_TRUE(vpcd_.Accept());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  ASSERT_TRUE(card->Send("remove\n"));
  EXPECT_FALSE(vpcd_.Receive());  // the connection closes: vpcd sees the card gone
  vpcd_.Drop();
  ASSERT_TRUE(card->Send("insert\n"));
  ASSERT_TRUE(vpcd_.Accept());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  ASSERT_TRUE(card->Send("quit\n"));
  for (int i = 0; i < 100 && card->Running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(card->Running());
  const std::string out = card->Output();
  EXPECT_NE(out.find("ready\nconnected\nremoved\ninserted\nconnected\n"), std::string::npos) << out;
}

TEST_F(VirtualCardProcessTest, PullsTheCardOnceAfterNApdus) {
  auto card = Start({"--remove-after", "2"});
  ASSERT_TRUE(vpcd_.Accept());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c020006"), H("9000"));
  EXPECT_FALSE(vpcd_.Receive());
  vpcd_.Drop();
  ASSERT_TRUE(card->Send("insert\n"));
  ASSERT_TRUE(vpcd_.Accept());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_NE(card->Output().find("removed after 2 APDUs"), std::string::npos) << card->Output();
}

TEST_F(VirtualCardProcessTest, TraceMasksThePin) {
  auto card = Start({"--trace"});
  ASSERT_TRUE(vpcd_.Accept());
  EXPECT_EQ(vpcd_.Apdu("00a4040c0ad392f000260100000001"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("00a4020c020018"), H("9000"));
  EXPECT_EQ(vpcd_.Apdu("002000800431323334"), H("9000"));
  card->Stop();
  const std::string out = card->Output();
  EXPECT_NE(out.find("> 0020008004********"), std::string::npos) << out;
  EXPECT_EQ(out.find("31323334"), std::string::npos) << out;
}

TEST_F(VirtualCardProcessTest, GarbageModeNeverAnswersAValidStatusToSelect) {
  auto card = Start({"--garbage"});
  ASSERT_TRUE(vpcd_.Accept());
  vpcd_.Send(Bytes{0x04});
  EXPECT_EQ(vpcd_.Receive(), VirtualJpkiCard::DefaultAtr());  // the ATR stays sane so pcscd powers it up
  const auto r = vpcd_.Apdu("00a4040c0ad392f000260100000001");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->size() >= 2 && (*r)[r->size() - 2] == 0x90 && r->back() == 0x00);
}

TEST_F(VirtualCardProcessTest, RejectsABadPinOrCardDirWithAReason) {
  const auto pin = testing::RunProgram("akari-vcard", {"--card", (dir_ / "card").string(), "--pin", "12a4"});
  EXPECT_EQ(pin.exit_code, 1);
  EXPECT_NE(pin.err.find("--pin must be 4 digits"), std::string::npos) << pin.err;
  ASSERT_TRUE(WriteFileAtomically(dir_ / "card" / "cert.der", Bytes{1, 2, 3}));
  const auto r = testing::RunProgram("akari-vcard", {"--card", (dir_ / "card").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cert.der"), std::string::npos) << r.err;
}

TEST(CardDirTest, RoundTripsAndChecksTheKeyAgainstTheCertificate) {
  testing::TempDir dir;
  const TestCa ca = *CreateTestCa(SeedOf(1), Utc(2020, 1, 1), Utc(2035, 1, 1));
  auto key = DeterministicRsaKey(SeedOf(5));
  auto other = DeterministicRsaKey(SeedOf(6));
  auto cert = IssueUserAuthCertificate(ca, **key, {{0x05}, "x", Utc(2024, 1, 1), Utc(2029, 1, 1), ""});
  ASSERT_TRUE(WriteCardDir(dir / "a", **cert, **key, *ca.cert, 7));
  auto loaded = LoadCardDir(dir / "a");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->cert_der, crypto::CertificateDer(**cert));
  EXPECT_EQ(loaded->person_id, 7);
  ASSERT_TRUE(WriteCardDir(dir / "b", **cert, **other, *ca.cert, std::nullopt));
  auto mismatched = LoadCardDir(dir / "b");
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code, FieldkitErrc::kInvalidArgument);
  auto missing = LoadCardDir(dir / "nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, FieldkitErrc::kNotFound);
  EXPECT_NE(missing.error().message.find("cert.der"), std::string::npos);
}

TEST(VpcdFrameTest, IsABigEndianLengthThenThePayload) {
  EXPECT_EQ(VpcdFrame(Bytes{0x04}), H("000104"));
  EXPECT_EQ(VpcdFrame(Bytes(258, 0xAB)).size(), 260u);
  EXPECT_EQ(VpcdFrame(Bytes(258, 0xAB))[0], 0x01);
  EXPECT_EQ(VpcdFrame(Bytes(258, 0xAB))[1], 0x02);
}

}  // namespace
}  // namespace akari::fieldkit
