// `plan`'s text and its advice (see plan.h).
#include "report/plan.h"

#include <algorithm>

#include "common/text.h"
#include "matrix/settings.h"
#include "measure/intervals.h"
#include "measure/precision.h"
#include "measure/stored_run.h"
#include "measure/warnings.h"
#include "run/run_order.h"

namespace orch {
namespace {

// Every setting of a cell but its launcher and env, as labels read them, for `plan`;
// those it leaves at their defaults are left out.
std::string describe_settings(const CellSettings& settings) {
  std::vector<std::string> parts;
  for (const auto& setting : settings_table())
    if (setting.id != Setting::kLauncher && setting.id != Setting::kEnv && is_given(setting.id, settings))
      parts.push_back(label_of(setting.id, settings));
  return join(parts, ", ");
}

// "3 measured", or for runs: auto "6 to 30 measured".
std::string measured_runs_text(const Experiment& experiment) {
  if (!experiment.runs_auto) return std::to_string(experiment.runs) + " measured";
  return std::to_string(Precision::kFewestRuns) + " to " + std::to_string(experiment.runs) + " measured";
}

}  // namespace

int64_t total_runs(const Experiment& experiment) {
  int64_t runs = 0;
  for (const auto& cell : experiment.cells) runs += runs_of(experiment, cell);
  return runs;
}

void write_plan(std::ostream& out, const Experiment& experiment, const Launchers& launchers) {
  out << "experiment '" << printable(experiment.name) << "': " << count(experiment.cells.size(), "cell") << " x ("
      << experiment.warmup_runs << " warm-up + " << measured_runs_text(experiment)
      << ") fresh-process runs (cache: warm N changes a cell's warm-up) = " << (experiment.runs_auto ? "at most " : "")
      << total_runs(experiment) << " runs, timeout " << experiment.timeout_s << " s each\n";
  if (const auto& precision = experiment.precision; precision && experiment.runs_auto)
    out << "runs: auto: each cell runs until the interval of its p50 is within +-"
        << format_number(precision->target_percent, 2) << "%, or " << precision->max_runs << " measured runs, or "
        << format_number(precision->max_minutes, 2)
        << " minutes of its runs (README: Statistics); the order below is the longest\n";
  if (const auto& precision = experiment.precision)
    for (const auto& cell : experiment.cells)
      if (cell.settings.iterations_auto) {
        out << "iterations: auto: each run of such a cell times " << precision->min_iterations << " to "
            << precision->max_iterations << " iterations, until its own p50 is within +-"
            << format_number(precision->target_percent, 2) << "%\n";
        break;
      }
  // The order, as cell.run (1-based), for the first runs: with order: random only when
  // the matrix fixes the seed (otherwise `run` draws one).
  out << "order: " << run_order_name(experiment.order);
  if (experiment.order != RunOrder::kRandom || experiment.order_seed) {
    if (experiment.order_seed) out << " (seed " << *experiment.order_seed << ")";
    const auto order = schedule_runs(experiment, experiment.order_seed.value_or(0));
    constexpr size_t kShown = 24;
    out << ":";
    for (size_t i = 0; i < std::min(order.size(), kShown); ++i)
      out << " " << order[i].cell_index + 1 << "." << order[i].run_index + 1;
    if (order.size() > kShown) out << " ... (" << order.size() - kShown << " more)";
  } else {
    out << " (a seed is drawn and stored at run; give order_seed to fix it)";
  }
  out << "\n<spawn-ns>, <result-file> and <run-name> are filled in per run.\n";
  for (const auto& cell : experiment.cells) {
    const LaunchCommand launch = launchers.command(experiment, cell);
    std::string env;
    for (const auto& [name, value] : cell.settings.env) env += " " + name + "=" + value;
    out << "\ncell " << cell.index + 1 << "/" << experiment.cells.size() << ": " << printable(cell.label)
        << "\n  launcher: " << launcher_name(cell.settings.launcher)
        << "\n  settings: " << printable(describe_settings(cell.settings))
        << "\n  runs: " << warmup_runs_of(experiment, cell) << " warm-up + " << measured_runs_text(experiment)
        << "\n  env:" << (env.empty() ? " (no thread variables)" : printable(env))
        << "\n  command: " << printable(quote_command(launch.argv)) << "\n";
  }
}

PlanAdvice plan_advice(const Experiment& experiment, History& history, const std::string& hostname,
                       double target_percent) {
  PlanAdvice advice;
  advice.target_percent = target_percent > 0     ? target_percent
                          : experiment.precision ? experiment.precision->target_percent
                                                 : Precision{}.target_percent;
  advice.runs_auto = experiment.runs_auto;
  for (const auto& cell : experiment.cells) {
    CellAdvice& cell_advice = advice.cells.emplace_back();
    cell_advice.label = cell.label;
    const auto found = history.latest_cell(settings_hash(stored_columns(cell.settings)), hostname);
    if (!found) {
      cell_advice.missing = "no finished experiment with these settings on " + printable(hostname);
      continue;
    }
    const auto stored = history.cell_runs(found->cell_id);
    // Runs disturbed from outside, or far from the others, would make the model of the
    // cell's own variance: they are left out, and counted.
    std::vector<const StoredRun*> runs;
    for (const StoredRun* run : measured_ok_runs(stored)) {
      const auto codes = split_codes(run->warnings);
      const bool outlier = std::count(found->outlier_runs.begin(), found->outlier_runs.end(), run->run_index) > 0;
      if (outlier || std::count(codes.begin(), codes.end(), "interference") > 0)
        ++cell_advice.left_out;
      else
        runs.push_back(run);
    }
    const auto components = variance_components(runs);
    cell_advice.cost = cost_of(runs);
    if (!components || cell_advice.cost.per_iteration_s <= 0) {
      cell_advice.missing = "its stored runs have too few iterations to tell";
      continue;
    }
    cell_advice.experiment_id = found->experiment_id;
    cell_advice.ok_runs = runs.size();
    cell_advice.between_share = components->between_share();
    cell_advice.runs_now = experiment.runs;
    cell_advice.iterations_now = cell.settings.iterations;
    cell_advice.half_width_now = relative_half_width(*components, cell_advice.runs_now, cell_advice.iterations_now);
    cell_advice.seconds_now = cell_advice.runs_now * (cell_advice.cost.per_run_s +
                                                      cell_advice.iterations_now * cell_advice.cost.per_iteration_s);
    cell_advice.cheapest = cheapest_plan(*components, cell_advice.cost, advice.target_percent / 100,
                                         static_cast<int>(values_for_confidence(kTargetConfidence)), 10, 100000);
  }
  return advice;
}

void write_plan_advice(std::ostream& out, const PlanAdvice& advice, const std::string& source) {
  out << "\nadvice from " << printable(source) << " for +-" << format_number(advice.target_percent, 2)
      << "% (95%, on the mean of the run means; README: Statistics):\n";
  double now_s = 0, advised_s = 0;
  for (size_t i = 0; i < advice.cells.size(); ++i) {
    const CellAdvice& cell = advice.cells[i];
    out << "cell " << i + 1 << "/" << advice.cells.size() << ": " << printable(cell.label) << ": ";
    if (!cell.missing.empty()) {
      out << cell.missing << "\n";
      continue;
    }
    out << "from experiment " << cell.experiment_id << " (" << count(cell.ok_runs, "ok run")
        << (cell.left_out ? ", " + std::to_string(cell.left_out) + " more left out: interference or outlier-run" : "")
        << "): " << format_number(cell.between_share * 100, 0) << "% of a run's variance is run to run; a run costs "
        << format_number(cell.cost.per_run_s, 2) << " s + " << format_number(cell.cost.per_iteration_s * 1000, 3)
        << " ms per iteration\n";
    out << (advice.runs_auto ? "  at runs: auto's most, " : "  as written, ") << cell.runs_now << " x "
        << cell.iterations_now << ": +-" << format_number(cell.half_width_now * 100, 2) << "% in "
        << format_number(cell.seconds_now, 0) << " s\n";
    if (!cell.cheapest) {
      out << "  no plan of up to 100000 runs reaches +-" << format_number(advice.target_percent, 2) << "%\n";
      continue;
    }
    now_s += cell.seconds_now;
    advised_s += cell.cheapest->machine_s;
    out << "  cheapest: runs " << cell.cheapest->runs << " x iterations " << cell.cheapest->iterations << ": +-"
        << format_number(cell.cheapest->relative_half_width * 100, 2) << "% in "
        << format_number(cell.cheapest->machine_s, 0) << " s\n";
  }
  if (advised_s > 0)
    out << "machine time of the measured runs: " << format_number(now_s, 0) << " s as written, "
        << format_number(advised_s, 0) << " s with the cheapest plans\n";
}

}  // namespace orch
