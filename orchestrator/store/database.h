// The results DB's file and connection (SQLite, through SQLiteCpp, which no file
// outside store/ includes): opened as safe_files.h says, checked before any query of
// its data, migrated forward by a writer, every statement on a time budget and ended
// by a stop; and the statement helpers the store's parts share.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/value.h"

namespace SQLite {
class Database;
class Statement;
class Column;
}  // namespace SQLite

namespace orch {

class Database {
 public:
  // kWrite: `run`, `collect`, `baseline`, `upgrade-db`: the file is created if needed
  // and its schema migrated forward. kRead: `report`, `compare`, `plan --from-history`,
  // and a Slurm job's DB before it is ingested: opened read only, never created,
  // migrated or switched to WAL, and refused unless its schema is this build's.
  enum class Access { kWrite, kRead };
  // Why the work using the DB must stop ("signal 15"), or "" to go on. Asked while a
  // statement runs: a stop ends it, and the error says so (kExitInterrupted).
  using StopCheck = std::function<std::string()>;

  // The path is opened as safe_files.h says (no symbolic link another user owns is
  // followed; a regular file with one link, of this process's user, in a folder no
  // one else may write). Before any query of its data the DB is checked: PRAGMA
  // quick_check (a damaged one stops the orchestrator before any launch), no triggers
  // (they would run inside its writes), and its tables are the tables this build's
  // migrations make at its version, column by column (a table replaced by a view, an
  // endless recursive one say, is refused). Every statement has a time budget
  // (set_query_budget) and ends at a stop. A writer migrates the schema forward in one
  // IMMEDIATE transaction, so orchestrators opening a new DB at once do not collide.
  // Throws UserError when it cannot be opened, is damaged, or its schema is one this
  // build does not know (newer, negative, tables without a version), or for a reader
  // an older one (the hint names `orchestrator upgrade-db`) or no orchestrator DB.
  Database(const std::string& path, Access access, StopCheck stopped);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The longest any one statement may run (seconds; --query-timeout), for DBs opened
  // after the call. A query far past it is an endless one (a view that recurses
  // forever), not a large DB: one of a million runs answers in under a millisecond.
  static void set_query_budget(double seconds);
  static constexpr double kDefaultQueryBudgetS = 60;

  int schema_version() const;
  static int latest_schema_version();
  int opened_at_version() const { return opened_at_version_; }  // before any migration
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  const StopCheck& stop_check() const { return clock_.stopped; }
  SQLite::Database& sqlite() { return *db_; }

  // A reader's views: this build's, made TEMP on this connection, so that no view the
  // file holds (another build's, or a planted one) runs in its queries.
  void use_temp_views();

  // Runs fn, turning a DB failure (disk full, I/O error, a stop, a statement past its
  // budget) into a UserError.
  template <typename Fn>
  auto guarded(Fn&& fn) -> decltype(fn()) {
    using Result = decltype(fn());
    if constexpr (std::is_void_v<Result>) {
      run_guarded([&] { fn(); });
    } else {
      std::optional<Result> result;
      run_guarded([&] { result.emplace(fn()); });
      return std::move(*result);
    }
  }
  // The rows `query` selects, each column by its name (text capped at
  // kMaxArgumentBytes); `bind` fills its parameters.
  std::vector<Columns> select_rows(const std::string& query, const std::function<void(SQLite::Statement&)>& bind = {});
  void insert_row(const std::string& table, const Columns& columns, bool replace = false);
  int64_t last_insert_id();

 private:
  void run_guarded(const std::function<void()>& body);
  void check_folder(const PathInFolder& file) const;
  void check_file(const PathInFolder& file) const;
  void check_integrity();
  void distrust_schema();
  void check_tables(int version);
  void check_readable_version();
  void migrate();
  void fill_settings_hashes();
  UserError damaged(const std::string& why) const;
  // A DB error as a UserError: a stop's is kExitInterrupted, a statement past its
  // budget says so; `doing` is what failed ("cannot store a run").
  UserError failed(const std::exception& e, const std::string& doing, const std::string& hint) const;

  // When the statement running now began, for the progress handler's budget.
  struct QueryClock {
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::duration budget;
    StopCheck stopped;
    bool overran = false;
  };

  std::string path_;
  bool read_only_ = false;
  std::unique_ptr<SQLite::Database> db_;
  QueryClock clock_;
  int opened_at_version_ = 0;
};

// Text read back, capped at `max_bytes` (a DB's text may have been written by anyone,
// at any length): what validation lets in (experiment.h: an argument, the matrix file).
std::string capped_text(const SQLite::Column& column, size_t max_bytes);

}  // namespace orch
