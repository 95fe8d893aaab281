// CPU lists in the kernel's notation ("0-3,8,10-11"), as taskset, cpusets and
// /sys/devices/system/cpu/online write them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace orch {

// Sorted, without duplicates. Throws std::invalid_argument naming the bad part.
std::vector<int> parse_cpu_list(std::string_view text);
// The shortest notation: consecutive CPUs become ranges.
std::string format_cpu_list(const std::vector<int>& cpus);

}  // namespace orch
