// Slurm's commands and their answers (see slurm_cluster.h).
#include "slurm/slurm_cluster.h"

#include <algorithm>
#include <boost/process/search_path.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/text.h"
#include "process/supervisor.h"

namespace orch {
namespace {

// A whole decimal number, nothing else; nullopt for anything else.
std::optional<int64_t> whole_number(const std::string& text) {
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
  return std::stoll(text);
}

// A Slurm name or state as it may appear in a message: short, without control
// characters or separators.
bool plain_word(const std::string& text) {
  return !text.empty() && text.size() <= 256 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return c > ' ' && c < 0x7f && c != '|'; });
}

// "status:signal"
bool exit_code_text(const std::string& text) {
  const size_t colon = text.find(':');
  return colon != std::string::npos && whole_number(text.substr(0, colon)) && whole_number(text.substr(colon + 1));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Key=Value fields separated by spaces, as `scontrol show job -o` and jobcomp/filetxt write them.
std::map<std::string, std::string> fields_of(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream in(line);
  for (std::string token; in >> token;)
    if (const size_t equals = token.find('='); equals != std::string::npos && equals > 0)
      fields.emplace(token.substr(0, equals), token.substr(equals + 1));
  return fields;
}

std::optional<JobEnd> end_from_fields(const std::map<std::string, std::string>& fields, int64_t job_id,
                                      const std::string& name, const char* name_key, const std::string& source) {
  auto field = [&](const std::string& key) {
    const auto found = fields.find(key);
    return found == fields.end() ? std::string() : found->second;
  };
  if (whole_number(field("JobId")) != job_id || field(name_key) != name) return std::nullopt;
  JobEnd end{field("JobState"), field("ExitCode"), field("NodeList"), source};
  if (!plain_word(end.state) || !is_final_job_state(end.state)) return std::nullopt;
  if (!exit_code_text(end.exit_code)) end.exit_code.clear();
  if (end.node == "(null)" || !plain_word(end.node)) end.node.clear();
  return end;
}

// A Slurm command, found on PATH as a shell would.
CommandOutput slurm_command(std::vector<std::string> argv) {
  const std::string found = boost::process::search_path(argv.front()).string();
  if (found.empty()) return {false, "", argv.front() + " is not installed (apt-get install slurm-client)"};
  argv.front() = found;
  return capture_output(argv);
}

std::string slurm_error(const CommandOutput& output) {
  const std::string line = first_line(output.error.empty() ? output.text : output.error, 300);
  return line.empty() ? "no answer" : printable(line);
}

}  // namespace

bool is_final_job_state(const std::string& state) {
  static const std::set<std::string> final_states = {"BOOT_FAIL", "CANCELLED",    "COMPLETED",     "DEADLINE",
                                                     "FAILED",    "NODE_FAIL",    "OUT_OF_MEMORY", "PREEMPTED",
                                                     "REVOKED",   "SPECIAL_EXIT", "TIMEOUT"};
  return final_states.count(state) > 0;
}

SystemInfo SlurmPartition::smallest_node() const {
  SystemInfo info;
  const SlurmNode* fewest_cpus = &nodes.front();
  const SlurmNode* least_memory = &nodes.front();
  for (const auto& node : nodes) {
    if (node.cpus < fewest_cpus->cpus) fewest_cpus = &node;
    if (node.memory_mib < least_memory->memory_mib) least_memory = &node;
  }
  for (int cpu = 0; cpu < fewest_cpus->cpus; ++cpu) info.online_cpus.push_back(cpu);
  info.allowed_cpus = info.online_cpus;
  info.memory_mib = least_memory->memory_mib;
  info.refuse_memory_above_mib = least_memory->memory_mib;
  info.where = "node " + fewest_cpus->name + " of Slurm partition '" + name + "' (" +
               std::to_string(fewest_cpus->cpus) + " CPUs";
  if (least_memory != fewest_cpus) info.where += "; node " + least_memory->name;
  info.where += ", " + std::to_string(least_memory->memory_mib) + " MiB)";
  return info;
}

int SlurmPartition::idle_nodes() const {
  return static_cast<int>(
      std::count_if(nodes.begin(), nodes.end(), [](const SlurmNode& node) { return node.state == "idle"; }));
}

std::optional<SlurmPartition> parse_sinfo(const std::string& text, const std::string& name) {
  SlurmPartition partition;
  std::set<std::string> seen;
  for (const auto& line : lines_of(text)) {
    const auto parts = split(line, '|');
    if (parts.size() != 5) continue;
    std::string partition_name = parts[4];
    const bool is_default = !partition_name.empty() && partition_name.back() == '*';
    if (is_default) partition_name.pop_back();
    if (!plain_word(partition_name) || (name.empty() ? !is_default : partition_name != name)) continue;
    const auto cpus = whole_number(parts[1]);
    const auto memory = whole_number(parts[2]);
    if (!plain_word(parts[0]) || !cpus || *cpus <= 0 || *cpus > 1 << 16 || !memory) continue;
    partition.name = partition_name;
    if (!seen.insert(parts[0]).second) continue;
    std::string state = parts[3];
    while (!state.empty() && !std::isalpha(static_cast<unsigned char>(state.back()))) state.pop_back();  // idle*, mix~
    partition.nodes.push_back({parts[0], static_cast<int>(*cpus), *memory, printable(state)});
  }
  if (partition.nodes.empty()) return std::nullopt;
  return partition;
}

std::map<int64_t, QueuedJob> parse_squeue(const std::string& text) {
  std::map<int64_t, QueuedJob> jobs;
  for (const auto& line : lines_of(text)) {
    const auto parts = split(line, '|');
    if (parts.size() != 4 || !plain_word(parts[1]) || !plain_word(parts[3])) continue;
    if (const auto id = whole_number(parts[0]))
      jobs[*id] = QueuedJob{parts[1], plain_word(parts[2]) ? parts[2] : std::string(), parts[3]};
  }
  return jobs;
}

std::optional<JobEnd> parse_sacct(const std::string& text, int64_t job_id, const std::string& name) {
  for (const auto& line : lines_of(text)) {
    const auto parts = split(line, '|');
    if (parts.size() != 5 || whole_number(parts[0]) != job_id || parts[4] != name) continue;
    JobEnd end{split(parts[1], ' ').front(), parts[2], parts[3], "sacct"};  // "CANCELLED by 0"
    if (!plain_word(end.state) || !is_final_job_state(end.state)) return std::nullopt;
    if (!exit_code_text(end.exit_code)) end.exit_code.clear();
    if (end.node == "None assigned" || !plain_word(end.node)) end.node.clear();
    return end;
  }
  return std::nullopt;
}

std::optional<JobEnd> parse_scontrol_job(const std::string& text, int64_t job_id, const std::string& name) {
  for (const auto& line : lines_of(text))
    if (auto end = end_from_fields(fields_of(line), job_id, name, "JobName", "scontrol")) return end;
  return std::nullopt;
}

std::optional<JobEnd> parse_jobcomp(const std::string& text, int64_t job_id, const std::string& name) {
  std::optional<JobEnd> last;
  for (const auto& line : lines_of(text))
    if (auto end = end_from_fields(fields_of(line), job_id, name, "Name", "jobcomp")) last = end;
  return last;
}

std::optional<int64_t> parse_sbatch(const std::string& text) {
  std::string line = lines_of(text).empty() ? "" : lines_of(text).front();
  return whole_number(split(line, ';').front());
}

SlurmPartition read_partition(const std::string& partition) {
  const CommandOutput nodes = slurm_command({"sinfo", "-h", "-N", "-o", "%N|%c|%m|%T|%P"});
  if (!nodes.ok)
    throw UserError("Slurm does not answer: sinfo: " + slurm_error(nodes),
                    "`orchestrator doctor` says what running on Slurm needs; is SLURM_CONF set?");
  const auto found = parse_sinfo(nodes.text, partition);
  if (!found)
    throw UserError(partition.empty() ? std::string("Slurm has no default partition with nodes")
                                      : "Slurm has no partition '" + printable(partition) + "' with nodes",
                    "see `sinfo`; choose one with --partition");
  return *found;
}

SlurmCluster::SlurmCluster() {
  const CommandOutput config = slurm_command({"scontrol", "show", "config"});
  if (!config.ok)
    throw UserError("Slurm does not answer: scontrol show config: " + slurm_error(config),
                    "`orchestrator doctor` says what running on Slurm needs; is SLURM_CONF set?");
  for (const auto& line : lines_of(config.text)) {
    const size_t equals = line.find(" = ");
    if (equals == std::string::npos) continue;
    std::string key = line.substr(0, equals);
    key.erase(key.find_last_not_of(' ') + 1);
    const std::string value = line.substr(equals + 3);
    if (key == "AccountingStorageType") accounting_ = value != "accounting_storage/none";
    if (key == "JobCompType" && value != "jobcomp/filetxt") jobcomp_file_ = "-";
    if (key == "JobCompLoc" && jobcomp_file_.empty()) jobcomp_file_ = value;
  }
  if (jobcomp_file_ == "-") jobcomp_file_.clear();
}

std::string SlurmCluster::state_sources() const {
  if (accounting_) return "sacct (AccountingStorageType), else scontrol show job while the controller keeps it";
  return "scontrol show job (while the controller keeps the job, MinJobAge)" +
         (jobcomp_file_.empty() ? std::string(", no jobcomp file: set JobCompType=jobcomp/filetxt for later")
                                : ", then the jobcomp file " + printable(jobcomp_file_));
}

int64_t SlurmCluster::submit(const std::vector<std::string>& args, const std::string& script) const {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(script);
  const CommandOutput answer = slurm_command(argv);
  const auto id = answer.ok ? parse_sbatch(answer.text) : std::nullopt;
  if (!id)
    throw UserError("sbatch refused a job: " + slurm_error(answer),
                    "check --partition and --sbatch-arg; `orchestrator doctor` asks Slurm");
  return *id;
}

std::optional<std::map<int64_t, QueuedJob>> SlurmCluster::queue(const std::vector<int64_t>& ids) const {
  if (ids.empty()) return std::map<int64_t, QueuedJob>{};
  const CommandOutput answer =
      slurm_command({"squeue", "-h", "-t", "all", "-o", "%i|%T|%N|%j", "-j", join_numbers(ids)});
  if (answer.ok) return parse_squeue(answer.text);
  // Every job of the list has left the controller's memory.
  if (answer.error.find("Invalid job id") != std::string::npos) return std::map<int64_t, QueuedJob>{};
  return std::nullopt;
}

std::optional<int64_t> SlurmCluster::find(const std::string& name) const {
  const CommandOutput answer = slurm_command({"squeue", "-h", "-t", "all", "-o", "%i|%T|%N|%j", "--name=" + name});
  if (!answer.ok) return std::nullopt;
  for (const auto& [id, job] : parse_squeue(answer.text))
    if (job.name == name) return id;
  return std::nullopt;
}

std::optional<JobEnd> SlurmCluster::job_end(int64_t job_id, const std::string& name) const {
  const std::string id = std::to_string(job_id);
  if (accounting_) {
    const CommandOutput answer =
        slurm_command({"sacct", "-X", "-n", "-P", "-o", "JobID,State,ExitCode,NodeList,JobName", "-j", id});
    // No final record yet (slurmdbd lags, or is down): the controller may still know.
    if (answer.ok)
      if (auto end = parse_sacct(answer.text, job_id, name)) return end;
  }
  const CommandOutput answer = slurm_command({"scontrol", "show", "job", "-o", id});
  if (answer.ok) {
    if (auto end = parse_scontrol_job(answer.text, job_id, name)) return end;
    if (answer.text.find("JobId=" + id + " ") != std::string::npos) return std::nullopt;  // COMPLETING
  }
  if (jobcomp_file_.empty()) return std::nullopt;
  std::ifstream file(jobcomp_file_);
  std::ostringstream text;
  text << file.rdbuf();
  return parse_jobcomp(text.str(), job_id, name);
}

void SlurmCluster::cancel(int64_t job_id, const std::string& name) const {
  slurm_command({"scancel", "--name=" + name, std::to_string(job_id)});
}

bool slurm_configured() {
  const char* conf = std::getenv("SLURM_CONF");
  std::error_code ignored;
  return (conf && *conf) || std::filesystem::exists("/etc/slurm/slurm.conf", ignored);
}

std::string slurm_doctor_line(const std::string& partition) {
  // What each is asked: its version, the queue, the accounting storage.
  const std::vector<std::vector<std::string>> questions = {
      {"sbatch", "--version"}, {"squeue", "-h", "-o", "%i"}, {"sacct", "-n", "-X", "-S", "now"}};
  for (const auto& argv : questions)
    if (const CommandOutput answer = slurm_command(argv); !answer.ok)
      return argv.front() + " does not answer: " + slurm_error(answer);
  try {
    const SlurmPartition found = read_partition(partition);
    const SlurmCluster cluster;
    return "sbatch, squeue and sacct answer; partition " + printable(found.name) + ": " +
           count(found.nodes.size(), "node") + ", " + std::to_string(found.idle_nodes()) +
           " idle; a matrix is checked against " + found.smallest_node().where +
           "; job states from: " + cluster.state_sources();
  } catch (const UserError& e) {
    return std::string("unusable: ") + e.what();
  }
}

}  // namespace orch
