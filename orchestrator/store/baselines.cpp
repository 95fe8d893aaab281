// Baselines (see baselines.h).
#include "store/baselines.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/clock.h"
#include "common/text.h"

namespace orch {

void Baselines::name_baseline(const std::string& name, int64_t experiment_id) {
  db_.guarded([&] {
    db_.insert_row("baselines", {{"name", name}, {"experiment_id", experiment_id}, {"named_at", utc_timestamp()}},
                   /*replace=*/true);
  });
}

int64_t Baselines::find_baseline(const std::string& name) {
  return db_.guarded([&] {
    SQLite::Statement query(db_.sqlite(), "SELECT experiment_id FROM baselines WHERE name = ?");
    query.bind(1, name);
    if (!query.executeStep())
      throw UserError("results DB " + printable(db_.path()) + " has no baseline '" + printable(name) + "'",
                      "name one with `orchestrator baseline " + printable(name) + " --experiment ID`; sqlite3 " +
                          printable(db_.path()) + " 'SELECT * FROM baselines' lists them");
    return query.getColumn(0).getInt64();
  });
}

}  // namespace orch
