// Parsing of the worker's report (see worker_report.h).
#include "worker_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace orch {

namespace {

constexpr int kProtocolVersion = 1;

// A latency is a finite time, not negative: anything else is a broken worker.
void check_latencies(const std::vector<double>& values, const char* name) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]) || values[i] < 0)
      throw ProtocolError(std::string(name) + "[" + std::to_string(i) + "] is " + std::to_string(values[i]) +
                          ", not a time");
}

}  // namespace

WorkerReport parse_worker_report(const std::string& json_text) {
  using nlohmann::json;
  try {
    const json doc = json::parse(json_text);
    const int version = doc.at("protocol_version").get<int>();
    if (version != kProtocolVersion)
      throw ProtocolError("unsupported protocol_version " + std::to_string(version));
    WorkerReport report;
    report.ok = doc.at("status").get<std::string>() == "ok";
    if (!report.ok) {
      report.error = doc.value("error", "unspecified error");
      report.failed_phase = doc.value("failed_phase", "");
    }
    for (const auto& phase : doc.at("phases"))
      report.phases.push_back({phase.at("name").get<std::string>(), phase.at("start_ms").get<double>(),
                               phase.at("duration_ms").get<double>()});
    report.samples_ms = doc.at("samples_ms").get<std::vector<double>>();
    report.device_samples_ms = doc.value("device_samples_ms", std::vector<double>{});
    check_latencies(report.samples_ms, "samples_ms");
    check_latencies(report.device_samples_ms, "device_samples_ms");
    if (!report.device_samples_ms.empty() && report.device_samples_ms.size() != report.samples_ms.size())
      throw ProtocolError("device_samples_ms has " + std::to_string(report.device_samples_ms.size()) +
                          " entries but samples_ms has " + std::to_string(report.samples_ms.size()));
    const json& rt = doc.at("runtime");
    WorkerRuntime& runtime = report.runtime;
    runtime.torch_version = rt.value("torch_version", "");
    runtime.mkldnn = rt.value("mkldnn", false);
    runtime.mkl = rt.value("mkl", false);
    runtime.openmp = rt.value("openmp", false);
    runtime.intra_op_threads = rt.value("intra_op_threads", 0);
    runtime.inter_op_threads = rt.value("inter_op_threads", 0);
    runtime.parallel_info = rt.value("parallel_info", "");
    runtime.device_name = rt.value("device_name", "");
    runtime.allowed_cpus = rt.at("allowed_cpus").get<std::vector<int>>();
    runtime.online_cpus = rt.at("online_cpus").get<int>();
    runtime.thread_env = rt.at("thread_env").get<std::map<std::string, std::string>>();
    runtime.blas_libraries = rt.value("blas_libraries", std::vector<std::string>{});
    runtime.threads_observed = rt.value("threads_observed", 0);
    runtime.pid = rt.value("pid", 0);
    runtime.uid = rt.value("uid", -1);
    if (rt.contains("cgroup")) {
      const json& cgroup = rt.at("cgroup");
      runtime.cgroup.version = cgroup.value("version", 0);
      runtime.cgroup.path = cgroup.value("path", "");
      runtime.cgroup.cpus = cgroup.value("cpus", "");
      if (cgroup.contains("cpu_quota_percent")) runtime.cgroup.cpu_quota_percent = cgroup.at("cpu_quota_percent").get<double>();
      if (cgroup.contains("memory_limit_bytes")) runtime.cgroup.memory_limit_bytes = cgroup.at("memory_limit_bytes").get<int64_t>();
    }
    if (rt.contains("rusage")) {
      const json& u = rt.at("rusage");
      runtime.self_usage = ResourceUsage{u.at("user_cpu_ms").get<double>(), u.at("sys_cpu_ms").get<double>(),
                                         u.at("max_rss_kib").get<long>(), u.at("minor_faults").get<long>(),
                                         u.at("major_faults").get<long>(), u.at("voluntary_ctx_switches").get<long>(),
                                         u.at("involuntary_ctx_switches").get<long>(), u.value("fs_read_kib", -1L)};
    }
    if (report.ok && report.samples_ms.empty())
      throw ProtocolError("status ok but no samples_ms");
    return report;
  } catch (const json::exception& e) {
    throw ProtocolError(e.what());
  }
}

}  // namespace orch
