// Serialises the worker's report (see result_document.h).
#include "result_document.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace worker {

std::string to_json(const ResultDocument& doc) {
  nlohmann::json j;
  j["protocol_version"] = kProtocolVersion;
  j["status"] = doc.error.empty() ? "ok" : "error";
  if (!doc.error.empty()) {
    j["error"] = doc.error;
    j["failed_phase"] = doc.failed_phase;
  }
  j["clock_origin"] = doc.clock_origin;
  j["phases"] = nlohmann::json::array();
  for (const auto& phase : doc.phases)
    j["phases"].push_back(
        {{"name", phase.name}, {"start_ms", phase.start_ms}, {"duration_ms", phase.duration_ms}});
  j["samples_ms"] = doc.samples_ms;
  if (!doc.device_samples_ms.empty()) j["device_samples_ms"] = doc.device_samples_ms;
  j["input"] = {{"model", doc.input.model_path},
                {"shape", doc.input.input_shape},
                {"batch_size", doc.input.input_shape.empty() ? 0 : doc.input.input_shape.front()},
                {"device", doc.input.device}};
  nlohmann::json runtime = {{"allowed_cpus", doc.allowed_cpus},
                            {"online_cpus", doc.online_cpus},
                            {"thread_env", doc.thread_env},
                            {"blas_libraries", doc.blas_libraries},
                            {"threads_observed", doc.threads_observed},
                            {"pid", doc.pid},
                            {"uid", doc.uid}};
  nlohmann::json cgroup = {{"version", doc.limits.cgroup_version},
                           {"path", doc.limits.cgroup_path},
                           {"cpus", doc.limits.cpuset_cpus}};
  if (doc.limits.cpu_quota_percent) cgroup["cpu_quota_percent"] = *doc.limits.cpu_quota_percent;
  if (doc.limits.memory_limit_bytes) cgroup["memory_limit_bytes"] = *doc.limits.memory_limit_bytes;
  runtime["cgroup"] = std::move(cgroup);
  const orch::ResourceUsage& u = doc.usage;
  runtime["rusage"] = {{"user_cpu_ms", u.user_cpu_ms},
                       {"sys_cpu_ms", u.sys_cpu_ms},
                       {"max_rss_kib", u.max_rss_kib},
                       {"minor_faults", u.minor_faults},
                       {"major_faults", u.major_faults},
                       {"voluntary_ctx_switches", u.voluntary_ctx_switches},
                       {"involuntary_ctx_switches", u.involuntary_ctx_switches},
                       {"fs_read_kib", u.fs_read_kib}};
  if (doc.torch) {
    runtime["torch_version"] = doc.torch->torch_version;
    runtime["mkldnn"] = doc.torch->mkldnn;
    runtime["mkl"] = doc.torch->mkl;
    runtime["openmp"] = doc.torch->openmp;
    runtime["intra_op_threads"] = doc.torch->intra_op_threads;
    runtime["inter_op_threads"] = doc.torch->inter_op_threads;
    runtime["parallel_info"] = doc.torch->parallel_info;
    if (!doc.torch->device_name.empty()) runtime["device_name"] = doc.torch->device_name;
  }
  j["runtime"] = std::move(runtime);
  return j.dump();
}

void write_document(const std::string& path, const ResultDocument& doc) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(doc) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write result file " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

}  // namespace worker
