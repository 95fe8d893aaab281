// mixed-hosts: results compared across machines that differ. A run's machine is its
// experiment's host, or the Slurm node that ran it (the run_hosts view); its facts
// are the host name, CPU model, kernel, governor, SMT and memory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/value.h"

namespace orch {

// A machine's facts, as columns: of the hosts table, of run_hosts, and of the
// experiments row of the host an experiment ran on.
inline constexpr const char* kHostFactColumns[] = {"hostname", "cpu_model", "kernel", "governor", "smt", "memory_mib"};

// What ran on one machine: "cell 3", or "experiment 12", and that machine's facts
// (hostname, cpu_model, kernel, governor, smt, memory_mib).
struct HostUse {
  std::string what;
  Columns facts;
};

// nullopt when every use was on one machine; else who ran where and the facts that
// differ, e.g. "cells 1, 2 on n1; cell 3 on n2; they differ in host name, kernel
// (6.1.0-9-amd64 / 6.1.0-10-amd64)".
std::optional<std::string> describe_mixed_hosts(const std::vector<HostUse>& uses);

}  // namespace orch
