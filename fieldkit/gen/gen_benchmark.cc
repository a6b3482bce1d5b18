// Generator benchmark (not a test): generates regions of several sizes
// side by side and reports persons/s and MB/s (median of runs). Peak RSS is
// measured separately with /usr/bin/time -v (docs/benchmarks.md).
//   gen_benchmark [--persons 10000,100000] [--runs 3] [--dir /tmp]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/sodium.h"
#include "fieldkit/gen/generator.h"

int main(int argc, char** argv) {
  std::vector<long long> sizes = {10000, 100000};
  int runs = 3;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--persons") {
      sizes.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string part; std::getline(ss, part, ',');) sizes.push_back(std::atoll(part.c_str()));
    } else if (flag == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    }
  }
  if (!akari::crypto::EnsureSodium()) return 1;
  std::printf("%10s %6s %12s %12s %10s %10s\n", "persons", "runs", "median_s", "persons/s", "MB/s(json)", "MB(zst)");
  for (long long n : sizes) {
    std::vector<double> secs;
    akari::fieldkit::gen::RegionStats stats;
    for (int r = 0; r < runs; ++r) {
      const auto out = dir / ("akari-gen-bench-" + std::to_string(n) + "-" + std::to_string(r));
      std::filesystem::remove_all(out);
      akari::fieldkit::gen::RegionOptions o;
      o.persons = n;
      o.seed = 7;
      o.as_of = 20261125;
      const auto t0 = std::chrono::steady_clock::now();
      auto s = akari::fieldkit::gen::WriteRegion(o, out);
      secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (!s) {
        std::fprintf(stderr, "gen_benchmark: %s\n", s.error().message.c_str());
        return 1;
      }
      stats = *s;
      std::filesystem::remove_all(out);
    }
    std::sort(secs.begin(), secs.end());
    const double median = secs[secs.size() / 2];
    std::printf("%10lld %6d %12.2f %12.0f %10.1f %10.1f\n", n, runs, median, static_cast<double>(n) / median,
                static_cast<double>(stats.json_bytes) / 1e6 / median,
                static_cast<double>(stats.compressed_bytes) / 1e6);
  }
  return 0;
}
