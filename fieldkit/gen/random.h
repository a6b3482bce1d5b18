// Deterministic randomness for the synthetic region: every value the
// generator draws comes from a small counter-based stream keyed by the
// region seed, a stream label and the entity (household, person, visit …)
// it belongs to, so any part of a person's life can be recomputed alone.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace akari::fieldkit::gen {

// SplitMix64's finaliser: a bijection on 64-bit values with good mixing.
constexpr std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Labels for independent streams. Never renumber: outputs depend on them.
enum class Stream : std::uint64_t {
  kHousehold = 1,
  kPerson = 2,
  kCareer = 3,
  kCard = 4,
  kCondition = 5,
  kVisit = 6,
  kAcute = 7,
  kCheckup = 8,
  kLife = 9,
  kFacility = 10,
  kEmployer = 11,
  kCheckupYear = 12,
};

// A SplitMix64 generator. Not thread-safe; cheap to create.
class Rng {
 public:
  Rng(std::uint64_t key, Stream stream, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0)
      : state_(Mix64(key ^ Mix64(static_cast<std::uint64_t>(stream) ^ Mix64(a ^ Mix64(b ^ Mix64(c)))))) {}

  std::uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (inclusive).
  int Range(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<std::uint64_t>(hi - lo + 1)); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller).
  double Normal() {
    const double u1 = 1.0 - Uniform();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  // Index drawn with the given (non-negative) weights.
  std::size_t Weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = Uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[static_cast<std::size_t>(Next() % items.size())];
  }

 private:
  std::uint64_t state_;
};

}  // namespace akari::fieldkit::gen
