// Invariant checks. A broken invariant is a bug and crashes the process (Envoy style); untrusted
// input never reaches a CHECK — it becomes an absl::Status. Header-only (Abseil only) so the
// pure eMRTD core may use it (Debian's Abseil 20220623 predates absl/log).
#ifndef DOCVAL_BASE_CHECK_H_
#define DOCVAL_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace docval::internal {
// By value: the argument may be a temporary that dies at the end of the full expression.
inline absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* expr, const char* msg) {
  std::fprintf(stderr, "%s:%d: CHECK failed: %s %s\n", file, line, expr, msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace docval::internal

#define DOCVAL_CHECK(cond)                                                  \
  do {                                                                      \
    if (!(cond)) ::docval::internal::CheckFailed(__FILE__, __LINE__, #cond, nullptr); \
  } while (0)

#define DOCVAL_CHECK_MSG(cond, msg)                                         \
  do {                                                                      \
    if (!(cond)) ::docval::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

// Aborts when `status_expr` is not OK (for values that cannot be bad, such as compiled-in constants).
#define DOCVAL_CHECK_OK(status_expr)                                                      \
  do {                                                                                    \
    const ::absl::Status docval_check_ok_s_ = ::docval::internal::StatusOf(status_expr); \
    if (!docval_check_ok_s_.ok())                                                         \
      ::docval::internal::CheckFailed(__FILE__, __LINE__, #status_expr,                   \
                                      std::string(docval_check_ok_s_.message()).c_str()); \
  } while (0)

#endif  // DOCVAL_BASE_CHECK_H_
