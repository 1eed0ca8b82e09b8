#include "validator/result_json/result_proto.h"

namespace docval {
namespace {

std::string ToString(const emrtd::Bytes& b) { return std::string(b.begin(), b.end()); }
emrtd::Bytes ToBytes(const std::string& s) { return emrtd::Bytes(s.begin(), s.end()); }

}  // namespace

v1::CheckResult ToProto(emrtd::CheckResult r) {
  switch (r) {
    case emrtd::CheckResult::kSuccess: return v1::SUCCESS;
    case emrtd::CheckResult::kFailed: return v1::FAILED;
    case emrtd::CheckResult::kUnavailable: return v1::UNAVAILABLE;
  }
  return v1::UNAVAILABLE;
}

emrtd::CheckResult FromProto(v1::CheckResult r) {
  switch (r) {
    case v1::SUCCESS: return emrtd::CheckResult::kSuccess;
    case v1::FAILED: return emrtd::CheckResult::kFailed;
    default: return emrtd::CheckResult::kUnavailable;
  }
}

void ToProto(const emrtd::EmrtdResult& in, v1::EmrtdResult* out) {
  out->Clear();
  if (in.sod_info) {
    v1::SodInfo* s = out->mutable_sod_info();
    s->set_hash_algorithm(in.sod_info->hash_algorithm);
    for (const auto& [dg, hash] : in.sod_info->hash_for_data_group) {
      v1::DataGroupHash* h = s->add_hash_for_data_group();
      h->set_data_group(dg);
      h->set_hash(ToString(hash));
    }
  }
  if (in.mrz_info) {
    const emrtd::MrzInfo& m = *in.mrz_info;
    v1::MrzInfo* p = out->mutable_mrz_info();
    p->set_document_type(m.document_type);
    p->set_document_code(m.document_code);
    p->set_issuing_state(m.issuing_state);
    p->set_primary_identifier(m.primary_identifier);
    for (const std::string& s : m.secondary_identifier) p->add_secondary_identifier(s);
    p->set_nationality(m.nationality);
    p->set_document_number(m.document_number);
    p->set_date_of_birth(m.date_of_birth);
    p->set_gender(m.gender == emrtd::Gender::kMale     ? v1::MALE
                  : m.gender == emrtd::Gender::kFemale ? v1::FEMALE
                                                       : v1::GENDER_UNSPECIFIED);
    p->set_date_of_expiry(m.date_of_expiry);
    p->set_optional_data1(m.optional_data1);
    if (m.optional_data2) p->set_optional_data2(*m.optional_data2);
  }
  if (in.face_photo) out->set_face_photo(ToString(*in.face_photo));
  if (in.signature_photos) {
    v1::BytesList* l = out->mutable_signature_photos();
    for (const emrtd::Bytes& b : *in.signature_photos) l->add_values(ToString(b));
  }
  auto list = [](const std::optional<std::vector<std::string>>& in, v1::StringList* l) {
    for (const std::string& s : *in) l->add_values(s);
  };
  if (in.additional_personal_details) {
    const emrtd::AdditionalPersonalDetails& d = *in.additional_personal_details;
    v1::AdditionalPersonalDetails* p = out->mutable_additional_personal_details();
    if (d.full_name_of_holder) p->set_full_name_of_holder(*d.full_name_of_holder);
    if (d.other_names) list(d.other_names, p->mutable_other_names());
    if (d.personal_number) p->set_personal_number(*d.personal_number);
    if (d.full_date_of_birth) p->set_full_date_of_birth(*d.full_date_of_birth);
    if (d.place_of_birth) p->set_place_of_birth(*d.place_of_birth);
    if (d.permanent_address) list(d.permanent_address, p->mutable_permanent_address());
    if (d.telephone) p->set_telephone(*d.telephone);
    if (d.profession) p->set_profession(*d.profession);
    if (d.title) p->set_title(*d.title);
    if (d.personal_summary) p->set_personal_summary(*d.personal_summary);
    if (d.proof_of_citizenship_image) p->set_proof_of_citizenship_image(ToString(*d.proof_of_citizenship_image));
    if (d.other_valid_travel_document_numbers) {
      list(d.other_valid_travel_document_numbers, p->mutable_other_valid_travel_document_numbers());
    }
    if (d.custody_information) p->set_custody_information(*d.custody_information);
  }
  if (in.additional_document_details) {
    const emrtd::AdditionalDocumentDetails& d = *in.additional_document_details;
    v1::AdditionalDocumentDetails* p = out->mutable_additional_document_details();
    if (d.issuing_authority) p->set_issuing_authority(*d.issuing_authority);
    if (d.date_of_issue) p->set_date_of_issue(*d.date_of_issue);
    if (d.names_of_other_persons) p->set_names_of_other_persons(*d.names_of_other_persons);
    if (d.endorsements_and_observations) p->set_endorsements_and_observations(*d.endorsements_and_observations);
    if (d.tax_or_exit_requirements) p->set_tax_or_exit_requirements(*d.tax_or_exit_requirements);
    if (d.image_of_front) p->set_image_of_front(ToString(*d.image_of_front));
    if (d.image_of_rear) p->set_image_of_rear(ToString(*d.image_of_rear));
    if (d.date_and_time_of_personalization)
      p->set_date_and_time_of_personalization(*d.date_and_time_of_personalization);
    if (d.personalization_system_serial_number) {
      p->set_personalization_system_serial_number(*d.personalization_system_serial_number);
    }
  }
  out->set_passive_authentication(in.passive_authentication);
  const emrtd::PassiveAuthenticationDetails& pa = in.passive_authentication_details;
  v1::PassiveAuthenticationDetails* pd = out->mutable_passive_authentication_details();
  pd->set_sod_signature_valid(pa.sod_signature_valid);
  pd->set_document_certificate_valid(pa.document_certificate_valid);
  for (int dg : pa.data_groups_checked) pd->add_data_groups_checked(dg);
  for (int dg : pa.data_groups_with_valid_hash) pd->add_data_groups_with_valid_hash(dg);
  if (pa.error) pd->set_error(*pa.error);
  pd->set_all_hashes_valid(pa.all_hashes_valid);
  for (const std::string& n : pa.notes) pd->add_notes(n);
  out->set_chip_authentication_result(ToProto(in.chip_authentication_result));
  out->set_active_authentication_result(ToProto(in.active_authentication_result));
  for (const std::string& e : in.errors) out->add_errors(e);
  for (const auto& [name, content] : in.files_binary) {
    v1::NamedFile* f = out->add_files_binary();
    f->set_name(name);
    f->set_content(ToString(content));
  }
}

v1::EmrtdResult ToProto(const emrtd::EmrtdResult& in) {
  v1::EmrtdResult out;
  ToProto(in, &out);
  return out;
}

emrtd::EmrtdResult FromProto(const v1::EmrtdResult& in) {
  emrtd::EmrtdResult r;
  if (in.has_sod_info()) {
    emrtd::SodInfo s;
    s.hash_algorithm = in.sod_info().hash_algorithm();
    for (const v1::DataGroupHash& h : in.sod_info().hash_for_data_group()) {
      s.hash_for_data_group.emplace_back(h.data_group(), ToBytes(h.hash()));
    }
    r.sod_info = std::move(s);
  }
  if (in.has_mrz_info()) {
    const v1::MrzInfo& p = in.mrz_info();
    emrtd::MrzInfo m;
    m.document_type = p.document_type();
    m.document_code = p.document_code();
    m.issuing_state = p.issuing_state();
    m.primary_identifier = p.primary_identifier();
    m.secondary_identifier.assign(p.secondary_identifier().begin(), p.secondary_identifier().end());
    m.nationality = p.nationality();
    m.document_number = p.document_number();
    m.date_of_birth = p.date_of_birth();
    m.gender = p.gender() == v1::MALE ? emrtd::Gender::kMale
               : p.gender() == v1::FEMALE ? emrtd::Gender::kFemale
                                          : emrtd::Gender::kUnspecified;
    m.date_of_expiry = p.date_of_expiry();
    m.optional_data1 = p.optional_data1();
    if (p.has_optional_data2()) m.optional_data2 = p.optional_data2();
    r.mrz_info = std::move(m);
  }
  if (in.has_face_photo()) r.face_photo = ToBytes(in.face_photo());
  if (in.has_signature_photos()) {
    std::vector<emrtd::Bytes> v;
    for (const std::string& s : in.signature_photos().values()) v.push_back(ToBytes(s));
    r.signature_photos = std::move(v);
  }
  auto list = [](bool has, const v1::StringList& l) -> std::optional<std::vector<std::string>> {
    if (!has) return std::nullopt;
    return std::vector<std::string>(l.values().begin(), l.values().end());
  };
  auto opt = [](bool has, const std::string& s) -> std::optional<std::string> {
    if (!has) return std::nullopt;
    return s;
  };
  auto opt_bytes = [](bool has, const std::string& s) -> std::optional<emrtd::Bytes> {
    if (!has) return std::nullopt;
    return emrtd::Bytes(s.begin(), s.end());
  };
  if (in.has_additional_personal_details()) {
    const v1::AdditionalPersonalDetails& p = in.additional_personal_details();
    emrtd::AdditionalPersonalDetails d;
    d.full_name_of_holder = opt(p.has_full_name_of_holder(), p.full_name_of_holder());
    d.other_names = list(p.has_other_names(), p.other_names());
    d.personal_number = opt(p.has_personal_number(), p.personal_number());
    d.full_date_of_birth = opt(p.has_full_date_of_birth(), p.full_date_of_birth());
    d.place_of_birth = opt(p.has_place_of_birth(), p.place_of_birth());
    d.permanent_address = list(p.has_permanent_address(), p.permanent_address());
    d.telephone = opt(p.has_telephone(), p.telephone());
    d.profession = opt(p.has_profession(), p.profession());
    d.title = opt(p.has_title(), p.title());
    d.personal_summary = opt(p.has_personal_summary(), p.personal_summary());
    d.proof_of_citizenship_image = opt_bytes(p.has_proof_of_citizenship_image(), p.proof_of_citizenship_image());
    d.other_valid_travel_document_numbers =
        list(p.has_other_valid_travel_document_numbers(), p.other_valid_travel_document_numbers());
    d.custody_information = opt(p.has_custody_information(), p.custody_information());
    r.additional_personal_details = std::move(d);
  }
  if (in.has_additional_document_details()) {
    const v1::AdditionalDocumentDetails& p = in.additional_document_details();
    emrtd::AdditionalDocumentDetails d;
    d.issuing_authority = opt(p.has_issuing_authority(), p.issuing_authority());
    d.date_of_issue = opt(p.has_date_of_issue(), p.date_of_issue());
    d.names_of_other_persons = opt(p.has_names_of_other_persons(), p.names_of_other_persons());
    d.endorsements_and_observations = opt(p.has_endorsements_and_observations(), p.endorsements_and_observations());
    d.tax_or_exit_requirements = opt(p.has_tax_or_exit_requirements(), p.tax_or_exit_requirements());
    d.image_of_front = opt_bytes(p.has_image_of_front(), p.image_of_front());
    d.image_of_rear = opt_bytes(p.has_image_of_rear(), p.image_of_rear());
    d.date_and_time_of_personalization =
        opt(p.has_date_and_time_of_personalization(), p.date_and_time_of_personalization());
    d.personalization_system_serial_number =
        opt(p.has_personalization_system_serial_number(), p.personalization_system_serial_number());
    r.additional_document_details = std::move(d);
  }
  r.passive_authentication = in.passive_authentication();
  const v1::PassiveAuthenticationDetails& pd = in.passive_authentication_details();
  r.passive_authentication_details.sod_signature_valid = pd.sod_signature_valid();
  r.passive_authentication_details.document_certificate_valid = pd.document_certificate_valid();
  r.passive_authentication_details.data_groups_checked.assign(pd.data_groups_checked().begin(),
                                                              pd.data_groups_checked().end());
  r.passive_authentication_details.data_groups_with_valid_hash.assign(pd.data_groups_with_valid_hash().begin(),
                                                                      pd.data_groups_with_valid_hash().end());
  if (pd.has_error()) r.passive_authentication_details.error = pd.error();
  r.passive_authentication_details.all_hashes_valid = pd.all_hashes_valid();
  r.passive_authentication_details.notes.assign(pd.notes().begin(), pd.notes().end());
  r.chip_authentication_result = FromProto(in.chip_authentication_result());
  r.active_authentication_result = FromProto(in.active_authentication_result());
  r.errors.assign(in.errors().begin(), in.errors().end());
  for (const v1::NamedFile& f : in.files_binary()) r.files_binary.emplace_back(f.name(), ToBytes(f.content()));
  return r;
}

}  // namespace docval
