#include "gateway/ws/v4_route.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <boost/beast/http/field.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/tracing/trace_context.h"
#include "gateway/protocol/v4.h"
#include "gateway/upstream/verify_files_call.h"
#include "gateway/ws/session_trace.h"
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
  HttpAnswer a = Json(static_cast<http::status>(status),
                      v4::ErrorJson(v4::RequestError{status, error, std::nullopt, std::move(message)}));
  a.error = std::move(error);
  return a;
}

// The request's span (session_trace.h, docval.protocol `v4`), from now until `answer` runs.
std::shared_ptr<SessionTrace> StartTrace(const Request& req, absl::Time arrived) {
  auto trace = std::make_shared<SessionTrace>();
  const auto header = req[tracing::kTraceparentHeader];
  trace->Start(absl::string_view(header.data(), header.size()), arrived, "v4");
  trace->Started("v4", "", false);
  trace->BytesFromClient(req.body().size());
  return trace;
}

}  // namespace

size_t V4BodyLimit() { return v4::MaxBodyBytes(); }

void HandleV4Validate(GatewayContext& context, const Request& req, std::function<void(HttpAnswer)> answer_to) {
  const absl::Time arrived = absl::Now();
  std::shared_ptr<SessionTrace> trace = StartTrace(req, arrived);
  auto answer = [trace, arrived, answer_to = std::move(answer_to)](HttpAnswer a) {
    trace->BytesToClient(a.body.size());
    const int status = static_cast<int>(a.status);
    trace->Answered(status == 200 ? "success" : a.error, status);
    trace->End(arrived);
    answer_to(std::move(a));
  };
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
    a.error = parsed.error.error;
    if (parsed.error.http_status == 401) a.headers.emplace_back("WWW-Authenticate", "client_id");
    return answer(std::move(a));
  }
  v1::VerifyFilesRequest call;
  trace->File("sod", parsed.request->sod.size());
  call.set_sod(std::move(parsed.request->sod));
  for (auto& [dg, bytes] : parsed.request->data_groups) {
    trace->File(absl::StrCat("dg", dg), bytes.size());
    (*call.mutable_data_groups())[dg] = std::move(bytes);
  }
  call.set_include_files_binary(context.options().include_binary_files);
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(context.options().http_request_timeout));
  context.UpstreamCallStarted();
  VerifyFilesAsync(
      context.validator(), std::move(call), deadline,
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
      },
      trace->Traceparent());
}

}  // namespace docval::gateway
