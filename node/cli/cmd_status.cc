// `akari status`: schema, counts, key slots, data age and expiry.
#include <memory>

#include "crypto/tls_certificate.h"
#include "node/cli/cli.h"
#include "node/status.h"
#include "node/sync/disk_space.h"

namespace akari::cli {
namespace {

std::string Row(std::string_view label, std::string_view value) {
  return LabelledRow(label, value, 18);
}

void PrintHuman(const node::NodeStatus& st) {
  Print(Row("Node", st.node_id));
  Print(Row("Region", st.region.empty() ? "not enrolled (run akari enroll)" : st.region));
  Print(Row("Mode", st.mode == "disaster" ? "DISASTER MODE (demographic search allowed)" : "normal"));
  if (!st.data_version) {
    Print(Row("Data", "none yet: run akari sync while online"));
  } else {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(st.now - st.data_created_at.value_or(st.now));
    std::string data = "version " + std::to_string(*st.data_version);
    // How old the records are comes first: a publication signs the same
    // records again (a new node, a renewed expiry) without making them newer.
    if (st.data_records_as_of != 0) {
      const std::int64_t days = node::RecordsAgeDays(st.data_records_as_of, st.now);
      std::string age_text = std::to_string(days) + " days old";
      if (days < 0) age_text = "a date after today: check this machine's clock";
      if (days == 0) age_text = "today";
      if (days == 1) age_text = "1 day old";
      data += ", records as of " + sync::FormatDate(st.data_records_as_of) + " (" + age_text + ")";
    }
    if (st.data_created_at)
      data += ", published " + FormatUtc(*st.data_created_at) + " (" + node::DescribeAge(age) + " ago)";
    Print(Row("Data", data));
    if (st.data_expires_at) {
      Print(Row("Expiry", st.expired ? "PAST EXPIRY since " + FormatUtc(*st.data_expires_at) +
                                           ": still served, but sync as soon as possible"
                                     : "valid until " + FormatUtc(*st.data_expires_at)));
    }
  }
  if (st.clock_behind) {
    Print(Row("Clock", "WARNING: this machine's clock (" + FormatUtc(st.now) +
                           ") is behind the newest signed time seen (" + FormatUtc(*st.trusted_time) +
                           "); fix the clock, times shown may be wrong"));
  }
  Print(Row("Persons", std::to_string(st.counts.persons)));
  Print(Row("Card links", std::to_string(st.counts.card_links)));
  Print(Row("Checks", std::to_string(st.counts.checks) + " (" + std::to_string(st.counts.checks_pending) +
                          " not yet reconciled, " + std::to_string(st.checks_confirmed) + " confirmed, " +
                          std::to_string(st.checks_changed) + " need a different claim: akari checks report)"));
  Print(Row("Operators", std::to_string(st.counts.operators)));
  Print(Row("Audit entries", std::to_string(st.counts.audit_entries)));
  Print(Row("Schema version", std::to_string(st.schema_version)));
  if (st.disk_free_bytes) {
    std::string disk = node::FormatSize(*st.disk_free_bytes) +
                       " free on the disk holding the node's directory (store " + node::FormatSize(st.store_bytes) +
                       ")";
    if (st.disk_low)
      disk = "LOW: " + disk + "; when the disk is full no check or record opening can be recorded. Free space on it";
    Print(Row("Disk", disk));
  }
  if (st.tls_fingerprint) Print(Row("TLS fingerprint", crypto::FormatFingerprint(*st.tls_fingerprint)));
  for (const auto& slot : st.key_slots) {
    Print(Row(slot.id == st.key_slots.front().id ? "Key slots" : "",
              std::to_string(slot.id) + ": " + slot.label + " (added " + slot.created_utc + ")"));
  }
}

}  // namespace

void RegisterStatusCommand(CLI::App& app, CommandTable& table) {
  struct Options {
    std::string dir;
    PassphraseSource passphrase;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("status", "Show the node's data version, age, expiry, counts and key slots");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    AKARI_ASSIGN_OR_RETURN(node::NodeStatus st, node::ReadNodeStatus(node, SystemClock::Instance()));
    if (opts->json) {
      Print(node::NodeStatusToJson(st).dump(2));
    } else {
      PrintHuman(st);
    }
    return {};
  });
}

}  // namespace akari::cli
