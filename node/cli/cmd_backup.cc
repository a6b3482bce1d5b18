// `akari backup` and `akari restore` (node/backup.h): a copy of the node,
// still encrypted, on removable media, and the node made again from it.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "crypto/tls_certificate.h"
#include "node/backup.h"
#include "node/cli/cli.h"
#include "node/sync/disk_space.h"

namespace akari::cli {
namespace {

nlohmann::json InfoJson(const node::BackupInfo& info) {
  nlohmann::json out = {
      {"dir", info.dir.string()},
      {"node_id", info.node_id},
      {"created_at", FormatUtc(info.created_at)},
      {"data_version", info.data_version ? nlohmann::json(*info.data_version) : nlohmann::json(nullptr)},
      {"persons", info.counts.persons},
      {"checks", info.counts.checks},
      {"checks_pending", info.counts.checks_pending},
      {"audit_entries", info.counts.audit_entries},
      {"bytes", info.bytes}};
  if (info.next_check_seq) out["next_check_seq"] = *info.next_check_seq;
  out["tls_fingerprint"] = info.tls_fingerprint ? nlohmann::json(*info.tls_fingerprint) : nlohmann::json(nullptr);
  if (info.audit_journal_warning) out["audit_journal_warning"] = *info.audit_journal_warning;
  return out;
}

std::string Counts(const node::BackupInfo& info) {
  return std::to_string(info.counts.checks) + " checks (" + std::to_string(info.counts.checks_pending) +
         " not yet reconciled), " + std::to_string(info.counts.persons) + " persons" +
         (info.data_version ? " at data version " + std::to_string(*info.data_version) : std::string()) + ", " +
         std::to_string(info.counts.audit_entries) + " audit entries";
}

void RegisterBackup(CLI::App& app, CommandTable& table) {
  struct Options {
    std::string dir;
    std::string out;
    PassphraseSource passphrase;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Copy the node, still encrypted, to a new or empty directory (a USB stick): its checks survive the "
      "machine");
  AddDataOption(cmd, opts->dir);
  cmd->add_option("--out", opts->out, "Directory to write the backup to (new or empty)")->required()->type_name("DIR");
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    AKARI_ASSIGN_OR_RETURN(node::BackupInfo info, node::BackupNode(node, opts->out, SystemClock::Instance()));
    if (info.audit_journal_warning) std::cerr << "warning: " << *info.audit_journal_warning << "\n";
    if (opts->json) {
      Print(InfoJson(info).dump(2));
    } else {
      Print("Backed up node " + info.node_id + " to " + opts->out + " (" + node::FormatSize(info.bytes) +
            ", checked by opening it): " + Counts(info));
      Print("It opens only with a passphrase of this node's key slots. Restore with: akari restore --from " +
            opts->out + " --data NEW_DIR");
    }
    return {};
  });
}

void RegisterRestore(CLI::App& app, CommandTable& table) {
  struct Options {
    std::string from;
    std::string dir;
    PassphraseSource passphrase;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "restore", "Make the node of a backup again in a new or empty directory (after its machine was lost)");
  cmd->add_option("--from", opts->from, "Backup directory (akari backup --out)")->required()->type_name("DIR");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, ObtainPassphrase(opts->passphrase));
    AKARI_ASSIGN_OR_RETURN(node::BackupInfo info,
                           node::RestoreNode(opts->from, opts->dir, passphrase, SystemClock::Instance()));
    if (opts->json) {
      Print(InfoJson(info).dump(2));
    } else {
      Print("Restored node " + info.node_id + " into " + opts->dir + " as of its backup of " +
            FormatUtc(info.created_at) + ": " + Counts(info));
      Print("Checks recorded here are numbered from " + std::to_string(info.next_check_seq.value_or(0)) +
            ", above any the machine the backup came from may have made since. Do not use that machine again: its "
            "audit log and this one would go separate ways. Next: akari status --data " +
            opts->dir + ", then akari serve");
      if (info.tls_fingerprint) {
        Print("Its TLS certificate came with it: staff's tablets see the same fingerprint, " +
              crypto::FormatFingerprint(*info.tls_fingerprint) + ".");
      } else {
        Print(
            "The backup holds no TLS certificate (the node never served over TLS, or an older Akari kept it in a "
            "file). If the node served its staff over TLS (akari serve --tls), it makes a new certificate at its "
            "first start: its fingerprint changes. Tell staff the new one (akari status shows it) before they "
            "connect, so that they do not take the change for an attack.");
      }
    }
    return {};
  });
}

}  // namespace

void RegisterBackupCommands(CLI::App& app, CommandTable& table) {
  RegisterBackup(app, table);
  RegisterRestore(app, table);
}

}  // namespace akari::cli
