// Test support: a chip that expects a fixed sequence of command APDUs (byte for byte) and answers
// each with the recorded response, for replaying worked examples. Use with RunDialog(task, link,
// std::ref(chip)). A command out of order or past the end is a GoogleTest failure of the running test.
#ifndef DOCVAL_VALIDATOR_EMRTD_TESTING_SCRIPTED_CHIP_H_
#define DOCVAL_VALIDATOR_EMRTD_TESTING_SCRIPTED_CHIP_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

struct ScriptedExchange {
  Bytes command;
  Bytes response;
};

class ScriptedChip {
 public:
  explicit ScriptedChip(std::vector<ScriptedExchange> script) : script_(std::move(script)) {}

  absl::StatusOr<Bytes> operator()(ByteSpan command) {
    if (next_ >= script_.size()) {
      ADD_FAILURE() << "unexpected command " << ToHex(command);
      return absl::UnavailableError("the script has ended");
    }
    const ScriptedExchange& e = script_[next_++];
    EXPECT_EQ(ToHex(command), ToHex(e.command)) << "exchange " << next_ - 1;
    return e.response;
  }
  size_t used() const { return next_; }

 private:
  std::vector<ScriptedExchange> script_;
  size_t next_ = 0;
};

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_TESTING_SCRIPTED_CHIP_H_
