// `akari audit verify|export|verify-export`: check the node's hash-chained,
// signed audit log; export it as JSON lines for the regional office, with
// a header line naming the node and its public signing key; and verify such
// an export on any machine, without the node's keys.
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/strings.h"
#include "node/audit/audit_log.h"
#include "node/audit/journal.h"
#include "node/cli/cli.h"

namespace akari::cli {
namespace {

// Version 2: only the last entry of each write carries a signature
// (audit_log.h). Version 1 files (every entry signed) verify the same way.
constexpr std::string_view kExportFormat = "akari-audit-export/2";
constexpr std::string_view kExportFormatV1 = "akari-audit-export/1";

node::AuditLog LogOf(node::OpenNode& node) {
  return node::AuditLog(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                        SystemClock::Instance());
}

// Moves what a stopped akari serve left in the audit journal into the log
// first, so that the log read next holds every record opening (a running
// one moves its own within a fraction of a second). A failure to (a full
// disk) is a warning: the entries stay in the journal, and the log as it
// is can still be checked and exported.
void MergeJournalLeftover(node::OpenNode& node, node::AuditLog& log) {
  auto leftover = node::AuditJournal::MergeLeftover(node.dir, node.keystore.database_key(), log);
  if (!leftover) {
    std::cerr << "warning: record openings left in the audit journal could not be moved into the log ("
              << leftover.error().message << "); they stay in the journal, and akari serve moves them when it "
              << "starts\n";
  } else if (*leftover && !(*leftover)->problem.empty()) {
    std::cerr << "warning: the audit journal was damaged: " << (*leftover)->problem << " (recorded in the log as "
              << "audit.journal_damaged; " << (*leftover)->merged << " entries recovered)\n";
  }
}

void RegisterAuditVerify(CLI::App* group, CommandTable& table) {
  struct Options {
    std::string dir;
    PassphraseSource passphrase;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand("verify", "Check every entry: edited, deleted or reordered entries are named");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    node::AuditLog log = LogOf(node);
    MergeJournalLeftover(node, log);
    AKARI_ASSIGN_OR_RETURN(node::AuditVerifyReport report, log.Verify());
    AKARI_ASSIGN_OR_RETURN(auto head, log.Head());
    if (opts->json) {
      Print(nlohmann::json{{"ok", report.ok()},
                           {"entries_checked", report.entries},
                           {"first_bad_seq", report.first_bad_seq ? nlohmann::json(*report.first_bad_seq) : nullptr},
                           {"problem", report.problem},
                           {"head_seq", head.first},
                           {"head_hash", ToHex(head.second)}}
                .dump(2));
    }
    if (!report.ok()) {
      return MakeError(BaseErrc::kInvalidInput, "the audit log is damaged at entry " +
                                                    std::to_string(*report.first_bad_seq) + ": " + report.problem +
                                                    ". Keep this node's data directory as it is and report it to "
                                                    "the regional office");
    }
    if (!opts->json) {
      Print("Audit log intact: " + std::to_string(report.entries) + " entries, head " + std::to_string(head.first) +
            " " + ToHex(head.second));
    }
    return {};
  });
}

void RegisterExport(CLI::App* group, CommandTable& table) {
  struct Options {
    std::string dir;
    std::string out;
    PassphraseSource passphrase;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand(
      "export", "Write the log as JSON lines (a header line with the node's public key, then one line per entry)");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--out", opts->out, "File to write (default: standard output)")->type_name("FILE");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    node::AuditLog log = LogOf(node);
    MergeJournalLeftover(node, log);
    // One read snapshot for the header and the lines, so that entries a
    // running server appends meanwhile cannot make them disagree.
    AKARI_ASSIGN_OR_RETURN(store::ReadTransaction snapshot, store::ReadTransaction::Begin(node.store.database()));
    AKARI_ASSIGN_OR_RETURN(auto head, log.Head());
    const nlohmann::json header = {{"format", kExportFormat},
                                   {"node_id", node.keystore.node_id()},
                                   {"signing_public_key", ToHex(node.keystore.signing_public_key())},
                                   {"exported_at", FormatUtc(SystemClock::Instance().Now())},
                                   {"entries", head.first},
                                   {"head_hash", ToHex(head.second)}};
    if (opts->out.empty()) {
      std::cout << header.dump() << '\n';
      AKARI_TRY(log.ExportJsonLines(std::cout));
      std::cout.flush();
      return {};
    }
    std::ofstream file(opts->out, std::ios::binary | std::ios::trunc);
    if (!file) return MakeError(BaseErrc::kIo, "cannot write " + opts->out);
    file << header.dump() << '\n';
    AKARI_TRY(log.ExportJsonLines(file));
    file.close();
    if (!file) return MakeError(BaseErrc::kIo, "writing " + opts->out + " failed (disk full?)");
    std::cerr << "Exported " << head.first << " audit entries to " << opts->out << "\n";
    return {};
  });
}

// Re-derives one exported entry's body (the canonical JSON that was hashed).
std::string BodyOf(nlohmann::json line) {
  line.erase("prev_hash");
  line.erase("hash");
  line.erase("signature");
  return line.dump();
}

// A field of an export's line if it has the type an export gives it, else
// "" or -1: a file edited by hand gets an answer naming the line, not a
// JSON type exception.
std::string TextField(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t IntField(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : -1;
}

// An entry the export must hold: the audit head the node reported to its
// hub (akari-hub node list: audit_head.seq and .hash).
struct ExpectedHead {
  std::int64_t seq = 0;
  std::string hash_hex;
};

Result<std::optional<ExpectedHead>> ParseHubHead(const std::string& text) {
  if (text.empty()) return std::optional<ExpectedHead>();
  const auto colon = text.find(':');
  std::int64_t seq = 0;
  std::string hash;
  if (colon != std::string::npos) {
    seq = ParseInt64(text.substr(0, colon)).value_or(0);
    hash = text.substr(colon + 1);
  }
  const auto bytes = FromHex(hash);
  if (seq <= 0 || !bytes || bytes->size() != 32) {
    return MakeError(BaseErrc::kInvalidInput,
                     "--hub-head takes SEQ:HASH, the entry number and its 64-digit hex hash as `akari-hub node list "
                     "--json` shows them (audit_head.seq and audit_head.hash); got \"" +
                         text + "\"");
  }
  return std::optional<ExpectedHead>(ExpectedHead{seq, ToHex(*bytes)});
}

Status VerifyExport(const std::string& path, const std::string& expected_key, const std::string& hub_head_text) {
  AKARI_ASSIGN_OR_RETURN(const std::optional<ExpectedHead> hub_head, ParseHubHead(hub_head_text));
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(BaseErrc::kNotFound, "cannot read " + path);
  std::string text;
  if (!std::getline(in, text)) return MakeError(BaseErrc::kInvalidInput, path + " is empty");
  const nlohmann::json header = nlohmann::json::parse(text, nullptr, false);
  if (!header.is_object() ||
      (TextField(header, "format") != kExportFormat && TextField(header, "format") != kExportFormatV1))
    return MakeError(BaseErrc::kInvalidInput, path + " does not start with an akari audit export header");
  const std::string key_hex = TextField(header, "signing_public_key");
  if (!expected_key.empty() && expected_key != key_hex) {
    return MakeError(BaseErrc::kInvalidInput, "the export is signed by key " + key_hex +
                                                  ", not the node key you expected (" + expected_key + ")");
  }
  const auto key_bytes = FromHex(key_hex);
  crypto::Ed25519PublicKey key{};
  if (!key_bytes || key_bytes->size() != key.size())
    return MakeError(BaseErrc::kInvalidInput, "the export header's signing_public_key is not an Ed25519 key");
  std::copy(key_bytes->begin(), key_bytes->end(), key.begin());
  Bytes prev(32, 0);
  std::int64_t seq = 0;
  node::AuditSignatureCoverage coverage(key, "is not signed by the node key in the header");
  while (std::getline(in, text)) {
    ++seq;
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    const std::string where = "entry " + std::to_string(seq) + " (line " + std::to_string(seq + 1) + ")";
    if (!line.is_object() || TextField(line, "hash").empty() || TextField(line, "prev_hash").empty())
      return MakeError(BaseErrc::kInvalidInput, where + " is not an audit entry (it needs hash and prev_hash in hex)");
    if (IntField(line, "seq") != seq)
      return MakeError(BaseErrc::kInvalidInput, where + " has seq " + line.value("seq", nlohmann::json()).dump() +
                                                    ": entries were deleted, inserted or reordered");
    const auto line_prev = FromHex(TextField(line, "prev_hash"));
    if (!line_prev || *line_prev != prev)
      return MakeError(BaseErrc::kInvalidInput, where + " does not chain to the entry before it");
    const crypto::Hash32 hash = node::AuditEntryHash(prev, BodyOf(line));
    if (ToHex(hash) != TextField(line, "hash"))
      return MakeError(BaseErrc::kInvalidInput, where + " was edited: its content does not match its hash");
    if (hub_head && seq == hub_head->seq && ToHex(hash) != hub_head->hash_hex) {
      return MakeError(BaseErrc::kInvalidInput,
                       where +
                           " is not the entry the node reported to its hub under this number: the log was "
                           "rewritten from there on (or the node was restored from a backup and went on)");
    }
    // An export line's "signature" that is present but not hex (or not a
    // string) is a signature that does not verify, not a missing one.
    std::optional<Bytes> signature;
    if (line.contains("signature")) signature = FromHex(TextField(line, "signature")).value_or(Bytes{});
    if (auto problem = coverage.Add(seq, line, hash, signature ? std::optional<ByteSpan>(*signature) : std::nullopt)) {
      return MakeError(BaseErrc::kInvalidInput, problem->message + " (line " + std::to_string(problem->seq + 1) + ")");
    }
    prev.assign(hash.begin(), hash.end());
  }
  if (auto problem = coverage.Finish(seq, "an export")) {
    return MakeError(BaseErrc::kInvalidInput, problem->message);
  }
  if (seq != IntField(header, "entries") || ToHex(prev) != TextField(header, "head_hash")) {
    return MakeError(BaseErrc::kInvalidInput,
                     "the export holds " + std::to_string(seq) + " entries but its header promises " +
                         header.value("entries", nlohmann::json()).dump() + ": entries were cut off the end");
  }
  if (hub_head && seq < hub_head->seq) {
    return MakeError(BaseErrc::kInvalidInput,
                     "the export ends at entry " + std::to_string(seq) + ", but the node reported entry " +
                         std::to_string(hub_head->seq) +
                         " to its hub: entries were cut off the end (or the node was restored from an older backup)");
  }
  Print("Export intact: " + std::to_string(seq) + " entries from node " + TextField(header, "node_id") +
        ", signed by " + key_hex +
        (hub_head ? ", and it holds entry " + std::to_string(hub_head->seq) + " as the node reported it to its hub"
                  : std::string()));
  return {};
}

void RegisterVerifyExport(CLI::App* group, CommandTable& table) {
  struct Options {
    std::string file;
    std::string key;
    std::string hub_head;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand("verify-export", "Verify an exported log file (no node or passphrase needed)");
  cmd->add_option("--file", opts->file, "The file written by akari audit export")->required()->type_name("FILE");
  cmd->add_option("--public-key", opts->key, "The node's signing key (hex) as registered with the regional office");
  cmd->add_option("--hub-head", opts->hub_head,
                  "The audit head the node last reported to its hub (akari-hub node list --json: audit_head.seq "
                  "and .hash): the export must hold that entry, unchanged")
      ->type_name("SEQ:HASH");
  table.Add(cmd, [opts]() -> Status { return VerifyExport(opts->file, opts->key, opts->hub_head); });
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("audit", "Verify or export the node's audit log");
  group->require_subcommand(1);
  RegisterAuditVerify(group, table);
  RegisterExport(group, table);
  RegisterVerifyExport(group, table);
}

}  // namespace akari::cli
