// Statistics and history (see history.h).
#include "store/history.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "common/clock.h"
#include "common/text.h"
#include "matrix/experiment.h"
#include "measure/cell_statistics.h"
#include "store/row_mapping.h"

namespace orch {
void History::refresh_cell_statistics(int64_t cell_id) {
  Columns row = cell_statistics(cell_runs(cell_id), measured_samples(cell_id));
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
  // One transaction per cell: after an upgrade that recomputes every cell, other
  // orchestrators storing runs in the same DB wait for one cell at a time, not all.
  for (const int64_t cell_id : db_.guarded([&] { return cells_without_statistics(); }))
    db_.guarded([&] {
      SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
      refresh_cell_statistics(cell_id);
      transaction.commit();
    });
}

std::vector<CellSummaryRow> History::cell_summary(int64_t experiment_id) {
  return db_.guarded([&] {
    return mapped<CellSummaryRow>(
        db_.select_rows("SELECT * FROM cell_summary WHERE experiment_id = ? ORDER BY cell_index",
                        [&](SQLite::Statement& query) { query.bind(1, experiment_id); }),
        cell_summary_row);
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
    return mapped<StoredRun>(db_.select_rows("SELECT * FROM runs WHERE cell_id = ? ORDER BY run_index",
                                             [&](SQLite::Statement& query) { query.bind(1, cell_id); }),
                             stored_run);
  });
}

std::optional<LatestCell> History::latest_cell(const std::string& settings_hash, const std::string& hostname) {
  return db_.guarded([&]() -> std::optional<LatestCell> {
    SQLite::Statement query(db_.sqlite(),
                            "SELECT c.id, e.id, e.started_at, COALESCE(s.outlier_runs, '') FROM cells c "
                            "JOIN experiments e ON e.id = c.experiment_id JOIN cell_statistics s ON s.cell_id = c.id "
                            "WHERE c.settings_hash = ? AND e.hostname IS ? AND e.status = 'finished' "
                            "AND s.runs_ok >= 2 ORDER BY e.id DESC LIMIT 1");
    query.bind(1, settings_hash);
    query.bind(2, hostname);
    if (!query.executeStep()) return std::nullopt;
    LatestCell cell{query.getColumn(0).getInt64(),
                    query.getColumn(1).getInt64(),
                    capped_text(query.getColumn(2), kMaxArgumentBytes),
                    {}};
    for (const auto& index : split(capped_text(query.getColumn(3), kMaxArgumentBytes), ',')) {
      char* end = nullptr;
      const long long run = std::strtoll(index.c_str(), &end, 10);  // any text: a DB is untrusted
      if (!index.empty() && *end == '\0' && run >= 0 && run < std::numeric_limits<int>::max())
        cell.outlier_runs.push_back(static_cast<int>(run));
    }
    return cell;
  });
}

std::vector<double> History::history_p50s(const std::string& settings_hash, const std::string& name,
                                          const std::string& hostname, int64_t before, int limit) {
  std::vector<double> p50s;
  const auto nights = trend(settings_hash, name, hostname, before - 1, limit);
  for (auto night = nights.rbegin(); night != nights.rend(); ++night) p50s.push_back(night->p50_ms);
  return p50s;
}

std::vector<NightP50> History::trend(const std::string& settings_hash, const std::string& name,
                                     const std::string& hostname, int64_t up_to, int limit) {
  return db_.guarded([&] {
    SQLite::Statement query(
        db_.sqlite(),
        "SELECT e.id, e.started_at, s.latency_p50_ms, COALESCE(s.latency_p50_ci_low_ms, 0), "
        "COALESCE(s.latency_p50_ci_high_ms, 0) FROM cells c JOIN experiments e ON e.id = c.experiment_id "
        "JOIN cell_statistics s ON s.cell_id = c.id WHERE c.settings_hash = ? AND e.name = ? AND "
        "e.hostname IS ? AND e.id <= ? AND s.latency_p50_ms IS NOT NULL ORDER BY e.id DESC LIMIT ?");
    query.bind(1, settings_hash);
    query.bind(2, name);
    query.bind(3, hostname);
    query.bind(4, up_to);
    query.bind(5, limit);
    std::vector<NightP50> nights;
    while (query.executeStep())
      nights.push_back({query.getColumn(0).getInt64(), capped_text(query.getColumn(1), kMaxArgumentBytes),
                        query.getColumn(2).getDouble(), query.getColumn(3).getDouble(),
                        query.getColumn(4).getDouble()});
    std::reverse(nights.begin(), nights.end());
    return nights;
  });
}

std::vector<CellHost> History::cell_hosts(int64_t experiment_id) {
  return db_.guarded([&] {
    return mapped<CellHost>(
        db_.select_rows("SELECT DISTINCT cell_index, hostname, cpu_model, kernel, governor, smt, memory_mib "
                        "FROM run_hosts WHERE experiment_id = ? AND is_warmup = 0 AND status = 'ok' "
                        "ORDER BY cell_index, hostname",
                        [&](SQLite::Statement& query) { query.bind(1, experiment_id); }),
        [](Columns row) {
          const int index = static_cast<int>(integer_of(row.front().second).value_or(0));
          row.erase(row.begin());  // the facts, without the cell
          return CellHost{index, std::move(row)};
        });
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
