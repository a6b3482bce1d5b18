#include "tests/sync/sync_fixture.h"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/openssl.h"
#include "fieldkit/test_ca.h"
#include "node/sync/enroll.h"
#include "sync/compression.h"
#include "sync/hub/checks.h"
#include "sync/hub/nodes.h"
#include "sync/record_json.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/secrets.h"

namespace akari::testing {
namespace {

struct CaFiles {
  Bytes ca;
  fieldkit::TestCa test_ca;
};

const CaFiles& TestCaFiles() {
  static const CaFiles files = [] {
    const fieldkit::Seed seed = fieldkit::DeriveSeed(AsBytes("akari sync tests"), "ca");
    auto ca = fieldkit::CreateTestCa(seed, FromUnixSeconds(1700000000), FromUnixSeconds(2000000000));
    if (!ca) std::abort();
    Bytes der = crypto::CertificateDer(*ca->cert);
    return CaFiles{std::move(der), std::move(*ca)};
  }();
  return files;
}

}  // namespace

crypto::Argon2idParams FastKdf() {
  return kFastArgon2id;
}

TimePoint At(std::string_view utc) {
  TimePoint t;
  if (!ParseUtc(utc, t)) {
    std::fprintf(stderr, "testing::At: \"%.*s\" is not a UTC time such as 2026-11-01T09:00:00Z\n",
                 static_cast<int>(utc.size()), utc.data());
    std::abort();
  }
  return t;
}

void AddDispensing(sync::PersonRecord& record, sync::Date date, int salt) {
  sync::Dispensing d = record.dispensings.front();
  d.date = date;
  d.prescribed_date = date;
  d.quantity = 1 + salt % 3;
  d.days_or_times = 14 + salt % 20;
  d.usage = "1日" + std::to_string(1 + salt % 3) + "回 食後";
  record.dispensings.push_back(d);
}

std::vector<sync::PersonRecord> SampleRegion(int n, std::int64_t first_id) {
  std::vector<sync::PersonRecord> out;
  for (std::int64_t id = first_id; id < first_id + n; ++id) {
    sync::PersonRecord r = SamplePerson(id);
    for (int k = 0; k < static_cast<int>(id % 4); ++k) {
      AddDispensing(r, static_cast<sync::Date>(20260101 + (k + 1) * 100 + id % 27), static_cast<int>(id) + k);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status WriteRegion(const std::filesystem::path& dir, const RegionSpec& spec) {
  std::filesystem::create_directories(dir / "trust");
  const nlohmann::json info = {{"format", "akari-region"},
                               {"version", 1},
                               {"region", spec.region},
                               {"prefecture", "石川県"},
                               {"seed", 1},
                               {"as_of", sync::FormatDate(spec.as_of)},
                               {"persons", spec.persons.size()},
                               {"generator", "sync_fixture"}};
  AKARI_TRY(WriteFileAtomically(dir / "region.json", AsBytes(info.dump())));
  std::string lines;
  for (const auto& p : spec.persons) lines += sync::RecordToJson(p).dump() + "\n";
  AKARI_ASSIGN_OR_RETURN(Bytes zst, sync::ZstdCompress(AsBytes(lines)));
  AKARI_TRY(WriteFileAtomically(dir / "persons.ndjson.zst", zst));
  const CaFiles& ca = TestCaFiles();
  AKARI_TRY(WriteFileAtomically(dir / "trust" / "ca.der", ca.ca));
  std::vector<fieldkit::RevokedCertificate> revoked = {{Bytes{0x07, 0x05}, FromUnixSeconds(1780000000)}};
  AKARI_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, fieldkit::IssueCrl(ca.test_ca, revoked, FromUnixSeconds(1780000000),
                                                                    FromUnixSeconds(1990000000), spec.crl_number));
  return WriteFileAtomically(dir / "trust" / "crl.der", crypto::CrlDer(*crl));
}

Result<sync::hub::ImportSummary> ImportSpec(sync::hub::OpenHub& hub, const std::filesystem::path& dir,
                                            const RegionSpec& spec, const Clock& clock) {
  AKARI_TRY(WriteRegion(dir, spec));
  return sync::hub::ImportRegion(hub.store, dir, {}, clock);
}

Result<sync::hub::OpenHub> MakeHub(const std::filesystem::path& dir, const Clock& clock, std::string_view region) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer pass, crypto::SecretBuffer::CopyOf(AsBytes(kHubPassphrase)));
  return sync::hub::CreateHub(dir, pass, region, FastKdf(), clock);
}

Result<sync::hub::OpenHub> OpenHub(const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer pass, crypto::SecretBuffer::CopyOf(AsBytes(kHubPassphrase)));
  return sync::hub::OpenHubDir(dir, pass);
}

Result<node::OpenNode> MakeNode(const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer pass, crypto::SecretBuffer::CopyOf(AsBytes(kNodePassphrase)));
  return node::CreateNode(dir, pass, "operator", FastKdf());
}

Result<node::OpenNode> OpenNode(const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer pass, crypto::SecretBuffer::CopyOf(AsBytes(kNodePassphrase)));
  return node::OpenNodeDir(dir, pass);
}

Result<std::unique_ptr<HubServer>> HubServer::Start(const sync::hub::OpenHub& hub, const Clock& clock) {
  std::unique_ptr<HubServer> s(new HubServer());
  net::ServerOptions options;
  options.access_log = false;
  options.max_body_bytes = sync::hub::kMaxUploadBody;
  AKARI_ASSIGN_OR_RETURN(s->pool_, sync::hub::HubStorePool::Open(hub, options.threads));
  s->context_ = {s->pool_.get(), &clock};
  s->router_ = std::make_shared<net::Router>();
  sync::hub::AddEnrollmentRoutes(*s->router_, s->context_);
  sync::hub::AddCheckRoutes(*s->router_, s->context_);
  sync::hub::AddPublicationRoutes(*s->router_, hub.publication_root());
  auto router = s->router_;
  AKARI_ASSIGN_OR_RETURN(s->server_, net::HttpServer::Start(options, [router](const net::Request& r) {
                           net::Request copy = r;
                           return router->Dispatch(copy);
                         }));
  return s;
}

HubServer::~HubServer() {
  if (server_) server_->Stop(std::chrono::milliseconds(200));
}

std::string HubServer::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/";
}

Status EnrollOverHttp(sync::hub::OpenHub& hub, node::OpenNode& node, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(sync::hub::Invitation inv, sync::hub::InviteNode(hub.store, "test node", clock));
  AKARI_ASSIGN_OR_RETURN(auto server, HubServer::Start(hub, clock));
  AKARI_TRY(node::EnrollWithHub(node, {server->url(), inv.token, {}}, clock));
  return {};
}

}  // namespace akari::testing
