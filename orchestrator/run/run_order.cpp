// The order of an experiment's runs (see run_order.h).
#include "run/run_order.h"

#include <algorithm>
#include <random>

namespace orch {
namespace {

bool makes_every_run_cold(const Cell& cell) {
  return cell.settings.cache.mode == CachePolicy::Mode::kDrop || cell.settings.cache.mode == CachePolicy::Mode::kEvict;
}

// Round r takes run r of each cell in `block` that has one: of its warm-up runs only,
// or of all its runs.
void round_robin(const Experiment& experiment, const std::vector<const Cell*>& block, bool warmups_only,
                 std::vector<ScheduledRun>& order) {
  int rounds = 0;
  for (const Cell* cell : block)
    rounds = std::max(rounds, warmups_only ? warmup_runs_of(experiment, *cell) : runs_of(experiment, *cell));
  for (int round = 0; round < rounds; ++round)
    for (const Cell* cell : block)
      if (round < (warmups_only ? warmup_runs_of(experiment, *cell) : runs_of(experiment, *cell)))
        order.push_back({cell->index, round});
}

// The measured runs of `block` in a random order, each cell's in run-index order: a
// Fisher-Yates shuffle of the cells' run slots with a 64-bit Mersenne Twister, whose
// sequence the C++ standard fixes (a distribution's would differ between libraries).
void shuffled(const Experiment& experiment, const std::vector<const Cell*>& block, std::mt19937_64& generator,
              std::vector<ScheduledRun>& order) {
  std::vector<int> slots;  // a cell's index once per measured run
  for (const Cell* cell : block) slots.insert(slots.end(), static_cast<size_t>(experiment.runs), cell->index);
  for (size_t i = slots.size(); i > 1; --i) std::swap(slots[i - 1], slots[generator() % i]);
  std::vector<int> next(experiment.cells.size(), 0);
  for (const Cell* cell : block) next[static_cast<size_t>(cell->index)] = warmup_runs_of(experiment, *cell);
  for (int cell : slots) order.push_back({cell, next[static_cast<size_t>(cell)]++});
}

}  // namespace

std::vector<ScheduledRun> schedule_runs(const Experiment& experiment, int64_t seed) {
  std::vector<ScheduledRun> order;
  if (experiment.order == RunOrder::kSequential) {
    for (const auto& cell : experiment.cells)
      for (int run = 0; run < runs_of(experiment, cell); ++run) order.push_back({cell.index, run});
    return order;
  }
  std::vector<const Cell*> warm, cold;
  for (const auto& cell : experiment.cells) (makes_every_run_cold(cell) ? cold : warm).push_back(&cell);
  std::mt19937_64 generator(static_cast<uint64_t>(seed));
  for (const auto& block : {warm, cold}) {
    if (experiment.order == RunOrder::kInterleaved) {
      round_robin(experiment, block, false, order);
    } else {
      round_robin(experiment, block, true, order);
      shuffled(experiment, block, generator, order);
    }
  }
  return order;
}

int64_t draw_order_seed() {
  std::random_device device;
  const uint64_t bits = (uint64_t{device()} << 32) ^ device();
  return static_cast<int64_t>(bits & static_cast<uint64_t>(kMaxOrderSeed));
}

}  // namespace orch
