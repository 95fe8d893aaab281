// The worker's report both ways: written by the worker, parsed and checked by the
// orchestrator (see worker_report.h).
#include "protocol/worker_report.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "protocol/worker_flags.h"

namespace protocol {

namespace {

using nlohmann::json;

constexpr size_t kMaxTextBytes = 64 * 1024;  // any one string: a version, a path, parallel_info
constexpr size_t kMaxListEntries = 4096;     // CPUs, libraries, variables, phases
constexpr int64_t kMaxPid = 1 << 22;         // PID_MAX_LIMIT
constexpr int64_t kMaxCpus = 1 << 16;
constexpr int64_t kMaxThreads = 1 << 22;
constexpr double kSlackMs = 1.0;         // rounding between two readings of one clock
constexpr double kLoopTolerance = 0.01;  // the samples' sum against the timed loop's length

std::string fixed_ms(double ms) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", ms);
  return text;
}

const json& member(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) throw ProtocolError(std::string("'") + key + "' is missing");
  return object.at(key);
}

int64_t integer(const json& value, const std::string& key, int64_t min, int64_t max) {
  if (!value.is_number_integer()) throw ProtocolError("'" + key + "' is not an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max))
    throw ProtocolError("'" + key + "' is out of range");
  const int64_t number = value.get<int64_t>();
  if (number < min || number > max)
    throw ProtocolError("'" + key + "' is " + std::to_string(number) + ", outside [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
  return number;
}

int64_t integer_or(const json& object, const char* key, int64_t fallback, int64_t min, int64_t max) {
  return object.contains(key) ? integer(object.at(key), key, min, max) : fallback;
}

// A finite number in [min, max].
double number(const json& value, const std::string& key, double min, double max) {
  if (!value.is_number()) throw ProtocolError("'" + key + "' is not a number");
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < min || number > max)
    throw ProtocolError("'" + key + "' is " + std::to_string(number) + ", not in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
  return number;
}

std::string text(const json& value, const std::string& key) {
  if (!value.is_string()) throw ProtocolError("'" + key + "' is not a string");
  const auto& string = value.get_ref<const std::string&>();
  if (string.size() > kMaxTextBytes)
    throw ProtocolError("'" + key + "' is " + std::to_string(string.size()) + " bytes long, more than " +
                        std::to_string(kMaxTextBytes));
  return string;
}

std::string text_or(const json& object, const char* key, const std::string& fallback = "") {
  return object.contains(key) ? text(object.at(key), key) : fallback;
}

bool flag_or(const json& object, const char* key) {
  if (!object.contains(key)) return false;
  if (!object.at(key).is_boolean()) throw ProtocolError(std::string("'") + key + "' is not true or false");
  return object.at(key).get<bool>();
}

const json& list(const json& value, const std::string& key, size_t max_entries = kMaxListEntries) {
  if (!value.is_array()) throw ProtocolError("'" + key + "' is not a list");
  if (value.size() > max_entries) throw ProtocolError("'" + key + "' has " + std::to_string(value.size()) + " entries");
  return value;
}

// Times within the run: finite, not negative, not longer than the run itself. (How
// many there must be, check_counts says; the file's size cap bounds them here.)
std::vector<double> times(const json& value, const std::string& key, double max_ms) {
  std::vector<double> values;
  values.reserve(list(value, key, SIZE_MAX).size());
  for (size_t i = 0; i < value.size(); ++i)
    values.push_back(number(value[i], key + "[" + std::to_string(i) + "]", 0, max_ms));
  return values;
}

std::vector<Phase> phases(const json& value, double max_ms) {
  std::vector<Phase> result;
  std::set<std::string> seen;
  for (const auto& phase : list(value, "phases")) {
    Phase parsed{text(member(phase, "name"), "phases.name"),
                 number(member(phase, "start_ms"), "phases.start_ms", 0, max_ms),
                 number(member(phase, "duration_ms"), "phases.duration_ms", 0, max_ms)};
    if (parsed.name.empty() || parsed.name.size() > 64 ||
        parsed.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      throw ProtocolError("a phase name is not a lower-case word of at most 64 characters");
    if (!seen.insert(parsed.name).second) throw ProtocolError("phase " + parsed.name + " is reported twice");
    if (parsed.start_ms + parsed.duration_ms > max_ms + kSlackMs)
      throw ProtocolError("phase " + parsed.name + " ends after the run did");
    result.push_back(parsed);
  }
  return result;
}

LimitsInEffect cgroup(const json& value) {
  LimitsInEffect result;
  result.version = static_cast<int>(integer_or(value, "version", 0, 0, 2));
  result.path = text_or(value, "path");
  result.cpus = text_or(value, "cpus");
  if (value.contains("cpu_quota_percent"))
    result.cpu_quota_percent = number(value.at("cpu_quota_percent"), "cpu_quota_percent", 0, 100.0 * kMaxCpus);
  if (value.contains("memory_limit_bytes"))
    result.memory_limit_bytes = integer(value.at("memory_limit_bytes"), "memory_limit_bytes", 0, INT64_MAX);
  return result;
}

ResourceUsage usage(const json& value) {
  constexpr int64_t kMaxCount = int64_t(1) << 50;
  auto count = [&](const char* key) { return static_cast<long>(integer(member(value, key), key, 0, kMaxCount)); };
  auto ms = [&](const char* key) { return number(member(value, key), key, 0, 1e12); };
  return {ms("user_cpu_ms"),
          ms("sys_cpu_ms"),
          count("max_rss_kib"),
          count("minor_faults"),
          count("major_faults"),
          count("voluntary_ctx_switches"),
          count("involuntary_ctx_switches"),
          static_cast<long>(integer_or(value, "fs_read_kib", -1, -1, kMaxCount))};
}

WorkerRuntime runtime(const json& rt) {
  WorkerRuntime runtime;
  TorchRuntime& torch = runtime.torch;
  torch.torch_version = text_or(rt, "torch_version");
  torch.mkldnn = flag_or(rt, "mkldnn");
  torch.mkl = flag_or(rt, "mkl");
  torch.openmp = flag_or(rt, "openmp");
  torch.intra_op_threads = static_cast<int>(integer_or(rt, "intra_op_threads", 0, 0, kMaxThreads));
  torch.inter_op_threads = static_cast<int>(integer_or(rt, "inter_op_threads", 0, 0, kMaxThreads));
  torch.parallel_info = text_or(rt, "parallel_info");
  torch.device_name = text_or(rt, "device_name");
  for (const auto& cpu : list(member(rt, "allowed_cpus"), "allowed_cpus"))
    runtime.allowed_cpus.push_back(static_cast<int>(integer(cpu, "allowed_cpus", 0, kMaxCpus - 1)));
  runtime.online_cpus = static_cast<int>(integer(member(rt, "online_cpus"), "online_cpus", 1, kMaxCpus));
  const json& env = member(rt, "thread_env");
  if (!env.is_object() || env.size() > kMaxListEntries) throw ProtocolError("'thread_env' is not a small mapping");
  for (const auto& [name, value] : env.items()) {
    if (name.size() > 256) throw ProtocolError("a thread_env name is too long");
    runtime.thread_env[name] = text(value, "thread_env");
  }
  if (rt.contains("blas_libraries"))
    for (const auto& library : list(rt.at("blas_libraries"), "blas_libraries"))
      runtime.blas_libraries.push_back(text(library, "blas_libraries"));
  runtime.threads_observed = static_cast<int>(integer_or(rt, "threads_observed", 0, 0, kMaxThreads));
  runtime.pid = static_cast<int>(integer_or(rt, "pid", 0, 0, kMaxPid));
  runtime.uid = static_cast<int>(integer_or(rt, "uid", -1, -1, INT32_MAX));
  if (rt.contains("cgroup")) runtime.cgroup = cgroup(rt.at("cgroup"));
  if (rt.contains("rusage")) runtime.self_usage = usage(rt.at("rusage"));
  return runtime;
}

void check_counts(const WorkerReport& report, const ReportExpectations& expected) {
  if (!report.device_samples_ms.empty() && report.device_samples_ms.size() != report.samples_ms.size())
    throw ProtocolError("device_samples_ms has " + std::to_string(report.device_samples_ms.size()) +
                        " entries but samples_ms has " + std::to_string(report.samples_ms.size()));
  if (!report.ok) return;
  if (!expected.input_shape.empty() && !report.input.shape.empty() && report.input.shape != expected.input_shape)
    throw ProtocolError("the report's input shape is not the one the run asked for");
  if (report.samples_ms.empty()) throw ProtocolError("status ok but no samples_ms");
  if (expected.iterations > 0 && expected.min_iterations <= 0 &&
      report.samples_ms.size() != static_cast<size_t>(expected.iterations))
    throw ProtocolError("reported " + std::to_string(report.samples_ms.size()) +
                        " samples for iterations: " + std::to_string(expected.iterations));
  if (expected.iterations > 0 && expected.min_iterations > 0) {
    const size_t n = report.samples_ms.size();
    if (n < static_cast<size_t>(expected.min_iterations) || n > static_cast<size_t>(expected.iterations))
      throw ProtocolError("reported " + std::to_string(n) + " samples for iterations: auto from " +
                          std::to_string(expected.min_iterations) + " to " + std::to_string(expected.iterations));
    WorkerInvocation rule;
    rule.iterations = expected.iterations;
    rule.min_iterations = expected.min_iterations;
    rule.iterations_target_percent = expected.iterations_target_percent;
    // Early only at a checkpoint of the rule, and only where the rule holds (whether it
    // held at an earlier checkpoint too is not replayed: that would sort every prefix).
    if (n < static_cast<size_t>(expected.iterations) && !is_checkpoint(n, rule))
      throw ProtocolError("stopped after " + std::to_string(n) + " of at most " + std::to_string(expected.iterations) +
                          " iterations, which is not a checkpoint of iterations: auto's rule");
    if (!enough_iterations(report.samples_ms, rule))
      throw ProtocolError("stopped after " + std::to_string(n) + " of at most " + std::to_string(expected.iterations) +
                          " iterations while its p50 was not yet within +-" +
                          std::to_string(expected.iterations_target_percent) + "%");
  }
  double total_ms = 0;
  for (double sample : report.samples_ms) total_ms += sample;
  if (total_ms > expected.elapsed_ms + kSlackMs) throw ProtocolError("its samples add up to more than the run lasted");
  // Each sample is a part of the timed loop, read on the same clock: together they
  // cannot last longer than the loop itself.
  for (const auto& phase : report.phases)
    if (phase.name == phase::kTimedLoop && total_ms > phase.duration_ms * (1 + kLoopTolerance) + kSlackMs)
      throw ProtocolError("its " + std::to_string(report.samples_ms.size()) + " samples add up to " +
                          fixed_ms(total_ms) + " ms, more than its timed_loop phase of " + fixed_ms(phase.duration_ms) +
                          " ms (tolerance: 1% + 1 ms)");
}

}  // namespace

std::string to_json(const WorkerReport& report) {
  json j;
  j["protocol_version"] = kProtocolVersion;
  j["status"] = report.ok ? "ok" : "error";
  if (!report.ok) {
    j["error"] = report.error;
    j["failed_phase"] = report.failed_phase;
  }
  j["clock_origin"] = report.clock_origin;
  j["phases"] = json::array();
  for (const auto& phase : report.phases)
    j["phases"].push_back({{"name", phase.name}, {"start_ms", phase.start_ms}, {"duration_ms", phase.duration_ms}});
  j["samples_ms"] = report.samples_ms;
  if (!report.device_samples_ms.empty()) j["device_samples_ms"] = report.device_samples_ms;
  const ReportInput& input = report.input;
  j["input"] = {{"model", input.model},
                {"shape", input.shape},
                {"batch_size", input.shape.empty() ? 0 : input.shape.front()},
                {"device", input.device}};
  const WorkerRuntime& rt = report.runtime;
  json runtime = {{"allowed_cpus", rt.allowed_cpus},
                  {"online_cpus", rt.online_cpus},
                  {"thread_env", rt.thread_env},
                  {"blas_libraries", rt.blas_libraries},
                  {"threads_observed", rt.threads_observed},
                  {"pid", rt.pid},
                  {"uid", rt.uid}};
  json cgroup = {{"version", rt.cgroup.version}, {"path", rt.cgroup.path}, {"cpus", rt.cgroup.cpus}};
  if (rt.cgroup.cpu_quota_percent) cgroup["cpu_quota_percent"] = *rt.cgroup.cpu_quota_percent;
  if (rt.cgroup.memory_limit_bytes) cgroup["memory_limit_bytes"] = *rt.cgroup.memory_limit_bytes;
  runtime["cgroup"] = std::move(cgroup);
  if (const auto& u = rt.self_usage)
    runtime["rusage"] = {{"user_cpu_ms", u->user_cpu_ms},
                         {"sys_cpu_ms", u->sys_cpu_ms},
                         {"max_rss_kib", u->max_rss_kib},
                         {"minor_faults", u->minor_faults},
                         {"major_faults", u->major_faults},
                         {"voluntary_ctx_switches", u->voluntary_ctx_switches},
                         {"involuntary_ctx_switches", u->involuntary_ctx_switches},
                         {"fs_read_kib", u->fs_read_kib}};
  const TorchRuntime& torch = rt.torch;
  if (!torch.torch_version.empty()) {
    runtime["torch_version"] = torch.torch_version;
    runtime["mkldnn"] = torch.mkldnn;
    runtime["mkl"] = torch.mkl;
    runtime["openmp"] = torch.openmp;
    runtime["intra_op_threads"] = torch.intra_op_threads;
    runtime["inter_op_threads"] = torch.inter_op_threads;
    runtime["parallel_info"] = torch.parallel_info;
    if (!torch.device_name.empty()) runtime["device_name"] = torch.device_name;
  }
  j["runtime"] = std::move(runtime);
  return j.dump();
}

size_t max_report_bytes(int iterations) {
  // A sample takes at most ~25 characters as JSON; the rest is well under a MiB.
  return (size_t(1) << 20) + size_t(std::max(iterations, 0)) * 2 * 32;
}

WorkerReport parse_worker_report(const std::string& json_text, const ReportExpectations& expected) {
  json doc;
  // No message of the parser is passed on: they quote the bytes they stopped at,
  // and the report is not ours to echo.
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw ProtocolError("not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    throw ProtocolError("a number in it is too large for any field");
  } catch (const json::exception& e) {
    throw ProtocolError("not valid JSON (error " + std::to_string(e.id) + ")");
  }
  try {
    if (integer(member(doc, "protocol_version"), "protocol_version", 0, INT32_MAX) != kProtocolVersion)
      throw ProtocolError("unsupported protocol_version");
    WorkerReport report;
    const std::string status = text(member(doc, "status"), "status");
    if (status != "ok" && status != "error") throw ProtocolError("'status' is neither ok nor error");
    report.ok = status == "ok";
    if (!report.ok) {
      // Only its first line is kept (run_record.h), but it is read whole: a report's
      // size is capped before it is parsed.
      report.error = doc.contains("error") && doc.at("error").is_string() ? doc.at("error").get<std::string>()
                                                                          : "unspecified error";
      report.failed_phase = text_or(doc, "failed_phase");
    }
    report.clock_origin = text_or(doc, "clock_origin", "spawn");
    report.phases = phases(member(doc, "phases"), expected.elapsed_ms);
    report.samples_ms = times(member(doc, "samples_ms"), "samples_ms", expected.elapsed_ms);
    if (doc.contains("device_samples_ms"))
      report.device_samples_ms = times(doc.at("device_samples_ms"), "device_samples_ms", expected.elapsed_ms);
    report.runtime = runtime(member(doc, "runtime"));
    if (doc.contains("input") && doc.at("input").is_object()) {  // what the worker understood it was asked
      const json& input = doc.at("input");
      report.input.model = text_or(input, "model");
      report.input.device = text_or(input, "device");
      if (input.contains("shape") && input.at("shape").is_array() && input.at("shape").size() <= 16)
        for (const auto& size : input.at("shape"))
          report.input.shape.push_back(integer(size, "input.shape", 0, INT32_MAX));
    }
    check_counts(report, expected);
    return report;
  } catch (const json::exception& e) {
    throw ProtocolError("a value is not of the type or range its field needs (error " + std::to_string(e.id) + ")");
  }
}

}  // namespace protocol
