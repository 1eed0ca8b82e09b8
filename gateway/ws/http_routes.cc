#include "gateway/ws/http_routes.h"

#include <boost/beast/http/field.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/protocol/secret.h"
#include "gateway/ws/v4_route.h"

namespace docval::gateway {
namespace {

absl::string_view View(boost::beast::string_view s) { return absl::string_view(s.data(), s.size()); }

HttpAnswer Text(http::status status, std::string body, std::string route) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.route = std::move(route);
  return a;
}

}  // namespace

absl::string_view TargetPath(absl::string_view target) { return target.substr(0, target.find('?')); }

size_t BodyLimit(const GatewayContext& context, absl::string_view path) {
  if (path == kDevResultServerPath && context.dev() != nullptr) {
    return DevResultStore::kMaxBodyBytes;
  }
  if (path == kV4ValidatePath) return V4BodyLimit();
  return 0;
}

namespace {

bool ServesV2(const GatewayContext& context, absl::string_view path) {
  return path == kWs2Path && context.v2_verifier() != nullptr;
}

// Why the gateway should take no new sessions now; "" when it is ready. Draining comes first: it is
// final, an unreachable upstream may come back.
std::string NotReadyReason(const GatewayContext& context) {
  if (context.draining()) return "draining";
  const UpstreamReachability r = context.reachability();
  if (!r.validators && !r.poster) return "no validator reachable; poster unreachable";
  if (!r.validators) return "no validator reachable";
  if (!r.poster) return "poster unreachable";
  return "";
}

// Spring Boot Actuator's answer: UP 200; OUT_OF_SERVICE (draining) and DOWN (an upstream cannot be
// reached) 503, as the actuator maps them by default.
HttpAnswer ActuatorHealth(const GatewayContext& context) {
  const std::string reason = NotReadyReason(context);
  const char* status = reason.empty() ? "UP" : context.draining() ? "OUT_OF_SERVICE" : "DOWN";
  HttpAnswer a = Text(reason.empty() ? http::status::ok : http::status::service_unavailable,
                      absl::StrCat("{\"status\":\"", status, "\"}"), "actuator_health");
  a.content_type = "application/json";
  return a;
}

}  // namespace

std::optional<HttpAnswer> CheckUpgrade(const GatewayContext& context, const Request& req) {
  const absl::string_view path = TargetPath(View(req.target()));
  if (path != kWs1Path && !ServesV2(context, path)) {
    HttpAnswer a = Text(http::status::not_found, "no WebSocket endpoint here\n", "not_found");
    a.close = true;
    return a;
  }
  if (context.options().handshake_authorization) {
    auto it = req.find(http::field::authorization);
    if (it == req.end() || !SecretIn(View(it->value()), context.options().handshake_tokens)) {
      HttpAnswer a = Text(http::status::unauthorized, "missing or wrong Authorization\n",
                          path == kWs1Path ? "ws1_unauthorized" : "ws2_unauthorized");
      a.headers.emplace_back("WWW-Authenticate", "Bearer");
      a.close = true;
      return a;
    }
  }
  return std::nullopt;
}

HeaderList ForwardedHeaders(const GatewayContext& context, const Request& req) {
  HeaderList forwarded;
  for (const std::string& name : context.options().forwarded_headers) {
    auto it = req.find(name);
    if (it != req.end()) forwarded.emplace_back(name, std::string(it->value()));
  }
  return forwarded;
}

bool HandleDevResultPost(GatewayContext& context, const Request& req, std::function<void(HttpAnswer)> answer) {
  DevResultStore* dev = context.dev();
  if (dev == nullptr || req.method() != http::verb::post || TargetPath(View(req.target())) != kDevResultServerPath) {
    return false;
  }
  dev->AddAsync(req.body(), [answer = std::move(answer)](absl::Status s) {
    if (s.ok()) {
      HttpAnswer a = Text(http::status::ok, "{\"status\":\"stored\"}\n", "dev_result_server");
      a.content_type = "application/json";
      return answer(std::move(a));
    }
    answer(Text(absl::IsUnavailable(s) ? http::status::service_unavailable : http::status::bad_request,
                std::string(s.message()) + "\n", "dev_result_server"));
  });
  return true;
}

HttpAnswer Route(GatewayContext& context, const Request& req) {
  absl::string_view path = TargetPath(View(req.target()));
  if (path == "/healthz") return Text(http::status::ok, "ok\n", "healthz");
  if (path == "/readyz") {
    const std::string reason = NotReadyReason(context);
    return reason.empty() ? Text(http::status::ok, "ready\n", "readyz")
                          : Text(http::status::service_unavailable, reason + "\n", "readyz");
  }
  if (path == kActuatorHealthPath) return ActuatorHealth(context);
  if (path == kWs1Path) {
    return Text(http::status::upgrade_required, "WebSocket upgrade required\n", "ws1_no_upgrade");
  }
  if (ServesV2(context, path)) {
    return Text(http::status::upgrade_required, "WebSocket upgrade required\n", "ws2_no_upgrade");
  }
  DevResultStore* dev = context.dev();
  // A POST is HandleDevResultPost's.
  if (dev != nullptr && path == kDevResultServerPath) {
    return Text(http::status::method_not_allowed, "POST only\n", "dev_result_server");
  }
  if (dev != nullptr && path == "/dev/results") {
    auto accept = req.find(http::field::accept);
    DevResultStore::Response r =
        dev->Render(View(req.target()), accept == req.end() ? absl::string_view() : View(accept->value()),
                    context.active_sessions());
    HttpAnswer a = Text(http::status::ok, std::move(r.body), "dev_results");
    a.content_type = r.content_type;
    for (const auto& [name, value] : r.headers) a.headers.emplace_back(name, value);
    return a;
  }
  return Text(http::status::not_found, "not found\n", "not_found");
}

HttpAnswer TooLarge() {
  HttpAnswer a = Text(http::status::payload_too_large, "request too large\n", "too_large");
  a.close = true;
  return a;
}

HttpAnswer Malformed() {
  HttpAnswer a = Text(http::status::bad_request, "malformed HTTP request\n", "bad_request");
  a.close = true;
  return a;
}

}  // namespace docval::gateway
