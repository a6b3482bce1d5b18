#include "crypto/secret_buffer.h"

#include <gtest/gtest.h>

namespace akari::crypto {
namespace {

TEST(SecretBufferTest, AllocatesZeroedMemory) {
  auto buf = SecretBuffer::Allocate(64);
  ASSERT_TRUE(buf);
  EXPECT_EQ(buf->size(), 64u);
  for (std::uint8_t b : buf->span()) EXPECT_EQ(b, 0);
}

TEST(SecretBufferTest, MoveTransfersOwnership) {
  auto a = SecretBuffer::CopyOf(std::vector<std::uint8_t>{1, 2, 3});
  ASSERT_TRUE(a);
  SecretBuffer b = std::move(*a);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(a->size(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
  EXPECT_EQ(a->data(), nullptr);
  EXPECT_TRUE(b.Equals(std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(SecretBufferTest, TruncateShrinksAndEqualsComparesContent) {
  auto a = SecretBuffer::CopyOf(std::vector<std::uint8_t>{'a', 'b', 'c', '\n'});
  ASSERT_TRUE(a);
  a->Truncate(3);
  EXPECT_EQ(a->view(), "abc");
  EXPECT_FALSE(a->Equals(std::vector<std::uint8_t>{'a', 'b', 'd'}));
}

TEST(SecretBufferTest, EmptyBufferIsValid) {
  auto a = SecretBuffer::Allocate(0);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->empty());
}

}  // namespace
}  // namespace akari::crypto
