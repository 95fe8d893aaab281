// An observer (run/observer.h) that keeps every event, for tests to check what the
// engine reported and in which order.
#pragma once

#include <variant>
#include <vector>

#include "run/observer.h"

namespace test {

class RecordingObserver : public orch::Observer {
 public:
  void on(const orch::Event& event) override { events.push_back(event); }

  // The events of type E, in order.
  template <typename E>
  std::vector<E> all() const {
    std::vector<E> found;
    for (const auto& event : events)
      if (const auto* e = std::get_if<E>(&event)) found.push_back(*e);
    return found;
  }

  std::vector<orch::Event> events;
};

}  // namespace test
