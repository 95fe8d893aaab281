// The results DB as its history grows: how long one experiment's views take at
// 100,000 runs against a one-experiment DB, how long storing a run takes, and how
// long ingesting one from a Slurm job's DB takes beside it.
// A benchmark, not a test: it asserts nothing and prints figures (scripts/benchmark.sh
// runs it). It uses the project's own store for every write a run makes, and plain SQL
// only to copy a stored experiment until the DB holds the history asked for.
//
// Usage: store_benchmark [RUNS] [FOLDER]   (default 100000 runs, in a temporary folder)
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "common/system_info.h"
#include "matrix/experiment.h"
#include "measure/statistics.h"
#include "store/result_store.h"

namespace {

// As the quickstart: 4 cells of 1 warm-up + 3 measured runs, 100 iterations each.
constexpr int kCells = 4;
constexpr int kRunsPerCell = 4;
constexpr int kSamples = 100;

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median_ms(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

orch::Experiment quickstart_like() {
  orch::Experiment experiment;
  experiment.name = "store-benchmark";
  experiment.matrix_path = "/bench/matrix.yaml";
  experiment.matrix_text = "name: store-benchmark\n";
  experiment.matrix_hash = "bench";
  for (int i = 0; i < kCells; ++i) {
    orch::Cell cell;
    cell.index = i;
    cell.label = "t" + std::to_string(i + 1);
    cell.settings.program = "/opt/bench_worker";
    cell.settings.model_path = "/models/mobilenet_v2.pt";
    cell.settings.cpuset = {0};
    cell.settings.iterations = kSamples;
    experiment.cells.push_back(cell);
  }
  return experiment;
}

orch::RunRecord ok_run(int run_index, int samples) {
  orch::RunRecord run;
  run.run_index = run_index;
  run.warmup = run_index == 0;
  run.started_at = "2026-12-01T00:00:00.000Z";
  run.command_line = "/opt/bench_worker --model /models/mobilenet_v2.pt";
  run.process.exit_code = 0;
  run.process.wall_ms = 900;
  protocol::WorkerReport report;
  report.ok = true;
  report.phases = {{"process_start", 0, 2},  {"library_load", 2, 800},     {"runtime_init", 802, 3},
                   {"model_load", 805, 60},  {"first_inference", 865, 30}, {"warmup", 895, 50},
                   {"timed_loop", 945, 1200}};
  for (int i = 0; i < samples; ++i) report.samples_ms.push_back(11.0 + (i % 7) * 0.1 + run_index * 0.01);
  report.runtime.allowed_cpus = {0};
  report.runtime.torch.intra_op_threads = 1;
  report.runtime.torch.inter_op_threads = 1;
  report.runtime.thread_env = {{"OMP_NUM_THREADS", "1"}};
  run.report = report;
  run.latency = orch::summarize(report.samples_ms);
  return run;
}

// Stores one experiment of `runs_per_cell` runs a cell as the runner does; returns
// each record_run's time in ms, and with `ids` the experiment's.
std::vector<double> store_experiment(orch::ResultStore& store, int runs_per_cell = kRunsPerCell,
                                     orch::ResultStore::ExperimentIds* experiment_ids = nullptr) {
  const orch::Experiment experiment = quickstart_like();
  const auto ids = store.experiments().begin_experiment(experiment, orch::collect_system_info(),
                                                        std::vector<std::string>(kCells, "cmd"));
  if (experiment_ids) *experiment_ids = ids;
  std::vector<double> times;
  for (int cell = 0; cell < kCells; ++cell) {
    for (int run_index = 0; run_index < runs_per_cell; ++run_index) {
      const orch::RunRecord run = ok_run(run_index, kSamples);
      const int64_t run_id = store.experiments().begin_run(ids.cell_ids[cell], run);
      const auto start = Clock::now();
      store.experiments().record_run(run_id, ids.cell_ids[cell], run);
      times.push_back(ms_since(start));
    }
  }
  store.experiments().finish_experiment(ids.experiment_id, "finished");
  return times;
}

std::vector<std::string> column_names(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> names;
  SQLite::Statement info(db, "SELECT name FROM pragma_table_info(?)");
  info.bind(1, table);
  while (info.executeStep()) names.push_back(info.getColumn(0).getString());
  return names;
}

int64_t max_id(SQLite::Database& db, const std::string& table, const std::string& column = "id") {
  return db.execAndGet("SELECT COALESCE(MAX(" + column + "), 0) FROM " + table).getInt64();
}

// Copies the first `count` experiments, with everything below them, to new ids.
void copy_experiments(SQLite::Database& db, int64_t count) {
  const int64_t experiments = max_id(db, "experiments"), cells = max_id(db, "cells"), runs = max_id(db, "runs");
  const int64_t last_cell =
      db.execAndGet("SELECT MAX(id) FROM cells WHERE experiment_id <= " + std::to_string(count)).getInt64();
  const int64_t last_run =
      db.execAndGet("SELECT MAX(id) FROM runs WHERE cell_id <= " + std::to_string(last_cell)).getInt64();
  struct Shift {
    std::string column;
    int64_t by;
  };
  auto copy = [&](const std::string& table, const std::vector<Shift>& shifts, const std::string& where) {
    std::string names, values;
    for (const auto& name : column_names(db, table)) {
      names += (names.empty() ? "" : ", ") + name;
      std::string value = name;
      for (const auto& shift : shifts)
        if (shift.column == name) value = name + " + " + std::to_string(shift.by);
      values += (values.empty() ? "" : ", ") + value;
    }
    db.exec("INSERT INTO " + table + " (" + names + ") SELECT " + values + " FROM " + table + " WHERE " + where);
  };
  SQLite::Transaction transaction(db);
  copy("experiments", {{"id", experiments}}, "id <= " + std::to_string(count));
  copy("cells", {{"id", cells}, {"experiment_id", experiments}}, "id <= " + std::to_string(last_cell));
  copy("cell_statistics", {{"cell_id", cells}}, "cell_id <= " + std::to_string(last_cell));
  copy("runs", {{"id", runs}, {"cell_id", cells}}, "id <= " + std::to_string(last_run));
  copy("phases", {{"run_id", runs}}, "run_id <= " + std::to_string(last_run));
  copy("samples", {{"run_id", runs}}, "run_id <= " + std::to_string(last_run));
  transaction.commit();
}

// The median and the slowest of `repeats` runs of `sql`, every row stepped through.
std::pair<double, double> query_ms(SQLite::Database& db, const std::string& sql, int repeats = 21) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    SQLite::Statement query(db, sql);
    while (query.executeStep()) {
    }
    times.push_back(ms_since(start));
  }
  return {median_ms(times), *std::max_element(times.begin(), times.end())};
}

const std::vector<std::pair<std::string, std::string>>& user_queries() {
  static const std::vector<std::pair<std::string, std::string>> queries = {
      {"cell_summary, latest experiment",
       "SELECT * FROM cell_summary WHERE experiment_id = (SELECT MAX(id) FROM experiments)"},
      {"run_phases, latest experiment",
       "SELECT * FROM run_phases WHERE experiment_id = (SELECT MAX(id) FROM experiments)"},
      {"the end-of-run table (store)", ""},
  };
  return queries;
}

void print_queries(const std::string& db_path, const std::string& title, std::vector<double>* medians) {
  SQLite::Database db(db_path);
  orch::ResultStore store(db_path);
  const int64_t latest = max_id(db, "experiments");
  std::printf("%s: %lld experiments, %lld runs, %lld samples, %.0f MB\n", title.c_str(), static_cast<long long>(latest),
              static_cast<long long>(max_id(db, "runs")),
              static_cast<long long>(db.execAndGet("SELECT COUNT(*) FROM samples").getInt64()),
              std::filesystem::file_size(db_path) / 1e6);
  for (const auto& [name, sql] : user_queries()) {
    std::pair<double, double> ms;
    if (sql.empty()) {
      std::vector<double> times;
      for (int i = 0; i < 21; ++i) {
        const auto start = Clock::now();
        (void)store.history().cell_summary(latest);
        times.push_back(ms_since(start));
      }
      ms = {median_ms(times), *std::max_element(times.begin(), times.end())};
    } else {
      ms = query_ms(db, sql);
    }
    std::printf("  %-32s median %7.3f ms  slowest %7.3f ms\n", name.c_str(), ms.first, ms.second);
    medians->push_back(ms.first);
  }
}

}  // namespace

int run_benchmark(int argc, char** argv) {
  const int64_t target_runs = argc > 1 ? std::stoll(argv[1]) : 100000;
  const std::filesystem::path folder =
      argc > 2 ? std::filesystem::path(argv[2])
               : std::filesystem::temp_directory_path() / ("store-benchmark-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all);
  // A folder of our own making goes with the program, however it ends.
  struct RemovedAtExit {
    std::filesystem::path folder;
    ~RemovedAtExit() {
      std::error_code ignored;
      if (!folder.empty()) std::filesystem::remove_all(folder, ignored);
    }
  } removed{argc > 2 ? std::filesystem::path() : folder};
  const std::string one = (folder / "one.db").string(), big = (folder / "history.db").string();
  std::filesystem::remove(one);
  std::filesystem::remove(big);

  std::printf("results DB benchmark: sqlite %s, %d cells x %d runs x %d samples per experiment\n\n", SQLite::VERSION,
              kCells, kRunsPerCell, kSamples);
  // 1. Ingest: one run of 100 samples, then one of 10,000, each in its one transaction.
  std::vector<double> ingest;
  {
    orch::ResultStore store(one);
    for (int i = 0; i < 10; ++i) {
      auto times = store_experiment(store);
      ingest.insert(ingest.end(), times.begin(), times.end());
    }
  }
  std::filesystem::remove(one);
  {
    orch::ResultStore store(one);
    store_experiment(store);
  }
  std::vector<double> big_run;
  {
    orch::ResultStore store(big);
    const auto ids = store.experiments().begin_experiment(quickstart_like(), orch::collect_system_info(),
                                                          std::vector<std::string>(kCells, "cmd"));
    for (int i = 0; i < 5; ++i) {
      const orch::RunRecord run = ok_run(i + 1, 10000);
      const int64_t run_id = store.experiments().begin_run(ids.cell_ids[0], run);
      const auto start = Clock::now();
      store.experiments().record_run(run_id, ids.cell_ids[0], run);
      big_run.push_back(ms_since(start));
    }
  }
  std::filesystem::remove(big);
  std::printf("ingest: one run of %d samples in %.3f ms (median of %zu; target < 5 ms)\n", kSamples, median_ms(ingest),
              ingest.size());
  std::printf("ingest: one run of 10000 samples in %.3f ms, one transaction (median of %zu)\n\n", median_ms(big_run),
              big_run.size());

  // 1b. run --slurm: a job's DB ingested into the results DB, run by run, beside
  // storing the same runs directly (the job's own record_run), in one program run.
  {
    constexpr int kJobRuns = 250;  // per cell: 1000 runs in the job's DB
    const std::string job_db = (folder / "job.db").string(), main_db = (folder / "main.db").string();
    std::vector<double> ingested;
    orch::ResultStore job(job_db);
    orch::ResultStore::ExperimentIds job_ids;
    const std::vector<double> direct = store_experiment(job, kJobRuns, &job_ids);
    const orch::Experiment experiment = quickstart_like();
    orch::ResultStore main(main_db);
    const auto ids = main.experiments().begin_experiment(experiment, orch::collect_system_info(),
                                                         std::vector<std::string>(kCells, "cmd"));
    const auto all_start = Clock::now();
    {
      orch::AttachedJobDb attached(main.slurm(), job_db);
      orch::ExperimentRow node;
      node.columns = {{"hostname", std::string("node1")}, {"memory_mib", int64_t{1}}};
      const int64_t host = main.slurm().host_id(node);
      for (const auto& run : attached.ended_runs(job_ids.experiment_id)) {
        const auto start = Clock::now();
        attached.ingest_run(run.id, ids.cell_ids[static_cast<size_t>(run.cell_index)], host, 1);
        ingested.push_back(ms_since(start));
      }
    }
    const double all_s = ms_since(all_start) / 1000;
    std::printf("slurm ingest: %zu runs of %d samples from a job's DB in %.2f s (%.0f runs/s, attach included)\n",
                ingested.size(), kSamples, all_s, static_cast<double>(ingested.size()) / all_s);
    std::printf("  one run: ingested %.3f ms, stored directly %.3f ms (medians; ratio %.2f)\n\n", median_ms(ingested),
                median_ms(direct), median_ms(ingested) / median_ms(direct));
  }

  // 2. The views on a one-experiment DB, then on a DB with `target_runs` runs of history.
  std::vector<double> small, large;
  print_queries(one, "one experiment", &small);
  std::filesystem::copy_file(one, big);
  {
    SQLite::Database db(big, SQLite::OPEN_READWRITE);
    const auto start = Clock::now();
    while (max_id(db, "runs") < target_runs) {
      const int64_t experiments = max_id(db, "experiments");
      const int64_t runs_each = max_id(db, "runs") / experiments;
      copy_experiments(db, std::min(experiments, (target_runs - max_id(db, "runs") + runs_each - 1) / runs_each));
    }
    db.exec("ANALYZE");
    std::printf("\n(history copied in %.1f s)\n", ms_since(start) / 1000);
  }
  { const orch::ResultStore opened(big); }  // opens and checks it as a run would
  print_queries(big, "history", &large);
  std::printf("\n%-34s %10s %10s %8s\n", "", "1 exp. ms", "history ms", "ratio");
  for (size_t i = 0; i < small.size(); ++i)
    std::printf("%-34s %10.3f %10.3f %8.2f   (target < 20 ms and < 2x)\n", user_queries()[i].first.c_str(), small[i],
                large[i], large[i] / small[i]);
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run_benchmark(argc, argv);  // its folder is removed as the stack unwinds
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_benchmark: %s\n", e.what());
    return 1;
  }
}
