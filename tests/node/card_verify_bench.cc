// Card verification benchmark over the real stack (a private pcscd, vpcd,
// akari-vcard): the node's own time per verification (certificate and
// revocation checks, person lookup, durable check + audit write) reported
// apart from the time spent waiting for card answers and for PC/SC
// connect/release, and the APDUs per verification. Results: docs/benchmarks.md.
//
//   card_verify_bench [--iterations N]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "fieldkit/vcard/card_dir.h"
#include "node/card/pcsc.h"
#include "node/card/verification.h"
#include "tests/node/card_world.h"
#include "tests/testing/pcscd.h"
#include "tests/testing/temp_dir.h"

namespace {

using namespace akari;

double Ms(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[i];
}

struct Series {
  std::vector<double> node, card, connect, total;
  std::vector<int> apdus;
  void Add(const card::VerificationTiming& t) {
    node.push_back(Ms(t.node()));
    card.push_back(Ms(t.card));
    connect.push_back(Ms(t.connect));
    total.push_back(Ms(t.total));
    apdus.push_back(t.apdus);
  }
  void Print(const char* name) const {
    std::printf("%-28s node %6.2f ms (p90 %6.2f)  card %6.2f ms  connect %6.2f ms  total %6.2f ms  APDUs %d\n", name,
                Percentile(node, 0.5), Percentile(node, 0.9), Percentile(card, 0.5), Percentile(connect, 0.5),
                Percentile(total, 0.5), apdus.front());
  }
};

int Run(int iterations) {
  std::string error;
  auto pcscd = testing::PcscdInstance::Start(error);
  if (!pcscd) {
    std::fprintf(stderr, "card_verify_bench: %s\n", error.c_str());
    return 1;
  }
  testing::TempDir dir;
  auto node = cardtest::CreateTestNode(dir / "node");
  if (!node) {
    std::fprintf(stderr, "card_verify_bench: %s\n", node.error().message.c_str());
    return 1;
  }
  // A realistic revocation list: 10 000 revoked serials.
  std::vector<std::uint32_t> revoked;
  for (std::uint32_t i = 0; i < 10000; ++i) revoked.push_back(0x10000000 + i);
  const cardtest::IssuedCard card = cardtest::IssueCard(0x0705d990);
  if (!cardtest::SeedTrust(node->store, {cardtest::TrustedCrl(revoked)}) ||
      !cardtest::SeedPerson(node->store, 42, *card.cert) ||
      !fieldkit::WriteCardDir(dir / "card", *card.cert, *card.key, *cardtest::TrustedCa().cert, 42)) {
    std::fprintf(stderr, "card_verify_bench: seeding the node failed\n");
    return 1;
  }
  auto vcard = pcscd->StartVirtualCard({"--card", (dir / "card").string()}, error);
  if (!vcard || !pcscd->WaitForCard(true)) {
    std::fprintf(stderr, "card_verify_bench: the virtual card did not come up: %s\n", error.c_str());
    return 1;
  }
  ManualClock clock(cardtest::Now());
  cardtest::NodeServices services(*node, clock);
  card::PcscCardAccess cards;
  const card::VerificationContext context{node->store, services.queue, services.audit, clock, cards};

  std::optional<double> cold_node_ms;  // the first verification parses the trust material
  auto run_series = [&](bool with_pin, Series& out) -> bool {
    for (int i = -3; i < iterations; ++i) {  // three warm-up rounds
      card::VerificationRequest request;
      request.reader = testing::PcscdInstance::kReader;
      if (with_pin) request.pin = cardtest::Pin("1234");
      auto o = card::VerifyCard(request, context);
      if (!o || o->code != card::VerificationCode::kCovered) {
        std::fprintf(stderr, "card_verify_bench: verification failed: %s\n",
                     o ? o->message.c_str() : o.error().message.c_str());
        return false;
      }
      if (!cold_node_ms) cold_node_ms = Ms(o->timing.node());
      if (i >= 0) out.Add(o->timing);
    }
    return true;
  };
  Series pin, no_pin;
  if (!run_series(true, pin) || !run_series(false, no_pin)) return 1;
  std::printf("card verification over pcscd + vpcd + akari-vcard, %d runs each (medians)\n", iterations);
  pin.Print("PIN + signature");
  no_pin.Print("certificate only (no PIN)");
  std::printf("first verification after the trust material changed (10 000-entry CRL parsed): node %.2f ms\n",
              *cold_node_ms);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 50;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0) iterations = std::max(1, std::atoi(argv[i + 1]));
  }
  return Run(iterations);
}
