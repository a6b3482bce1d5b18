// `akari disaster on|off`: declare or end disaster mode (災害時モード), in
// which staff may search by kana name, birth date, sex and address with a
// recorded reason. A running `akari serve` sees the change at once.
#include <memory>

#include "base/clock.h"
#include "node/audit/audit_log.h"
#include "node/cli/cli.h"
#include "node/service/disaster_mode.h"

namespace akari::cli {
namespace {

void RegisterSwitch(CLI::App* group, CommandTable& table, bool on) {
  struct Options {
    std::string dir;
    std::string reason;
    PassphraseSource passphrase;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand(on ? "on" : "off",
                                        on ? "Declare disaster mode (a reason is required)" : "End disaster mode");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  CLI::Option* reason = cmd->add_option(
      "--reason", opts->reason,
      on ? "Why: the disaster and the area (recorded in the audit log)" : "Why it ends (recorded in the audit log)");
  if (on) reason->required();
  table.Add(cmd, [opts, on]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                         SystemClock::Instance());
    AKARI_TRY(node::SetNodeMode(node.store, audit, on, opts->reason, "cli"));
    Print(on ? "Disaster mode is ON: staff may search by kana name and birth date, each search with a reason"
             : "Disaster mode is OFF: records open only through a card or insurance-number check");
    return {};
  });
}

}  // namespace

void RegisterDisasterCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("disaster", "Declare or end disaster mode (災害時モード)");
  group->require_subcommand(1);
  RegisterSwitch(group, table, true);
  RegisterSwitch(group, table, false);
}

}  // namespace akari::cli
