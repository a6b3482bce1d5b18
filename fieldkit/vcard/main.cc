// akari-vcard: a virtual My Number Card (JPKI application) behind pcscd's
// vpcd driver, for tests, demos and field-team training. See docs/card.md.
#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "crypto/secret_buffer.h"
#include "crypto/sodium.h"
#include "fieldkit/test_ca.h"
#include "fieldkit/vcard/card_dir.h"
#include "fieldkit/vcard/jpki_applet.h"
#include "fieldkit/vcard/vpcd_link.h"

namespace {

struct Options {
  std::string card_dir;
  std::string pin = "1234";
  bool no_pin = false;
  int tries = akari::fieldkit::VirtualJpkiCard::kMaxTries;
  bool start_blocked = false;
  bool clone = false;
  bool garbage = false;
  std::uint32_t garbage_seed = 1;
  bool get_response = false;
  bool exact_le = false;
  std::string token_label = "JPKIAPICCTOKEN2";
  int remove_after = 0;
  std::string host = "127.0.0.1";
  std::uint16_t port = 35963;
  bool trace = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "akari-vcard: error: %s\n", message.c_str());
  return 1;
}

int Run(Options& o) {
  using namespace akari;
  auto dir = fieldkit::LoadCardDir(o.card_dir);
  if (!dir) return Fail(dir.error().message);
  fieldkit::VirtualCardOptions card;
  if (!o.no_pin) {
    const bool digits = o.pin.size() == 4 && o.pin.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) return Fail("--pin must be 4 digits, like a My Number Card's user-authentication PIN");
    auto pin = crypto::SecretBuffer::CopyOf(AsBytes(o.pin));
    sodium_memzero(o.pin.data(), o.pin.size());
    if (!pin) return Fail(pin.error().message);
    card.pin = std::move(*pin);
  }
  card.no_pin = o.no_pin;
  card.tries = o.tries;
  card.start_blocked = o.start_blocked;
  card.garbage = o.garbage;
  card.garbage_seed = o.garbage_seed;
  card.get_response = o.get_response;
  card.exact_le = o.exact_le;
  card.token_label = o.token_label;
  crypto::EvpPkeyPtr key = std::move(dir->key);
  if (o.clone) {
    // The right certificate with a key that is not its own: what a copied
    // certificate on another chip looks like.
    auto other = fieldkit::DeterministicRsaKey(fieldkit::DeriveSeed(dir->cert_der, "akari-vcard clone key"));
    if (!other) return Fail(other.error().message);
    key = std::move(*other);
  }
  fieldkit::VirtualJpkiCard vcard(dir->cert_der, dir->ca_der, std::move(key), std::move(card));
  fieldkit::VpcdLinkOptions link;
  link.host = o.host;
  link.port = o.port;
  if (o.remove_after > 0) link.remove_after = o.remove_after;
  link.trace = o.trace;
  return fieldkit::RunVpcdLink(vcard, link);
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);
  if (!akari::crypto::EnsureSodium()) {
    std::fprintf(stderr, "akari-vcard: error: the cryptographic library failed to initialise\n");
    return 1;
  }
  CLI::App app(
      "akari-vcard: a virtual My Number Card (JPKI) for pcscd's vpcd driver (test material only).\n"
      "Commands on stdin: remove, insert, status, quit (SIGUSR1 removes, SIGUSR2 inserts).",
      "akari-vcard");
  Options o;
  app.add_option("--card", o.card_dir, "CARD_DIR with cert.der, key.pem, ca.der, person")->required();
  auto* pin = app.add_option("--pin", o.pin, "The card's 4-digit PIN (default 1234)");
  app.add_flag("--no-pin", o.no_pin, "A face-only card (顔認証マイナンバーカード): no PIN set")->excludes(pin);
  app.add_option("--tries", o.tries, "PIN tries left at start (1-3, default 3)")->check(CLI::Range(1, 3));
  app.add_flag("--start-blocked", o.start_blocked, "Start with the PIN blocked (no tries left)");
  app.add_flag("--clone", o.clone, "Emulate a cloned card: the right certificate, the wrong key");
  app.add_flag("--garbage", o.garbage, "Answer every APDU with pseudo-random bytes");
  app.add_option("--garbage-seed", o.garbage_seed, "Seed of the garbage (default 1)");
  app.add_flag("--get-response", o.get_response, "Answer data with 61xx and serve it by GET RESPONSE (T=0 style)");
  app.add_flag("--exact-le", o.exact_le, "Answer 6Cxx when Le asks for more than a file holds");
  app.add_option("--token-label", o.token_label, "EF 0006 token label (default JPKIAPICCTOKEN2)");
  app.add_option("--remove-after", o.remove_after, "Pull the card after answering N APDUs")
      ->check(CLI::Range(1, 100000));
  app.add_option("--host", o.host, "Where vpcd listens (default 127.0.0.1)");
  app.add_option("--port", o.port, "vpcd's port for the slot (default 35963)");
  app.add_flag("--trace", o.trace, "Log every APDU to stderr (PINs masked)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return Run(o);
  } catch (const std::exception& e) {
    return Fail(std::string("unexpected failure: ") + e.what());
  }
}
