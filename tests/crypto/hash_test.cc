#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "base/bytes.h"

namespace akari::crypto {
namespace {

TEST(HashTest, Blake2b256MatchesKnownVector) {
  // BLAKE2b-256("abc"), from the RFC 7693 reference implementation.
  EXPECT_EQ(ToHex(Blake2b256(AsBytes("abc"))), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(HashTest, IncrementalEqualsOneShot) {
  Blake2b256Hasher h;
  h.Update(AsBytes("a"));
  h.Update(AsBytes("bc"));
  EXPECT_EQ(h.Finish(), Blake2b256(AsBytes("abc")));
}

TEST(HashTest, KeyedHashDiffersFromUnkeyed) {
  EXPECT_NE(Blake2b128(AsBytes("x")), Blake2b128(AsBytes("x"), AsBytes("key")));
}

}  // namespace
}  // namespace akari::crypto
