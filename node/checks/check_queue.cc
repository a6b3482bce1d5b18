#include "node/checks/check_queue.h"

#include <algorithm>
#include <array>

#include "base/strings.h"
#include "node/store/meta_keys.h"
#include "sync/db/errors.h"

namespace akari::node {
namespace {

constexpr std::array<std::pair<CheckMethod, std::string_view>, 4> kMethods = {{
    {CheckMethod::kCard, "card"},
    {CheckMethod::kInsuranceNumbers, "insurance_numbers"},
    {CheckMethod::kDisasterSearch, "disaster_search"},
    {CheckMethod::kSelfReported, "self_reported"},
}};
constexpr std::array<std::pair<Assurance, std::string_view>, 5> kAssurances = {{
    {Assurance::kSignature, "signature"},
    {Assurance::kCertificate, "certificate"},
    {Assurance::kNumbers, "numbers"},
    {Assurance::kDemographic, "demographic"},
    {Assurance::kSelfReported, "self_reported"},
}};

constexpr std::string_view kCheckColumns =
    "SELECT r.seq, r.id, r.created_at, r.method, r.assurance, r.person_id, r.data_version, r.body, r.signature, "
    "u.check_seq IS NOT NULL FROM check_record r LEFT JOIN check_upload u ON u.check_seq = r.seq ";

CheckRecord ReadCheckRow(const store::Statement& s) {
  CheckRecord r;
  r.seq = s.ColumnInt(0);
  r.id = s.ColumnText(1);
  r.created_at = TimePoint(std::chrono::milliseconds(s.ColumnInt(2)));
  r.method = ParseCheckMethod(s.ColumnText(3)).value_or(CheckMethod::kCard);
  r.assurance = ParseAssurance(s.ColumnText(4)).value_or(Assurance::kSelfReported);
  if (!s.ColumnIsNull(5)) r.person_id = s.ColumnInt(5);
  r.data_version = s.ColumnInt(6);
  r.body = ToString(s.ColumnBlob(7));
  const ByteSpan sig = s.ColumnBlob(8);
  r.signature.assign(sig.begin(), sig.end());
  r.acknowledged = s.ColumnInt(9) != 0;
  return r;
}

Result<std::vector<CheckRecord>> Collect(store::Statement& s) {
  std::vector<CheckRecord> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadCheckRow(s));
  }
  return out;
}

}  // namespace

std::string_view CheckMethodName(CheckMethod m) {
  for (const auto& [v, n] : kMethods) {
    if (v == m) return n;
  }
  return "unknown";
}

std::string_view AssuranceName(Assurance a) {
  for (const auto& [v, n] : kAssurances) {
    if (v == a) return n;
  }
  return "unknown";
}

std::optional<CheckMethod> ParseCheckMethod(std::string_view name) {
  for (const auto& [v, n] : kMethods) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<Assurance> ParseAssurance(std::string_view name) {
  for (const auto& [v, n] : kAssurances) {
    if (n == name) return v;
  }
  return std::nullopt;
}

Result<CheckRecord> CheckQueue::Record(const CheckInput& input) {
  store::Database& db = store_.database();
  std::optional<store::Transaction> own;
  if (!db.InTransaction()) {
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db, /*durable=*/true));
    own.emplace(std::move(tx));
  }
  AKARI_ASSIGN_OR_RETURN(std::int64_t last, HighestCheckSeq(store_));
  AKARI_ASSIGN_OR_RETURN(auto version, store_.GetMeta(store::meta::kDataVersion));
  CheckRecord r;
  r.seq = last + 1;
  r.id = node_id_ + "-" + std::to_string(r.seq);
  // Millisecond precision: checks are ordered and matched against coverage
  // dates by the hub; sub-second order matters for a queue of thousands.
  r.created_at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
  r.method = input.method;
  r.assurance = input.assurance;
  r.person_id = input.person_id;
  r.data_version = version ? ParseInt64(*version).value_or(0) : 0;
  const nlohmann::json body = {
      {"id", r.id},
      {"seq", r.seq},
      {"node_id", node_id_},
      {"created_at", FormatUtc(r.created_at)},
      {"created_at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(r.created_at.time_since_epoch()).count()},
      {"operator_id", input.operator_id},
      {"facility", input.facility},
      {"method", CheckMethodName(input.method)},
      {"assurance", AssuranceName(input.assurance)},
      {"claim", input.claim},
      {"person_id", input.person_id ? nlohmann::json(*input.person_id) : nlohmann::json(nullptr)},
      {"data_version", r.data_version},
      {"local_answer",
       {{"status", input.answer.status},
        {"coverage", input.answer.coverage},
        {"detail", input.answer.detail},
        {"detail_code", input.answer.detail_code}}},
  };
  r.body = body.dump();
  const crypto::Ed25519Signature sig = crypto::Sign(signing_key_, CheckSigningInput(r.body));
  r.signature.assign(sig.begin(), sig.end());
  AKARI_ASSIGN_OR_RETURN(
      store::Statement insert,
      db.Prepare("INSERT INTO check_record(seq, id, created_at, operator_id, method, assurance, person_id, "
                 "data_version, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, r.seq)
      .Bind(2, r.id)
      .Bind(3, std::chrono::duration_cast<std::chrono::milliseconds>(r.created_at.time_since_epoch()).count())
      .Bind(4, input.operator_id)
      .Bind(5, CheckMethodName(r.method))
      .Bind(6, AssuranceName(r.assurance));
  if (r.person_id) {
    insert.Bind(7, *r.person_id);
  } else {
    insert.BindNull(7);
  }
  AKARI_TRY(insert.Bind(8, r.data_version).BindBlob(9, AsBytes(r.body)).BindBlob(10, r.signature).Run());
  if (own) AKARI_TRY(own->Commit());
  return r;
}

Result<std::optional<CheckRecord>> CheckQueue::Get(std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare(std::string(kCheckColumns) + "WHERE r.id = ?"));
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(std::vector<CheckRecord> rows, Collect(s));
  if (rows.empty()) return std::optional<CheckRecord>();
  return std::optional<CheckRecord>(std::move(rows.front()));
}

Result<std::vector<CheckRecord>> CheckQueue::List(std::int64_t after_seq, std::size_t limit) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare(std::string(kCheckColumns) +
                                                                       "WHERE r.seq > ? ORDER BY r.seq LIMIT ?"));
  s.Bind(1, after_seq).Bind(2, static_cast<std::int64_t>(limit));
  return Collect(s);
}

Result<std::vector<CheckRecord>> CheckQueue::Newest(std::size_t limit) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s, store_.database().Prepare("SELECT * FROM (" + std::string(kCheckColumns) +
                                                                       "ORDER BY r.seq DESC LIMIT ?) ORDER BY 1"));
  s.Bind(1, static_cast<std::int64_t>(limit));
  return Collect(s);
}

Result<std::vector<CheckRecord>> CheckQueue::Pending(std::size_t limit) {
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store_.database().Prepare(std::string(kCheckColumns) + "WHERE u.check_seq IS NULL ORDER BY r.seq LIMIT ?"));
  s.Bind(1, static_cast<std::int64_t>(limit));
  return Collect(s);
}

Result<std::int64_t> HighestCheckSeq(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(std::int64_t recorded,
                         store.database().QueryInt("SELECT coalesce(max(seq), 0) FROM check_record"));
  AKARI_ASSIGN_OR_RETURN(auto floor, store.GetMeta(store::meta::kCheckSeqFloor));
  if (!floor) return recorded;
  const auto parsed = ParseInt64(*floor);
  // Guessing here could give a new check the id of one the hub already
  // holds from this node: refuse instead.
  if (!parsed || *parsed < 0) {
    return MakeError(db::DbErrc::kCorrupt, "the store's check numbering (meta check_seq_floor = \"" + *floor +
                                               "\") is damaged; no check was recorded. Restore the node from a "
                                               "backup, or ask for support");
  }
  return std::max(recorded, *parsed);
}

Result<std::int64_t> SkipCheckNumbers(store::Store& store, std::int64_t count) {
  AKARI_ASSIGN_OR_RETURN(std::int64_t highest, HighestCheckSeq(store));
  const std::int64_t floor = highest + std::max<std::int64_t>(count, 0);
  AKARI_TRY(store.SetMeta(store::meta::kCheckSeqFloor, std::to_string(floor)));
  return floor + 1;
}

}  // namespace akari::node
