// `akari keyslot add|remove|list`: the passphrases that unlock the keystore.
#include <memory>

#include <nlohmann/json.hpp>

#include "crypto/keystore.h"
#include "node/cli/cli.h"

namespace akari::cli {

void RegisterKeyslotCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("keyslot", "Manage the passphrases (key slots) that unlock this node");
  group->require_subcommand(1);

  struct AddOptions {
    std::string dir;
    std::string label = "recovery";
    PassphraseSource passphrase;
    PassphraseSource new_passphrase{
        .file = "",
        .env_var = "AKARI_NEW_PASSPHRASE",
        .prompt = "New passphrase: ",
        .no_terminal =
            "no new passphrase given and no terminal to ask on: use --new-passphrase-file or "
            "AKARI_NEW_PASSPHRASE"};
    KdfOption kdf;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = group->add_subcommand("add", "Add a passphrase (for example a recovery passphrase)");
  AddDataOption(add_cmd, add->dir);
  AddPassphraseOption(add_cmd, add->passphrase);
  AddPassphraseOption(add_cmd, add->new_passphrase, "--new-passphrase-file");
  add_cmd->add_option("--label", add->label, "What the slot is for (default \"recovery\")");
  AddKdfOption(add_cmd, add->kdf);
  table.Add(add_cmd, [add]() -> Status {
    add->passphrase.prompt = "Current passphrase: ";
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer current, ObtainPassphrase(add->passphrase));
    AKARI_ASSIGN_OR_RETURN(crypto::Keystore ks,
                           crypto::Keystore::Unlock(std::filesystem::path(add->dir) / node::kKeystoreFile, current));
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer fresh, ObtainPassphrase(add->new_passphrase, /*confirm=*/true));
    AKARI_ASSIGN_OR_RETURN(int id, ks.AddSlot(fresh, add->label, KdfParamsFor(add->kdf)));
    Print("Added key slot " + std::to_string(id) + " (" + add->label + ")");
    return {};
  });

  struct RemoveOptions {
    std::string dir;
    int slot = 0;
    PassphraseSource passphrase;
  };
  auto remove = std::make_shared<RemoveOptions>();
  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a key slot (never the last one)");
  AddDataOption(remove_cmd, remove->dir);
  AddPassphraseOption(remove_cmd, remove->passphrase);
  remove_cmd->add_option("--slot", remove->slot, "Id of the slot to remove (see keyslot list)")->required();
  table.Add(remove_cmd, [remove]() -> Status {
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer current, ObtainPassphrase(remove->passphrase));
    AKARI_ASSIGN_OR_RETURN(crypto::Keystore ks,
                           crypto::Keystore::Unlock(std::filesystem::path(remove->dir) / node::kKeystoreFile, current));
    AKARI_TRY(ks.RemoveSlot(remove->slot));
    Print("Removed key slot " + std::to_string(remove->slot));
    return {};
  });

  struct ListOptions {
    std::string dir;
    bool json = false;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = group->add_subcommand("list", "List key slots (no passphrase needed)");
  AddDataOption(list_cmd, list->dir);
  list_cmd->add_flag("--json", list->json, "Print machine-readable JSON");
  table.Add(list_cmd, [list]() -> Status {
    AKARI_ASSIGN_OR_RETURN(auto slots,
                           crypto::Keystore::ListSlots(std::filesystem::path(list->dir) / node::kKeystoreFile));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : slots) {
      if (list->json) {
        out.push_back({{"id", s.id}, {"label", s.label}, {"created", s.created_utc}});
      } else {
        Print(std::to_string(s.id) + "\t" + s.label + "\tadded " + s.created_utc);
      }
    }
    if (list->json) Print(out.dump(2));
    return {};
  });
}

}  // namespace akari::cli
