// The `akari` command: one node's whole life, from init to reconciliation.
#include <sys/stat.h>

#include <cstdio>
#include <exception>

#include "crypto/sodium.h"
#include "node/cli/cli.h"

int main(int argc, char** argv) {
  // Every file this process creates is private to its user.
  ::umask(077);
  if (!akari::crypto::EnsureSodium()) {
    std::fprintf(stderr, "akari: error: the cryptographic library failed to initialise\n");
    return 1;
  }
  CLI::App app("Akari: offline medication-history node for disaster medicine", "akari");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  akari::cli::CommandTable table;
  akari::cli::RegisterInitCommand(app, table);
  akari::cli::RegisterStatusCommand(app, table);
  akari::cli::RegisterKeyslotCommands(app, table);
  akari::cli::RegisterCardCommands(app, table);
  akari::cli::RegisterSyncCommands(app, table);
  akari::cli::RegisterServeCommand(app, table);
  akari::cli::RegisterOperatorCommands(app, table);
  akari::cli::RegisterDisasterCommands(app, table);
  akari::cli::RegisterAuditCommands(app, table);
  akari::cli::RegisterChecksCommands(app, table);
  akari::cli::RegisterBackupCommands(app, table);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "akari: error: %s (see akari --help)\n", e.what());
    return 2;
  }
  try {
    return table.RunParsed(app);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "akari: error: unexpected failure: %s\n", e.what());
    return 1;
  }
}
