// Rows read by column name, typed (see row_mapping.h).
#include "store/row_mapping.h"

#include <utility>

namespace orch {

ExperimentRow experiment_row(Columns row) {
  ExperimentRow experiment;
  experiment.id = integer_of(value_of(row, "id")).value_or(0);
  experiment.name = text_of(value_of(row, "name"));
  experiment.status = text_of(value_of(row, "status"));
  experiment.started_at = text_of(value_of(row, "started_at"));
  experiment.hostname = text_of(value_of(row, "hostname"));
  experiment.matrix_path = text_of(value_of(row, "matrix_path"));
  experiment.matrix_hash = text_of(value_of(row, "matrix_hash"));
  experiment.slurm_split = text_of(value_of(row, "slurm_split"));
  experiment.warnings = text_of(value_of(row, "warnings"));
  experiment.drift_share = number_of(value_of(row, "drift_share"));
  experiment.columns = std::move(row);
  return experiment;
}

CellSummaryRow cell_summary_row(Columns row) {
  CellSummaryRow cell;
  cell.cell_id = integer_of(value_of(row, "cell_id")).value_or(0);
  cell.cell_index = static_cast<int>(integer_of(value_of(row, "cell_index")).value_or(0));
  cell.cell = text_of(value_of(row, "cell"));
  cell.settings_hash = text_of(value_of(row, "settings_hash"));
  cell.stop_reason = text_of(value_of(row, "stop_reason"));
  cell.runs = integer_of(value_of(row, "runs")).value_or(0);
  cell.runs_ok = integer_of(value_of(row, "runs_ok")).value_or(0);
  cell.warnings = text_of(value_of(row, "warnings"));
  cell.attribution = text_of(value_of(row, "attribution"));
  cell.latency_p50_ms = number_of(value_of(row, "latency_p50_ms"));
  cell.p50_low_ms = number_of(value_of(row, "latency_p50_ci_low_ms"));
  cell.p50_high_ms = number_of(value_of(row, "latency_p50_ci_high_ms"));
  cell.p50_confidence = number_of(value_of(row, "latency_p50_ci_confidence"));
  cell.columns = std::move(row);
  return cell;
}

SlurmJobRow slurm_job_row(const Columns& row) {
  SlurmJobRow job;
  job.id = integer_of(value_of(row, "id")).value_or(0);
  job.job_id = integer_of(value_of(row, "job_id"));
  if (const auto replica = integer_of(value_of(row, "replica"))) job.replica = static_cast<int>(*replica);
  job.share = text_of(value_of(row, "share"));
  job.job_db = text_of(value_of(row, "job_db"));
  job.collected = !std::holds_alternative<std::monostate>(value_of(row, "collected_at"));
  return job;
}

JobRunRow job_run_row(const Columns& row) {
  JobRunRow run;
  run.id = integer_of(value_of(row, "id")).value_or(0);
  run.run_index = static_cast<int>(integer_of(value_of(row, "run_index")).value_or(-1));
  run.cell_index = static_cast<int>(integer_of(value_of(row, "cell_index")).value_or(-1));
  run.stop_reason = text_of(value_of(row, "stop_reason"));
  return run;
}

StoredRun stored_run(const Columns& row) {
  StoredRun run;
  auto number = [&](const char* column) { return number_of(value_of(row, column)); };
  run.id = integer_of(value_of(row, "id")).value_or(0);
  run.run_index = static_cast<int>(integer_of(value_of(row, "run_index")).value_or(0));
  run.warmup = integer_of(value_of(row, "is_warmup")).value_or(0) != 0;
  run.status = text_of(value_of(row, "status"));
  run.warnings = text_of(value_of(row, "warnings"));
  run.limits_mismatch = text_of(value_of(row, "limits_mismatch"));
  for (const auto& [column, field] : kInEffectColumns) run.*field = value_of(row, column);
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

}  // namespace orch
