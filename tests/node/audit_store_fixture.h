// What the audit tests build on: a store at DIR/node.db (key 32 × 0x01) in
// a temporary directory, and an audit log on it signed by a fresh key, on a
// manual clock.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "base/clock.h"
#include "crypto/keys.h"
#include "node/audit/audit_log.h"
#include "node/store/store.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(dir_.path() / "node.db", Bytes(32, 1), {.create = true});
    ASSERT_TRUE(s) << s.error().message;
    store_.emplace(std::move(*s));
    auto keys = crypto::GenerateSigningKeyPair();
    ASSERT_TRUE(keys);
    keys_.emplace(std::move(*keys));
    log_.emplace(*store_, keys_->secret_key, keys_->public_key, clock_);
  }

  testing::TempDir dir_;
  ManualClock clock_{FromUnixSeconds(1764000000)};
  std::optional<store::Store> store_;
  std::optional<crypto::SigningKeyPair> keys_;
  std::optional<AuditLog> log_;
};

}  // namespace akari::node
