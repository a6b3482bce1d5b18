// Runs a program (one of ours, from AKARI_BIN_DIR) and captures its output.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace akari::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::string stdin_data;
  int timeout_seconds = 120;
};

// Runs `program` with `args`; `program` without a slash is looked up in
// AKARI_BIN_DIR. Never throws; a failure to start gives exit_code 127.
ProcessResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const ProcessOptions& options = {});

// The absolute path of one of our built programs.
std::string BinPath(const std::string& program);

}  // namespace akari::testing
