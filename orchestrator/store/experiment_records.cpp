// Experiments, cells and runs (see experiment_records.h).
#include "store/experiment_records.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "common/clock.h"
#include "common/cpu_list.h"
#include "common/text.h"
#include "common/version.h"
#include "matrix/settings.h"
#include "measure/warnings.h"
#include "protocol/worker_report.h"
#include "store/row_mapping.h"

namespace orch {
namespace {

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
      {"sequence", run.sequence},
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

ExperimentIds ExperimentRecords::begin_experiment(const Experiment& experiment, const SystemInfo& system,
                                                  const std::vector<std::string>& cell_commands,
                                                  const HostContext& host, int64_t order_seed) {
  ExperimentIds ids;
  SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
  db_.insert_row(
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
  ids.experiment_id = db_.last_insert_id();

  for (const auto& cell : experiment.cells) {
    Columns row = {{"experiment_id", ids.experiment_id},
                   {"cell_index", int64_t{cell.index}},
                   {"label", cell.label},
                   {"command_line", cell_commands.at(cell.index)}};
    for (auto& column : stored_columns(cell.settings)) row.push_back(std::move(column));
    row.push_back({"replica", cell.replica ? Value(int64_t{*cell.replica}) : Value()});
    row.push_back({"settings_hash", settings_hash(row)});
    db_.insert_row("cells", row);
    ids.cell_ids.push_back(db_.last_insert_id());
    history_.refresh_cell_statistics(ids.cell_ids.back());  // no runs yet: a row all the same
  }
  transaction.commit();
  return ids;
}

int64_t ExperimentRecords::begin_run(int64_t cell_id, const RunRecord& run) {
  return db_.guarded([&] {
    db_.insert_row("runs", {{"cell_id", cell_id},
                            {"run_index", int64_t{run.run_index}},
                            {"sequence", run.sequence},
                            {"is_warmup", int64_t{run.warmup}},
                            {"status", std::string("running")},
                            {"started_at", run.started_at},
                            {"command_line", run.command_line}});
    return db_.last_insert_id();
  });
}

void ExperimentRecords::record_run(int64_t run_id, int64_t cell_id, const RunRecord& run) {
  db_.guarded([&] { complete_run(run_id, cell_id, run); });
}

void ExperimentRecords::complete_run(int64_t run_id, int64_t cell_id, const RunRecord& run) {
  SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
  Columns row = run_columns(cell_id, run);
  row.insert(row.begin(), {"id", run_id});
  db_.insert_row("runs", row, /*replace=*/true);

  if (run.report) {
    SQLite::Statement insert_phase(db_.sqlite(), "INSERT INTO phases VALUES (?, ?, ?, ?, ?)");
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
        db_.sqlite(), "INSERT INTO samples (run_id, iteration, latency_ms, device_ms) VALUES (?, ?, ?, ?)");
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
  history_.refresh_cell_statistics(cell_id);
  transaction.commit();
}

void ExperimentRecords::finish_experiment(int64_t experiment_id, const std::string& status) {
  db_.guarded([&] {
    SQLite::Statement update(db_.sqlite(), "UPDATE experiments SET status = ?, finished_at = ? WHERE id = ?");
    update.bind(1, status);
    update.bind(2, utc_timestamp());
    update.bind(3, experiment_id);
    update.exec();
  });
}

std::vector<ExperimentRecords::RunningExperiment> ExperimentRecords::running_experiments(const std::string& hostname) {
  return db_.guarded([&] {
    SQLite::Statement running(db_.sqlite(),
                              "SELECT id, orchestrator_pid, orchestrator_start_ticks, COALESCE(boot_id, '') "
                              "FROM experiments WHERE status = 'running' AND hostname = ?");
    running.bind(1, hostname);
    std::vector<RunningExperiment> found;
    while (running.executeStep())
      found.push_back({running.getColumn(0).getInt64(),
                       {{static_cast<pid_t>(running.getColumn(1).getInt64()),
                         static_cast<uint64_t>(running.getColumn(2).getInt64())},  // NULL start: 0, unknown
                        capped_text(running.getColumn(3), kMaxArgumentBytes)}});
    return found;
  });
}

int ExperimentRecords::repair(const std::vector<RunningExperiment>& dead) {
  return db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    int marked = 0;
    for (const auto& [experiment_id, orchestrator] : dead) {
      // Only while the orchestrator judged dead still runs it: another may have repaired
      // and resumed it since, under its own identity.
      SQLite::Statement experiment(
          db_.sqlite(),
          "UPDATE experiments SET status = 'interrupted' WHERE id = ? AND status = 'running' "
          "AND COALESCE(orchestrator_pid, 0) = ? AND COALESCE(orchestrator_start_ticks, 0) = ? "
          "AND COALESCE(boot_id, '') = ?");
      experiment.bind(1, experiment_id);
      experiment.bind(2, int64_t{orchestrator.process.pid});
      experiment.bind(3, static_cast<int64_t>(orchestrator.process.start_ticks));
      experiment.bind(4, orchestrator.boot_id);
      if (experiment.exec() == 0) continue;  // repaired (or resumed) by another first
      SQLite::Statement runs(db_.sqlite(),
                             "UPDATE runs SET status = 'aborted', reason = ? WHERE status = 'running' "
                             "AND cell_id IN (SELECT id FROM cells WHERE experiment_id = ?)");
      runs.bind(1, "left running by an orchestrator (pid " + std::to_string(orchestrator.process.pid) +
                       ") that stopped without finishing it");
      runs.bind(2, experiment_id);
      marked += runs.exec();
      for (const int64_t cell_id : experiment_ids(experiment_id).cell_ids) history_.refresh_cell_statistics(cell_id);
    }
    transaction.commit();
    return marked;
  });
}

std::optional<ExperimentRecords::Resumption> ExperimentRecords::resume(const Experiment& experiment,
                                                                       const OrchestratorIdentity& by) {
  return db_.guarded([&]() -> std::optional<Resumption> {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db_.sqlite(),
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
    SQLite::Statement count(db_.sqlite(), "SELECT COUNT(*) FROM cells WHERE experiment_id = ?");
    count.bind(1, resumption.ids.experiment_id);
    count.executeStep();
    if (count.getColumn(0).getInt64() != static_cast<int64_t>(experiment.cells.size())) return std::nullopt;
    // An aborted run measured nothing; it is run again.
    delete_runs(
        "SELECT r.id FROM runs r JOIN cells c ON c.id = r.cell_id "
        "WHERE c.experiment_id = ? AND (r.status = 'aborted' OR r.status LIKE 'slurm\\_%' ESCAPE '\\')",
        [&](SQLite::Statement& statement) { statement.bind(1, resumption.ids.experiment_id); });
    resumption.ids = experiment_ids(resumption.ids.experiment_id);
    SQLite::Statement finished(db_.sqlite(),
                               "SELECT c.cell_index, r.run_index, COALESCE(r.sequence, 0) FROM runs r "
                               "JOIN cells c ON c.id = r.cell_id WHERE c.experiment_id = ?");
    finished.bind(1, resumption.ids.experiment_id);
    while (finished.executeStep()) {
      resumption.finished.insert({finished.getColumn(0).getInt(), finished.getColumn(1).getInt()});
      resumption.last_sequence = std::max(resumption.last_sequence, finished.getColumn(2).getInt64());
    }
    SQLite::Statement reopen(db_.sqlite(),
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

void ExperimentRecords::forget_run(int64_t cell_id, int run_index) {
  db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    delete_runs("SELECT id FROM runs WHERE cell_id = ? AND run_index = ?", [&](SQLite::Statement& statement) {
      statement.bind(1, cell_id);
      statement.bind(2, run_index);
    });
    transaction.commit();
  });
}

void ExperimentRecords::delete_runs(const std::string& select_ids,
                                    const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement cells(db_.sqlite(), "SELECT DISTINCT cell_id FROM runs WHERE id IN (" + select_ids + ")");
  bind(cells);
  std::vector<int64_t> cell_ids;
  while (cells.executeStep()) cell_ids.push_back(cells.getColumn(0).getInt64());
  for (const char* table_and_key : {"phases WHERE run_id", "samples WHERE run_id", "runs WHERE id"}) {
    SQLite::Statement statement(db_.sqlite(), std::string("DELETE FROM ") + table_and_key + " IN (" + select_ids + ")");
    bind(statement);
    statement.exec();
  }
  for (const int64_t cell_id : cell_ids) history_.refresh_cell_statistics(cell_id);
}

int64_t ExperimentRecords::find_experiment(const std::string& which) {
  return db_.guarded([&] {
    std::string sql;
    if (which == "latest")
      sql = "SELECT id FROM experiments ORDER BY id DESC LIMIT 1";
    else if (which == "previous")
      sql = "SELECT id FROM experiments ORDER BY id DESC LIMIT 1 OFFSET 1";
    else if (!which.empty() && which.size() < 19 && which.find_first_not_of("0123456789") == std::string::npos)
      sql = "SELECT id FROM experiments WHERE id = " + which;
    else
      throw UserError(
          "'" + printable(which) + "' is not an experiment: expected latest, previous or an id",
          "sqlite3 " + printable(db_.path()) + " 'SELECT id, name, started_at FROM experiments' lists them");
    SQLite::Statement query(db_.sqlite(), sql);
    if (!query.executeStep())
      throw UserError(
          "results DB " + printable(db_.path()) + " has no experiment '" + printable(which) + "'",
          "sqlite3 " + printable(db_.path()) + " 'SELECT id, name, started_at FROM experiments' lists them");
    return query.getColumn(0).getInt64();
  });
}

ExperimentRow ExperimentRecords::experiment(int64_t experiment_id) {
  return db_.guarded([&] {
    auto rows = db_.select_rows(
        "SELECT id, name, status, started_at, finished_at, hostname, kernel, cpu_model, "
        "orchestrator_version, matrix_path, matrix_hash, warnings, drift_share, slurm_split FROM experiments "
        "WHERE id = ?",
        [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
    return rows.empty() ? ExperimentRow{} : experiment_row(std::move(rows.front()));
  });
}

std::string ExperimentRecords::matrix_text(int64_t experiment_id) {
  return db_.guarded([&] {
    SQLite::Statement query(db_.sqlite(), "SELECT matrix_yaml FROM experiments WHERE id = ?");
    query.bind(1, experiment_id);
    return query.executeStep() ? capped_text(query.getColumn(0), kMaxMatrixBytes) : std::string();
  });
}

ExperimentIds ExperimentRecords::experiment_ids(int64_t experiment_id) {
  return db_.guarded([&] {
    ExperimentIds ids;
    ids.experiment_id = experiment_id;
    SQLite::Statement cells(db_.sqlite(), "SELECT id FROM cells WHERE experiment_id = ? ORDER BY cell_index");
    cells.bind(1, experiment_id);
    while (cells.executeStep()) ids.cell_ids.push_back(cells.getColumn(0).getInt64());
    return ids;
  });
}

std::set<std::pair<int, int>> ExperimentRecords::stored_run_indices(int64_t experiment_id) {
  return db_.guarded([&] {
    std::set<std::pair<int, int>> stored;
    SQLite::Statement query(db_.sqlite(),
                            "SELECT c.cell_index, r.run_index FROM runs r JOIN cells c ON c.id = r.cell_id "
                            "WHERE c.experiment_id = ? AND r.status NOT LIKE 'slurm\\_%' ESCAPE '\\'");
    query.bind(1, experiment_id);
    while (query.executeStep()) stored.insert({query.getColumn(0).getInt(), query.getColumn(1).getInt()});
    return stored;
  });
}

void ExperimentRecords::set_experiment_status(int64_t experiment_id, const std::string& status) {
  db_.guarded([&] {
    SQLite::Statement update(db_.sqlite(), "UPDATE experiments SET status = ? WHERE id = ?");
    update.bind(1, status);
    update.bind(2, experiment_id);
    update.exec();
  });
}

void ExperimentRecords::add_experiment_context(int64_t experiment_id, const std::string& warnings,
                                               std::optional<double> drift_share) {
  db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    add_warning_codes(experiment_id, split_codes(warnings));
    if (drift_share) {
      SQLite::Statement update(db_.sqlite(),
                               "UPDATE experiments SET drift_share = MAX(COALESCE(drift_share, 0), ?) WHERE id = ?");
      update.bind(1, *drift_share);
      update.bind(2, experiment_id);
      update.exec();
    }
    transaction.commit();
  });
}

void ExperimentRecords::add_warning_codes(int64_t experiment_id, const std::vector<std::string>& codes) {
  SQLite::Statement read(db_.sqlite(), "SELECT COALESCE(warnings, '') FROM experiments WHERE id = ?");
  read.bind(1, experiment_id);
  if (!read.executeStep()) return;
  std::vector<std::string> all = split_codes(read.getColumn(0).getString());
  read.reset();
  for (const auto& code : codes)
    if (std::find(all.begin(), all.end(), code) == all.end()) all.push_back(code);
  SQLite::Statement update(db_.sqlite(), "UPDATE experiments SET warnings = ? WHERE id = ?");
  if (const std::string text = join_codes(all); text.empty())
    update.bind(1);
  else
    update.bind(1, text);
  update.bind(2, experiment_id);
  update.exec();
}

std::vector<double> ExperimentRecords::record_calibration(int64_t experiment_id, int64_t after_sequence,
                                                          double kernel_ms) {
  return db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    db_.insert_row("calibrations", {{"experiment_id", experiment_id},
                                    {"after_sequence", after_sequence},
                                    {"taken_at", utc_timestamp()},
                                    {"kernel_ms", kernel_ms}});
    transaction.commit();
    std::vector<double> times;
    SQLite::Statement query(db_.sqlite(), "SELECT kernel_ms FROM calibrations WHERE experiment_id = ? ORDER BY id");
    query.bind(1, experiment_id);
    while (query.executeStep()) times.push_back(query.getColumn(0).getDouble());
    return times;
  });
}

void ExperimentRecords::record_drift(int64_t experiment_id, double share, bool warn) {
  db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement update(db_.sqlite(), "UPDATE experiments SET drift_share = ? WHERE id = ?");
    update.bind(1, share);
    update.bind(2, experiment_id);
    update.exec();
    if (warn) add_warning_codes(experiment_id, {"drift"});
    transaction.commit();
  });
}

void ExperimentRecords::stop_cell(int64_t cell_id, const std::string& reason) {
  db_.guarded([&] {
    SQLite::Statement update(db_.sqlite(), "UPDATE cells SET stop_reason = ? WHERE id = ?");
    if (reason.empty())
      update.bind(1);
    else
      update.bind(1, reason);
    update.bind(2, cell_id);
    update.exec();
  });
}

}  // namespace orch
