// The results DB and its parts (see result_store.h).
#include "store/result_store.h"

namespace orch {

ResultStore::ResultStore(const std::string& path, Access access, StopCheck stopped)
    : db_(path, access, std::move(stopped)),
      history_(db_),
      experiments_(db_, history_),
      baselines_(db_),
      slurm_(db_, experiments_, history_) {
  if (db_.read_only()) {
    history_.compute_missing_statistics();
    db_.guarded([&] { db_.use_temp_views(); });
  } else {
    history_.refresh_missing_statistics();
  }
}

}  // namespace orch
