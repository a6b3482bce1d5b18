#include "sync/person_document.h"

#include <gtest/gtest.h>

#include "sync/errors.h"
#include "tests/testing/sample_records.h"

namespace akari::sync {
namespace {

TEST(PersonDocumentTest, RoundTripsWithoutCardLinks) {
  PersonRecord r = testing::SamplePerson(11);
  auto doc = EncodePersonDocument(r);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)[0], kPersonDocumentFormat);
  auto back = DecodePersonDocument(*doc);
  ASSERT_TRUE(back) << back.error().message;
  r.card_links.clear();
  EXPECT_EQ(*back, r);
}

TEST(PersonDocumentTest, DamagedDocumentsAreReportedNotCrashed) {
  auto doc = EncodePersonDocument(testing::SamplePerson(11));
  ASSERT_TRUE(doc);
  for (std::size_t len = 0; len < doc->size(); len += 7) {
    auto r = DecodePersonDocument(ByteSpan(*doc).first(len));
    EXPECT_FALSE(r) << len;
  }
  Bytes flipped = *doc;
  flipped[flipped.size() / 2] ^= 0x55;
  EXPECT_FALSE(DecodePersonDocument(flipped));
  Bytes wrong_format = *doc;
  wrong_format[0] = 9;
  auto r = DecodePersonDocument(wrong_format);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument);
}

}  // namespace
}  // namespace akari::sync
