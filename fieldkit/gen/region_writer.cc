// `akari-gen region`: streams the generated region to DIR. Households are
// cut into batches of about 256 persons; worker threads generate batches in
// parallel and take turns, in batch order, to append their lines to one zstd
// stream, so output bytes never depend on the thread count and memory holds
// at most one batch per thread.
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/openssl.h"
#include "fieldkit/errors.h"
#include "fieldkit/gen/generator.h"
#include "sync/record_json.h"

namespace akari::fieldkit::gen {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kBatchPersons = 256;
constexpr int kZstdLevel = 3;

struct RevokedCard {
  std::int64_t person;
  Bytes serial;
  Date revoked;
};

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The zstd-compressed persons file.
class CompressedWriter {
 public:
  [[nodiscard]] Status Open(const fs::path& path) {
    file_.reset(std::fopen(path.c_str(), "wb"));
    cctx_.reset(ZSTD_createCCtx());
    if (!file_ || !cctx_) return MakeError(FieldkitErrc::kIo, "cannot create " + path.string());
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, kZstdLevel);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    out_.resize(ZSTD_CStreamOutSize());
    path_ = path;
    return {};
  }
  [[nodiscard]] Status Write(std::string_view data, bool last) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const std::size_t left = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) return MakeError(FieldkitErrc::kIo, std::string("zstd: ") + ZSTD_getErrorName(left));
      if (out.pos > 0 && std::fwrite(out_.data(), 1, out.pos, file_.get()) != out.pos) {
        return MakeError(FieldkitErrc::kIo, "cannot write " + path_.string() + " (disk full?)");
      }
      compressed_ += static_cast<std::int64_t>(out.pos);
      if (last ? left == 0 : in.pos == in.size) return {};
    }
  }
  [[nodiscard]] Status Close() {
    if (std::fflush(file_.get()) != 0 || ::fsync(fileno(file_.get())) != 0) {
      return MakeError(FieldkitErrc::kIo, "cannot flush " + path_.string());
    }
    file_.reset();
    return {};
  }
  std::int64_t compressed() const { return compressed_; }

 private:
  std::unique_ptr<std::FILE, FileClose> file_;
  std::unique_ptr<ZSTD_CCtx, CctxFree> cctx_;
  std::vector<char> out_;
  fs::path path_;
  std::int64_t compressed_ = 0;
};

// State shared by the worker threads (see the file comment).
class BatchPipeline {
 public:
  BatchPipeline(const GenContext& ctx, CompressedWriter& writer) : ctx_(ctx), writer_(writer) {}

  void Worker() {
    std::string lines;
    for (;;) {
      std::uint64_t batch = 0, h0 = 0, h1 = 0;
      std::int64_t id0 = 0;
      {
        std::lock_guard lock(plan_mu_);
        if (next_id_ > ctx_.persons || failed_) return;
        batch = next_batch_++;
        h0 = next_household_;
        id0 = next_id_;
        while (next_id_ <= ctx_.persons && next_id_ - id0 < kBatchPersons) {
          next_id_ += HouseholdSize(ctx_, next_household_++);
        }
        h1 = next_household_;
      }
      lines.clear();
      std::vector<RevokedCard> revoked;
      RegionStats stats;
      std::int64_t id = id0;
      for (std::uint64_t h = h0; h < h1; ++h) {
        for (sync::PersonRecord& r : GenerateHousehold(ctx_, h, id)) Append(r, lines, revoked, stats);
        id += HouseholdSize(ctx_, h);
        ++stats.households;
      }
      std::unique_lock lock(write_mu_);
      turn_cv_.wait(lock, [&] { return turn_ == batch || failed_; });
      if (failed_) return;
      Status s = writer_.Write(lines, /*last=*/false);
      if (!s) {
        failed_ = true;
        error_ = s.error();
      }
      Merge(stats, revoked);
      ++turn_;
      turn_cv_.notify_all();
    }
  }

  bool failed() const { return failed_.load(); }
  const Error& error() const { return error_; }
  RegionStats& stats() { return stats_; }
  std::vector<RevokedCard>& revoked() { return revoked_; }

 private:
  void Append(const sync::PersonRecord& r, std::string& lines, std::vector<RevokedCard>& revoked, RegionStats& stats) {
    const std::size_t before = lines.size();
    lines += sync::RecordToJson(r).dump();
    lines += '\n';
    ++stats.persons;
    stats.dispensings += static_cast<std::int64_t>(r.dispensings.size());
    stats.json_bytes += static_cast<std::int64_t>(lines.size() - before);
    if (r.card_links.empty()) return;
    ++stats.card_links;
    for (const CardIssuance& c : CardTimeline(ctx_, r.person.id, r.person.birth_date)) {
      if (ToHex(c.serial) == r.card_links.front().serial_hex && c.revoked != 0 && c.revoked <= ctx_.as_of) {
        revoked.push_back({r.person.id, c.serial, c.revoked});
      }
    }
  }
  void Merge(const RegionStats& s, std::vector<RevokedCard>& revoked) {
    stats_.persons += s.persons;
    stats_.households += s.households;
    stats_.dispensings += s.dispensings;
    stats_.json_bytes += s.json_bytes;
    stats_.card_links += s.card_links;
    for (RevokedCard& r : revoked) revoked_.push_back(std::move(r));
  }

  const GenContext& ctx_;
  CompressedWriter& writer_;
  std::mutex plan_mu_;
  std::uint64_t next_batch_ = 0;
  std::uint64_t next_household_ = 0;
  std::int64_t next_id_ = 1;
  std::mutex write_mu_;
  std::condition_variable turn_cv_;
  std::uint64_t turn_ = 0;
  std::atomic<bool> failed_ = false;
  Error error_;
  RegionStats stats_;
  std::vector<RevokedCard> revoked_;
};

TimePoint JstMidnight(Date d) {
  return FromUnixSeconds(sync::DaysSinceEpoch(d) * 86400 - 9 * 3600);
}

Status WriteText(const fs::path& path, std::string_view text, mode_t mode = 0644) {
  return WriteFileAtomically(path, AsBytes(text), mode);
}

Status WriteTrust(const GenContext& ctx, const fs::path& dir, std::vector<RevokedCard>& revoked) {
  AKARI_ASSIGN_OR_RETURN(TestCa ca, RegionCa(ctx.national));
  std::sort(revoked.begin(), revoked.end(),
            [](const RevokedCard& a, const RevokedCard& b) { return a.person < b.person; });
  std::vector<RevokedCertificate> entries;
  nlohmann::json persons = nlohmann::json::array();
  nlohmann::json certs = nlohmann::json::array();
  for (const RevokedCard& r : revoked) {
    entries.push_back({r.serial, JstMidnight(r.revoked)});
    persons.push_back(r.person);
    certs.push_back({{"person", r.person}, {"serial", ToHex(r.serial)}, {"revoked_at", sync::FormatDate(r.revoked)}});
  }
  const TimePoint this_update = JstMidnight(ctx.as_of);
  const std::int64_t crl_number = sync::DaysSinceEpoch(ctx.as_of);
  AKARI_ASSIGN_OR_RETURN(
      crypto::X509CrlPtr crl,
      IssueCrl(ca, entries, this_update, this_update + std::chrono::hours(24 * 7), crl_number, ctx.prefecture->code));
  AKARI_ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyPem(*ca.key));
  AKARI_TRY(WriteFileAtomically(dir / "ca.der", crypto::CertificateDer(*ca.cert), 0644));
  AKARI_TRY(WriteText(dir / "ca-key.pem", key_pem, 0600));
  AKARI_TRY(WriteFileAtomically(dir / "crl.der", crypto::CrlDer(*crl), 0644));
  const nlohmann::json doc = {{"crl_number", crl_number}, {"persons", persons}, {"certificates", certs}};
  return WriteText(dir / "revoked.json", doc.dump(2) + "\n");
}

Status PrepareDirectory(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec)) {
      return MakeError(FieldkitErrc::kInvalidArgument, out.string() + " exists and is not a directory");
    }
    if (!fs::is_empty(out, ec)) {
      return MakeError(FieldkitErrc::kInvalidArgument,
                       "output directory " + out.string() + " is not empty; choose a new directory or remove it first");
    }
  }
  fs::create_directories(out / "trust", ec);
  if (ec) return MakeError(FieldkitErrc::kIo, "cannot create " + (out / "trust").string() + ": " + ec.message());
  return {};
}

Result<RegionStats> Generate(const RegionOptions& options, const fs::path& out) {
  AKARI_ASSIGN_OR_RETURN(GenContext ctx, MakeContext(options));
  CompressedWriter writer;
  AKARI_TRY(writer.Open(out / "persons.ndjson.zst"));
  BatchPipeline pipeline(ctx, writer);
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) threads.emplace_back([&pipeline] { pipeline.Worker(); });
  for (std::thread& t : threads) t.join();
  if (pipeline.failed()) return std::unexpected(pipeline.error());
  AKARI_TRY(writer.Write({}, /*last=*/true));
  AKARI_TRY(writer.Close());
  RegionStats stats = pipeline.stats();
  stats.compressed_bytes = writer.compressed();
  stats.revoked = static_cast<std::int64_t>(pipeline.revoked().size());
  AKARI_TRY(WriteTrust(ctx, out / "trust", pipeline.revoked()));
  const nlohmann::json region = {
      {"format", "akari-region"},      {"version", 1},
      {"region", options.region},      {"prefecture", ctx.prefecture->name},
      {"seed", options.seed},          {"as_of", sync::FormatDate(options.as_of)},
      {"persons", options.persons},    {"population_anchor", sync::FormatDate(kPopulationDate)},
      {"generator", "akari-gen 0.1.0"}};
  AKARI_TRY(WriteText(out / "region.json", region.dump(2) + "\n"));
  AKARI_TRY(SyncDirectory(out));
  return stats;
}

}  // namespace

Result<RegionStats> WriteRegion(const RegionOptions& options, const fs::path& out) {
  AKARI_TRY(ValidateRegionOptions(options));
  AKARI_TRY(PrepareDirectory(out));
  auto stats = Generate(options, out);
  if (!stats) {
    std::error_code ec;
    for (const char* name : {"persons.ndjson.zst", "region.json", "trust/ca.der", "trust/ca-key.pem", "trust/crl.der",
                             "trust/revoked.json"}) {
      fs::remove(out / name, ec);
    }
    fs::remove(out / "trust", ec);
  }
  return stats;
}

}  // namespace akari::fieldkit::gen
