// The long-running roles of the docval binary: wiring only (config → objects → serve → signals).
#ifndef DOCVAL_CMD_DOCVAL_ROLES_H_
#define DOCVAL_CMD_DOCVAL_ROLES_H_

#include <optional>
#include <string>

namespace docval::cmd {

enum class Role { kServe, kGateway, kValidator, kPoster };

// Runs `role` until SIGTERM/SIGINT. `config_path` empty: `serve` uses the embedded default, the
// single roles their defaults. Returns the process exit code (non-zero on a bad config or a port
// that cannot be bound, with the reason on stderr).
int RunRole(Role role, const std::string& config_path);

}  // namespace docval::cmd

#endif  // DOCVAL_CMD_DOCVAL_ROLES_H_
