// Statistics and history (see history.h).
#include "store/history.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "common/clock.h"
#include "measure/cell_statistics.h"

namespace orch {
namespace {

// The runs row as a StoredRun: the one place a run's columns are read by name.
StoredRun stored_run(const Columns& row) {
  StoredRun run;
  auto number = [&](const char* column) { return number_of(value_of(row, column)); };
  run.id = integer_of(value_of(row, "id")).value_or(0);
  run.run_index = static_cast<int>(integer_of(value_of(row, "run_index")).value_or(0));
  run.warmup = integer_of(value_of(row, "is_warmup")).value_or(0) != 0;
  run.status = text_of(value_of(row, "status"));
  run.warnings = text_of(value_of(row, "warnings"));
  run.limits_mismatch = text_of(value_of(row, "limits_mismatch"));
  for (const auto& [column, value] : {std::pair<const char*, Value StoredRun::*>{"intra_op_threads", &StoredRun::intra_op_threads},
                                      {"inter_op_threads", &StoredRun::inter_op_threads},
                                      {"effective_cpus", &StoredRun::effective_cpus},
                                      {"effective_cpu_quota_percent", &StoredRun::effective_cpu_quota_percent},
                                      {"effective_memory_limit_bytes", &StoredRun::effective_memory_limit_bytes},
                                      {"device_name", &StoredRun::device_name}})
    run.*value = value_of(row, column);
  for (const auto& [column, metric] : {std::pair<const char*, RunMetric>{"wall_ms", &StoredRun::wall_ms},
                                       {"timed_loop_ms", &StoredRun::timed_loop_ms},
                                       {"latency_n", &StoredRun::latency_n},
                                       {"latency_mean_ms", &StoredRun::latency_mean_ms},
                                       {"latency_stddev_ms", &StoredRun::latency_stddev_ms},
                                       {"latency_p50_ms", &StoredRun::latency_p50_ms},
                                       {"latency_p99_ms", &StoredRun::latency_p99_ms},
                                       {"device_latency_p50_ms", &StoredRun::device_latency_p50_ms},
                                       {"process_start_ms", &StoredRun::process_start_ms},
                                       {"runtime_init_ms", &StoredRun::runtime_init_ms},
                                       {"library_load_ms", &StoredRun::library_load_ms},
                                       {"model_load_ms", &StoredRun::model_load_ms},
                                       {"first_inference_ms", &StoredRun::first_inference_ms},
                                       {"cold_start_ms", &StoredRun::cold_start_ms},
                                       {"throttled_ms", &StoredRun::throttled_ms},
                                       {"max_rss_kib", &StoredRun::max_rss_kib},
                                       {"involuntary_ctx_switches", &StoredRun::involuntary_ctx_switches},
                                       {"memory_peak_bytes", &StoredRun::memory_peak_bytes},
                                       {"fs_read_kib", &StoredRun::fs_read_kib},
                                       {"major_faults", &StoredRun::major_faults},
                                       {"others_cpu_share", &StoredRun::others_cpu_share}})
    run.*metric = number(column);
  return run;
}

std::vector<StoredRun> stored_runs(const std::vector<Columns>& rows) {
  std::vector<StoredRun> runs;
  runs.reserve(rows.size());
  for (const auto& row : rows) runs.push_back(stored_run(row));
  return runs;
}

}  // namespace

void History::refresh_cell_statistics(int64_t cell_id) {
  Columns row = cell_statistics(cell_runs(cell_id));
  row.insert(row.begin(), {{"cell_id", cell_id}, {"computed_at", utc_timestamp()}});
  db_.insert_row("cell_statistics", row, /*replace=*/true);
}

// Cells of DBs from before statistics were stored, and those an orchestrator of an
// older build left mid-cell (it deleted a cell's row when a run began).
std::vector<int64_t> History::cells_without_statistics() {
  std::vector<int64_t> cells;
  SQLite::Statement query(db_.sqlite(),
                          "SELECT c.id FROM main.cells c LEFT JOIN main.cell_statistics s ON s.cell_id = c.id "
                          "WHERE s.cell_id IS NULL ORDER BY c.id");
  while (query.executeStep()) cells.push_back(query.getColumn(0).getInt64());
  return cells;
}

void History::refresh_missing_statistics() {
  db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    for (const int64_t cell_id : cells_without_statistics()) refresh_cell_statistics(cell_id);
    transaction.commit();
  });
}

std::vector<Columns> History::cell_summary(int64_t experiment_id) {
  return db_.guarded([&] {
    return db_.select_rows("SELECT * FROM cell_summary WHERE experiment_id = ? ORDER BY cell_index",
                           [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

std::vector<std::vector<double>> History::measured_samples(int64_t cell_id) {
  return db_.guarded([&] {
    SQLite::Statement query(db_.sqlite(),
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

std::vector<StoredRun> History::cell_runs(int64_t cell_id) {
  return db_.guarded([&] {
    return stored_runs(db_.select_rows("SELECT * FROM runs WHERE cell_id = ? ORDER BY run_index",
                                       [&](SQLite::Statement& query) { query.bind(1, cell_id); }));
  });
}

std::vector<StoredRun> History::measured_runs(int64_t cell_id) {
  return db_.guarded([&] {
    return stored_runs(db_.select_rows(
        "SELECT * FROM runs WHERE cell_id = ? AND is_warmup = 0 AND status = 'ok' ORDER BY run_index",
        [&](SQLite::Statement& query) { query.bind(1, cell_id); }));
  });
}

std::optional<Columns> History::latest_cell(const std::string& settings_hash, const std::string& hostname) {
  return db_.guarded([&]() -> std::optional<Columns> {
    auto rows = db_.select_rows(
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

std::vector<double> History::history_p50s(const std::string& settings_hash, const std::string& name,
                                          const std::string& hostname, int64_t before, int limit) {
  return db_.guarded([&] {
    SQLite::Statement query(db_.sqlite(),
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

std::vector<Columns> History::trend(const std::string& settings_hash, const std::string& name,
                                    const std::string& hostname, int64_t up_to, int limit) {
  return db_.guarded([&] {
    auto rows = db_.select_rows(
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

std::vector<Columns> History::cell_hosts(int64_t experiment_id) {
  return db_.guarded([&] {
    return db_.select_rows(
        "SELECT DISTINCT cell_index, cell, hostname, cpu_model, kernel, governor, smt, memory_mib FROM run_hosts "
        "WHERE experiment_id = ? AND is_warmup = 0 AND status = 'ok' ORDER BY cell_index, hostname",
        [&](SQLite::Statement& query) { query.bind(1, experiment_id); });
  });
}

void History::compute_missing_statistics() {
  db_.guarded([&] {
    const auto missing = cells_without_statistics();
    if (missing.empty()) return;
    db_.sqlite().exec("CREATE TEMP TABLE cell_statistics AS SELECT * FROM main.cell_statistics");
    for (const int64_t cell_id : missing) refresh_cell_statistics(cell_id);
  });
}

}  // namespace orch
