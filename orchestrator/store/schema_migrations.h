// The results schema, compiled in: schemas/migrations/*.sql (element i moves a DB
// from PRAGMA user_version i to i + 1) and schemas/views.sql (the views, recreated
// whenever the orchestrator opens a DB to write).
#pragma once

#include <string>
#include <vector>

namespace orch {

const std::vector<std::string>& schema_migrations();
const std::string& schema_views();

}  // namespace orch
