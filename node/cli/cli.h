// Shared plumbing of the `akari` command line: the command table, the
// passphrase sources (prompt, --passphrase-file, AKARI_PASSPHRASE) and
// output helpers. Each command group lives in its own cmd_*.cc file and
// registers itself through a Register* function listed in main.cc.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "crypto/argon2id.h"
#include "crypto/secret_buffer.h"
#include "node/node_dir.h"

namespace akari::cli {

// Maps each leaf subcommand to the function that runs it.
class CommandTable {
 public:
  void Add(CLI::App* command, std::function<Status()> run) { commands_.emplace_back(command, std::move(run)); }
  // Runs the command that was parsed; returns the process exit status.
  int RunParsed(const CLI::App& root) const;

 private:
  std::vector<std::pair<CLI::App*, std::function<Status()>>> commands_;
};

// --data DIR, required by almost every command.
void AddDataOption(CLI::App* command, std::string& dir);

// How a command learns a passphrase: --passphrase-file F, else the
// environment variable, else a no-echo prompt on the terminal.
struct PassphraseSource {
  std::string file;
  std::string env_var = "AKARI_PASSPHRASE";
  std::string prompt = "Passphrase: ";
  // The error when there is no terminal to prompt on: what to give instead.
  std::string no_terminal = "no passphrase given and no terminal to ask on: use --passphrase-file or AKARI_PASSPHRASE";
};
void AddPassphraseOption(CLI::App* command, PassphraseSource& source, std::string flag = "--passphrase-file");

// Reads the passphrase. With `confirm`, a prompted passphrase is asked twice.
// The environment variable's value is wiped from the process environment
// after it is read.
[[nodiscard]] Result<crypto::SecretBuffer> ObtainPassphrase(const PassphraseSource& source, bool confirm = false);

// --kdf-ms: target unlock time for a new key slot.
struct KdfOption {
  int target_ms = 500;
};
void AddKdfOption(CLI::App* command, KdfOption& option);
crypto::Argon2idParams KdfParamsFor(const KdfOption& option);

// Unlocks the node in `dir` with a passphrase from `source`.
[[nodiscard]] Result<node::OpenNode> UnlockNode(const std::string& dir, const PassphraseSource& source);

// Prints `line` to stdout.
void Print(std::string_view line);

// "label" padded with spaces to `width` columns (at least one space), then
// `value`: one row of a command's human-readable report.
std::string LabelledRow(std::string_view label, std::string_view value, std::size_t width);

// Registration functions, one per command group.
void RegisterInitCommand(CLI::App& app, CommandTable& table);
void RegisterStatusCommand(CLI::App& app, CommandTable& table);
void RegisterKeyslotCommands(CLI::App& app, CommandTable& table);
void RegisterCardCommands(CLI::App& app, CommandTable& table);
void RegisterSyncCommands(CLI::App& app, CommandTable& table);
void RegisterServeCommand(CLI::App& app, CommandTable& table);
void RegisterOperatorCommands(CLI::App& app, CommandTable& table);
void RegisterDisasterCommands(CLI::App& app, CommandTable& table);
void RegisterAuditCommands(CLI::App& app, CommandTable& table);
void RegisterChecksCommands(CLI::App& app, CommandTable& table);
void RegisterBackupCommands(CLI::App& app, CommandTable& table);

}  // namespace akari::cli
