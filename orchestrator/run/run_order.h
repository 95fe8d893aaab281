// The order in which an experiment's runs execute (the matrix's `order:`).
//
//   sequential   cell by cell, in matrix order: each cell's runs back to back.
//   interleaved  round-robin (the default): round r runs run r of every cell that has
//                one, in matrix order. A drift of the machine over minutes (a
//                neighbour's job, its thermal state) then spreads over every cell
//                instead of landing on whichever cells ran at the time.
//   random       each cell's warm-up runs first, round-robin; then the measured runs
//                in an order drawn from the seed (stored, so that it can be
//                reproduced), each cell's runs still in run-index order.
//
// With interleaved and random, the cells that make every run cold (cache: drop,
// evict) run after all the others, interleaved among themselves: a drop between two
// runs of a warm cell would make its next run cold.
#pragma once

#include <cstdint>
#include <vector>

#include "matrix/experiment.h"

namespace orch {

struct ScheduledRun {
  int cell_index = 0;
  int run_index = 0;
};

// Every run of `experiment` (warm-up runs included), in the order they execute;
// `seed` is used by order: random only. The same experiment and seed give the same
// order, on any machine.
std::vector<ScheduledRun> schedule_runs(const Experiment& experiment, int64_t seed);

// A seed for order: random when the matrix gives none (<= kMaxOrderSeed).
int64_t draw_order_seed();

}  // namespace orch
