// SQLite persistence of experiments, cells, runs, phases and samples (see result_store.h).
#include "store/result_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>
#include <variant>

#include "common/clock.h"
#include "common/cpu_list.h"
#include "common/error.h"
#include "common/text.h"
#include "common/version.h"
#include "matrix/settings.h"
#include "measure/cell_statistics.h"
#include "measure/hosts.h"
#include "measure/warnings.h"
#include "protocol/worker_report.h"
#include "store/schema_migrations.h"

namespace orch {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// Text read back is capped at what validation lets in (experiment.h: an argument, the
// matrix file): a DB's text may have been written by anyone, at any length.
std::string capped_text(const SQLite::Column& column, size_t max_bytes) {
  const char* text = static_cast<const char*>(column.getBlob());
  const size_t bytes = static_cast<size_t>(column.getBytes());
  if (text == nullptr) return {};
  if (bytes <= max_bytes) return std::string(text, bytes);
  return std::string(text, max_bytes) + "...";
}

// Adds the runs columns of one latency summary: `prefix` + n, mean_ms, ... max_ms.
void add_summary_columns(Columns& row, const std::string& prefix, const std::optional<LatencySummary>& summary) {
  if (!summary) return;
  row.insert(row.end(), {{prefix + "n", int64_t(summary->n)},
                         {prefix + "mean_ms", summary->mean_ms},
                         {prefix + "stddev_ms", summary->stddev_ms},
                         {prefix + "cv", summary->cv},
                         {prefix + "min_ms", summary->min_ms},
                         {prefix + "p50_ms", summary->p50_ms},
                         {prefix + "p90_ms", summary->p90_ms},
                         {prefix + "p99_ms", summary->p99_ms},
                         {prefix + "max_ms", summary->max_ms}});
}

// The runs row of one finished run; absent values are NULL.
Columns run_columns(int64_t cell_id, const RunRecord& run) {
  const ProcessOutcome& process = run.process;
  const bool launched = process.launch_error.empty();
  const protocol::ResourceUsage* usage = worker_usage(run);
  Columns row = {
      {"cell_id", cell_id},
      {"run_index", int64_t{run.run_index}},
      {"is_warmup", int64_t{run.warmup}},
      {"status", status_name(run.status)},
      {"reason", optional_text(run.reason)},
      {"started_at", run.started_at},
      {"command_line", run.command_line},
      {"exit_code", process.exit_code >= 0 ? Value(int64_t{process.exit_code}) : Value()},
      {"term_signal", process.term_signal != 0 ? Value(int64_t{process.term_signal}) : Value()},
      {"stdout_tail", process.stdout_tail},
      {"stderr_tail", process.stderr_tail},
  };
  if (launched) row.push_back({"wall_ms", process.wall_ms});
  if (usage) {
    row.insert(row.end(), {{"rusage_source", std::string(run.evidence.child_is_worker ? "wait4" : "worker")},
                           {"user_cpu_ms", usage->user_cpu_ms},
                           {"sys_cpu_ms", usage->sys_cpu_ms},
                           {"max_rss_kib", int64_t{usage->max_rss_kib}},
                           {"minor_faults", int64_t{usage->minor_faults}},
                           {"major_faults", int64_t{usage->major_faults}},
                           {"voluntary_ctx_switches", int64_t{usage->voluntary_ctx_switches}},
                           {"involuntary_ctx_switches", int64_t{usage->involuntary_ctx_switches}},
                           {"fs_read_kib", usage->fs_read_kib >= 0 ? Value(int64_t{usage->fs_read_kib}) : Value()}});
  }
  if (run.report) {
    const protocol::WorkerRuntime& rt = run.report->runtime;
    const protocol::TorchRuntime& torch = rt.torch;
    row.insert(row.end(),
               {{"torch_version", optional_text(torch.torch_version)},
                {"blas_libraries", join(rt.blas_libraries, ";")},
                {"mkldnn", int64_t{torch.mkldnn}},
                {"mkl", int64_t{torch.mkl}},
                {"openmp", int64_t{torch.openmp}},
                {"intra_op_threads", torch.intra_op_threads > 0 ? Value(int64_t{torch.intra_op_threads}) : Value()},
                {"inter_op_threads", torch.inter_op_threads > 0 ? Value(int64_t{torch.inter_op_threads}) : Value()},
                {"effective_cpus", format_cpu_list(rt.allowed_cpus)},
                {"effective_nproc", int64_t(rt.allowed_cpus.size())},
                {"online_cpus", int64_t{rt.online_cpus}},
                {"threads_observed", int64_t{rt.threads_observed}},
                {"thread_env_json", ascii_json(rt.thread_env)},
                {"parallel_info", torch.parallel_info},
                {"device_name", optional_text(torch.device_name)},
                {"worker_pid", int64_t{rt.pid}},
                {"worker_uid", rt.uid >= 0 ? Value(int64_t{rt.uid}) : Value()},
                {"cgroup_version", int64_t{rt.cgroup.version}},
                {"cgroup_path", optional_text(rt.cgroup.path)},
                {"cgroup_cpus", optional_text(rt.cgroup.cpus)},
                {"effective_cpu_quota_percent", optional_value(rt.cgroup.cpu_quota_percent)},
                {"effective_memory_limit_bytes", optional_value(rt.cgroup.memory_limit_bytes)}});
    // Each known phase also as a column <name>_ms (phases keeps them all).
    for (const char* name : protocol::phase::kAll)
      for (const auto& phase : run.report->phases)
        if (phase.name == name) {
          row.push_back({std::string(name) + "_ms", phase.duration_ms});
          break;
        }
  }
  add_summary_columns(row, "latency_", run.latency);
  row.push_back({"outlier_iterations", optional_value(run.outlier_iterations)});
  add_summary_columns(row, "device_latency_", run.device_latency);
  if (const auto& group = run.evidence.cgroup) {
    row.insert(row.end(), {{"run_cgroup", run.evidence.cgroup_path},
                           {"outside_cpu_quota_percent", optional_value(group->cpu_quota_percent)},
                           {"outside_cpus", optional_text(group->cpus)},
                           {"outside_memory_limit_bytes", optional_value(group->memory_limit_bytes)},
                           {"nr_periods", optional_value(group->nr_periods)},
                           {"nr_throttled", optional_value(group->nr_throttled)},
                           {"throttled_ms", optional_value(group->throttled_ms)},
                           {"cgroup_cpu_ms", optional_value(group->cpu_usage_ms)},
                           {"memory_peak_bytes", optional_value(group->memory_peak_bytes)},
                           {"oom_kills", optional_value(group->oom_kills)}});
  }
  row.push_back({"cold_start_ms", optional_value(run.cold_start_ms)});
  if (const auto& beside = run.interference)
    row.insert(row.end(), {{"others_cpu_share", beside->others_cpu_share},
                           {"steal_share", beside->steal_share},
                           {"cpu_pressure_share", optional_value(beside->cpu_pressure_share)},
                           {"runnable_others", beside->runnable_others}});
  row.insert(row.end(), {{"cache_action", optional_text(run.cache_action)},
                         {"model_resident_pct", optional_value(run.model_resident_pct)},
                         {"libtorch_resident_pct", optional_value(run.libtorch_resident_pct)},
                         {"warnings", optional_text(join_codes(run.warnings))}});
  row.push_back({"limits_mismatch", optional_text(join(run.limit_mismatches, "; "))});
  row.push_back({"concurrent_orchestrators", optional_text(join(run.concurrent_orchestrators, "; "))});
  return row;
}

}  // namespace

void ResultStore::insert_row(const std::string& table, const Columns& columns, bool replace) {
  std::string names, marks;
  for (const auto& [name, value] : columns) {
    names += (names.empty() ? "" : ", ") + name;
    marks += marks.empty() ? "?" : ", ?";
  }
  SQLite::Statement insert(*db_, std::string(replace ? "INSERT OR REPLACE" : "INSERT") + " INTO " + table + " (" +
                                     names + ") VALUES (" + marks + ")");
  int index = 0;
  for (const auto& [name, value] : columns) {
    ++index;
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
            insert.bind(index);
          else
            insert.bind(index, v);
        },
        value);
  }
  insert.exec();
}

namespace {

std::atomic<double> query_budget_s{ResultStore::kDefaultQueryBudgetS};

}  // namespace

void ResultStore::set_query_budget(double seconds) { query_budget_s = seconds; }

ResultStore::ResultStore(const std::string& path, Access access, StopCheck stopped)
    : path_(path), read_only_(access == Access::kRead) {
  clock_.stopped = std::move(stopped);
  const bool read_only = read_only_;
  const PathInFolder file = open_path(path, "the results DB");
  check_folder(file);
  if (struct stat st{}; read_only && ::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw UserError("no results DB at " + printable(path) + ": " + std::strerror(errno),
                    "give the --db that `orchestrator run` stored its results in");
  clock_.budget = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(query_budget_s.load()));
  try {
    // The path has no symbolic link left in it; NOFOLLOW makes SQLite refuse one that
    // appears in it after all.
    db_ = std::make_unique<SQLite::Database>(
        file.resolved, (read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
                           SQLite::OPEN_NOFOLLOW | SQLite::OPEN_URI);
    check_file(file);
    db_->setBusyTimeout(kBusyTimeoutMs);
    distrust_schema();
    opened_at_version_ = schema_version();
    if (read_only) {
      check_integrity();
      check_readable_version();
      check_tables(opened_at_version_);
      use_temp_views();
      return;
    }
    // Switching a new DB to WAL while others open it too can be refused as busy
    // without the busy handler being asked: the set-up is then tried again.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      try {
        check_integrity();
        if (opened_at_version_ > 0 && opened_at_version_ <= latest_schema_version()) check_tables(opened_at_version_);
        db_->exec("PRAGMA journal_mode = WAL");
        db_->exec("PRAGMA foreign_keys = ON");
        migrate();
        break;
      } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > give_up) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    refresh_missing_statistics();
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CORRUPT || e.getErrorCode() == SQLITE_NOTADB) throw damaged(e.what());
    throw failed(e, "cannot open results DB " + printable(path),
                 "check that its folder exists and is writable, and that it is an orchestrator DB");
  }
}

UserError ResultStore::failed(const std::exception& e, const std::string& doing, const std::string& hint) const {
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  if (sqlite && (sqlite->getErrorCode() & 0xff) == SQLITE_INTERRUPT) {
    if (const std::string why = clock_.stopped ? clock_.stopped() : ""; !why.empty())
      return UserError(doing + ": interrupted by " + why + "; what was stored before is kept", {}, kExitInterrupted);
    if (clock_.overran)
      return UserError(
          doing + ": a query of " + printable(path_) + " ran past its budget of " +
              format_number(std::chrono::duration<double>(clock_.budget).count(), 1) +
              " s; a DB whose tables hold what this orchestrator stores answers in milliseconds",
          "check the DB (sqlite3 " + printable(path_) + " .schema); if it is only very large, raise --query-timeout");
  }
  return UserError(doing + ": " + e.what(), hint);
}

// A reader reads only what this build writes: the same schema version, no older.
void ResultStore::check_readable_version() {
  const int version = opened_at_version_;
  if (version == latest_schema_version()) return;
  const bool tables = db_->execAndGet(
                             "SELECT COUNT(*) FROM main.sqlite_master WHERE type IN ('table', 'view') AND "
                             "name IN ('experiments', 'cells', 'runs')")
                          .getInt() > 0;
  if (version == 0 && !tables)
    throw UserError(printable(path_) + " is not an orchestrator results DB (it has no experiments, cells or runs)",
                    "give the --db that `orchestrator run` stored its results in");
  if (version > 0 && version < latest_schema_version())
    throw UserError("results DB " + printable(path_) + " was written by an older orchestrator (schema version " +
                        std::to_string(version) + "; this one reads " + std::to_string(latest_schema_version()) +
                        "), and reading never changes a DB",
                    "upgrade it once with `orchestrator upgrade-db --db " + printable(path_) +
                        "` (copy it first if an older orchestrator still reads it)");
  throw UserError("cannot read " + printable(path_) + ": its schema is version " + std::to_string(version) +
                  ", this orchestrator's " + std::to_string(latest_schema_version()) + " (written by another build)");
}

namespace {

// A table's columns as PRAGMA table_info gives them: "name type", in order.
using TableColumns = std::vector<std::string>;

std::map<std::string, TableColumns> tables_of(SQLite::Database& db) {
  std::map<std::string, TableColumns> tables;
  SQLite::Statement names(db,
                          "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                          "ESCAPE '\\'");
  while (names.executeStep()) tables[names.getColumn(0).getString()];
  for (auto& [table, columns] : tables) {
    SQLite::Statement info(db, "SELECT name, type FROM pragma_table_info(?, 'main') ORDER BY cid");
    info.bind(1, table);
    while (info.executeStep()) columns.push_back(info.getColumn(0).getString() + " " + info.getColumn(1).getString());
  }
  return tables;
}

// The tables this build's migrations make at `version`, from an in-memory DB.
const std::map<std::string, TableColumns>& tables_at(int version) {
  static std::mutex mutex;
  static std::map<int, std::map<std::string, TableColumns>> made;
  const std::lock_guard<std::mutex> lock(mutex);
  if (auto found = made.find(version); found != made.end()) return found->second;
  SQLite::Database memory(":memory:", SQLite::OPEN_READWRITE);
  for (int step = 0; step < version; ++step) memory.exec(schema_migrations()[static_cast<size_t>(step)]);
  return made[version] = tables_of(memory);
}

}  // namespace

// Every table the schema has at `version` must be a table with its columns: a view
// in its place (an endless recursive one, say) or a table of other columns would run
// or break inside the orchestrator's own queries.
void ResultStore::check_tables(int version) {
  const auto expected = tables_at(version);
  const auto found = tables_of(*db_);
  for (const auto& [table, columns] : expected) {
    const auto it = found.find(table);
    if (it == found.end())
      throw UserError("cannot use results DB " + printable(path_) + ": its schema version is " +
                          std::to_string(version) + ", but it has no table '" + table +
                          "' (a view or nothing in its place)",
                      "it was not written by an orchestrator, or was changed since: use another --db");
    if (it->second != columns)
      throw UserError("cannot use results DB " + printable(path_) + ": its table '" + table +
                          "' does not have the columns schema version " + std::to_string(version) + " gives it",
                      "it was not written by an orchestrator, or was changed since: use another --db");
  }
}

// A reader's views are this build's, TEMP on its own connection, so that no view the
// file holds (another build's, or a planted one) runs in its queries. Cells whose
// statistics are not stored (an orchestrator of an older build stopped mid-cell) get
// them computed here, into a TEMP copy of cell_statistics the views then read.
void ResultStore::use_temp_views() {
  if (const auto missing = cells_without_statistics(); !missing.empty()) {
    db_->exec("CREATE TEMP TABLE cell_statistics AS SELECT * FROM main.cell_statistics");
    for (const int64_t cell_id : missing) refresh_cell_statistics(cell_id);
  }
  std::string views = schema_views();
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"DROP VIEW IF EXISTS ", "DROP VIEW IF EXISTS temp."},
        {"CREATE VIEW ", "CREATE TEMP VIEW "}})
    for (size_t at = views.find(from); at != std::string::npos; at = views.find(from, at + to.size()))
      views.replace(at, from.size(), to);
  db_->exec(views);
}

UserError ResultStore::damaged(const std::string& why) const {
  return UserError(
      "results DB " + printable(path_) + " is damaged (" + first_line(why, 200) + "); nothing was launched",
      "restore it from a backup, or rescue what it holds with `sqlite3 " + printable(path_) +
          " .recover | sqlite3 new.db`, then use --db new.db");
}

ResultStore::~ResultStore() = default;

void ResultStore::check_folder(const PathInFolder& file) const {
  // SQLite keeps the DB's -wal and -shm (and -journal) files beside it: in a folder
  // that someone else may write, they could be made beforehand and kept open, and
  // then read or changed. The sticky bit does not help there.
  struct stat st {};
  const std::string folder = file.resolved.substr(0, file.resolved.rfind('/') + 1);
  if (::fstat(file.folder.get(), &st) != 0)
    throw UserError("cannot use results DB " + printable(path_) + ": " + std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw UserError("cannot use results DB " + printable(path_) + ": its folder " + printable(folder) + " belongs to " +
                        user_name(st.st_uid) + ", who could plant its -wal and -shm files",
                    "keep the DB in a folder of your own that only you can write");
  // Group-writable is fine when the group is this process's own (a user-private group).
  if ((st.st_mode & S_IWOTH) != 0 || ((st.st_mode & S_IWGRP) != 0 && st.st_gid != ::getegid()))
    throw UserError("cannot use results DB " + printable(path_) + ": its folder " + printable(folder) +
                        " may be written by other users, who could plant its -wal and -shm files and read or change "
                        "what it holds",
                    "keep the DB in a folder of your own that only you can write (chmod go-w, or another --db)");
}

void ResultStore::check_file(const PathInFolder& file) const {
  struct stat st {};
  if (::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
      st.st_nlink != 1)
    throw UserError("cannot use results DB " + printable(path_) +
                        ": it is not a regular file with one link (a hard link could lead to a file elsewhere)",
                    "choose another --db");
  if (st.st_uid != ::geteuid())
    throw UserError("cannot use results DB " + printable(path_) + ": it belongs to " + user_name(st.st_uid) +
                        ", who could change what it holds and what runs inside its writes (triggers)",
                    "use a DB of the user the orchestrator runs as (chown it, or choose another --db)");
}

// A DB's own SQL runs inside the orchestrator's statements: triggers (which it never
// makes) are refused, functions in its schema are untrusted, and a stop signal
// aborts whatever statement is running, so that SIGTERM works even there.
void ResultStore::distrust_schema() {
  db_->exec("PRAGMA trusted_schema = OFF");
  const int triggers = db_->execAndGet("SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'trigger'").getInt();
  if (triggers > 0)
    throw UserError("cannot use results DB " + printable(path_) + ": it has " + std::to_string(triggers) +
                        " trigger(s), which no orchestrator makes; they would run inside every run it stores",
                    "drop them (sqlite3 " + printable(path_) + " .schema shows them), or use another --db");
  // Each statement's clock starts when it begins to run (SQLITE_TRACE_STMT); the
  // progress handler, every few thousand steps of it, ends it at a stop signal or past
  // its budget.
  sqlite3_trace_v2(
      db_->getHandle(), SQLITE_TRACE_STMT,
      [](unsigned, void* clock, void*, void*) {
        static_cast<QueryClock*>(clock)->started = std::chrono::steady_clock::now();
        return 0;
      },
      &clock_);
  sqlite3_progress_handler(
      db_->getHandle(), 1000,
      [](void* context) {
        auto* clock = static_cast<QueryClock*>(context);
        if (clock->stopped && !clock->stopped().empty()) return 1;
        clock->overran = std::chrono::steady_clock::now() - clock->started > clock->budget;
        return clock->overran ? 1 : 0;
      },
      &clock_);
}

void ResultStore::check_integrity() {
  const std::string verdict = db_->execAndGet("PRAGMA quick_check(1)").getString();
  if (verdict != "ok") throw damaged("PRAGMA quick_check: " + verdict);
}

// Cells stored before their settings were hashed (schema 13) get their hash, from
// the same stored columns a new cell's is made of.
void ResultStore::fill_settings_hashes() {
  const auto cells = select_rows("SELECT * FROM cells WHERE settings_hash IS NULL", [](SQLite::Statement&) {});
  SQLite::Statement update(*db_, "UPDATE cells SET settings_hash = ? WHERE id = ?");
  for (const auto& cell : cells) {
    update.reset();
    update.bind(1, settings_hash(cell));
    update.bind(2, std::get<int64_t>(value_of(cell, "id")));
    update.exec();
  }
}

int ResultStore::latest_schema_version() { return static_cast<int>(schema_migrations().size()); }

int ResultStore::schema_version() const { return db_->execAndGet("PRAGMA user_version").getInt(); }

void ResultStore::migrate() {
  // IMMEDIATE: the write lock from the start, and the version read under it, so two
  // orchestrators opening a new DB at once migrate it once, one after the other.
  // The views are then recreated as this build defines them, in the same transaction
  // (a reader never sees them half made), so a fixed view reaches every DB.
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  const int current = schema_version();
  if (current < 0)
    throw UserError("results DB " + printable(path_) + " has schema version " + std::to_string(current) +
                        ", which no orchestrator writes (PRAGMA user_version)",
                    "use another --db");
  if (current > latest_schema_version())
    throw UserError("results DB " + printable(path_) + " has schema version " + std::to_string(current) +
                        ", newer than this orchestrator's " + std::to_string(latest_schema_version()),
                    "use a newer orchestrator, or another --db");
  if (current == 0 && db_->execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                      "('experiments', 'cells', 'runs', 'phases', 'samples')")
                              .getInt() > 0)
    throw UserError("results DB " + printable(path_) +
                        " has orchestrator tables but schema version 0 (PRAGMA user_version): its version was "
                        "reset, or another program made them",
                    "use another --db; or, if you know which version its tables have, set PRAGMA user_version to it");
  for (int version = current; version < latest_schema_version(); ++version)
    db_->exec(schema_migrations()[static_cast<size_t>(version)]);
  if (current < latest_schema_version()) db_->exec("PRAGMA user_version = " + std::to_string(latest_schema_version()));
  fill_settings_hashes();
  db_->exec(schema_views());
  transaction.commit();
}

ResultStore::ExperimentIds ResultStore::begin_experiment(const Experiment& experiment, const SystemInfo& system,
                                                         const std::vector<std::string>& cell_commands,
                                                         const HostContext& host, int64_t order_seed) {
  ExperimentIds ids;
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  insert_row(
      "experiments",
      {{"name", experiment.name},
       {"started_at", utc_timestamp()},
       {"matrix_path", experiment.matrix_path},
       {"matrix_yaml", experiment.matrix_text},
       {"matrix_hash", experiment.matrix_hash},
       {"hostname", system.hostname},
       {"kernel", system.kernel},
       {"cpu_model", system.cpu_model},
       {"online_cpus", format_cpu_list(system.online_cpus)},
       {"orchestrator_version", std::string(orchestrator_version())},
       {"orchestrator_pid", int64_t{host.orchestrator.process.pid}},
       {"orchestrator_start_ticks", static_cast<int64_t>(host.orchestrator.process.start_ticks)},
       {"boot_id", optional_text(host.orchestrator.boot_id)},
       {"warnings", optional_text(host.warnings)},
       {"governor", optional_text(host.governor)},
       {"boost", optional_text(system.boost)},
       {"smt",
        system.threads_per_core > 0 ? Value(std::to_string(system.threads_per_core) + " threads per core") : Value()},
       {"cgroup_version", host.cgroup_version > 0 ? Value(int64_t{host.cgroup_version}) : Value()},
       {"run_order", run_order_name(experiment.order)},
       {"order_seed", experiment.order == RunOrder::kRandom ? Value(order_seed) : Value()},
       {"precision_target_percent", experiment.precision ? Value(experiment.precision->target_percent) : Value()},
       {"precision_max_runs", experiment.precision ? Value(int64_t{experiment.precision->max_runs}) : Value()},
       {"precision_max_minutes", experiment.precision ? Value(experiment.precision->max_minutes) : Value()},
       {"calibration", int64_t{experiment.calibration}},
       {"memory_mib", system.memory_mib > 0 ? Value(system.memory_mib) : Value()},
       {"slurm_split", optional_text(experiment.slurm_split)}});
  ids.experiment_id = db_->getLastInsertRowid();

  for (const auto& cell : experiment.cells) {
    Columns row = {{"experiment_id", ids.experiment_id},
                   {"cell_index", int64_t{cell.index}},
                   {"label", cell.label},
                   {"command_line", cell_commands.at(cell.index)}};
    for (auto& column : stored_columns(cell.settings)) row.push_back(std::move(column));
    row.push_back({"replica", cell.replica ? Value(int64_t{*cell.replica}) : Value()});
    row.push_back({"settings_hash", settings_hash(row)});
    insert_row("cells", row);
    ids.cell_ids.push_back(db_->getLastInsertRowid());
    refresh_cell_statistics(ids.cell_ids.back());  // no runs yet: a row all the same
  }
  transaction.commit();
  return ids;
}

int64_t ResultStore::begin_run(int64_t cell_id, const RunRecord& run) {
  return guarded([&] {
    insert_row("runs", {{"cell_id", cell_id},
                        {"run_index", int64_t{run.run_index}},
                        {"sequence", run.sequence},
                        {"is_warmup", int64_t{run.warmup}},
                        {"status", std::string("running")},
                        {"started_at", run.started_at},
                        {"command_line", run.command_line}});
    return db_->getLastInsertRowid();
  });
}

void ResultStore::record_run(int64_t run_id, int64_t cell_id, const RunRecord& run) {
  guarded([&] { complete_run(run_id, cell_id, run); });
}

template <typename Fn>
auto ResultStore::guarded(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    if (read_only_) throw failed(e, "cannot read results DB " + printable(path_), {});
    throw failed(e, "cannot store a run in " + printable(path_),
                 "runs stored before are safe in the DB; fix the cause (disk space?), then "
                 "`orchestrator run --resume` with the same matrix");
  }
}

void ResultStore::complete_run(int64_t run_id, int64_t cell_id, const RunRecord& run) {
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  Columns row = run_columns(cell_id, run);
  row.insert(row.begin(), {"id", run_id});
  insert_row("runs", row, /*replace=*/true);

  if (run.report) {
    SQLite::Statement insert_phase(*db_, "INSERT INTO phases VALUES (?, ?, ?, ?, ?)");
    int seq = 0;
    for (const auto& phase : run.report->phases) {
      insert_phase.reset();
      insert_phase.bind(1, run_id);
      insert_phase.bind(2, seq++);
      insert_phase.bind(3, phase.name);
      insert_phase.bind(4, phase.start_ms);
      insert_phase.bind(5, phase.duration_ms);
      insert_phase.exec();
    }
    SQLite::Statement insert_sample(
        *db_, "INSERT INTO samples (run_id, iteration, latency_ms, device_ms) VALUES (?, ?, ?, ?)");
    const auto& device_ms = run.report->device_samples_ms;  // empty, or one per sample
    for (size_t i = 0; i < run.report->samples_ms.size(); ++i) {
      insert_sample.reset();
      insert_sample.bind(1, run_id);
      insert_sample.bind(2, static_cast<int64_t>(i));
      insert_sample.bind(3, run.report->samples_ms[i]);
      if (i < device_ms.size())
        insert_sample.bind(4, device_ms[i]);
      else
        insert_sample.bind(4);
      insert_sample.exec();
    }
  }
  refresh_cell_statistics(cell_id);
  transaction.commit();
}

std::vector<ResultStore::RunningExperiment> ResultStore::running_experiments(const std::string& hostname) {
  return guarded([&] {
    SQLite::Statement running(*db_,
                              "SELECT id, orchestrator_pid, orchestrator_start_ticks, COALESCE(boot_id, '') "
                              "FROM experiments WHERE status = 'running' AND hostname = ?");
    running.bind(1, hostname);
    std::vector<RunningExperiment> found;
    while (running.executeStep())
      found.push_back({running.getColumn(0).getInt64(),
                       {{static_cast<pid_t>(running.getColumn(1).getInt64()),
                         static_cast<uint64_t>(running.getColumn(2).getInt64())},  // NULL start: 0, unknown
                        running.getColumn(3).getString()}});
    return found;
  });
}

int ResultStore::repair(const std::vector<RunningExperiment>& dead) {
  return guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    int marked = 0;
    for (const auto& [experiment_id, orchestrator] : dead) {
      SQLite::Statement experiment(*db_,
                                   "UPDATE experiments SET status = 'interrupted' WHERE id = ? AND status = 'running'");
      experiment.bind(1, experiment_id);
      if (experiment.exec() == 0) continue;  // another orchestrator repaired it first
      SQLite::Statement runs(*db_,
                             "UPDATE runs SET status = 'aborted', reason = ? WHERE status = 'running' "
                             "AND cell_id IN (SELECT id FROM cells WHERE experiment_id = ?)");
      runs.bind(1, "left running by an orchestrator (pid " + std::to_string(orchestrator.process.pid) +
                       ") that stopped without finishing it");
      runs.bind(2, experiment_id);
      marked += runs.exec();
      for (const int64_t cell_id : experiment_ids(experiment_id).cell_ids) refresh_cell_statistics(cell_id);
    }
    transaction.commit();
    return marked;
  });
}

std::optional<ResultStore::Resumption> ResultStore::resume(const Experiment& experiment,
                                                           const OrchestratorIdentity& by) {
  return guarded([&]() -> std::optional<Resumption> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(*db_,
                           "SELECT id, COALESCE(order_seed, 0) FROM experiments WHERE matrix_hash = ? AND name = ? "
                           "AND COALESCE(slurm_split, '') = ? "
                           "AND (status = 'interrupted' OR (status = 'submitted' AND slurm_split IS NOT NULL)) "
                           "ORDER BY id DESC LIMIT 1");
    find.bind(1, experiment.matrix_hash);
    find.bind(2, experiment.name);
    find.bind(3, experiment.slurm_split);
    if (!find.executeStep()) return std::nullopt;
    Resumption resumption;
    resumption.ids.experiment_id = find.getColumn(0).getInt64();
    resumption.order_seed = find.getColumn(1).getInt64();
    SQLite::Statement count(*db_, "SELECT COUNT(*) FROM cells WHERE experiment_id = ?");
    count.bind(1, resumption.ids.experiment_id);
    count.executeStep();
    if (count.getColumn(0).getInt64() != static_cast<int64_t>(experiment.cells.size())) return std::nullopt;
    // An aborted run measured nothing; it is run again.
    delete_runs(
        "SELECT r.id FROM runs r JOIN cells c ON c.id = r.cell_id "
        "WHERE c.experiment_id = ? AND (r.status = 'aborted' OR r.status LIKE 'slurm\\_%' ESCAPE '\\')",
        [&](SQLite::Statement& statement) { statement.bind(1, resumption.ids.experiment_id); });
    resumption.ids = experiment_ids(resumption.ids.experiment_id);
    SQLite::Statement finished(*db_,
                               "SELECT c.cell_index, r.run_index, COALESCE(r.sequence, 0) FROM runs r "
                               "JOIN cells c ON c.id = r.cell_id WHERE c.experiment_id = ?");
    finished.bind(1, resumption.ids.experiment_id);
    while (finished.executeStep()) {
      resumption.finished.insert({finished.getColumn(0).getInt(), finished.getColumn(1).getInt()});
      resumption.last_sequence = std::max(resumption.last_sequence, finished.getColumn(2).getInt64());
    }
    SQLite::Statement reopen(*db_,
                             "UPDATE experiments SET status = 'running', orchestrator_pid = ?, "
                             "orchestrator_start_ticks = ?, boot_id = ? WHERE id = ?");
    reopen.bind(1, int64_t{by.process.pid});
    reopen.bind(2, static_cast<int64_t>(by.process.start_ticks));
    reopen.bind(3, by.boot_id);
    reopen.bind(4, resumption.ids.experiment_id);
    reopen.exec();
    transaction.commit();
    return resumption;
  });
}

void ResultStore::refresh_cell_statistics(int64_t cell_id) {
  Columns row = cell_statistics(cell_runs(cell_id));
  row.insert(row.begin(), {{"cell_id", cell_id}, {"computed_at", utc_timestamp()}});
  insert_row("cell_statistics", row, /*replace=*/true);
}

// Cells of DBs from before statistics were stored, and those an orchestrator of an
// older build left mid-cell (it deleted a cell's row when a run began).
std::vector<int64_t> ResultStore::cells_without_statistics() {
  std::vector<int64_t> cells;
  SQLite::Statement query(*db_,
                          "SELECT c.id FROM main.cells c LEFT JOIN main.cell_statistics s ON s.cell_id = c.id "
                          "WHERE s.cell_id IS NULL ORDER BY c.id");
  while (query.executeStep()) cells.push_back(query.getColumn(0).getInt64());
  return cells;
}

void ResultStore::refresh_missing_statistics() {
  guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (const int64_t cell_id : cells_without_statistics()) refresh_cell_statistics(cell_id);
    transaction.commit();
  });
}

std::vector<Columns> ResultStore::select_rows(const std::string& sql,
                                              const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement query(*db_, sql);
  bind(query);
  std::vector<Columns> rows;
  while (query.executeStep()) {
    Columns& row = rows.emplace_back();
    for (int index = 0; index < query.getColumnCount(); ++index) {
      const SQLite::Column column = query.getColumn(index);
      Value value;
      if (column.isInteger())
        value = column.getInt64();
      else if (column.isFloat())
        value = column.getDouble();
      else if (column.isText() || column.isBlob())
        value = capped_text(column, kMaxArgumentBytes);
      row.push_back({query.getColumnName(index), std::move(value)});
    }
  }
  return rows;
}

void ResultStore::forget_run(int64_t cell_id, int run_index) {
  guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    delete_runs("SELECT id FROM runs WHERE cell_id = ? AND run_index = ?", [&](SQLite::Statement& statement) {
      statement.bind(1, cell_id);
      statement.bind(2, run_index);
    });
    transaction.commit();
  });
}

void ResultStore::delete_runs(const std::string& select_ids, const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement cells(*db_, "SELECT DISTINCT cell_id FROM runs WHERE id IN (" + select_ids + ")");
  bind(cells);
  std::vector<int64_t> cell_ids;
  while (cells.executeStep()) cell_ids.push_back(cells.getColumn(0).getInt64());
  for (const char* table_and_key : {"phases WHERE run_id", "samples WHERE run_id", "runs WHERE id"}) {
    SQLite::Statement statement(*db_, std::string("DELETE FROM ") + table_and_key + " IN (" + select_ids + ")");
    bind(statement);
    statement.exec();
  }
  for (const int64_t cell_id : cell_ids) refresh_cell_statistics(cell_id);
}

void ResultStore::finish_experiment(int64_t experiment_id, const std::string& status) {
  guarded([&] {
    SQLite::Statement update(*db_, "UPDATE experiments SET status = ?, finished_at = ? WHERE id = ?");
    update.bind(1, status);
    update.bind(2, utc_timestamp());
    update.bind(3, experiment_id);
    update.exec();
  });
}

std::vector<Columns> ResultStore::cell_summary(int64_t experiment_id) {
  return guarded([&] {
    return select_rows("SELECT * FROM cell_summary WHERE experiment_id = ? ORDER BY cell_index",
                       [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

int64_t ResultStore::find_experiment(const std::string& which) {
  return guarded([&] {
    std::string sql;
    if (which == "latest")
      sql = "SELECT id FROM experiments ORDER BY id DESC LIMIT 1";
    else if (which == "previous")
      sql = "SELECT id FROM experiments ORDER BY id DESC LIMIT 1 OFFSET 1";
    else if (!which.empty() && which.size() < 19 && which.find_first_not_of("0123456789") == std::string::npos)
      sql = "SELECT id FROM experiments WHERE id = " + which;
    else
      throw UserError("'" + printable(which) + "' is not an experiment: expected latest, previous or an id",
                      "sqlite3 " + printable(path_) + " 'SELECT id, name, started_at FROM experiments' lists them");
    SQLite::Statement query(*db_, sql);
    if (!query.executeStep())
      throw UserError("results DB " + printable(path_) + " has no experiment '" + printable(which) + "'",
                      "sqlite3 " + printable(path_) + " 'SELECT id, name, started_at FROM experiments' lists them");
    return query.getColumn(0).getInt64();
  });
}

Columns ResultStore::experiment(int64_t experiment_id) {
  return guarded([&] {
    auto rows = select_rows(
        "SELECT id, name, status, started_at, finished_at, hostname, kernel, cpu_model, "
        "orchestrator_version, matrix_path, matrix_hash, warnings, drift_share, slurm_split FROM experiments "
        "WHERE id = ?",
        [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
    return rows.empty() ? Columns{} : rows.front();
  });
}

std::string ResultStore::matrix_text(int64_t experiment_id) {
  return guarded([&] {
    SQLite::Statement query(*db_, "SELECT matrix_yaml FROM experiments WHERE id = ?");
    query.bind(1, experiment_id);
    return query.executeStep() ? capped_text(query.getColumn(0), kMaxMatrixBytes) : std::string();
  });
}

std::vector<std::vector<double>> ResultStore::measured_samples(int64_t cell_id) {
  return guarded([&] {
    SQLite::Statement query(*db_,
                            "SELECT r.id, s.latency_ms FROM runs r JOIN samples s ON s.run_id = r.id "
                            "WHERE r.cell_id = ? AND r.is_warmup = 0 AND r.status = 'ok' "
                            "ORDER BY r.run_index, s.iteration");
    query.bind(1, cell_id);
    std::vector<std::vector<double>> runs;
    int64_t current = -1;
    while (query.executeStep()) {
      if (query.getColumn(0).getInt64() != current) {
        current = query.getColumn(0).getInt64();
        runs.emplace_back();
      }
      runs.back().push_back(query.getColumn(1).getDouble());
    }
    return runs;
  });
}

std::vector<Columns> ResultStore::cell_runs(int64_t cell_id) {
  return guarded([&] {
    return select_rows("SELECT * FROM runs WHERE cell_id = ? ORDER BY run_index",
                       [&](SQLite::Statement& query) { query.bind(1, cell_id); });
  });
}

std::vector<double> ResultStore::record_calibration(int64_t experiment_id, int64_t after_sequence, double kernel_ms) {
  return guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    insert_row("calibrations", {{"experiment_id", experiment_id},
                                {"after_sequence", after_sequence},
                                {"taken_at", utc_timestamp()},
                                {"kernel_ms", kernel_ms}});
    transaction.commit();
    std::vector<double> times;
    SQLite::Statement query(*db_, "SELECT kernel_ms FROM calibrations WHERE experiment_id = ? ORDER BY id");
    query.bind(1, experiment_id);
    while (query.executeStep()) times.push_back(query.getColumn(0).getDouble());
    return times;
  });
}

void ResultStore::record_drift(int64_t experiment_id, double share, bool warn) {
  guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement update(*db_, "UPDATE experiments SET drift_share = ? WHERE id = ?");
    update.bind(1, share);
    update.bind(2, experiment_id);
    update.exec();
    if (warn) add_warning_codes(experiment_id, {"drift"});
    transaction.commit();
  });
}

void ResultStore::add_warning_codes(int64_t experiment_id, const std::vector<std::string>& codes) {
  SQLite::Statement read(*db_, "SELECT COALESCE(warnings, '') FROM experiments WHERE id = ?");
  read.bind(1, experiment_id);
  if (!read.executeStep()) return;
  std::vector<std::string> all = split_codes(read.getColumn(0).getString());
  read.reset();
  for (const auto& code : codes)
    if (std::find(all.begin(), all.end(), code) == all.end()) all.push_back(code);
  SQLite::Statement update(*db_, "UPDATE experiments SET warnings = ? WHERE id = ?");
  if (const std::string text = join_codes(all); text.empty())
    update.bind(1);
  else
    update.bind(1, text);
  update.bind(2, experiment_id);
  update.exec();
}

void ResultStore::stop_cell(int64_t cell_id, const std::string& reason) {
  guarded([&] {
    SQLite::Statement update(*db_, "UPDATE cells SET stop_reason = ? WHERE id = ?");
    if (reason.empty())
      update.bind(1);
    else
      update.bind(1, reason);
    update.bind(2, cell_id);
    update.exec();
  });
}

std::vector<Columns> ResultStore::measured_runs(int64_t cell_id) {
  return guarded([&] {
    return select_rows("SELECT * FROM runs WHERE cell_id = ? AND is_warmup = 0 AND status = 'ok' ORDER BY run_index",
                       [&](SQLite::Statement& query) { query.bind(1, cell_id); });
  });
}

std::optional<Columns> ResultStore::latest_cell(const std::string& settings_hash, const std::string& hostname) {
  return guarded([&]() -> std::optional<Columns> {
    auto rows = select_rows(
        "SELECT c.id AS cell_id, e.id AS experiment_id, e.started_at FROM cells c JOIN experiments e ON e.id = "
        "c.experiment_id JOIN cell_statistics s ON s.cell_id = c.id WHERE c.settings_hash = ? AND e.hostname IS ? "
        "AND s.runs_ok >= 2 ORDER BY e.id DESC LIMIT 1",
        [&](SQLite::Statement& query) {
          query.bind(1, settings_hash);
          query.bind(2, hostname);
        });
    if (rows.empty()) return std::nullopt;
    return rows.front();
  });
}

std::vector<double> ResultStore::history_p50s(const std::string& settings_hash, const std::string& name,
                                              const std::string& hostname, int64_t before, int limit) {
  return guarded([&] {
    SQLite::Statement query(*db_,
                            "SELECT s.latency_p50_ms FROM cells c JOIN experiments e ON e.id = c.experiment_id "
                            "JOIN cell_statistics s ON s.cell_id = c.id WHERE c.settings_hash = ? AND "
                            "e.name = ? AND e.hostname IS ? AND e.id < ? AND s.latency_p50_ms IS NOT NULL "
                            "ORDER BY e.id DESC LIMIT ?");
    query.bind(1, settings_hash);
    query.bind(2, name);
    query.bind(3, hostname);
    query.bind(4, before);
    query.bind(5, limit);
    std::vector<double> p50s;
    while (query.executeStep()) p50s.push_back(query.getColumn(0).getDouble());
    return p50s;
  });
}

std::vector<Columns> ResultStore::trend(const std::string& settings_hash, const std::string& name,
                                        const std::string& hostname, int64_t up_to, int limit) {
  return guarded([&] {
    auto rows = select_rows(
        "SELECT e.id AS experiment_id, e.started_at, s.latency_p50_ms, s.latency_p50_ci_low_ms, "
        "s.latency_p50_ci_high_ms, s.latency_p50_ci_confidence FROM cells c JOIN experiments e ON e.id = "
        "c.experiment_id JOIN cell_statistics s ON s.cell_id = c.id WHERE c.settings_hash = ? AND e.name = ? AND "
        "e.hostname IS ? AND e.id <= ? AND s.latency_p50_ms IS NOT NULL ORDER BY e.id DESC LIMIT ?",
        [&](SQLite::Statement& query) {
          query.bind(1, settings_hash);
          query.bind(2, name);
          query.bind(3, hostname);
          query.bind(4, up_to);
          query.bind(5, limit);
        });
    std::reverse(rows.begin(), rows.end());
    return rows;
  });
}

void ResultStore::name_baseline(const std::string& name, int64_t experiment_id) {
  guarded([&] {
    insert_row("baselines", {{"name", name}, {"experiment_id", experiment_id}, {"named_at", utc_timestamp()}},
               /*replace=*/true);
  });
}

int64_t ResultStore::find_baseline(const std::string& name) {
  return guarded([&] {
    SQLite::Statement query(*db_, "SELECT experiment_id FROM baselines WHERE name = ?");
    query.bind(1, name);
    if (!query.executeStep())
      throw UserError("results DB " + printable(path_) + " has no baseline '" + printable(name) + "'",
                      "name one with `orchestrator baseline " + printable(name) + " --experiment ID`; sqlite3 " +
                          printable(path_) + " 'SELECT * FROM baselines' lists them");
    return query.getColumn(0).getInt64();
  });
}

ResultStore::ExperimentIds ResultStore::experiment_ids(int64_t experiment_id) {
  return guarded([&] {
    ExperimentIds ids;
    ids.experiment_id = experiment_id;
    SQLite::Statement cells(*db_, "SELECT id FROM cells WHERE experiment_id = ? ORDER BY cell_index");
    cells.bind(1, experiment_id);
    while (cells.executeStep()) ids.cell_ids.push_back(cells.getColumn(0).getInt64());
    return ids;
  });
}

std::set<std::pair<int, int>> ResultStore::stored_run_indices(int64_t experiment_id) {
  return guarded([&] {
    std::set<std::pair<int, int>> stored;
    SQLite::Statement query(*db_,
                            "SELECT c.cell_index, r.run_index FROM runs r JOIN cells c ON c.id = r.cell_id "
                            "WHERE c.experiment_id = ? AND r.status NOT LIKE 'slurm\\_%' ESCAPE '\\'");
    query.bind(1, experiment_id);
    while (query.executeStep()) stored.insert({query.getColumn(0).getInt(), query.getColumn(1).getInt()});
    return stored;
  });
}

std::vector<Columns> ResultStore::cell_hosts(int64_t experiment_id) {
  return guarded([&] {
    return select_rows(
        "SELECT DISTINCT cell_index, cell, hostname, cpu_model, kernel, governor, smt, memory_mib FROM run_hosts "
        "WHERE experiment_id = ? AND is_warmup = 0 AND status = 'ok' ORDER BY cell_index, hostname",
        [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

void ResultStore::set_experiment_status(int64_t experiment_id, const std::string& status) {
  guarded([&] {
    SQLite::Statement update(*db_, "UPDATE experiments SET status = ? WHERE id = ?");
    update.bind(1, status);
    update.bind(2, experiment_id);
    update.exec();
  });
}

void ResultStore::add_experiment_context(int64_t experiment_id, const std::string& warnings,
                                         std::optional<double> drift_share) {
  guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    add_warning_codes(experiment_id, split_codes(warnings));
    if (drift_share) {
      SQLite::Statement update(*db_,
                               "UPDATE experiments SET drift_share = MAX(COALESCE(drift_share, 0), ?) WHERE id = ?");
      update.bind(1, *drift_share);
      update.bind(2, experiment_id);
      update.exec();
    }
    transaction.commit();
  });
}

int64_t ResultStore::add_slurm_job(int64_t experiment_id, std::optional<int> replica, const std::string& share,
                                   const std::string& job_db) {
  return guarded([&] {
    insert_row("slurm_jobs", {{"experiment_id", experiment_id},
                              {"replica", replica ? Value(int64_t{*replica}) : Value()},
                              {"share", share},
                              {"job_db", job_db},
                              {"submitted_at", utc_timestamp()}});
    return db_->getLastInsertRowid();
  });
}

void ResultStore::set_slurm_job_id(int64_t row_id, int64_t job_id) {
  guarded([&] {
    SQLite::Statement update(*db_, "UPDATE slurm_jobs SET job_id = ? WHERE id = ?");
    update.bind(1, job_id);
    update.bind(2, row_id);
    update.exec();
  });
}

std::vector<Columns> ResultStore::slurm_jobs(int64_t experiment_id) {
  return guarded([&] {
    return select_rows("SELECT * FROM slurm_jobs WHERE experiment_id = ? ORDER BY id",
                       [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

std::vector<int64_t> ResultStore::experiments_with_uncollected_jobs() {
  return guarded([&] {
    std::vector<int64_t> ids;
    SQLite::Statement query(
        *db_, "SELECT DISTINCT experiment_id FROM slurm_jobs WHERE collected_at IS NULL ORDER BY experiment_id");
    while (query.executeStep()) ids.push_back(query.getColumn(0).getInt64());
    return ids;
  });
}

void ResultStore::finish_slurm_job(int64_t row_id, const Columns& end, int64_t runs_collected) {
  guarded([&] {
    SQLite::Statement update(*db_,
                             "UPDATE slurm_jobs SET state = ?, exit_code = ?, state_source = ?, node = ?, "
                             "collected_at = ?, runs_collected = ? WHERE id = ?");
    int index = 0;
    for (const char* name : {"state", "exit_code", "state_source", "node"}) {
      const std::string text = text_of(value_of(end, name));
      if (text.empty())
        update.bind(++index);
      else
        update.bind(++index, text);
    }
    update.bind(++index, utc_timestamp());
    update.bind(++index, runs_collected);
    update.bind(++index, row_id);
    update.exec();
  });
}

int64_t ResultStore::host_id(const Columns& row) {
  return guarded([&] {
    std::string where, names, marks;
    for (const char* name : kHostFactColumns) {
      where += std::string(where.empty() ? "" : " AND ") + name + " = ?";
      names += std::string(names.empty() ? "" : ", ") + name;
      marks += marks.empty() ? "?" : ", ?";
    }
    // Unknown facts are stored as '' and 0, so that one machine is one row.
    auto bind = [&](SQLite::Statement& statement) {
      int index = 0;
      for (const char* name : kHostFactColumns) {
        const Value& value = value_of(row, name);
        if (std::string(name) == "memory_mib")
          statement.bind(++index, integer_of(value).value_or(0));
        else
          statement.bind(++index, text_of(value));
      }
    };
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(*db_, "SELECT id FROM hosts WHERE " + where);
    bind(find);
    if (find.executeStep()) return find.getColumn(0).getInt64();
    SQLite::Statement insert(*db_, "INSERT INTO hosts (" + names + ") VALUES (" + marks + ")");
    bind(insert);
    insert.exec();
    const int64_t id = db_->getLastInsertRowid();
    transaction.commit();
    return id;
  });
}

ResultStore::AttachedJobDb::AttachedJobDb(ResultStore& store, const std::string& path) : store_(store) {
  {
    const ResultStore checked(path, Access::kRead, store.clock_.stopped);
  }  // its folder, owner, integrity, triggers, schema
  // A URI, so that it is attached read only; its characters that a URI reads are escaped.
  std::string uri = "file:";
  for (const char c : open_path(path, "a Slurm job's DB").resolved) {
    if (c == '%' || c == '?' || c == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  store_.guarded([&] {
    SQLite::Statement attach(*store_.db_, "ATTACH DATABASE ? AS job");
    attach.bind(1, uri + "?mode=ro");
    attach.exec();
  });
}

ResultStore::AttachedJobDb::~AttachedJobDb() {
  try {
    store_.db_->exec("DETACH DATABASE job");
  } catch (const SQLite::Exception&) {
  }
}

std::vector<Columns> ResultStore::AttachedJobDb::experiments() {
  return store_.guarded(
      [&] { return store_.select_rows("SELECT * FROM job.experiments ORDER BY id", [](SQLite::Statement&) {}); });
}

std::vector<Columns> ResultStore::AttachedJobDb::ended_runs(int64_t experiment_id) {
  return store_.guarded([&] {
    return store_.select_rows(
        "SELECT r.id, r.run_index, r.is_warmup, r.status, c.cell_index, c.stop_reason FROM job.runs r "
        "JOIN job.cells c ON c.id = r.cell_id WHERE c.experiment_id = ? AND r.status NOT IN ('running', 'aborted') "
        "ORDER BY r.id",
        [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

namespace {

// The columns of `table` in schema `schema`, less those named in `except`.
std::string column_list(SQLite::Database& db, const std::string& schema, const std::string& table,
                        const std::vector<std::string>& except) {
  SQLite::Statement info(db, "SELECT name FROM pragma_table_info(?, ?) ORDER BY cid");
  info.bind(1, table);
  info.bind(2, schema);
  std::string names;
  while (info.executeStep()) {
    const std::string name = info.getColumn(0).getString();
    if (std::find(except.begin(), except.end(), name) == except.end()) names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

}  // namespace

bool ResultStore::AttachedJobDb::ingest_run(int64_t job_run_id, int64_t cell_id, int64_t host_id,
                                            int64_t slurm_job_id) {
  return store_.guarded([&] {
    SQLite::Database& db = *store_.db_;
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement stored(
        db,
        "SELECT m.id, m.is_warmup = 1 OR m.status LIKE 'slurm\\_%' ESCAPE '\\' "
        "FROM runs m JOIN job.runs j ON j.run_index = m.run_index WHERE m.cell_id = ? AND j.id = ?");
    stored.bind(1, cell_id);
    stored.bind(2, job_run_id);
    if (stored.executeStep()) {
      if (stored.getColumn(1).getInt() == 0) return false;
      const int64_t old_id = stored.getColumn(0).getInt64();
      stored.reset();
      store_.delete_runs("SELECT ?", [&](SQLite::Statement& statement) { statement.bind(1, old_id); });
    }
    // The main schema's columns: both DBs are at this build's schema.
    const std::string runs = column_list(db, "main", "runs", {"id", "cell_id", "host_id", "slurm_job_id"});
    SQLite::Statement copy_run(db, "INSERT INTO runs (" + runs + ", cell_id, host_id, slurm_job_id) SELECT " + runs +
                                       ", ?, ?, ? FROM job.runs WHERE id = ?");
    copy_run.bind(1, cell_id);
    copy_run.bind(2, host_id);
    copy_run.bind(3, slurm_job_id);
    copy_run.bind(4, job_run_id);
    copy_run.exec();
    const int64_t run_id = db.getLastInsertRowid();
    for (const char* table : {"phases", "samples"}) {
      const std::string columns = column_list(db, "main", table, {"run_id"});
      SQLite::Statement copy(db, std::string("INSERT INTO ") + table + " (run_id, " + columns + ") SELECT ?, " +
                                     columns + " FROM job." + table + " WHERE run_id = ?");
      copy.bind(1, run_id);
      copy.bind(2, job_run_id);
      copy.exec();
    }
    store_.refresh_cell_statistics(cell_id);
    transaction.commit();
    return true;
  });
}

void ResultStore::record_unfinished_run(int64_t cell_id, int run_index, bool warmup, const std::string& status,
                                        const std::string& reason, int64_t slurm_job_id) {
  guarded([&] {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement stored(*db_, "SELECT 1 FROM runs WHERE cell_id = ? AND run_index = ?");
    stored.bind(1, cell_id);
    stored.bind(2, run_index);
    if (stored.executeStep()) return;
    stored.reset();
    insert_row("runs", {{"cell_id", cell_id},
                        {"run_index", int64_t{run_index}},
                        {"is_warmup", int64_t{warmup}},
                        {"status", status},
                        {"reason", reason},
                        {"started_at", utc_timestamp()},
                        {"command_line", std::string("(Slurm job ") + std::to_string(slurm_job_id) + ")"},
                        {"slurm_job_id", slurm_job_id}});
    refresh_cell_statistics(cell_id);
    transaction.commit();
  });
}

}  // namespace orch
