#include "crypto/keys.h"

#include <gtest/gtest.h>

namespace akari::crypto {
namespace {

TEST(KeysTest, SignatureVerifiesAndTamperingIsDetected) {
  auto pair = GenerateSigningKeyPair();
  ASSERT_TRUE(pair);
  const std::vector<std::uint8_t> msg = {1, 2, 3};
  auto sig = Sign(pair->secret_key, msg);
  EXPECT_TRUE(Verify(pair->public_key, msg, sig));
  sig[0] ^= 1;
  EXPECT_FALSE(Verify(pair->public_key, msg, sig));
  EXPECT_FALSE(Verify(pair->public_key, msg, std::vector<std::uint8_t>(10, 0)));
}

TEST(KeysTest, PublicKeysDeriveFromSecretKeys) {
  auto sign = GenerateSigningKeyPair();
  auto box = GenerateBoxKeyPair();
  ASSERT_TRUE(sign && box);
  EXPECT_EQ(SigningPublicKeyOf(sign->secret_key), sign->public_key);
  EXPECT_EQ(BoxPublicKeyOf(box->secret_key), box->public_key);
}

}  // namespace
}  // namespace akari::crypto
