// `akari init`: create a node's keystore and encrypted store.
#include <memory>

#include "node/cli/cli.h"

namespace akari::cli {

void RegisterInitCommand(CLI::App& app, CommandTable& table) {
  struct Options {
    std::string dir;
    std::string label = "operator";
    PassphraseSource passphrase;
    KdfOption kdf;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("init", "Create a node: keystore and encrypted store in a new directory");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--label", opts->label, "Label of the first key slot (default \"operator\")");
  AddKdfOption(cmd, opts->kdf);
  table.Add(cmd, [opts]() -> Status {
    opts->passphrase.prompt = "New passphrase for this node: ";
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, ObtainPassphrase(opts->passphrase, /*confirm=*/true));
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node,
                           node::CreateNode(opts->dir, passphrase, opts->label, KdfParamsFor(opts->kdf)));
    Print("Created node " + node.keystore.node_id() + " in " + opts->dir);
    Print("Add a recovery passphrase for the regional office with: akari keyslot add --data " + opts->dir);
    return {};
  });
}

}  // namespace akari::cli
