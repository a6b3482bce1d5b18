// `akari operator add|list|remove|unlock`: the staff who log in to the
// local service, each with a role and a 4–8 digit PIN (kept only as an
// Argon2id hash). Every change is written to the audit log.
#include <memory>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "node/audit/audit_log.h"
#include "node/cli/cli.h"
#include "node/operators/errors.h"
#include "node/operators/operator_store.h"

namespace akari::cli {
namespace {

std::string StateOf(const node::Operator& op, TimePoint now) {
  if (op.removed_at) return "removed " + FormatUtc(*op.removed_at);
  if (op.LockedAt(now)) return "LOCKED until " + FormatUtc(*op.locked_until);
  if (op.failed_logins > 0) return "active (" + std::to_string(op.failed_logins) + " wrong PINs since last login)";
  return "active";
}

struct OperatorChange {
  std::string dir;
  std::string id;
  PassphraseSource passphrase;
};

Status Audited(node::OpenNode& node, std::string_view event, const std::string& id, nlohmann::json detail) {
  node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                       SystemClock::Instance());
  detail["operator_id"] = id;
  AKARI_TRY(audit.Append({std::string(event), "cli", std::nullopt, std::move(detail)}));
  return {};
}

void RegisterAdd(CLI::App* group, CommandTable& table) {
  struct Options {
    std::string dir;
    std::string id;
    std::string name;
    std::string role;
    PassphraseSource passphrase;
    PassphraseSource pin{.file = "",
                         .env_var = "AKARI_OPERATOR_PIN",
                         .prompt = "PIN for the new operator (4-8 digits): ",
                         .no_terminal =
                             "no PIN given and no terminal to ask on: use --pin-file FILE or "
                             "AKARI_OPERATOR_PIN"};
    KdfOption kdf;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand("add", "Add an operator with a role and a PIN");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--id", opts->id, "Login id: 1-32 of a-z 0-9 . _ - (never reused)")->required();
  cmd->add_option("--name", opts->name, "Name shown in the UI (1-64 characters)")->required();
  cmd->add_option("--role", opts->role, "admin, doctor, pharmacist, nurse or clerk")
      ->required()
      ->check(CLI::IsMember({"admin", "doctor", "pharmacist", "nurse", "clerk"}));
  AddPassphraseOption(cmd, opts->pin, "--pin-file");
  AddKdfOption(cmd, opts->kdf);
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    auto pin_read = ObtainPassphrase(opts->pin, /*confirm=*/true);
    if (!pin_read) {
      const bool no_source = pin_read.error().message == opts->pin.no_terminal;
      return MakeError(pin_read.error().code,
                       no_source ? pin_read.error().message : "reading the PIN: " + pin_read.error().message);
    }
    crypto::SecretBuffer pin = std::move(*pin_read);
    const node::Role role = node::ParseRole(opts->role).value_or(node::Role::kClerk);
    node::OperatorStore operators(node.store, SystemClock::Instance());
    AKARI_ASSIGN_OR_RETURN(
        node::Operator op,
        operators.Add(opts->id, opts->name, role, pin, KdfParamsFor(opts->kdf), [&node](const node::Operator& added) {
          return Audited(node, "operator.add", added.id, {{"role", node::RoleName(added.role)}});
        }));
    Print("Added operator " + op.id + " (" + std::string(node::RoleName(op.role)) + ")");
    return {};
  });
}

void RegisterList(CLI::App* group, CommandTable& table) {
  struct Options {
    std::string dir;
    PassphraseSource passphrase;
    bool all = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = group->add_subcommand("list", "List operators, their roles and lockouts");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_flag("--all", opts->all, "Include removed operators");
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON");
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    node::OperatorStore operators(node.store, SystemClock::Instance());
    AKARI_ASSIGN_OR_RETURN(std::vector<node::Operator> list, operators.List(opts->all));
    const TimePoint now = SystemClock::Instance().Now();
    nlohmann::json out = nlohmann::json::array();
    for (const node::Operator& op : list) {
      if (opts->json) {
        out.push_back({{"id", op.id},
                       {"display_name", op.display_name},
                       {"role", node::RoleName(op.role)},
                       {"created_at", FormatUtc(op.created_at)},
                       {"failed_logins", op.failed_logins},
                       {"locked_until", op.LockedAt(now) ? nlohmann::json(FormatUtc(*op.locked_until)) : nullptr},
                       {"removed_at", op.removed_at ? nlohmann::json(FormatUtc(*op.removed_at)) : nullptr}});
      } else {
        Print(op.id + "\t" + std::string(node::RoleName(op.role)) + "\t" + op.display_name + "\t" + StateOf(op, now));
      }
    }
    if (opts->json) Print(out.dump(2));
    if (!opts->json && list.empty()) Print("No operators yet: add one with akari operator add");
    return {};
  });
}

void RegisterSimpleChange(CLI::App* group, CommandTable& table, std::string name, std::string help, std::string event,
                          std::function<Status(node::OperatorStore&, const std::string&)> change, std::string done) {
  auto opts = std::make_shared<OperatorChange>();
  CLI::App* cmd = group->add_subcommand(name, help);
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--id", opts->id, "Operator id")->required();
  table.Add(cmd, [opts, event, change, done]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    node::OperatorStore operators(node.store, SystemClock::Instance());
    // The change and its audit entry commit together or not at all.
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(node.store.database(), /*durable=*/true));
    AKARI_TRY(change(operators, opts->id));
    AKARI_TRY(Audited(node, event, opts->id, nlohmann::json::object()));
    AKARI_TRY(tx.Commit());
    Print(done + " " + opts->id);
    return {};
  });
}

}  // namespace

void RegisterOperatorCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("operator", "Manage the staff who log in to akari serve");
  group->require_subcommand(1);
  RegisterAdd(group, table);
  RegisterList(group, table);
  RegisterSimpleChange(
      group, table, "remove", "Remove an operator (their sessions end; the id is never reused)", "operator.remove",
      [](node::OperatorStore& ops, const std::string& id) { return ops.Remove(id); }, "Removed operator");
  RegisterSimpleChange(
      group, table, "unlock", "Clear an operator's PIN lockout", "operator.unlock",
      [](node::OperatorStore& ops, const std::string& id) { return ops.Unlock(id); }, "Unlocked operator");
}

}  // namespace akari::cli
