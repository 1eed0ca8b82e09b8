#include "validator/service/session_proto.h"

#include <string>

namespace docval::validator {

v1::Step ToProtoStep(emrtd::Step s) {
  switch (s) {
    case emrtd::Step::kReadAtrInfo: return v1::READ_ATR_INFO;
    case emrtd::Step::kAccessControl: return v1::ACCESS_CONTROL;
    case emrtd::Step::kReadSod: return v1::READ_SOD;
    case emrtd::Step::kReadDg14: return v1::READ_DG14;
    case emrtd::Step::kChipAuthentication: return v1::CHIP_AUTHENTICATION;
    case emrtd::Step::kReadDg15: return v1::READ_DG15;
    case emrtd::Step::kActiveAuthentication: return v1::ACTIVE_AUTHENTICATION;
    case emrtd::Step::kReadDg1: return v1::READ_DG1;
    case emrtd::Step::kReadDg2: return v1::READ_DG2;
    case emrtd::Step::kReadDg7: return v1::READ_DG7;
    case emrtd::Step::kReadDg11: return v1::READ_DG11;
    case emrtd::Step::kReadDg12: return v1::READ_DG12;
    case emrtd::Step::kPassiveAuthentication: return v1::PASSIVE_AUTHENTICATION;
    case emrtd::Step::kDone: return v1::DONE;
  }
  return v1::STEP_UNSPECIFIED;
}

emrtd::SessionKeys FromProto(const v1::SecureMessagingState& s) {
  auto secret = [](const std::string& v) { return emrtd::SecureBytes(v.begin(), v.end()); };
  return emrtd::SessionKeys{.cipher = s.aes() ? emrtd::SmCipher::kAes : emrtd::SmCipher::k3Des,
                            .ks_enc = secret(s.enc_key()),
                            .ks_mac = secret(s.mac_key()),
                            .ssc = secret(s.ssc())};
}

void KeysToProto(const emrtd::SessionKeys& k, v1::SecureMessagingState* s) {
  s->set_aes(k.cipher == emrtd::SmCipher::kAes);
  s->set_enc_key(std::string(k.ks_enc.begin(), k.ks_enc.end()));
  s->set_mac_key(std::string(k.ks_mac.begin(), k.ks_mac.end()));
  s->set_ssc(std::string(k.ssc.begin(), k.ssc.end()));
}

v1::FailureReason ToProtoReason(emrtd::FailureReason r) {
  switch (r) {
    case emrtd::FailureReason::kAccessControlFailed: return v1::ACCESS_CONTROL_FAILED;
    case emrtd::FailureReason::kEmrtdPassportReaderError: return v1::EMRTD_PASSPORT_READER_ERROR;
    case emrtd::FailureReason::kFileReadError: return v1::FILE_READ_ERROR;
    case emrtd::FailureReason::kInvalidAccessKeyValues: return v1::INVALID_ACCESS_KEY_VALUES;
    case emrtd::FailureReason::kServerError: return v1::SERVER_ERROR;
  }
  return v1::SERVER_ERROR;
}

}  // namespace docval::validator
