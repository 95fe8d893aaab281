// What `doctor` says of each launcher here: usable or not and why, what it applies,
// and the settings it cannot apply on this machine (a controller not delegated).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "launch/launcher.h"

namespace orch {

struct LauncherCheck {
  std::string name;
  std::optional<Refusal> refusal;     // nullopt: usable
  std::vector<std::string> applies;   // the settings' keys it applies here
  std::vector<std::string> left_out;  // "key (why not)"
};

// Each launcher is asked about a cell of `worker_program` that uses every setting it
// can apply, with the settings table's example values; a setting it cannot apply
// here is named and left out, and the launcher asked again about the rest.
std::vector<LauncherCheck> check_launchers(const Launchers& launchers, const std::string& worker_program);

}  // namespace orch
