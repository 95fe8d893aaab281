// SQLite persistence of experiments, cells, runs, phases and samples (see result_store.h).
#include "result_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "clock.h"
#include "cpu_list.h"
#include "error.h"
#include "schema_migrations.h"

#ifndef ORCH_VERSION
#define ORCH_VERSION "unknown"
#endif

namespace orch {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// Binds std::optional-like "absent" as NULL.
template <typename T>
void bind_or_null(SQLite::Statement& statement, int index, bool present, const T& value) {
  if (present) statement.bind(index, value);
  else statement.bind(index);
}

std::string join_shape(const std::vector<int64_t>& shape) {
  std::string text;
  for (auto dim : shape) text += (text.empty() ? "" : ",") + std::to_string(dim);
  return text;
}

}  // namespace

ResultStore::ResultStore(const std::string& path) : path_(path) {
  try {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->setBusyTimeout(kBusyTimeoutMs);
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA foreign_keys = ON");
    migrate();
  } catch (const SQLite::Exception& e) {
    throw UserError("cannot open results DB " + path + ": " + e.what(),
                    "check that its folder exists and is writable");
  }
}

ResultStore::~ResultStore() = default;

int ResultStore::latest_schema_version() { return static_cast<int>(schema_migrations().size()); }

int ResultStore::schema_version() const {
  return db_->execAndGet("PRAGMA user_version").getInt();
}

void ResultStore::migrate() {
  const int current = schema_version();
  if (current > latest_schema_version())
    throw UserError("results DB " + path_ + " has schema version " + std::to_string(current) +
                        ", newer than this orchestrator's " + std::to_string(latest_schema_version()),
                    "use a newer orchestrator, or another --db");
  for (int version = current; version < latest_schema_version(); ++version) {
    SQLite::Transaction transaction(*db_);
    db_->exec(schema_migrations()[version]);
    db_->exec("PRAGMA user_version = " + std::to_string(version + 1));
    transaction.commit();
  }
}

ResultStore::ExperimentIds ResultStore::begin_experiment(
    const Experiment& experiment, const SystemInfo& system,
    const std::vector<std::string>& cell_commands) {
  ExperimentIds ids;
  SQLite::Transaction transaction(*db_);
  SQLite::Statement insert_experiment(*db_, R"sql(
      INSERT INTO experiments (name, started_at, matrix_path, matrix_yaml, hostname, kernel,
                               cpu_model, online_cpus, orchestrator_version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
  insert_experiment.bind(1, experiment.name);
  insert_experiment.bind(2, utc_timestamp());
  insert_experiment.bind(3, experiment.matrix_path);
  insert_experiment.bind(4, experiment.matrix_text);
  insert_experiment.bind(5, system.hostname);
  insert_experiment.bind(6, system.kernel);
  insert_experiment.bind(7, system.cpu_model);
  insert_experiment.bind(8, format_cpu_list(system.online_cpus));
  insert_experiment.bind(9, ORCH_VERSION);
  insert_experiment.exec();
  ids.experiment_id = db_->getLastInsertRowid();

  SQLite::Statement insert_cell(*db_, R"sql(
      INSERT INTO cells (experiment_id, cell_index, label, launcher, cpuset, env_json, model_path,
                         input_shape, device, warmup_iterations, iterations, command_line)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
  const WorkerSettings& worker = experiment.worker;
  for (const auto& cell : experiment.cells) {
    insert_cell.reset();
    insert_cell.bind(1, ids.experiment_id);
    insert_cell.bind(2, cell.index);
    insert_cell.bind(3, cell.label);
    insert_cell.bind(4, launcher_name(cell.settings.launcher));
    bind_or_null(insert_cell, 5, !cell.settings.cpuset.empty(), format_cpu_list(cell.settings.cpuset));
    insert_cell.bind(6, nlohmann::json(cell.settings.env).dump());
    insert_cell.bind(7, worker.model_path);
    insert_cell.bind(8, join_shape(worker.input_shape));
    insert_cell.bind(9, worker.device);
    insert_cell.bind(10, worker.warmup_iterations);
    insert_cell.bind(11, worker.iterations);
    insert_cell.bind(12, cell_commands.at(cell.index));
    insert_cell.exec();
    ids.cell_ids.push_back(db_->getLastInsertRowid());
  }
  transaction.commit();
  return ids;
}

void ResultStore::record_run(int64_t cell_id, const RunRecord& run) {
  try {
    insert_run(cell_id, run);
  } catch (const SQLite::Exception& e) {
    throw UserError("cannot store a finished run in " + path_ + ": " + e.what(),
                    "earlier runs are safe in the DB; free disk space, then run again with the same matrix");
  }
}

void ResultStore::insert_run(int64_t cell_id, const RunRecord& run) {
  SQLite::Transaction transaction(*db_);
  SQLite::Statement insert_run(*db_, R"sql(
      INSERT INTO runs (cell_id, run_index, is_warmup, status, reason, started_at, command_line,
        exit_code, term_signal, wall_ms, user_cpu_ms, sys_cpu_ms, max_rss_kib, minor_faults,
        major_faults, voluntary_ctx_switches, involuntary_ctx_switches,
        torch_version, blas_libraries, mkldnn, mkl, openmp, intra_op_threads, inter_op_threads,
        effective_cpus, effective_nproc, online_cpus, threads_observed, thread_env_json, parallel_info,
        latency_n, latency_mean_ms, latency_stddev_ms, latency_cv, latency_min_ms, latency_p50_ms,
        latency_p90_ms, latency_p99_ms, latency_max_ms, stdout_tail, stderr_tail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
              ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
  const ProcessOutcome& process = run.process;
  const bool launched = process.launch_error.empty();
  int i = 0;
  insert_run.bind(++i, cell_id);
  insert_run.bind(++i, run.run_index);
  insert_run.bind(++i, run.warmup ? 1 : 0);
  insert_run.bind(++i, status_name(run.status));
  bind_or_null(insert_run, ++i, !run.reason.empty(), run.reason);
  insert_run.bind(++i, run.started_at);
  insert_run.bind(++i, run.command_line);
  bind_or_null(insert_run, ++i, process.exit_code >= 0, process.exit_code);
  bind_or_null(insert_run, ++i, process.term_signal != 0, process.term_signal);
  bind_or_null(insert_run, ++i, launched, process.wall_ms);
  const ResourceUsage& usage = process.usage;
  for (double value : {usage.user_cpu_ms, usage.sys_cpu_ms}) bind_or_null(insert_run, ++i, launched, value);
  for (long value : {usage.max_rss_kib, usage.minor_faults, usage.major_faults,
                     usage.voluntary_ctx_switches, usage.involuntary_ctx_switches})
    bind_or_null(insert_run, ++i, launched, static_cast<int64_t>(value));

  const bool reported = run.report.has_value();
  const WorkerRuntime runtime = reported ? run.report->runtime : WorkerRuntime{};
  std::string blas;
  for (const auto& library : runtime.blas_libraries) blas += (blas.empty() ? "" : ";") + library;
  bind_or_null(insert_run, ++i, reported && !runtime.torch_version.empty(), runtime.torch_version);
  bind_or_null(insert_run, ++i, reported, blas);
  for (bool flag : {runtime.mkldnn, runtime.mkl, runtime.openmp}) bind_or_null(insert_run, ++i, reported, flag ? 1 : 0);
  for (int count : {runtime.intra_op_threads, runtime.inter_op_threads})
    bind_or_null(insert_run, ++i, reported && count > 0, count);
  bind_or_null(insert_run, ++i, reported, format_cpu_list(runtime.allowed_cpus));
  bind_or_null(insert_run, ++i, reported, static_cast<int>(runtime.allowed_cpus.size()));
  bind_or_null(insert_run, ++i, reported, runtime.online_cpus);
  bind_or_null(insert_run, ++i, reported, runtime.threads_observed);
  bind_or_null(insert_run, ++i, reported, nlohmann::json(runtime.thread_env).dump());
  bind_or_null(insert_run, ++i, reported, runtime.parallel_info);

  const bool has_latency = run.latency.has_value();
  const LatencySummary latency = has_latency ? *run.latency : LatencySummary{};
  bind_or_null(insert_run, ++i, has_latency, static_cast<int64_t>(latency.n));
  for (double value : {latency.mean_ms, latency.stddev_ms, latency.cv, latency.min_ms, latency.p50_ms,
                       latency.p90_ms, latency.p99_ms, latency.max_ms})
    bind_or_null(insert_run, ++i, has_latency, value);
  insert_run.bind(++i, process.stdout_tail);
  insert_run.bind(++i, process.stderr_tail);
  insert_run.exec();
  const int64_t run_id = db_->getLastInsertRowid();

  if (reported) {
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
    SQLite::Statement insert_sample(*db_, "INSERT INTO samples VALUES (?, ?, ?)");
    int iteration = 0;
    for (double latency_ms : run.report->samples_ms) {
      insert_sample.reset();
      insert_sample.bind(1, run_id);
      insert_sample.bind(2, iteration++);
      insert_sample.bind(3, latency_ms);
      insert_sample.exec();
    }
  }
  transaction.commit();
}

void ResultStore::finish_experiment(int64_t experiment_id, const std::string& status) {
  SQLite::Statement update(*db_, "UPDATE experiments SET status = ?, finished_at = ? WHERE id = ?");
  update.bind(1, status);
  update.bind(2, utc_timestamp());
  update.bind(3, experiment_id);
  update.exec();
}

Table ResultStore::cell_summary(int64_t experiment_id) {
  SQLite::Statement query(*db_, R"sql(
      SELECT cell_index + 1 AS "#", cell, runs_ok || '/' || runs AS ok,
             intra_op_threads || '/' || inter_op_threads AS "threads intra/inter", effective_cpus AS cpus,
             library_load_ms AS "lib load ms", model_load_ms AS "model load ms",
             first_inference_ms AS "1st infer ms", latency_mean_ms AS "mean ms",
             latency_p50_ms AS "p50 ms", latency_p99_ms AS "p99 ms"
      FROM cell_summary WHERE experiment_id = ? ORDER BY cell_index)sql");
  query.bind(1, experiment_id);
  Table table;
  for (int column = 0; column < query.getColumnCount(); ++column)
    table.headers.push_back(query.getColumnName(column));
  while (query.executeStep()) {
    auto& row = table.rows.emplace_back();
    for (int column = 0; column < query.getColumnCount(); ++column) {
      const SQLite::Column value = query.getColumn(column);
      row.push_back(value.isNull() ? std::nullopt : std::optional<std::string>(value.getString()));
    }
  }
  return table;
}

}  // namespace orch
