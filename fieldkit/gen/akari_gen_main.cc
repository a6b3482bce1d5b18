// `akari-gen`: generates a synthetic region (for akari-hub import) and acts
// as the region's test JPKI CA (key + certificate for one linked person).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "crypto/sodium.h"
#include "fieldkit/gen/card_issuer.h"
#include "fieldkit/gen/generator.h"

namespace {

using akari::fieldkit::gen::CardRequest;
using akari::fieldkit::gen::CardScenario;
using akari::fieldkit::gen::RegionOptions;

akari::sync::Date TodayInJapan() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + std::chrono::hours(9));
  return akari::sync::DateFromDays(days.time_since_epoch().count());
}

int Fail(const akari::Error& e) {
  std::fprintf(stderr, "akari-gen: error: %s\n", e.message.c_str());
  return 1;
}

int RunRegion(RegionOptions options, const std::string& as_of, const std::string& out) {
  if (!as_of.empty()) {
    options.as_of = akari::sync::ParseDate(as_of);
    if (options.as_of == 0) {
      std::fprintf(stderr, "akari-gen: error: --as-of '%s' is not a date (YYYY-MM-DD)\n", as_of.c_str());
      return 2;
    }
  } else {
    options.as_of = TodayInJapan();
  }
  const auto start = std::chrono::steady_clock::now();
  auto stats = akari::fieldkit::gen::WriteRegion(options, out);
  if (!stats) return Fail(stats.error());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "Generated %lld persons (%lld households, %lld dispensing lines, %lld card links, %lld revoked) "
      "as of %s in %s: %.1f MB JSON, %.1f MB compressed, %.1f s\n",
      static_cast<long long>(stats->persons), static_cast<long long>(stats->households),
      static_cast<long long>(stats->dispensings), static_cast<long long>(stats->card_links),
      static_cast<long long>(stats->revoked), akari::sync::FormatDate(options.as_of).c_str(), out.c_str(),
      static_cast<double>(stats->json_bytes) / 1e6, static_cast<double>(stats->compressed_bytes) / 1e6, secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);
  if (!akari::crypto::EnsureSodium()) {
    std::fprintf(stderr, "akari-gen: error: the cryptographic library failed to initialise\n");
    return 1;
  }
  CLI::App app("akari-gen: synthetic region generator and test JPKI CA", "akari-gen");
  app.require_subcommand(1);

  RegionOptions region;
  std::string as_of, out;
  CLI::App* rcmd = app.add_subcommand(
      "region", "Generate a synthetic region in DIR. The output is a pure function of (seed, persons, region, as-of).");
  rcmd->add_option("--persons", region.persons, "Number of persons (1-5000000)")->required();
  rcmd->add_option("--seed", region.seed, "Seed (default 1)");
  rcmd->add_option("--as-of", as_of, "Snapshot date YYYY-MM-DD (default: today in Japan, UTC+9)");
  rcmd->add_option("--region", region.region,
                   "Region (都道府県コード): " + akari::fieldkit::gen::AvailableRegions() + "; default " +
                       std::string(akari::fieldkit::gen::kDefaultRegion));
  rcmd->add_option("--threads", region.threads, "Generator threads (output does not depend on it; default 2)");
  rcmd->add_option("--out", out, "Output directory (must not exist or be empty)")->required();

  CardRequest card;
  std::string from, card_out;
  bool expired = false, unknown_ca = false, unlinked = false;
  CLI::App* ccmd = app.add_subcommand("card", "Issue the card key and certificate of one linked person");
  ccmd->add_option("--from", from, "A directory made by akari-gen region")->required();
  ccmd->add_option("--person", card.person, "Person id")->required();
  ccmd->add_option("--out", card_out, "CARD_DIR to create (cert.der, key.pem, ca.der, person)")->required();
  auto* e = ccmd->add_flag("--expired", expired, "Same key and serial, validity ended before as-of");
  auto* u = ccmd->add_flag("--unknown-ca", unknown_ca, "Issued by a different CA with the same name");
  auto* l = ccmd->add_flag("--unlinked", unlinked, "Valid CA, a serial no person links to");
  e->excludes(u)->excludes(l);
  u->excludes(l);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& ex) {
    return app.exit(ex);
  } catch (const CLI::ParseError& ex) {
    std::fprintf(stderr, "akari-gen: error: %s (see akari-gen --help)\n", ex.what());
    return 2;
  }
  try {
    if (rcmd->parsed()) return RunRegion(region, as_of, out);
    card.region_dir = from;
    card.out = card_out;
    card.scenario =
        expired ? CardScenario::kExpired
                : (unknown_ca ? CardScenario::kUnknownCa : (unlinked ? CardScenario::kUnlinked : CardScenario::kValid));
    auto status = akari::fieldkit::gen::IssueCard(card);
    if (!status) return Fail(status.error());
    std::printf("Issued the card of person %lld in %s\n", static_cast<long long>(card.person), card_out.c_str());
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "akari-gen: error: unexpected failure: %s\n", ex.what());
    return 1;
  }
}
