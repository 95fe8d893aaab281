// A share of an experiment's runs, as text and back (see run_share.h).
#include "run/run_share.h"

#include <algorithm>
#include <stdexcept>

#include "common/cpu_list.h"
#include "common/error.h"
#include "common/text.h"

namespace orch {

bool RunShare::has(int cell_index, int run_index) const {
  const auto cell = runs.find(cell_index);
  return cell != runs.end() && std::binary_search(cell->second.begin(), cell->second.end(), run_index);
}

size_t RunShare::size() const {
  size_t total = 0;
  for (const auto& [cell, indices] : runs) total += indices.size();
  return total;
}

std::string format_share(const RunShare& share) {
  std::vector<std::string> cells;
  for (const auto& [cell, indices] : share.runs)
    if (!indices.empty()) cells.push_back(std::to_string(cell) + ":" + format_cpu_list(indices));
  return join(cells, "/");
}

RunShare parse_share(const std::string& text, const Experiment& experiment) {
  auto refuse = [&](const std::string& why) {
    return UserError("--slurm-share '" + printable(text) + "': " + why,
                     "this option is written by `orchestrator run --slurm` for its jobs");
  };
  RunShare share;
  for (const std::string& part : split(text, '/')) {
    const size_t colon = part.find(':');
    if (colon == std::string::npos) throw refuse("expected CELL:RUNS, got '" + printable(part) + "'");
    int cell = -1;
    std::vector<int> indices;
    try {
      const auto cells = parse_cpu_list(part.substr(0, colon));
      if (cells.size() == 1) cell = cells.front();
      indices = parse_cpu_list(part.substr(colon + 1));
    } catch (const std::invalid_argument& e) {
      throw refuse(e.what());
    }
    if (cell < 0 || static_cast<size_t>(cell) >= experiment.cells.size())
      throw refuse("the matrix has no cell " + part.substr(0, colon) + " (0-based; it has " +
                   std::to_string(experiment.cells.size()) + ")");
    if (share.runs.count(cell)) throw refuse("cell " + std::to_string(cell) + " is given twice");
    const int runs = runs_of(experiment, experiment.cells[static_cast<size_t>(cell)]);
    if (indices.empty() || indices.back() >= runs)
      throw refuse("cell " + std::to_string(cell) + " has runs 0-" + std::to_string(runs - 1));
    share.runs[cell] = std::move(indices);
  }
  if (share.runs.empty()) throw refuse("no runs");
  return share;
}

}  // namespace orch
