// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status code, and CO_ variants for the coroutines of
// the eMRTD dialog (validator/emrtd/task.h), where `return` must be spelled `co_return`.
#ifndef DOCVAL_BASE_STATUS_MACROS_H_
#define DOCVAL_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DOCVAL_STATUS_CONCAT_INNER_(a, b) a##b
#define DOCVAL_STATUS_CONCAT_(a, b) DOCVAL_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status docval_status_ = (expr);          \
    if (!docval_status_.ok()) return docval_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  DOCVAL_ASSIGN_OR_RETURN_IMPL_(DOCVAL_STATUS_CONCAT_(docval_statusor_, __LINE__), lhs, expr, return)

#define CO_RETURN_IF_ERROR(expr)                        \
  do {                                                  \
    ::absl::Status docval_status_ = (expr);             \
    if (!docval_status_.ok()) co_return docval_status_; \
  } while (0)

#define CO_ASSIGN_OR_RETURN(lhs, expr) \
  DOCVAL_ASSIGN_OR_RETURN_IMPL_(DOCVAL_STATUS_CONCAT_(docval_statusor_, __LINE__), lhs, expr, co_return)

#define DOCVAL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr, ret) \
  auto statusor = (expr);                                       \
  if (!statusor.ok()) ret std::move(statusor).status();         \
  lhs = *std::move(statusor)

#endif  // DOCVAL_BASE_STATUS_MACROS_H_
