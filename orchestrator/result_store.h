// The results DB (SQLite): the only user of SQLiteCpp. Opening migrates the schema
// forward; every finished run is stored in one transaction, so a crash of the
// orchestrator loses at most the run in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
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
class Statement;
}

namespace orch {

// One column of a row to insert; std::monostate is NULL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Columns = std::vector<std::pair<std::string, Value>>;

// What the orchestrator knows about the machine beyond SystemInfo at the start.
struct HostContext {
  std::string warnings;  // codes (warnings.h)
  std::string governor;
  int cgroup_version = 0;
};

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
                                 const std::vector<std::string>& cell_commands,
                                 const HostContext& host = {});
  // From the cell's measured ok runs in the DB (so a resumed cell counts them all):
  // the bootstrap CI of the median p50, the run-to-run CV, and cell warnings.
  void update_cell_statistics(int64_t cell_id);
  // A run is stored as 'running' when it starts, and completed -- status, phases,
  // samples -- in one transaction when it ends. Both throw UserError on a DB error.
  int64_t begin_run(int64_t cell_id, const RunRecord& run);
  void record_run(int64_t run_id, int64_t cell_id, const RunRecord& run);
  void finish_experiment(int64_t experiment_id, const std::string& status);

  // Marks what an orchestrator on `hostname` left 'running' when it died: its runs
  // become 'aborted', its experiments 'interrupted'. Call with the run lock held.
  // Returns the number of runs marked.
  int repair(const std::string& hostname);

  // The latest interrupted experiment of the same matrix (content hash and name),
  // reopened: its aborted runs are deleted so they run again.
  struct Resumption {
    ExperimentIds ids;
    std::set<std::pair<int, int>> finished;  // (cell index, run index) already stored
  };
  std::optional<Resumption> resume(const Experiment& experiment);
  // Deletes a stored run with its phases and samples (a resumed cell's warm-up runs,
  // which must warm the machine again before its remaining measured runs).
  void forget_run(int64_t cell_id, int run_index);

  // The cell_summary view's display columns for one experiment.
  Table cell_summary(int64_t experiment_id);

 private:
  void migrate();
  void complete_run(int64_t run_id, int64_t cell_id, const RunRecord& run);
  Table read_cell_summary(int64_t experiment_id);
  void insert_row(const std::string& table, const Columns& columns, bool replace = false);
  // Deletes the runs that `select_ids` (a SELECT of run ids; `bind` fills its
  // parameters) names, with their phases and samples, inside the caller's transaction.
  void delete_runs(const std::string& select_ids, const std::function<void(SQLite::Statement&)>& bind);
  // Runs fn, turning a DB failure (disk full, I/O error) into a UserError.
  template <typename Fn>
  auto guarded(Fn&& fn) -> decltype(fn());

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace orch
