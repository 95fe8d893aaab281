// Baselines: names for experiments (a release, a known-good night) that `compare
// --baseline` compares against.
#pragma once

#include <cstdint>
#include <string>

#include "store/database.h"

namespace orch {

class Baselines {
 public:
  explicit Baselines(Database& db) : db_(db) {}
  // Names an experiment, replacing what the name named.
  void name_baseline(const std::string& name, int64_t experiment_id);
  // The experiment a baseline names. Throws UserError for an unknown name.
  int64_t find_baseline(const std::string& name);

 private:
  Database& db_;
};

}  // namespace orch
