// Helpers for hub and sync tests: small generated regions in the
// docs/formats.md layout (written here, not by akari-gen), hubs and nodes
// with fast key derivation, and an in-process hub server.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "node/node_dir.h"
#include "sync/hub/hub.h"
#include "sync/hub/import.h"
#include "sync/hub/routes.h"
#include "sync/net/http_server.h"
#include "sync/record.h"

namespace akari::testing {

inline constexpr const char* kHubPassphrase = "hub-passphrase";
inline constexpr const char* kNodePassphrase = "node-passphrase";

crypto::Argon2idParams FastKdf();

// The instant `utc` names ("2026-11-01T09:00:00Z"). A test's own constant:
// one that does not parse aborts the test program, naming it.
TimePoint At(std::string_view utc);

// `n` persons with ids first_id, first_id + 1, … (tests/testing SamplePerson,
// with a few more dispensings that vary by id).
std::vector<sync::PersonRecord> SampleRegion(int n, std::int64_t first_id = 1);

// Adds a dispensing dated `date` (a change a daily import would bring).
void AddDispensing(sync::PersonRecord& record, sync::Date date, int salt);

struct RegionSpec {
  std::string region = "17";
  sync::Date as_of = 20261101;
  std::vector<sync::PersonRecord> persons;  // ascending ids
  std::int64_t crl_number = 1;
};

// Writes region.json, persons.ndjson.zst and trust/{ca,crl}.der (a
// deterministic test CA) into `dir`.
[[nodiscard]] Status WriteRegion(const std::filesystem::path& dir, const RegionSpec& spec);

// Writes `spec` into `dir` (WriteRegion) and imports it into `hub`.
[[nodiscard]] Result<sync::hub::ImportSummary> ImportSpec(sync::hub::OpenHub& hub, const std::filesystem::path& dir,
                                                          const RegionSpec& spec, const Clock& clock);

[[nodiscard]] Result<sync::hub::OpenHub> MakeHub(const std::filesystem::path& dir, const Clock& clock,
                                                 std::string_view region = "17");
[[nodiscard]] Result<sync::hub::OpenHub> OpenHub(const std::filesystem::path& dir);
[[nodiscard]] Result<node::OpenNode> MakeNode(const std::filesystem::path& dir);
[[nodiscard]] Result<node::OpenNode> OpenNode(const std::filesystem::path& dir);

// The hub's routes served on a free loopback port, stopped on destruction.
class HubServer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<HubServer>> Start(const sync::hub::OpenHub& hub, const Clock& clock);
  ~HubServer();
  std::string url() const;

 private:
  HubServer() = default;
  std::unique_ptr<sync::hub::HubStorePool> pool_;
  sync::hub::HubApiContext context_;
  std::shared_ptr<net::Router> router_;
  std::unique_ptr<net::HttpServer> server_;
};

// Imports, then enrolls a new node over HTTP with a fresh token.
[[nodiscard]] Status EnrollOverHttp(sync::hub::OpenHub& hub, node::OpenNode& node, const Clock& clock);

}  // namespace akari::testing
