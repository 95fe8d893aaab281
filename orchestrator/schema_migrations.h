// The results schema, compiled in from schemas/migrations/*.sql: element i moves a
// DB from PRAGMA user_version i to i + 1.
#pragma once

#include <string>
#include <vector>

namespace orch {

const std::vector<std::string>& schema_migrations();

}  // namespace orch
