#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/errors.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

TEST(FileTest, WritesAtomicallyWithMode0600) {
  testing::TempDir dir;
  const auto path = dir / "f";
  ASSERT_TRUE(WriteFileAtomically(path, AsBytes("first")));
  ASSERT_TRUE(WriteFileAtomically(path, AsBytes("second")));
  auto read = ReadFileBytes(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(ToString(*read), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(FileTest, WriteIntoMissingDirectoryReportsNotFound) {
  testing::TempDir dir;
  const auto path = dir / "missing-subdir" / "f";
  auto s = WriteFileAtomically(path, AsBytes("x"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, BaseErrc::kNotFound);
}

TEST(FileTest, ReadReportsMissingFileByName) {
  testing::TempDir dir;
  auto r = ReadFileBytes(dir / "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BaseErrc::kNotFound);
  EXPECT_NE(r.error().message.find("nope"), std::string::npos);
}

TEST(FileTest, ReadRefusesOversizeFile) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomically(dir / "big", AsBytes("0123456789")));
  auto r = ReadFileBytes(dir / "big", 5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BaseErrc::kInvalidInput);
}

TEST(FileTest, CreatesPrivateDirectory) {
  testing::TempDir dir;
  const auto sub = dir / "a" / "b";
  ASSERT_TRUE(CreatePrivateDirectory(sub));
  struct stat st {};
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace akari
