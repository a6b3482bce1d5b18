#include "tests/testing/temp_dir.h"

#include <cstdlib>
#include <stdexcept>

namespace akari::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "akari-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace akari::testing
