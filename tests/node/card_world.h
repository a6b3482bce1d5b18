// What card tests need: a test JPKI CA the node trusts and a stranger CA
// with the same name, cards issued by them, a node directory whose store
// holds the trust material and persons linked to cards, and an in-process
// CardAccess serving virtual cards (with faults on demand).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "fieldkit/test_ca.h"
#include "fieldkit/vcard/jpki_applet.h"
#include "node/audit/audit_log.h"
#include "node/card/card_access.h"
#include "node/checks/check_queue.h"
#include "node/node_dir.h"

namespace akari::cardtest {

TimePoint Utc(int y, unsigned m, unsigned d, int hour = 0);

// 2026-11-25 12:00 in Japan: the node's clock in card tests.
TimePoint Now();

inline constexpr const char* kPassphrase = "operator-pass";

struct IssuedCard {
  crypto::X509Ptr cert;
  crypto::EvpPkeyPtr key;
  Bytes serial;
};

// The node's trusted test CA and a stranger CA with the same name (valid
// 2020–2035), created once per process.
const fieldkit::TestCa& TrustedCa();
const fieldkit::TestCa& StrangerCa();

// A card for `serial`, valid 2024-04-01 … 2029-04-01 unless told otherwise.
IssuedCard IssueCard(std::uint32_t serial, const fieldkit::TestCa& ca = TrustedCa(),
                     TimePoint not_before = Utc(2024, 4, 1), TimePoint not_after = Utc(2029, 4, 1));

// A CRL of the trusted CA listing `revoked` serials.
Bytes TrustedCrl(const std::vector<std::uint32_t>& revoked, TimePoint this_update = Utc(2026, 11, 20),
                 TimePoint next_update = Utc(2026, 12, 20));

// Creates a node in `dir` (passphrase kPassphrase, test-speed Argon2id).
[[nodiscard]] Result<node::OpenNode> CreateTestNode(const std::filesystem::path& dir);

// Replaces the trust material with the trusted CA and `crls`.
[[nodiscard]] Status SeedTrust(store::Store& store, const std::vector<Bytes>& crls);

// Stores testing::SamplePerson(id) linked to `card`; `covered` false ends
// its coverage before Now().
[[nodiscard]] Status SeedPerson(store::Store& store, std::int64_t id, const X509& card, bool covered = true);

// A virtual card holding `card` (or, with `clone`, its certificate and
// another key).
std::unique_ptr<fieldkit::VirtualJpkiCard> MakeVirtualCard(const IssuedCard& card,
                                                           fieldkit::VirtualCardOptions options = {},
                                                           bool clone = false);

// PIN as locked memory.
crypto::SecretBuffer Pin(std::string_view digits);

// An in-process CardAccess: readers by name, each with a virtual card or
// empty. `fail_after` pulls the card of every later session after that
// many APDUs (the next Transmit answers kCardRemoved). Insert(),
// set_fail_after() and Override() before sharing it between threads.
class FakeCardAccess final : public card::CardAccess {
 public:
  void Insert(const std::string& reader, fieldkit::VirtualJpkiCard* card) { readers_[reader] = card; }
  void set_fail_after(std::optional<int> n) { fail_after_ = n; }
  // From now on, every command APDU starting with `command_prefix` (hex,
  // e.g. "802a" for the signature) is answered with `answer` (hex, status
  // word included) and never reaches the card; an empty `answer` makes the
  // transmit fail with no answer at all (kTransmitFailed, a reader error).
  void Override(std::string command_prefix, std::string answer) { overrides_[*FromHex(command_prefix)] = answer; }

  Result<std::vector<card::ReaderInfo>> ListReaders() override;
  Result<std::unique_ptr<card::CardSession>> Open(std::string_view reader, std::chrono::milliseconds wait) override;

 private:
  std::map<std::string, fieldkit::VirtualJpkiCard*> readers_;
  std::optional<int> fail_after_;
  std::map<Bytes, std::string> overrides_;
  std::mutex mu_;
};

// The check queue and audit log of an open node, for one thread.
struct NodeServices {
  NodeServices(node::OpenNode& node, const Clock& clock)
      : queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(), clock),
        audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock) {}
  node::CheckQueue queue;
  node::AuditLog audit;
};

}  // namespace akari::cardtest
