#include "crypto/argon2id.h"

#include <gtest/gtest.h>

#include "crypto/errors.h"
#include "tests/testing/secrets.h"

namespace akari::crypto {
namespace {

TEST(Argon2idTest, SameInputsGiveSameKey) {
  const std::vector<std::uint8_t> salt(16, 7);
  const std::vector<std::uint8_t> pass = {'p', 'a', 's', 's'};
  auto a = DeriveArgon2id(pass, salt, testing::kFastArgon2id);
  auto b = DeriveArgon2id(pass, salt, testing::kFastArgon2id);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->Equals(b->span()));
}

TEST(Argon2idTest, DifferentSaltGivesDifferentKey) {
  const std::vector<std::uint8_t> pass = {'p', 'a', 's', 's'};
  auto a = DeriveArgon2id(pass, std::vector<std::uint8_t>(16, 1), testing::kFastArgon2id);
  auto b = DeriveArgon2id(pass, std::vector<std::uint8_t>(16, 2), testing::kFastArgon2id);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->Equals(b->span()));
}

TEST(Argon2idTest, RejectsBadSaltAndParams) {
  const std::vector<std::uint8_t> pass = {'p'};
  auto bad_salt = DeriveArgon2id(pass, std::vector<std::uint8_t>(8, 0), testing::kFastArgon2id);
  ASSERT_FALSE(bad_salt);
  EXPECT_EQ(bad_salt.error().code, CryptoErrc::kInvalidArgument);
  auto bad_params = DeriveArgon2id(pass, std::vector<std::uint8_t>(16, 0), Argon2idParams{0, 1024});
  ASSERT_FALSE(bad_params);
  EXPECT_EQ(bad_params.error().code, CryptoErrc::kInvalidArgument);
}

TEST(Argon2idTest, CalibrationScalesPasses) {
  const Argon2idParams p = CalibrateArgon2id(std::chrono::milliseconds(50), std::size_t{8} << 20);
  EXPECT_GE(p.ops_limit, 2u);
  EXPECT_EQ(p.mem_limit_bytes, std::size_t{8} << 20);
}

}  // namespace
}  // namespace akari::crypto
