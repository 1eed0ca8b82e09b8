#include "bench/service_start.h"

namespace docval::bench {

v1::SessionRequest StartRequestFor(const emrtd::SessionParams& p, const std::string& session_id) {
  auto text = [](const emrtd::SecureBytes& s) { return std::string(s.begin(), s.end()); };
  v1::SessionRequest start;
  v1::SessionStart* s = start.mutable_start();
  s->set_session_id(session_id);
  s->mutable_access_key()->set_can(text(p.access_key.can));
  s->mutable_access_key()->set_document_number(text(p.access_key.document_number));
  s->mutable_access_key()->set_date_of_birth(text(p.access_key.date_of_birth));
  s->mutable_access_key()->set_date_of_expiry(text(p.access_key.date_of_expiry));
  s->set_extended_length(true);
  return start;
}

}  // namespace docval::bench
