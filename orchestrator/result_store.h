// The results DB (SQLite): the only user of SQLiteCpp. Opening migrates the schema
// forward; every finished run is stored in one transaction, so a crash of the
// orchestrator loses at most the run in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "matrix.h"
#include "run_record.h"
#include "system_info.h"
#include "table.h"

namespace SQLite {
class Database;
}

namespace orch {

// One column of a row to insert; std::monostate is NULL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Columns = std::vector<std::pair<std::string, Value>>;

class ResultStore {
 public:
  // Creates the file if needed. Throws UserError when it cannot be opened or its
  // schema is newer than this build knows.
  explicit ResultStore(const std::string& path);
  ~ResultStore();

  int schema_version() const;
  static int latest_schema_version();

  struct ExperimentIds {
    int64_t experiment_id = 0;
    std::vector<int64_t> cell_ids;  // by cell index
  };
  // `cell_commands` are the cells' command lines as `plan` shows them.
  ExperimentIds begin_experiment(const Experiment& experiment, const SystemInfo& system,
                                 const std::vector<std::string>& cell_commands);
  void record_run(int64_t cell_id, const RunRecord& run);
  void finish_experiment(int64_t experiment_id, const std::string& status);

  // The cell_summary view's display columns for one experiment.
  Table cell_summary(int64_t experiment_id);

 private:
  void migrate();
  void insert_run(int64_t cell_id, const RunRecord& run);
  void insert_row(const std::string& table, const Columns& columns);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace orch
