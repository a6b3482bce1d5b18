#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

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

// Files that report no size (as /proc's do) are read whole, and one that
// turns out longer than allowed is refused, not cut short.
TEST(FileTest, ReadsFilesThatReportNoSizeUpToTheLimit) {
  auto status = ReadFileBytes("/proc/self/status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_NE(ToString(*status).find("Name:"), std::string::npos);
  EXPECT_TRUE(ToString(*status).ends_with("\n"));
  auto limited = ReadFileBytes("/proc/self/status", 16);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, BaseErrc::kInvalidInput);
}

TEST(FileTest, CreatesPrivateDirectory) {
  testing::TempDir dir;
  const auto sub = dir / "a" / "b";
  ASSERT_TRUE(CreatePrivateDirectory(sub));
  struct stat st {};
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// A FAT file system, as on most USB sticks, mounted through FUSE (fusefat
// and mkfs.vfat, installed by setup.sh; the test kernel has no vfat). It
// keeps no POSIX modes: chmod fails there with ENOSYS, as the kernel's vfat
// fails it with EPERM unless mounted with `quiet`. A backup to such a stick
// must not fail for that (base/file.cc, ModesNotKept).
class FatStickTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string image = (dir_ / "stick.img").string();
    std::filesystem::create_directory(mount_);
    ASSERT_EQ(Run("truncate -s 16M '" + image + "' && mkfs.vfat '" + image + "' >/dev/null"), 0)
        << "mkfs.vfat (dosfstools) is missing: run fieldkit/scripts/setup.sh";
    ASSERT_EQ(Run("fusefat -o rw+ '" + image + "' '" + mount_.string() + "' >/dev/null 2>&1"), 0)
        << "cannot mount a FAT image with fusefat (needs the fusefat package and /dev/fuse)";
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) Run("fusermount -u '" + mount_.string() + "'");
  }
  static int Run(const std::string& command) { return std::system(command.c_str()); }

  testing::TempDir dir_;
  std::filesystem::path mount_ = dir_ / "stick";
  bool mounted_ = false;
};

TEST_F(FatStickTest, APrivateDirectoryAndAnAtomicWriteSucceedWhereTheFileSystemKeepsNoModes) {
  ASSERT_NE(::chmod(mount_.c_str(), 0700), 0) << "this mount keeps modes; the test would prove nothing";
  const auto backup = mount_ / "backup";
  auto created = CreatePrivateDirectory(backup);
  ASSERT_TRUE(created) << created.error().message;
  auto written = WriteFileAtomically(backup / "keystore.json", AsBytes("{\"slots\":[]}"), 0600);
  ASSERT_TRUE(written) << written.error().message;
  auto read = ReadFileBytes(backup / "keystore.json");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(ToString(*read), "{\"slots\":[]}");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(backup), {}), 1);  // no temporary file left
}

}  // namespace
}  // namespace akari
