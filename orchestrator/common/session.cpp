// Names that carry their owner's identity (see session.h).
#include "common/session.h"

namespace orch {
namespace {

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::string session_name(const ProcessIdentity& owner) { return kSessionPrefix + owner.text(); }

std::string run_name(const ProcessIdentity& owner, int cell_index, int run_index) {
  return kRunPrefix + owner.text() + "-c" + std::to_string(cell_index) + "-r" + std::to_string(run_index);
}

std::optional<ProcessIdentity> owner_of(const std::string& name) {
  std::string rest;
  for (const std::string prefix : {kSessionPrefix, kRunPrefix})
    if (name.rfind(prefix, 0) == 0) rest = name.substr(prefix.size());
  // The pid, then the start when the next field is a number too.
  const auto first = rest.find('-');
  const std::string pid = rest.substr(0, first);
  if (!all_digits(pid)) return std::nullopt;
  std::string start;
  if (first != std::string::npos) {
    const auto second = rest.find('-', first + 1);
    start = rest.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  }
  return ProcessIdentity::parse(all_digits(start) ? pid + "-" + start : pid);
}

bool left_by_dead_orchestrator(const std::string& name) {
  const auto owner = owner_of(name);
  return owner && !owner->alive();
}

}  // namespace orch
