#include "node/audit/journal.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/errors.h"
#include "base/json_text.h"
#include "base/strings.h"
#include "crypto/hash.h"
#include "node/node_dir.h"
#include "node/store/meta_keys.h"

namespace akari::node {
namespace {

namespace fs = std::filesystem;

using State = crypto_secretstream_xchacha20poly1305_state;

constexpr std::string_view kMagic = "AKARIAJ1";
constexpr std::size_t kPrefixBytes = 16;  // magic + generation: the associated data of every record
constexpr std::size_t kHeaderBytes = kPrefixBytes + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kLengthBytes = 4;
// An entry is a few hundred bytes; a length past this is damage.
constexpr std::uint32_t kMaxRecordBytes = 1 << 20;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "akariajn";
constexpr std::uint64_t kMaxGeneration = std::uint64_t{1} << 53;
constexpr std::uint64_t kKdfSubkeyId = 1;

std::array<std::uint8_t, kPrefixBytes> Prefix(std::int64_t generation) {
  std::array<std::uint8_t, kPrefixBytes> p{};
  std::memcpy(p.data(), kMagic.data(), kMagic.size());
  for (std::size_t i = 0; i < 8; ++i) {
    p[8 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(generation) >> (8 * i));
  }
  return p;
}

Result<crypto::SecretBuffer> DeriveKey(const crypto::SecretBuffer& database_key) {
  if (database_key.size() != crypto_kdf_KEYBYTES) {
    return MakeError(BaseErrc::kInvalidInput, "the store key has the wrong size for the audit journal");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key,
                         crypto::SecretBuffer::Allocate(crypto_secretstream_xchacha20poly1305_KEYBYTES));
  crypto_kdf_derive_from_key(key.data(), key.size(), kKdfSubkeyId, kKdfContext, database_key.data());
  return key;
}

State* AsState(crypto::SecretBuffer& buffer) {
  // The state is bytes only (alignment 1), so the buffer's address serves.
  return reinterpret_cast<State*>(buffer.data());
}

std::string EventText(const AuditEvent& event, TimePoint at) {
  // Written as text directly: one is written for every record shown.
  std::string text;
  text.reserve(256);
  JsonText j(text);
  j.BeginObject();
  j.Key("at").Int(ToUnixSeconds(at));
  j.Key("event").String(event.event);
  j.Key("actor").String(event.actor);
  j.Key("person_id");
  if (event.person_id) {
    j.Int(*event.person_id);
  } else {
    j.Null();
  }
  j.Key("detail").Tree(event.detail);
  j.EndObject();
  return text;
}

// One record: the length, then the event as the stream's next message.
Result<std::vector<std::uint8_t>> EncodeRecord(State* state, std::int64_t generation, const AuditEvent& event,
                                               TimePoint at) {
  const std::string text = EventText(event, at);
  const std::size_t n = text.size() + crypto_secretstream_xchacha20poly1305_ABYTES;
  if (n > kMaxRecordBytes) return MakeError(BaseErrc::kInvalidInput, "an audit event is too large for the journal");
  std::vector<std::uint8_t> record(kLengthBytes + n);
  for (std::size_t i = 0; i < kLengthBytes; ++i) record[i] = static_cast<std::uint8_t>(n >> (8 * i));
  const auto prefix = Prefix(generation);
  crypto_secretstream_xchacha20poly1305_push(
      state, record.data() + kLengthBytes, nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
      prefix.data(), prefix.size(), crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return record;
}

Status WriteAll(int fd, std::span<const std::uint8_t> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      return MakeError(BaseErrc::kIo,
                       std::string("cannot write to the audit journal: ") + std::strerror(w < 0 ? errno : EIO));
    }
    done += static_cast<std::size_t>(w);
  }
  return {};
}

std::optional<AuditEvent> ParseEvent(std::string_view text, std::optional<TimePoint>* when) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto at = j.find("at");
  const auto event = j.find("event");
  const auto actor = j.find("actor");
  const auto person = j.find("person_id");
  const auto detail = j.find("detail");
  if (at == j.end() || !at->is_number_integer() || event == j.end() || !event->is_string() || actor == j.end() ||
      !actor->is_string() || person == j.end() || !(person->is_null() || person->is_number_integer()) ||
      detail == j.end() || !detail->is_object()) {
    return std::nullopt;
  }
  AuditEvent e;
  *when = FromUnixSeconds(at->get<std::int64_t>());
  e.event = event->get<std::string>();
  e.actor = actor->get<std::string>();
  if (person->is_number_integer()) e.person_id = person->get<std::int64_t>();
  e.detail = *detail;
  return e;
}

// A journal as read back: its generation, the events that authenticate, in
// order, and what stopped the reading before the end ("" if nothing).
struct ReadJournal {
  crypto::Hash32 file_hash{};              // BLAKE2b-256 of the whole file
  std::optional<std::int64_t> generation;  // nullopt: the header is unreadable
  std::vector<AuditEvent> events;
  std::vector<std::optional<TimePoint>> at;  // one per event: when it happened
  std::string problem;
};

Result<ReadJournal> Read(const fs::path& path, crypto::SecretBuffer& key) {
  ReadJournal out;
  AKARI_ASSIGN_OR_RETURN(const Bytes bytes, ReadFileBytes(path));
  out.file_hash = crypto::Blake2b256(bytes);
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    out.problem = "the journal's header is damaged (" + std::to_string(bytes.size()) + " bytes in all)";
    return out;
  }
  std::uint64_t generation = 0;
  for (std::size_t i = 0; i < 8; ++i) generation |= static_cast<std::uint64_t>(bytes[8 + i]) << (8 * i);
  // Generations count up from 1 by one per process start or renewal.
  if (generation == 0 || generation > kMaxGeneration) {
    out.problem = "the journal's header is damaged (generation " + std::to_string(generation) + ")";
    return out;
  }
  out.generation = static_cast<std::int64_t>(generation);
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer state_buffer, crypto::SecretBuffer::Allocate(sizeof(State)));
  State* state = AsState(state_buffer);
  if (crypto_secretstream_xchacha20poly1305_init_pull(state, bytes.data() + kPrefixBytes, key.data()) != 0) {
    out.problem = "the journal's header is damaged";
    return out;
  }
  std::size_t pos = kHeaderBytes;
  std::vector<std::uint8_t> plain;
  while (pos < bytes.size()) {
    const std::string which = "entry " + std::to_string(out.events.size() + 1);
    if (bytes.size() - pos < kLengthBytes) {
      out.problem = which + " was cut short (the node stopped while writing it)";
      return out;
    }
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < kLengthBytes; ++i) n |= static_cast<std::uint32_t>(bytes[pos + i]) << (8 * i);
    pos += kLengthBytes;
    if (n < crypto_secretstream_xchacha20poly1305_ABYTES || n > kMaxRecordBytes) {
      out.problem = which + " has an impossible length (" + std::to_string(n) + "): the journal was changed or damaged";
      return out;
    }
    if (bytes.size() - pos < n) {
      out.problem = which + " was cut short (the node stopped while writing it)";
      return out;
    }
    plain.resize(n - crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    const auto prefix = Prefix(out.generation.value());
    if (crypto_secretstream_xchacha20poly1305_pull(state, plain.data(), &plain_len, &tag, bytes.data() + pos, n,
                                                   prefix.data(), prefix.size()) != 0) {
      out.problem = which + " does not authenticate: the journal was changed, reordered or damaged";
      return out;
    }
    pos += n;
    std::optional<TimePoint> when;
    auto event = ParseEvent(std::string_view(reinterpret_cast<const char*>(plain.data()), plain_len), &when);
    sodium_memzero(plain.data(), plain.size());
    if (!event) {
      out.problem = which + " authenticates but is not an audit event";
      return out;
    }
    out.events.push_back(std::move(*event));
    out.at.push_back(when);
  }
  return out;
}

struct Progress {
  std::int64_t generation = 0;
  std::int64_t merged = 0;
};

Result<Progress> ReadProgress(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(auto value, store.GetMeta(store::meta::kAuditJournal));
  Progress p;
  if (!value) return p;
  const auto colon = value->find(':');
  const auto generation = colon == std::string::npos ? std::nullopt : ParseInt64(value->substr(0, colon));
  const auto merged = colon == std::string::npos ? std::nullopt : ParseInt64(value->substr(colon + 1));
  if (!generation || !merged || *generation < 0 || *merged < 0) {
    return MakeError(BaseErrc::kInvalidInput, "the store's record of the audit journal (\"" + *value +
                                                  "\") is damaged; restore the node from a backup");
  }
  p.generation = *generation;
  p.merged = *merged;
  return p;
}

}  // namespace

Status AuditJournal::SyncStore(const fs::path& dir) {
  // The log's commits are not synced (synchronous=NORMAL): whatever they
  // wrote is in the WAL, which an fsync makes durable without writing
  // anything (so this works on a full disk too). No WAL: everything is in
  // the database file, which SQLite syncs when it checkpoints.
  const fs::path wal = dir / (std::string(kDatabaseFile) + "-wal");
  const int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return MakeError(BaseErrc::kIo, "cannot open " + wal.string() + ": " + std::strerror(errno));
  }
  const int synced = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (synced != 0) return MakeError(BaseErrc::kIo, "cannot sync " + wal.string() + ": " + std::strerror(err));
  return {};
}

namespace {

// Where a journal that could not be read to its end is kept: a name no
// earlier one has.
fs::path KeptName(const fs::path& dir, std::optional<std::int64_t> generation) {
  std::string stamp = FormatUtc(SystemClock::Instance().Now());
  std::erase_if(stamp, [](char c) { return c == ':' || c == '-'; });
  const std::string base = std::string(AuditJournal::kFileName) + ".damaged-" +
                           (generation ? std::to_string(*generation) : std::string("unknown")) + "-" + stamp;
  fs::path path = dir / base;
  for (int i = 2; fs::exists(path); ++i) path = dir / (base + "-" + std::to_string(i));
  return path;
}

// With the journal's lock held: moves what `path` holds beyond what the
// store has merged into the log, and returns the generation a new journal
// must take (above both the file's and the store's).
Result<AuditJournalRecovery> Merge(const fs::path& dir, crypto::SecretBuffer& key, AuditLog& log,
                                   std::int64_t* next_generation) {
  AuditJournalRecovery recovery;
  store::Store& store = log.store();
  AKARI_ASSIGN_OR_RETURN(const Progress progress, ReadProgress(store));
  *next_generation = progress.generation + 1;
  const fs::path path = dir / AuditJournal::kFileName;
  auto read = Read(path, key);
  if (!read) {
    if (read.error().code == BaseErrc::kNotFound) return recovery;
    return std::unexpected(read.error());
  }
  // The header's generation counts only once a record proves the file is
  // this node's (it is in every record's associated data): a header
  // altered on its own must not move the store's record of the journal.
  const bool trusted = !read->events.empty() && read->generation.has_value();
  const std::int64_t generation = trusted ? read->generation.value_or(0) : 0;
  if (trusted) {
    *next_generation = std::max(progress.generation, generation) + 1;
    if (generation < progress.generation) {
      // Merged before, then replaced by a newer one: this is an old copy.
      read->problem = "a journal of generation " + std::to_string(generation) +
                      " was found, older than the one already merged (" + std::to_string(progress.generation) +
                      "): it was put back from an old copy; its entries were not merged again";
      read->events.clear();
      read->at.clear();
    } else if (generation == progress.generation) {
      const auto total = static_cast<std::int64_t>(read->events.size());
      if (total < progress.merged && read->problem.empty()) {
        read->problem = "the journal holds " + std::to_string(total) + " entries but " +
                        std::to_string(progress.merged) + " were merged from it: it was cut short";
      }
      const auto skip = std::min(total, progress.merged);
      read->events.erase(read->events.begin(), read->events.begin() + skip);
      read->at.erase(read->at.begin(), read->at.begin() + skip);
    }
  }
  const auto merged_count = static_cast<std::int64_t>(read->events.size());
  const bool damaged = !read->problem.empty();
  const std::string file_hash = ToHex(read->file_hash);
  // A damage reported before (the file could not be moved aside then) is
  // not reported again.
  AKARI_ASSIGN_OR_RETURN(const auto reported, store.GetMeta(store::meta::kAuditJournalDamage));
  const bool report = damaged && reported != file_hash;
  if (merged_count > 0 || report) {
    std::vector<const AuditEvent*> pointers;
    for (const AuditEvent& e : read->events) pointers.push_back(&e);
    AuditEvent damage;
    if (report) {
      damage.event = "audit.journal_damaged";
      damage.actor = "system";
      damage.detail = {{"generation", trusted ? nlohmann::json(generation) : nlohmann::json(nullptr)},
                       {"recovered", merged_count},
                       {"problem", read->problem},
                       {"file_blake2b", file_hash}};
      pointers.push_back(&damage);
      read->at.push_back(std::nullopt);
    }
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store.database(), /*durable=*/true));
    // In writes of at most 256, as the audit writer makes them: one
    // signature each.
    constexpr std::size_t kChunk = 256;
    for (std::size_t i = 0; i < pointers.size(); i += kChunk) {
      const std::size_t n = std::min(kChunk, pointers.size() - i);
      AKARI_TRY(log.AppendBatch(std::span(pointers).subspan(i, n), nullptr, nullptr,
                                std::span<const std::optional<TimePoint>>(read->at).subspan(i, n)));
    }
    if (trusted && generation >= progress.generation && merged_count > 0) {
      const std::int64_t before = generation == progress.generation ? progress.merged : 0;
      AKARI_TRY(AuditJournal::RecordMerged(store, {generation, before + merged_count}));
    }
    if (report) AKARI_TRY(store.SetMeta(store::meta::kAuditJournalDamage, file_hash));
    AKARI_TRY(tx.Commit());
  }
  recovery.merged = merged_count;
  recovery.problem = read->problem;
  if (damaged) {
    // Kept for whoever looks into it; the journal itself starts anew.
    const fs::path aside = KeptName(dir, read->generation);
    if (::rename(path.c_str(), aside.c_str()) != 0) {
      // What it held is in the log and the damage is reported; the next to
      // take the journal tries again (and does not report it twice).
      recovery.problem += "; the damaged journal could not be moved to " + aside.string() + ": " + std::strerror(errno);
    }
  }
  return recovery;
}

}  // namespace

Result<std::unique_ptr<AuditJournal>> AuditJournal::Open(const fs::path& dir, const crypto::SecretBuffer& database_key,
                                                         AuditLog& log, AuditJournalRecovery* recovery,
                                                         std::int64_t renew_past_bytes) {
  AKARI_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(dir / kLockFileName));
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key, DeriveKey(database_key));
  std::int64_t next_generation = 1;
  AKARI_ASSIGN_OR_RETURN(AuditJournalRecovery found, Merge(dir, key, log, &next_generation));
  if (recovery != nullptr) *recovery = std::move(found);
  // The new generation replaces the old file durably. What the old one
  // held may have been merged by commits not yet synced (a serve killed
  // and started again at once): they must be on disk before the file that
  // could replay them is gone.
  AKARI_TRY(SyncStore(dir));
  std::unique_ptr<AuditJournal> journal(new AuditJournal(dir, std::move(lock), std::move(key)));
  journal->renew_past_bytes_ = renew_past_bytes;
  AKARI_TRY(journal->StartGeneration(next_generation, {}, {}));
  return journal;
}

Result<std::optional<AuditJournalRecovery>> AuditJournal::MergeLeftover(const fs::path& dir,
                                                                        const crypto::SecretBuffer& database_key,
                                                                        AuditLog& log) {
  // Nothing to merge, and no lock file to leave behind, on a node that
  // never served.
  if (!fs::exists(dir / kFileName)) return std::optional<AuditJournalRecovery>(AuditJournalRecovery{});
  auto lock = FileLock::TryAcquire(dir / kLockFileName);
  if (!lock) {
    if (lock.error().code == BaseErrc::kBusy) return std::optional<AuditJournalRecovery>();
    return std::unexpected(lock.error());
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key, DeriveKey(database_key));
  std::int64_t next_generation = 1;
  AKARI_ASSIGN_OR_RETURN(AuditJournalRecovery found, Merge(dir, key, log, &next_generation));
  return std::optional<AuditJournalRecovery>(std::move(found));
}

AuditJournal::~AuditJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Status AuditJournal::StartGeneration(std::int64_t generation, std::span<const AuditEvent* const> carry,
                                     std::span<const TimePoint> at) {
  const fs::path path = dir_ / kFileName;
  const fs::path temp = dir_ / (std::string(kFileName) + ".new");
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer state, crypto::SecretBuffer::Allocate(sizeof(State)));
  std::vector<std::uint8_t> content(kHeaderBytes);
  const auto prefix = Prefix(generation);
  std::memcpy(content.data(), prefix.data(), prefix.size());
  crypto_secretstream_xchacha20poly1305_init_push(AsState(state), content.data() + kPrefixBytes, key_.data());
  for (std::size_t i = 0; i < carry.size(); ++i) {
    AKARI_ASSIGN_OR_RETURN(const auto record, EncodeRecord(AsState(state), generation, *carry[i], at[i]));
    content.insert(content.end(), record.begin(), record.end());
  }
  // Written whole and fsynced before it is renamed into place, so a crash
  // never leaves a journal that is neither the old one nor the new one.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(BaseErrc::kIo, "cannot create the audit journal " + temp.string() + ": " + std::strerror(errno));
  }
  Status written = WriteAll(fd, content);
  if (written && ::fsync(fd) != 0) {
    written = MakeError(BaseErrc::kIo, "cannot write the audit journal " + temp.string() + ": " + std::strerror(errno));
  }
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = MakeError(BaseErrc::kIo,
                        "cannot rename " + temp.string() + " to " + path.string() + ": " + std::strerror(errno));
  }
  if (!written) {
    ::close(fd);
    ::unlink(temp.c_str());
    return written;
  }
  // The rename made durable (a failure only weakens that; the new file is
  // the journal either way).
  static_cast<void>(SyncDirectory(dir_));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  state_ = std::move(state);
  generation_ = generation;
  appended_ = static_cast<std::int64_t>(carry.size());
  merged_ = 0;
  bytes_ = static_cast<std::int64_t>(content.size());
  broken_ = false;
  return {};
}

Status AuditJournal::Renew(std::span<const AuditEvent* const> carry, std::span<const TimePoint> at) {
  if (carry.size() != at.size()) return MakeError(BaseErrc::kInvalidInput, "one time per carried audit event");
  return StartGeneration(generation_ + 1, carry, at);
}

Result<AuditJournalTicket> AuditJournal::Append(const AuditEvent& event, TimePoint at) {
  if (broken_) return MakeError(BaseErrc::kIo, "the audit journal stopped taking entries after a failed write");
  if (!event.detail.is_object()) return MakeError(BaseErrc::kInvalidInput, "an audit event's detail must be an object");
  AKARI_ASSIGN_OR_RETURN(const auto record, EncodeRecord(AsState(state_), generation_, event, at));
  if (auto written = WriteAll(fd_, record); !written) {
    // The stream has moved past this record: no later one could be read
    // after a half-written one. Cut it off if possible and stop here; if
    // not, the next to take the journal finds it cut short and merges
    // what is before it.
    broken_ = true;
    if (::ftruncate(fd_, bytes_) != 0) {
      // Left cut short: reported and dealt with as above.
    }
    return std::unexpected(written.error());
  }
  bytes_ += static_cast<std::int64_t>(record.size());
  ++appended_;
  return AuditJournalTicket{generation_, appended_};
}

Status AuditJournal::RecordMerged(store::Store& store, AuditJournalTicket last) {
  return store.SetMeta(store::meta::kAuditJournal, std::to_string(last.generation) + ":" + std::to_string(last.count));
}

void AuditJournal::Merged(AuditJournalTicket last) {
  if (last.generation == generation_) merged_ = std::max(merged_, last.count);
}

}  // namespace akari::node
