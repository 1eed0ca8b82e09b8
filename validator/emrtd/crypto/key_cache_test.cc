#include "validator/emrtd/crypto/key_cache.h"

#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "validator/emrtd/testing/map_key_cache.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::MapKeyCache;
using testing::ReadPki;

x509::Certificate Load(const std::string& name) {
  absl::StatusOr<x509::Certificate> c = x509::Certificate::FromDer(ReadPki(name));
  EXPECT_TRUE(c.ok()) << name << ": " << c.status();
  return *c;
}

std::shared_ptr<const VerificationKey> KeyOf(const x509::Certificate& cert) {
  absl::StatusOr<std::shared_ptr<const VerificationKey>> key = VerificationKey::Load(cert.spki());
  EXPECT_TRUE(key.ok()) << key.status();
  return key.value_or(nullptr);
}

TEST(VerificationKey, VerifiesAsTheSpkiDoes) {
  const x509::Certificate csca = Load("csca_rsa.der"), rogue = Load("csca_rogue.der");
  const x509::Certificate csca_ec = Load("csca_ec.der");
  for (const char* ds : {"ds_rsa.der", "ds_pss_cert.der", "ds_rogue.der", "ds_ec.der", "ds_sha1.der"}) {
    const x509::Certificate leaf = Load(ds);
    for (const x509::Certificate* issuer : {&csca, &rogue, &csca_ec}) {
      absl::StatusOr<bool> from_spki = leaf.IsSignedBy(*issuer);
      absl::StatusOr<bool> from_key = leaf.IsSignedBy(*KeyOf(*issuer));
      ASSERT_EQ(from_spki.ok(), from_key.ok()) << ds;
      if (from_spki.ok()) {
        EXPECT_EQ(*from_spki, *from_key) << ds << " by " << issuer->SubjectText();
      }
    }
  }
  EXPECT_TRUE(*Load("ds_rsa.der").IsSignedBy(*KeyOf(csca)));
  EXPECT_FALSE(*Load("ds_rsa.der").IsSignedBy(*KeyOf(rogue)));  // same name, other key
  EXPECT_TRUE(*Load("ds_ec.der").IsSignedBy(*KeyOf(csca_ec)));
}

TEST(VerificationKey, CountsItsMemory) {
  std::shared_ptr<const VerificationKey> rsa = KeyOf(Load("csca_rsa.der"));
  const x509::Certificate ds = Load("ds_rsa.der");
  EXPECT_EQ(rsa->spki(), Load("csca_rsa.der").spki());
  // The SPKI and the Montgomery parameters of the modulus (several copies of its size).
  EXPECT_GT(rsa->memory_bytes(), rsa->spki().size() * 4);
  EXPECT_LT(rsa->memory_bytes(), 64u * 1024);
  EXPECT_FALSE(VerificationKey::Load(Bytes{0x30, 0x00}).ok());
}

TEST(KeyOfCertificate, LoadsWithoutACacheOrOnAMiss) {
  const x509::Certificate ds = Load("ds_rsa.der");
  bool from_cache = true;
  absl::StatusOr<std::shared_ptr<const VerificationKey>> key = KeyOfCertificate(ds, nullptr, &from_cache);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(from_cache);
  EXPECT_EQ((*key)->spki(), ds.spki());
  MapKeyCache cache;
  key = KeyOfCertificate(ds, &cache, &from_cache);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(from_cache);
  EXPECT_EQ(cache.lookups, 1);
}

TEST(KeyOfCertificate, ServesTheCachedKeyOfThatCertificate) {
  const x509::Certificate ds = Load("ds_rsa.der");
  MapKeyCache cache;
  std::shared_ptr<const VerificationKey> stored = KeyOf(ds);
  cache.Store(ds.fingerprint(), stored);
  bool from_cache = false;
  absl::StatusOr<std::shared_ptr<const VerificationKey>> key = KeyOfCertificate(ds, &cache, &from_cache);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(from_cache);
  EXPECT_EQ(key->get(), stored.get());
}

TEST(KeyOfCertificate, AForgedCertificateIsNeverServedATrustedKey) {
  // ds_rogue carries ds_rsa's issuer name but a key of its own. Even a cache that answers every
  // fingerprint with the trusted Document Signer's key (a colliding or broken cache) does not make
  // the forged certificate verify with it: the key must be the certificate's SPKI.
  const x509::Certificate trusted = Load("ds_rsa.der"), forged = Load("ds_rogue.der");
  ASSERT_EQ(forged.issuer(), trusted.issuer());
  ASSERT_NE(forged.spki(), trusted.spki());
  MapKeyCache cache;
  cache.poison = KeyOf(trusted);
  bool from_cache = true;
  absl::StatusOr<std::shared_ptr<const VerificationKey>> key = KeyOfCertificate(forged, &cache, &from_cache);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(from_cache);
  EXPECT_NE(key->get(), cache.poison.get());
  EXPECT_EQ((*key)->spki(), forged.spki());
}

}  // namespace
}  // namespace docval::emrtd
