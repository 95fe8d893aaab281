// The observer of `orchestrator run` and `collect` (run/observer.h): each event as one
// log line (logging.h), at info, or at warn when it changes what the results mean.
#pragma once

#include "run/observer.h"

namespace orch {

class TerminalObserver : public Observer {
 public:
  void on(const Event& event) override;
};

}  // namespace orch
