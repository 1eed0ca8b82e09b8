// Test support for the eMRTD core tests: the committed worked examples (testdata/vectors, the
// ICAO/BSI vectors shared with the other implementations) and the PKI fixtures of
// validator/emrtd/crypto/testdata/pki (made by make_pki.py).
//
// A file that cannot be opened or parsed throws std::runtime_error naming its path: inside a test
// body GoogleTest reports that as the test's failure and stops the test there.
#ifndef DOCVAL_VALIDATOR_EMRTD_TESTING_VECTORS_H_
#define DOCVAL_VALIDATOR_EMRTD_TESTING_VECTORS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

// The JSON file `name` under testdata/vectors ("icao9303-p11-appD-bac-sm.json").
nlohmann::json LoadVector(const std::string& name);
// The bytes of the file `name` under testdata/vectors ("lds-samples/jmrtd-bsi2008/EF_COM.bin").
Bytes ReadVector(const std::string& name);

// The JSON file / the bytes of the file `name` under validator/emrtd/crypto/testdata/pki.
nlohmann::json LoadPkiJson(const std::string& name);
Bytes ReadPki(const std::string& name);

// A hex string of a vector ("0102AB") as bytes. The value must be a string of hex digits.
Bytes HexField(const nlohmann::json& hex);
// An uncompressed EC point '04' || x || y from a vector's {"x": hex, "y": hex}.
Bytes EcPointField(const nlohmann::json& point);

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_TESTING_VECTORS_H_
