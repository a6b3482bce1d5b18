// Sync benchmark (docs/benchmarks.md, "Sync"): full sync of a generated
// region and the delta to the next day, against a ceiling.
//
//   sync_benchmark --base DIR_A --next DIR_B --work DIR [--runs 3]
//
// DIR_A and DIR_B are akari-gen regions (same seed and size, as-of one day
// apart). The program builds a hub in WORK, enrolls one node per run,
// publishes A, and for each run: a full sync of A into a fresh node, then
// (side by side) the ceiling: the same person documents and index rows
// inserted into a fresh store with the same SQLCipher settings by a minimal
// prepared-statement loop. Then it imports and publishes B and delta-syncs
// every node. It reports medians and ratios; the reference for delta bytes
// is zstd level 3 over the JSON lines of the persons that differ in B.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"
#include "crypto/sodium.h"
#include "node/node_dir.h"
#include "node/store/store.h"
#include "node/sync/enroll.h"
#include "node/sync/node_sync.h"
#include "sync/compression.h"
#include "sync/hub/content_keys.h"
#include "sync/hub/hub.h"
#include "sync/hub/import.h"
#include "sync/hub/nodes.h"
#include "sync/hub/publisher.h"
#include "sync/hub/routes.h"
#include "sync/net/http_server.h"
#include "sync/publication/entries.h"
#include "sync/publication/layout.h"
#include "sync/publication/object.h"
#include "sync/publication/signed.h"
#include "sync/zstd_lines.h"

namespace akari {
namespace {

namespace pub = sync::publication;
using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_benchmark: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, std::string_view what) {
  if (!r) Die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
void Must(Status s, std::string_view what) {
  if (!s) Die(std::string(what) + ": " + s.error().message);
}

double Seconds(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

crypto::SecretBuffer Secret(std::string_view s) {
  return Must(crypto::SecretBuffer::CopyOf(AsBytes(s)), "secret");
}

// Reads the JSON lines of a generated region's persons.ndjson.zst.
class Lines {
 public:
  explicit Lines(const std::filesystem::path& file) : reader_(Must(sync::ZstdLineReader::Open(file), "open")) {}
  bool Next(std::string& line) {
    std::optional<std::string> next = Must(reader_.Next(), "read persons.ndjson.zst");
    if (!next) return false;
    line = std::move(*next);
    return true;
  }

 private:
  sync::ZstdLineReader reader_;
};

std::int64_t IdOf(const std::string& line) {
  const auto p = line.find("\"id\":");
  if (p == std::string::npos) Die("a line without an id");
  return ParseInt64(line.substr(p + 5, line.find_first_of(",}", p + 5) - p - 5)).value_or(0);
}

struct Reference {
  std::int64_t changed_persons = 0;
  std::int64_t json_bytes = 0;
  std::int64_t zstd_bytes = 0;
};

// zstd -3 of the JSON lines of persons that are new or differ in `next`.
Reference ChangedRecords(const std::filesystem::path& base, const std::filesystem::path& next) {
  Lines a(base / "persons.ndjson.zst"), b(next / "persons.ndjson.zst");
  std::string la, lb, changed;
  bool has_a = a.Next(la);
  Reference ref;
  while (b.Next(lb)) {
    const std::int64_t id = IdOf(lb);
    while (has_a && IdOf(la) < id) has_a = a.Next(la);
    if (!has_a || IdOf(la) != id || la != lb) {
      changed += lb;
      changed += '\n';
      ++ref.changed_persons;
    }
  }
  ref.json_bytes = static_cast<std::int64_t>(changed.size());
  ref.zstd_bytes = static_cast<std::int64_t>(Must(sync::ZstdCompress(AsBytes(changed), 3), "zstd").size());
  return ref;
}

// The ceiling: documents and index rows of every chunk of `manifest`,
// inserted by a minimal prepared-statement loop into a fresh store.
double Ceiling(const std::filesystem::path& publication_region, const pub::Manifest& manifest,
               const crypto::SecretBuffer& content_key, const std::filesystem::path& db_path, ByteSpan db_key,
               std::int64_t& persons) {
  std::vector<pub::PersonEntry> entries;
  for (const auto& c : manifest.chunks) {
    Bytes payload = Must(pub::OpenObjectFile(publication_region / "objects" / c.object.hash, c.object,
                                             pub::ObjectKind::kChunk, content_key),
                         "open chunk");
    auto part = Must(pub::DecodeChunkPayload(payload, c.first_id, c.last_id), "decode chunk");
    for (auto& e : part) entries.push_back(std::move(e));
  }
  persons = static_cast<std::int64_t>(entries.size());
  auto store = Must(store::Store::Open(db_path, db_key, {.create = true}), "ceiling store");
  db::Database& db = store.database();
  Must(db.Exec("PRAGMA cache_size = -65536"), "cache");  // as during an apply (node/sync/node_sync.cc)
  auto person = Must(db.Prepare("INSERT INTO person(id, document) VALUES (?, ?)"), "prepare");
  auto card = Must(db.Prepare("INSERT INTO person_card(key, person_id) VALUES (?, ?)"), "prepare");
  auto ins = Must(db.Prepare("INSERT INTO person_insurance(key, person_id) VALUES (?, ?)"), "prepare");
  auto name = Must(db.Prepare("INSERT INTO person_name(birth_date, kana, person_id) VALUES (?, ?, ?)"), "prepare");
  auto risk = Must(db.Prepare("INSERT INTO person_risk(class, person_id) VALUES (?, ?)"), "prepare");
  const auto start = Steady::now();
  Must(db.Exec("BEGIN IMMEDIATE"), "begin");
  for (const auto& e : entries) {
    Must(person.Bind(1, e.id).BindBlob(2, e.document).Run(), "insert");
    for (const auto& k : e.index.card_keys) Must(card.BindBlob(1, k).Bind(2, e.id).Run(), "insert");
    for (const auto& k : e.index.insurance_keys) Must(ins.BindBlob(1, k).Bind(2, e.id).Run(), "insert");
    for (const auto& k : e.index.name_keys) {
      Must(name.Bind(1, std::int64_t{k.birth_date}).Bind(2, k.kana).Bind(3, e.id).Run(), "insert");
    }
    for (auto c : e.index.risk_classes) Must(risk.Bind(1, static_cast<std::int64_t>(c)).Bind(2, e.id).Run(), "insert");
  }
  Must(db.Exec("COMMIT"), "commit");
  return Seconds(start, Steady::now());
}

pub::Manifest ReadManifest(const std::filesystem::path& region_dir) {
  Bytes text = Must(ReadFileBytes(region_dir / "manifest.json"), "manifest");
  auto doc = Must(pub::ParseSignedDocument(text, "manifest", pub::kMaxManifestBytes), "manifest");
  return Must(pub::ManifestFromJson(doc.signed_part), "manifest");
}

struct Args {
  std::filesystem::path base, next, work;
  int runs = 3;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--base")
      a.base = v;
    else if (k == "--next")
      a.next = v;
    else if (k == "--work")
      a.work = v;
    else if (k == "--runs")
      a.runs = static_cast<int>(ParseInt64(v).value_or(3));
    else
      Die("unknown option " + k);
  }
  if (a.base.empty() || a.next.empty() || a.work.empty() || a.runs < 1) {
    Die("usage: sync_benchmark --base GEN_DIR --next GEN_DIR --work DIR [--runs N]");
  }
  return a;
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  using namespace akari;
  const Args args = Parse(argc, argv);
  Must(crypto::EnsureSodium(), "sodium");
  std::error_code ec;
  std::filesystem::remove_all(args.work, ec);
  std::filesystem::create_directories(args.work);
  const SystemClock& clock = SystemClock::Instance();
  const crypto::Argon2idParams kdf{1, std::size_t{8} << 20};

  auto t0 = Steady::now();
  auto hub = Must(sync::hub::CreateHub(args.work / "hub", Secret("hub-passphrase"), "17", kdf, clock), "hub");
  auto imported = Must(sync::hub::ImportRegion(hub.store, args.base, {}, clock), "import base");
  const double import_s = Seconds(t0, Steady::now());

  // One node per run, enrolled over HTTP before the first publish.
  net::ServerOptions server_options;
  server_options.access_log = false;
  auto pool = Must(sync::hub::HubStorePool::Open(hub, server_options.threads), "pool");
  sync::hub::HubApiContext context{pool.get(), &clock};
  auto router = std::make_shared<net::Router>();
  sync::hub::AddEnrollmentRoutes(*router, context);
  sync::hub::AddPublicationRoutes(*router, hub.publication_root());
  auto server = Must(net::HttpServer::Start(server_options,
                                            [router](const net::Request& r) {
                                              net::Request copy = r;
                                              return router->Dispatch(copy);
                                            }),
                     "server");
  const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) + "/";
  std::vector<node::OpenNode> nodes;
  for (int i = 0; i < args.runs; ++i) {
    auto n =
        Must(node::CreateNode(args.work / ("node" + std::to_string(i)), Secret("node-passphrase"), "op", kdf), "node");
    auto inv = Must(sync::hub::InviteNode(hub.store, "bench", clock), "invite");
    Must(node::EnrollWithHub(n, {url, inv.token, {}}, clock), "enroll");
    nodes.push_back(std::move(n));
  }
  t0 = Steady::now();
  auto v1 = Must(sync::hub::Publish(hub, {}, clock), "publish base");
  const double publish_s = Seconds(t0, Steady::now());
  const auto region_dir = hub.publication_root() / "17";
  const pub::Manifest m1 = ReadManifest(region_dir);
  const auto content_key = Must(sync::hub::CurrentContentKey(hub.store), "content key");

  std::vector<double> full_rate, ceiling_rate, full_total;
  std::int64_t full_bytes = 0;
  for (int i = 0; i < args.runs; ++i) {
    auto source = Must(sync::client::MakeSource(url), "source");
    const auto start = Steady::now();
    auto s = Must(node::SyncNode(nodes[static_cast<std::size_t>(i)], *source, {}), "full sync");
    full_total.push_back(Seconds(start, Steady::now()));
    full_rate.push_back(static_cast<double>(s.persons_inserted) / s.apply_seconds);
    full_bytes = s.bytes_fetched + s.metadata_bytes;
    std::int64_t persons = 0;
    const double c = Ceiling(region_dir, m1, content_key.key, args.work / ("ceiling" + std::to_string(i) + ".db"),
                             nodes[0].keystore.database_key().span(), persons);
    ceiling_rate.push_back(static_cast<double>(persons) / c);
    std::printf(
        "run %d: full sync %lld persons, apply %.2f s (%.0f persons/s), whole sync %.2f s; ceiling %.2f s "
        "(%.0f persons/s)\n",
        i + 1, static_cast<long long>(s.persons_inserted), s.apply_seconds, full_rate.back(), full_total.back(), c,
        ceiling_rate.back());
    std::fflush(stdout);
  }

  t0 = Steady::now();
  auto imported2 = Must(sync::hub::ImportRegion(hub.store, args.next, {}, clock), "import next");
  const double import2_s = Seconds(t0, Steady::now());
  auto v2 = Must(sync::hub::Publish(hub, {}, clock), "publish next");
  std::vector<double> delta_rate, delta_apply;
  std::int64_t delta_fetched = 0, delta_metadata = 0, delta_persons = 0;
  for (int i = 0; i < args.runs; ++i) {
    auto source = Must(sync::client::MakeSource(url), "source");
    auto s = Must(node::SyncNode(nodes[static_cast<std::size_t>(i)], *source, {}), "delta sync");
    if (s.mode != "delta") Die("expected a delta sync, got " + s.mode);
    delta_fetched = s.bytes_fetched;
    delta_metadata = s.metadata_bytes;
    delta_persons = s.persons_inserted;
    delta_apply.push_back(s.apply_seconds);
    delta_rate.push_back(static_cast<double>(s.persons_inserted) / s.apply_seconds);
    std::printf(
        "run %d: delta sync %lld persons, apply %.2f s (%.0f persons/s), %lld object bytes + %lld "
        "metadata bytes\n",
        i + 1, static_cast<long long>(s.persons_inserted), s.apply_seconds, delta_rate.back(),
        static_cast<long long>(s.bytes_fetched), static_cast<long long>(s.metadata_bytes));
  }
  server->Stop();

  const Reference ref = ChangedRecords(args.base, args.next);
  const double full_median = Median(full_rate), ceiling_median = Median(ceiling_rate);
  const std::int64_t delta_total = delta_fetched + delta_metadata;
  const double limit = 1.2 * static_cast<double>(ref.zstd_bytes) + 65536;
  const nlohmann::json out = {
      {"persons", v1.persons},
      {"hub",
       {{"import_base_s", import_s},
        {"publish_base_s", publish_s},
        {"import_next_s", import2_s},
        {"dictionary_id", imported.dictionary_id},
        {"snapshot_bytes", v1.snapshot_bytes},
        {"chunks", v1.chunks},
        {"next_changed", imported2.changed},
        {"next_added", imported2.added},
        {"next_removed", imported2.removed},
        {"next_reindexed", imported2.reindexed}}},
      {"full",
       {{"apply_persons_per_s_median", full_median},
        {"ceiling_persons_per_s_median", ceiling_median},
        {"ratio", full_median / ceiling_median},
        {"whole_sync_s_median", Median(full_total)},
        {"bytes_fetched", full_bytes},
        {"target_met", full_median >= 0.7 * ceiling_median}}},
      {"delta",
       {{"persons", delta_persons},
        {"delta_upserts_published", v2.delta_upserts},
        {"object_bytes", delta_fetched},
        {"metadata_bytes", delta_metadata},
        {"bytes_total", delta_total},
        {"apply_s_median", Median(delta_apply)},
        {"apply_persons_per_s_median", Median(delta_rate)},
        {"reference_changed_persons", ref.changed_persons},
        {"reference_json_bytes", ref.json_bytes},
        {"reference_zstd3_bytes", ref.zstd_bytes},
        {"ratio_to_reference", static_cast<double>(delta_total) / static_cast<double>(ref.zstd_bytes)},
        {"limit_bytes", limit},
        {"target_met", static_cast<double>(delta_total) <= limit}}}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
