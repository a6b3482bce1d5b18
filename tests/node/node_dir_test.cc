#include "node/node_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/errors.h"
#include "base/file.h"
#include "crypto/errors.h"
#include "sync/db/errors.h"
#include "tests/testing/secrets.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(NodeDirTest, CreatesPrivateDirectoryAndFiles) {
  testing::TempDir root;
  const auto dir = root / "node";
  {
    auto node = CreateNode(dir, testing::Secret("operator-pass"), "operator", testing::kFastArgon2id);
    ASSERT_TRUE(node) << node.error().message;
    EXPECT_EQ(ModeOf(dir), 0700u);
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      EXPECT_EQ(ModeOf(entry.path()), 0600u) << entry.path();
    }
  }
  auto node = OpenNodeDir(dir, testing::Secret("operator-pass"));
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_EQ(**node->store.GetMeta("node_id"), node->keystore.node_id());
}

TEST(NodeDirTest, RefusesADirectoryThatHoldsANode) {
  testing::TempDir root;
  const auto dir = root / "node";
  ASSERT_TRUE(CreateNode(dir, testing::Secret("operator-pass"), "operator", testing::kFastArgon2id));
  const auto keystore_before = ReadFileBytes(dir / kKeystoreFile);
  auto again = CreateNode(dir, testing::Secret("another-pass"), "operator", testing::kFastArgon2id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, BaseErrc::kExists);
  EXPECT_EQ(ReadFileBytes(dir / kKeystoreFile), keystore_before);
  EXPECT_TRUE(OpenNodeDir(dir, testing::Secret("operator-pass")));
}

TEST(NodeDirTest, WrongPassphraseOpensNothing) {
  testing::TempDir root;
  ASSERT_TRUE(CreateNode(root / "n", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id));
  auto node = OpenNodeDir(root / "n", testing::Secret("wrong-passphrase"));
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code, crypto::CryptoErrc::kWrongPassphrase);
}

TEST(NodeDirTest, DatabaseFromAnotherNodeIsNotDecryptable) {
  testing::TempDir root;
  ASSERT_TRUE(CreateNode(root / "a", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id));
  ASSERT_TRUE(CreateNode(root / "b", testing::Secret("operator-pass"), "operator", testing::kFastArgon2id));
  std::filesystem::copy_file(root / "b" / kDatabaseFile, root / "a" / kDatabaseFile,
                             std::filesystem::copy_options::overwrite_existing);
  auto node = OpenNodeDir(root / "a", testing::Secret("operator-pass"));
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code, db::DbErrc::kNotDecryptable);
}

}  // namespace
}  // namespace akari::node
