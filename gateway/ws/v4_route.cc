#include "gateway/ws/v4_route.h"

#include <chrono>
#include <string>
#include <utility>

#include <boost/beast/http/field.hpp>

#include "absl/time/clock.h"
#include "gateway/protocol/v4.h"
#include "gateway/upstream/verify_files_call.h"
#include "validator/result_json/result_json.h"

namespace docval::gateway {
namespace {

constexpr char kRoute[] = "v4_validate";

HttpAnswer Json(http::status status, std::string body) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.content_type = "application/json";
  a.route = kRoute;
  return a;
}

HttpAnswer Error(int status, std::string error, std::string message) {
  return Json(static_cast<http::status>(status),
              v4::ErrorJson(v4::RequestError{status, std::move(error), std::nullopt, std::move(message)}));
}

}  // namespace

size_t V4BodyLimit() { return v4::MaxBodyBytes(); }

void HandleV4Validate(GatewayContext& context, const Request& req, std::function<void(HttpAnswer)> answer) {
  if (req.method() != http::verb::post) {
    HttpAnswer a = Error(405, "method_not_allowed", "POST only");
    a.headers.emplace_back("Allow", "POST");
    return answer(std::move(a));
  }
  if (context.draining()) return answer(Error(503, "unavailable", "the server is shutting down"));
  auto type = req.find(http::field::content_type);
  v4::ParsedRequest parsed = v4::ParseValidateRequest(
      type == req.end() ? absl::string_view() : absl::string_view(type->value().data(), type->value().size()),
      req.body(), context.options().client_ids);
  if (!parsed.request.has_value()) {
    HttpAnswer a = Json(static_cast<http::status>(parsed.error.http_status), v4::ErrorJson(parsed.error));
    if (parsed.error.http_status == 401) a.headers.emplace_back("WWW-Authenticate", "client_id");
    return answer(std::move(a));
  }
  v1::VerifyFilesRequest call;
  call.set_sod(std::move(parsed.request->sod));
  for (auto& [dg, bytes] : parsed.request->data_groups) (*call.mutable_data_groups())[dg] = std::move(bytes);
  call.set_include_files_binary(context.options().include_binary_files);
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(context.options().http_request_timeout));
  context.UpstreamCallStarted();
  VerifyFilesAsync(context.validator(), std::move(call), deadline,
                   [&context, answer = std::move(answer)](grpc::Status status, v1::EmrtdResult result) {
                     if (status.ok()) {
                       answer(Json(http::status::ok, ResultFrameV1(result)));
                     } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                                status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                                status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
                       answer(Error(503, "unavailable", "no validator could take the request: try again later"));
                     } else {
                       answer(Error(500, "server_error", "the validation failed on the server"));
                     }
                     context.UpstreamCallEnded();
                   });
}

}  // namespace docval::gateway
