// Reconciliation benchmark (docs/benchmarks.md, "Reconciliation"): a node
// uploads N queued checks to the hub's real routes over loopback HTTP
// (node::UploadChecks: batches of 100, durable answers on both sides) and
// builds the reconciliation report; side by side, the ceilings in process:
// reconcile::AnswerCheck over the same checks (no HTTP, no recording) and
// hub::AnswerUpload (the hub's whole work per batch, durable commit, no HTTP).
//
//   reconcile_bench [--checks 10000] [--persons 1000 | --region DIR] [--no-dictionary] [--runs 5] [--work DIR]
//
// DIR is an akari-gen region; without it the hub holds `--persons` sample
// persons (tests/testing/sample_records.h). --no-dictionary imports the
// documents without a zstd dictionary (to show what the dictionary costs
// each person read at the hub). Between runs the answers are
// deleted on both sides, so every run reconciles the same checks afresh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/strings.h"
#include "node/checks/check_queue.h"
#include "node/checks/eligibility.h"
#include "node/checks/report.h"
#include "node/sync/hub_link.h"
#include "sync/hub/checks.h"
#include "sync/hub/import.h"
#include "sync/hub/nodes.h"
#include "sync/reconcile/answer.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

namespace rc = sync::reconcile;
using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "reconcile_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
void Must(Status s, const char* what) {
  if (!s) Die(std::string(what) + ": " + s.error().message);
}

double Seconds(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Options {
  int checks = 10000;
  int persons = 1000;
  int runs = 5;
  std::string region;
  std::string work;
  bool no_dictionary = false;  // import without a zstd dictionary (documents compressed alone)
};

Options Parse(int argc, char** argv) {
  Options o;
  const char* usage =
      "usage: reconcile_bench [--checks N] [--persons N | --region DIR] [--no-dictionary] [--runs N] [--work DIR]";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-dictionary") {
      o.no_dictionary = true;
      continue;
    }
    if (i + 1 >= argc) Die(usage);
    const std::string value = argv[++i];
    const auto n = ParseInt64(value);
    if (flag == "--checks" && n) {
      o.checks = static_cast<int>(*n);
    } else if (flag == "--persons" && n) {
      o.persons = static_cast<int>(*n);
    } else if (flag == "--runs" && n) {
      o.runs = static_cast<int>(*n);
    } else if (flag == "--region") {
      o.region = value;
    } else if (flag == "--work") {
      o.work = value;
    } else {
      Die(usage);
    }
  }
  return o;
}

class HubDirectory final : public rc::PersonDirectory {
 public:
  explicit HubDirectory(sync::hub::HubStore& store) : store_(store) {}
  Result<std::optional<sync::PersonRecord>> Get(std::int64_t id) override { return store_.ReadPerson(id); }
  Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& key) override {
    return store_.FindByCardKey(key);
  }
  Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& key) override {
    return store_.FindByInsuranceKey(key);
  }
  Result<std::vector<std::int64_t>> FindByName(sync::Date birth_date, std::string_view kana_key) override {
    return store_.FindByName(birth_date, kana_key);
  }

 private:
  sync::hub::HubStore& store_;
};

// Persons with coverage from the hub's store (ids 1, 2, … as both the
// sample region and akari-gen assign them), at most `want`.
std::vector<sync::PersonRecord> PersonsOnRecord(sync::hub::HubStore& store, std::size_t want) {
  std::vector<sync::PersonRecord> out;
  for (std::int64_t id = 1; out.size() < want && id < 10 * static_cast<std::int64_t>(want) + 100; ++id) {
    auto record = Must(store.ReadPerson(id), "read person");
    if (record && !record->coverages.empty()) out.push_back(std::move(*record));
  }
  if (out.empty()) Die("the hub holds no persons with coverage");
  return out;
}

// N insurance-number checks as the service records them: nine in ten
// present a person's current numbers, one in ten numbers no one holds.
void RecordChecks(node::OpenNode& node, const std::vector<sync::PersonRecord>& persons, int n) {
  node::CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(),
                         SystemClock::Instance());
  const sync::Date today = node::TodayInJapan(SystemClock::Instance());
  auto tx = Must(store::Transaction::Begin(node.store.database(), /*durable=*/true), "begin");
  for (int i = 0; i < n; ++i) {
    const sync::PersonRecord& p = persons[static_cast<std::size_t>(i) % persons.size()];
    const sync::Coverage& c = p.coverages.back();
    node::CheckInput in;
    in.method = node::CheckMethod::kInsuranceNumbers;
    in.assurance = node::Assurance::kNumbers;
    in.operator_id = "clerk1";
    in.facility = "1710000001";
    const bool unknown = i % 10 == 9;
    in.claim = {{"insurer_number", c.insurer_number},
                {"symbol", c.symbol},
                {"number", unknown ? std::string("9999999") : c.number},
                {"branch", c.branch},
                {"birth_date", sync::FormatDate(p.person.birth_date)}};
    if (unknown) {
      in.answer = {"unknown_person", nullptr, "no person holds these numbers", "no_such_numbers"};
    } else {
      in.person_id = p.person.id;
      in.answer = node::EligibilityOn(p, today);
    }
    Must(queue.Record(in), "record check");
  }
  Must(tx.Commit(), "commit checks");
}

int Main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::optional<testing::TempDir> temp;
  std::filesystem::path work = o.work;
  if (work.empty()) {
    temp.emplace();
    work = temp->path();
  }
  std::filesystem::remove_all(work / "hub");
  std::filesystem::remove_all(work / "node");
  const Clock& clock = SystemClock::Instance();

  auto hub = Must(testing::MakeHub(work / "hub", clock), "create hub");
  std::filesystem::path region = o.region;
  if (region.empty()) {
    region = work / "region";
    testing::RegionSpec spec;
    spec.persons = testing::SampleRegion(o.persons);
    Must(testing::WriteRegion(region, spec), "write region");
  }
  const auto import_start = Steady::now();
  sync::hub::ImportOptions import_options;
  import_options.no_dictionary = o.no_dictionary;
  const auto imported = Must(sync::hub::ImportRegion(hub.store, region, import_options, clock), "import");
  std::printf("hub: imported %s in %.1f s\n", region.c_str(), Seconds(import_start, Steady::now()));
  auto node = Must(testing::MakeNode(work / "node"), "create node");
  Must(testing::EnrollOverHttp(hub, node, clock), "enroll");
  const std::vector<sync::PersonRecord> persons = PersonsOnRecord(hub.store, 2000);
  RecordChecks(node, persons, o.checks);
  std::printf("node: %d checks queued over %zu persons\n", o.checks, persons.size());

  // The checks as uploaded, for the in-process ceilings.
  node::CheckQueue queue(node.store, node.keystore.node_id(), node.keystore.signing_secret_key(), clock);
  const std::vector<node::CheckRecord> records = Must(queue.List(0, static_cast<std::size_t>(o.checks)), "list checks");
  std::vector<rc::UploadedCheck> uploaded;
  for (const node::CheckRecord& c : records) uploaded.push_back({c.id, c.body, c.signature});

  auto server = Must(testing::HubServer::Start(hub, clock), "start hub server");
  auto reset = [&] {
    Must(node.store.database().Exec("BEGIN; DELETE FROM check_result; DELETE FROM check_upload; COMMIT;"),
         "reset node");
    Must(hub.store.database().Exec("DELETE FROM hub_check"), "reset hub");
  };

  std::vector<double> upload_s, report_s, to_report_s, answer_s, hub_s;
  std::map<std::string, std::int64_t> outcomes;
  std::int64_t changed = 0;
  for (int run = 0; run < o.runs; ++run) {
    reset();
    const auto t0 = Steady::now();
    const node::UploadSummary up = Must(node::UploadChecks(node, server->url(), {}, {}, clock), "upload");
    const auto t1 = Steady::now();
    const node::ReconciliationReport report = Must(node::BuildReconciliationReport(node.store, std::nullopt), "report");
    const auto t2 = Steady::now();
    if (up.uploaded != o.checks || report.pending != 0 || report.total != o.checks) {
      Die("run " + std::to_string(run) + ": uploaded " + std::to_string(up.uploaded) + ", pending " +
          std::to_string(report.pending));
    }
    outcomes = up.outcomes;
    changed = report.changed;
    upload_s.push_back(Seconds(t0, t1));
    report_s.push_back(Seconds(t1, t2));
    to_report_s.push_back(Seconds(t0, t2));

    // Ceiling 1: the answers alone.
    rc::AnswerContext context{node.keystore.node_id(), node.keystore.signing_public_key(), clock.Now(), clock.Now()};
    HubDirectory directory(hub.store);
    const auto a0 = Steady::now();
    std::int64_t answered = 0;
    for (const rc::UploadedCheck& c : uploaded) {
      answered += Must(rc::AnswerCheck(c, context, directory), "answer").outcome != rc::Outcome::kMalformed;
    }
    answer_s.push_back(Seconds(a0, Steady::now()));
    if (answered != o.checks) Die("AnswerCheck found malformed checks");

    // Ceiling 2: the hub's whole work per batch of 100, durable, no HTTP.
    Must(hub.store.database().Exec("DELETE FROM hub_check"), "reset hub");
    const auto h0 = Steady::now();
    for (std::size_t at = 0; at < uploaded.size(); at += 100) {
      rc::UploadBatch batch{node.keystore.node_id(), clock.Now(), {}, std::nullopt};
      batch.checks.assign(uploaded.begin() + static_cast<std::ptrdiff_t>(at),
                          uploaded.begin() + static_cast<std::ptrdiff_t>(std::min(at + 100, uploaded.size())));
      Must(sync::hub::AnswerUpload(hub.store, batch, clock), "answer upload");
    }
    hub_s.push_back(Seconds(h0, Steady::now()));
    std::printf(
        "run %d: upload %.2f s (%.0f checks/s), report %.3f s, answers in process %.2f s, hub batches "
        "in process %.2f s\n",
        run + 1, upload_s.back(), o.checks / upload_s.back(), report_s.back(), answer_s.back(), hub_s.back());
  }
  std::string mix;
  for (const auto& [name, n] : outcomes) mix += (mix.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  const double n = o.checks;
  std::printf("\n%d checks, %zu persons on record, medians of %d runs\n", o.checks, persons.size(), o.runs);
  std::printf("outcomes: %s; %lld changed in the report\n", mix.c_str(), static_cast<long long>(changed));
  std::printf("over HTTP (upload + durable answers on both sides): %.2f s, %.0f checks/s\n", Median(upload_s),
              n / Median(upload_s));
  std::printf("report built in %.3f s; report ready %.2f s after the upload began\n", Median(report_s),
              Median(to_report_s));
  std::printf("ceiling, AnswerCheck in process: %.2f s, %.0f checks/s (HTTP / ceiling %.2f)\n", Median(answer_s),
              n / Median(answer_s), Median(answer_s) / Median(upload_s));
  std::printf("hub AnswerUpload in process (batches of 100, durable): %.2f s, %.0f checks/s (HTTP / this %.2f)\n",
              Median(hub_s), n / Median(hub_s), Median(hub_s) / Median(upload_s));
  (void)imported;
  return 0;
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  return akari::Main(argc, argv);
}
