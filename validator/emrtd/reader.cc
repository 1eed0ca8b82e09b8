// Walking skeleton of the dialog (Foundation issue): select the eMRTD application and read EF.COM in
// plain. Access control, the data groups and the authentication steps replace this as they land.
#include "validator/emrtd/reader.h"

#include "absl/strings/str_cat.h"
#include "validator/emrtd/apdu.h"

namespace docval::emrtd {
namespace {

constexpr uint8_t kEmrtdAid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

DialogFailure Fail(FailureReason reason, std::string detail) { return DialogFailure{reason, std::move(detail)}; }

}  // namespace

Task<DialogOutcome> ReadDocument(CardLink& link, const SessionParams& params, const ReaderConfig& config,
                                 RandomSource& rng) {
  (void)params;
  (void)config;
  (void)rng;
  link.Progress(Step::kAccessControl);
  CommandApdu select{.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = Bytes(std::begin(kEmrtdAid), std::end(kEmrtdAid))};
  absl::StatusOr<ResponseApdu> r = co_await link.Transmit(select);
  if (!r.ok()) co_return Fail(FailureReason::kEmrtdPassportReaderError, std::string(r.status().message()));
  if (!r->ok()) {
    co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("SELECT eMRTD application: SW ", absl::Hex(r->sw, absl::kZeroPad4)));
  }
  // READ BINARY with short EF identifier 0x1E (EF.COM), offset 0.
  CommandApdu read{.cla = 0x00, .ins = 0xB0, .p1 = 0x80 | 0x1E, .p2 = 0x00, .ne = kMaxShortNe};
  r = co_await link.Transmit(read);
  if (!r.ok()) co_return Fail(FailureReason::kEmrtdPassportReaderError, std::string(r.status().message()));
  if (!r->ok() && r->sw != sw::kEndOfFileWarning) {
    co_return Fail(FailureReason::kFileReadError, absl::StrCat("READ BINARY EF.COM: SW ", absl::Hex(r->sw, absl::kZeroPad4)));
  }
  link.Progress(Step::kPassiveAuthentication);
  EmrtdResult result;
  result.passive_authentication = false;
  result.passive_authentication_details.error = "walking skeleton: EF.COM read, no SOD";
  result.errors.push_back(absl::StrCat("EF.COM read (", r->data.size(), " bytes); the full dialog is not built yet"));
  if (params.include_files_binary) result.files_binary.emplace_back("com", r->data);
  link.Progress(Step::kDone);
  co_return result;
}

}  // namespace docval::emrtd
