#include "crypto/keystore.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "crypto/errors.h"
#include "tests/testing/secrets.h"
#include "tests/testing/temp_dir.h"

namespace akari::crypto {
namespace {

class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ks = Keystore::Create(path_, testing::Secret("operator-pass"), "operator", testing::kFastArgon2id);
    ASSERT_TRUE(ks) << ks.error().message;
  }
  Bytes FileBytes() { return *ReadFileBytes(path_); }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_ / "keystore.json";
};

TEST_F(KeystoreTest, UnlocksWithThePassphraseAndYieldsTheSameKeys) {
  auto a = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  auto b = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->database_key().size(), kDatabaseKeyBytes);
  EXPECT_TRUE(a->database_key().Equals(b->database_key().span()));
  EXPECT_EQ(SigningPublicKeyOf(a->signing_secret_key()), a->signing_public_key());
  EXPECT_EQ(BoxPublicKeyOf(a->box_secret_key()), a->box_public_key());
}

TEST_F(KeystoreTest, WrongPassphraseIsRefusedAndChangesNothing) {
  const Bytes before = FileBytes();
  auto ks = Keystore::Unlock(path_, testing::Secret("not-the-passphrase"));
  ASSERT_FALSE(ks);
  EXPECT_EQ(ks.error().code, CryptoErrc::kWrongPassphrase);
  EXPECT_NE(ks.error().message.find("passphrase"), std::string::npos);
  EXPECT_EQ(FileBytes(), before);
}

TEST_F(KeystoreTest, EachSlotUnlocksTheSameKeys) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  auto id2 = ks->AddSlot(testing::Secret("recovery-pass-1"), "recovery", testing::kFastArgon2id);
  auto id3 = ks->AddSlot(testing::Secret("recovery-pass-2"), "office", testing::kFastArgon2id);
  ASSERT_TRUE(id2 && id3);
  EXPECT_EQ(*id2, 2);
  EXPECT_EQ(*id3, 3);
  for (std::string_view p : {"operator-pass", "recovery-pass-1", "recovery-pass-2"}) {
    auto other = Keystore::Unlock(path_, testing::Secret(p));
    ASSERT_TRUE(other) << p;
    EXPECT_TRUE(other->database_key().Equals(ks->database_key().span())) << p;
    EXPECT_EQ(other->signing_public_key(), ks->signing_public_key());
  }
  auto listed = Keystore::ListSlots(path_);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[2].label, "office");
}

// Two slot changes from two terminals, each unlocked before the other
// saved: an admin revoking a leaked passphrase while another adds a
// recovery one. Both must stand; before, the later save wrote back the
// slots it had read, so the revoked passphrase opened the node again.
TEST_F(KeystoreTest, TwoSlotChangesMadeAtOnceBothStand) {
  {
    auto setup = Keystore::Unlock(path_, testing::Secret("operator-pass"));
    ASSERT_TRUE(setup);
    ASSERT_TRUE(setup->AddSlot(testing::Secret("leaked-pass-2"), "old staff", testing::kFastArgon2id));
  }
  auto adder = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  auto remover = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(adder && remover);
  ASSERT_TRUE(remover->RemoveSlot(2));
  auto added = adder->AddSlot(testing::Secret("recovery-pass-3"), "recovery", testing::kFastArgon2id);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(*added, 2);  // the lowest free id in the file as it is now
  auto leaked = Keystore::Unlock(path_, testing::Secret("leaked-pass-2"));
  ASSERT_FALSE(leaked);
  EXPECT_EQ(leaked.error().code, CryptoErrc::kWrongPassphrase);
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("recovery-pass-3")));
  // And the other way round: a remove after an add it did not see keeps it.
  auto remover2 = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(remover2);
  ASSERT_TRUE(adder->AddSlot(testing::Secret("office-pass-4"), "office", testing::kFastArgon2id));
  ASSERT_TRUE(remover2->RemoveSlot(2));
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("office-pass-4")));
  EXPECT_FALSE(Keystore::Unlock(path_, testing::Secret("recovery-pass-3")));
  EXPECT_EQ(Keystore::ListSlots(path_)->size(), 2u);
}

// A keystore replaced since it was unlocked (a restore into the same
// directory) is never overwritten with the old node's slots.
TEST_F(KeystoreTest, ASlotChangeRefusesAKeystoreReplacedSinceItWasUnlocked) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  std::filesystem::remove(path_);
  ASSERT_TRUE(Keystore::Create(path_, testing::Secret("other-node-pass"), "operator", testing::kFastArgon2id));
  const Bytes before = FileBytes();
  auto added = ks->AddSlot(testing::Secret("recovery-pass"), "recovery", testing::kFastArgon2id);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, CryptoErrc::kKeystoreCorrupt);
  EXPECT_NE(added.error().message.find("other keys"), std::string::npos) << added.error().message;
  EXPECT_EQ(FileBytes(), before);
}

TEST_F(KeystoreTest, RemovedSlotNoLongerUnlocks) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  ASSERT_TRUE(ks->AddSlot(testing::Secret("recovery-pass"), "recovery", testing::kFastArgon2id));
  ASSERT_TRUE(ks->RemoveSlot(1));
  auto old = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, CryptoErrc::kWrongPassphrase);
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("recovery-pass")));
}

// Rotating a passphrase (add the new slot, remove the old one) over the
// years must never number a slot past what Load accepts (1000). Ids that
// stay at 1-2 over 20 rotations stay there over any number (the old
// numbering reached 3 at the second); 1,010 rotations took 14 s.
TEST_F(KeystoreTest, ManySlotRotationsKeepTheKeystoreUnlockable) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  int current = 1;
  for (int round = 0; round < 20; ++round) {
    auto added =
        ks->AddSlot(testing::Secret("rotation-pass-" + std::to_string(round)), "operator", testing::kFastArgon2id);
    ASSERT_TRUE(added) << "round " << round << ": " << added.error().message;
    ASSERT_LE(*added, 2) << "round " << round;
    ASSERT_TRUE(ks->RemoveSlot(current)) << "round " << round;
    current = *added;
  }
  auto again = Keystore::Unlock(path_, testing::Secret("rotation-pass-19"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->database_key().Equals(ks->database_key().span()));
  EXPECT_EQ(again->unlocked_slot(), current);
}

TEST_F(KeystoreTest, NewSlotTakesTheLowestFreeId) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  ASSERT_EQ(*ks->AddSlot(testing::Secret("second-pass"), "b", testing::kFastArgon2id), 2);
  ASSERT_EQ(*ks->AddSlot(testing::Secret("third-pass-"), "c", testing::kFastArgon2id), 3);
  ASSERT_TRUE(ks->RemoveSlot(2));
  EXPECT_EQ(*ks->AddSlot(testing::Secret("fourth-pass"), "d", testing::kFastArgon2id), 2);
  EXPECT_EQ(*ks->AddSlot(testing::Secret("fifth-pass-"), "e", testing::kFastArgon2id), 4);
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("fourth-pass")));
}

TEST_F(KeystoreTest, FullKeystoreRefusesANewSlotAndChangesNothing) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  for (int i = 2; i <= 32; ++i) {
    ASSERT_TRUE(ks->AddSlot(testing::Secret("slot-pass-" + std::to_string(i)), "x", testing::kFastArgon2id)) << i;
  }
  const Bytes before = FileBytes();
  auto id = ks->AddSlot(testing::Secret("one-too-many"), "x", testing::kFastArgon2id);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, CryptoErrc::kInvalidArgument);
  EXPECT_NE(id.error().message.find("32 key slots"), std::string::npos) << id.error().message;
  EXPECT_NE(id.error().message.find("akari keyslot remove"), std::string::npos) << id.error().message;
  EXPECT_EQ(FileBytes(), before);
  EXPECT_EQ(ks->slots().size(), 32u);
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("slot-pass-32")));
}

TEST_F(KeystoreTest, RemovingTheLastSlotIsRefused) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  const Bytes before = FileBytes();
  auto s = ks->RemoveSlot(1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, CryptoErrc::kLastSlot);
  EXPECT_EQ(FileBytes(), before);
  EXPECT_TRUE(Keystore::Unlock(path_, testing::Secret("operator-pass")));
}

TEST_F(KeystoreTest, RemovingAnUnknownSlotIsRefused) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  auto s = ks->RemoveSlot(7);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, CryptoErrc::kNoSuchSlot);
}

TEST_F(KeystoreTest, TruncatedKeystoreGivesAClearErrorNamingTheFile) {
  const Bytes full = FileBytes();
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, full.size() / 3, full.size() / 2, full.size() - 5}) {
    ASSERT_TRUE(WriteFileAtomically(path_, ByteSpan(full).first(len)));
    auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
    ASSERT_FALSE(ks) << len;
    EXPECT_EQ(ks.error().code, CryptoErrc::kKeystoreCorrupt) << len;
    EXPECT_NE(ks.error().message.find(path_.string()), std::string::npos) << ks.error().message;
  }
}

TEST_F(KeystoreTest, TamperedPayloadOrPublicKeyIsDetected) {
  std::string text = ToString(FileBytes());
  // Swap the signing public key for another valid-looking one.
  const auto pos = text.find("\"signing_public_key\": \"");
  ASSERT_NE(pos, std::string::npos);
  const auto start = pos + 23;
  text[start] = text[start] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(WriteFileAtomically(path_, AsBytes(text)));
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_FALSE(ks);
  EXPECT_EQ(ks.error().code, CryptoErrc::kKeystoreCorrupt);
}

TEST_F(KeystoreTest, NotAKeystoreIsReported) {
  ASSERT_TRUE(WriteFileAtomically(path_, AsBytes("{\"format\": \"something-else\", \"version\": 1}")));
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_FALSE(ks);
  EXPECT_EQ(ks.error().code, CryptoErrc::kKeystoreCorrupt);
  EXPECT_NE(ks.error().message.find("not an Akari keystore"), std::string::npos);
}

TEST_F(KeystoreTest, MissingKeystoreIsReported) {
  auto ks = Keystore::Unlock(dir_ / "elsewhere.json", testing::Secret("operator-pass"));
  ASSERT_FALSE(ks);
  EXPECT_EQ(ks.error().code, CryptoErrc::kKeystoreMissing);
}

TEST_F(KeystoreTest, CreateNeverOverwrites) {
  const Bytes before = FileBytes();
  auto ks = Keystore::Create(path_, testing::Secret("another-pass"), "x", testing::kFastArgon2id);
  ASSERT_FALSE(ks);
  EXPECT_EQ(FileBytes(), before);
}

TEST_F(KeystoreTest, ShortPassphraseIsRefused) {
  auto ks = Keystore::Unlock(path_, testing::Secret("operator-pass"));
  ASSERT_TRUE(ks);
  auto id = ks->AddSlot(testing::Secret("short"), "x", testing::kFastArgon2id);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, CryptoErrc::kInvalidArgument);
}

TEST(SecretFileTest, ReadsPassphraseWithoutTrailingNewline) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomically(dir / "p", AsBytes("secret phrase\r\n")));
  auto s = ReadSecretFile(dir / "p");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->view(), "secret phrase");
  ASSERT_TRUE(WriteFileAtomically(dir / "empty", AsBytes("\n")));
  auto e = ReadSecretFile(dir / "empty");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, CryptoErrc::kInvalidArgument);
  // Only a line ending is dropped: a lone "\r" belongs to the passphrase.
  ASSERT_TRUE(WriteFileAtomically(dir / "cr", AsBytes("secret phrase\r")));
  auto cr = ReadSecretFile(dir / "cr");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->view(), "secret phrase\r");
  ASSERT_TRUE(WriteFileAtomically(dir / "lf", AsBytes("secret phrase\n")));
  EXPECT_EQ(ReadSecretFile(dir / "lf")->view(), "secret phrase");
}

}  // namespace
}  // namespace akari::crypto
