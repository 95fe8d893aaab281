// The `docker` launcher: a fresh container per run (seed 000 rows 5-8, seed 003):
//   docker run --name NAME --network none --cpus=Q --cpuset-cpus=L --memory=Mb
//              --memory-swap=Mb -e K=V -v MODEL_DIR:/orchestrator/model:ro
//              -v RESULT_DIR:/orchestrator/results IMAGE /orchestrator/bin/bench_worker ...
// The image holds the bundled worker (docker/build-image.sh makes it). The container
// is inspected for OOMKilled after the run, then removed; on timeout it is killed.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/process/search_path.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/cpu_list.h"
#include "common/session.h"
#include "launch/launcher.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

const std::string kModelDir = "/orchestrator/model";
const std::string kResultDir = "/orchestrator/results";
const std::string kWorker = "/orchestrator/bin/bench_worker";

// `path`'s folder on the host and its name inside the container; placeholders stay.
std::pair<std::string, std::string> mapped(const std::string& path, const std::string& inside) {
  if (path.empty() || path[0] != '/') return {"<" + inside.substr(inside.rfind('/') + 1) + "-dir>", path};
  const fs::path host(path);
  return {host.parent_path().string(), inside + "/" + host.filename().string()};
}

// False when no docker engine can be listening where the client would ask ($DOCKER_HOST
// unix://PATH, else /var/run/docker.sock): nothing answers a connect() there. Then no
// container can exist either, and the client (tens of ms to start) need not be asked.
// Any other $DOCKER_HOST (tcp://, ssh://), or a context, is the client's to reach: true.
bool engine_may_answer() {
  // A context (DOCKER_CONTEXT, or the client's config naming one) may point anywhere.
  if (const char* context = std::getenv("DOCKER_CONTEXT"); context && *context && std::string(context) != "default")
    return true;
  const char* config = std::getenv("DOCKER_CONFIG");
  const char* home = std::getenv("HOME");
  const std::string config_file = config && *config ? std::string(config) + "/config.json"
                                  : home && *home   ? std::string(home) + "/.docker/config.json"
                                                    : std::string();
  if (!config_file.empty()) {
    std::ifstream file(config_file);
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (text.find("\"currentContext\"") != std::string::npos) return true;
  }
  const char* host = std::getenv("DOCKER_HOST");
  std::string path = "/var/run/docker.sock";
  if (host && *host) {
    const std::string value = host;
    if (value.rfind("unix://", 0) != 0) return true;
    path = value.substr(7);
  }
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof address.sun_path) return true;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  const bool answered = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return answered;
}

class DockerRun final : public LaunchedRun {
 public:
  DockerRun(LaunchCommand command, std::string docker, std::string name)
      : LaunchedRun(std::move(command)), docker_(std::move(docker)), name_(std::move(name)) {}

  ~DockerRun() override { capture_output({docker_, "rm", "--force", name_}); }

  void kill_all() override { capture_output({docker_, "kill", name_}); }

  RunEvidence collect() override {
    RunEvidence evidence;
    evidence.child_is_worker = false;
    auto state = capture_output({docker_, "inspect", "--format", "{{.State.OOMKilled}}", name_});
    evidence.oom_killed = state.ok && state.text.rfind("true", 0) == 0;
    return evidence;
  }

 private:
  std::string docker_;
  std::string name_;
};

class DockerLauncher final : public Launcher {
 public:
  DockerLauncher() : docker_(boost::process::search_path("docker").string()) {}

  std::vector<Setting> applies() const override { return {Setting::kCpuset, Setting::kCpuQuota, Setting::kMemory}; }

  // No --gpus: the image is built from the CPU worker's library closure.
  bool reaches_gpus() const override { return false; }
  bool runs_host_programs() const override { return false; }

  std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings&) const override {
    if (settings.cache.mode == CachePolicy::Mode::kEvict)
      return Refusal{Setting::kCache, "cache: evict cannot reach the copies of the files inside a docker image",
                     "use cache: drop"};
    // -v SOURCE:TARGET:ro: a ':' or ',' in the model's folder would be read as a separator.
    const std::string folder = fs::path(settings.model_path).parent_path().string();
    if (folder.find_first_of(":,") != std::string::npos)
      return Refusal{
          Setting::kModel,
          "launcher docker mounts the model's folder " + folder + ", whose ':' or ',' docker would read as a separator",
          "move the model to a folder without ':' or ','"};
    if (docker_.empty())
      return Refusal{Setting::kLauncher, "docker is not installed (not found in PATH)", "apt-get install docker.io"};
    if (!engine_checked_) {
      engine_running_ = capture_output({docker_, "version", "--format", "{{.Server.Version}}"}).ok;
      engine_checked_ = true;
    }
    if (!engine_running_)
      return Refusal{
          Setting::kLauncher, "the docker engine is not running (docker version cannot reach it)",
          "start the engine (systemctl start docker where systemd is PID 1; otherwise see README: Launchers > docker)"};
    return std::nullopt;
  }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    const auto [model_dir, model_inside] = mapped(settings.model_path, kModelDir);
    const auto [result_dir, result_inside] = mapped(run.result_path, kResultDir);
    LaunchCommand launch{
        {docker_.empty() ? "docker" : docker_, "run", "--name", run.run_name, "--network", "none", "--pull", "never"},
        {}};
    auto& argv = launch.argv;
    if (worker.user)
      argv.push_back("--user=" + std::to_string(worker.user->uid) + ":" + std::to_string(worker.user->gid));
    if (settings.cpu_quota_percent) {
      std::ostringstream cpus;
      cpus << *settings.cpu_quota_percent / 100.0;
      argv.push_back("--cpus=" + cpus.str());
    }
    if (!settings.cpuset.empty()) argv.push_back("--cpuset-cpus=" + format_cpu_list(settings.cpuset));
    if (settings.memory_bytes) {
      const std::string bytes = std::to_string(*settings.memory_bytes) + "b";
      argv.insert(argv.end(), {"--memory=" + bytes, "--memory-swap=" + bytes});  // equal: no swap
    }
    for (const auto& [name, value] : settings.env) argv.insert(argv.end(), {"-e", name + "=" + value});
    argv.insert(argv.end(),
                {"-v", model_dir + ":" + kModelDir + ":ro", "-v", result_dir + ":" + kResultDir, worker.docker_image});
    CellSettings inside = settings;  // the image's bundled worker, with the mounted paths
    inside.program = kWorker;
    inside.model_path = model_inside;
    RunArguments run_inside = run;
    run_inside.result_path = result_inside;
    const auto worker_command = worker_argv(inside, run_inside);
    argv.insert(argv.end(), worker_command.begin(), worker_command.end());
    return launch;
  }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return std::make_unique<DockerRun>(command(settings, worker, run), docker_, run.run_name);
  }

  // Containers are named as runs are (session.h): those of a dead orchestrator go.
  int remove_leftovers() const override {
    if (docker_.empty() || !engine_may_answer()) return 0;
    const auto names = capture_output(
        {docker_, "ps", "--all", "--filter", std::string("name=^") + kRunPrefix, "--format", "{{.Names}}"});
    if (!names.ok) return 0;
    std::istringstream lines(names.text);
    std::string name;
    int removed = 0;
    while (std::getline(lines, name))
      if (left_by_dead_orchestrator(name)) removed += capture_output({docker_, "rm", "--force", name}).ok ? 1 : 0;
    return removed;
  }

 private:
  std::string docker_;
  mutable bool engine_checked_ = false;
  mutable bool engine_running_ = false;
};

}  // namespace

std::unique_ptr<Launcher> make_docker_launcher() { return std::make_unique<DockerLauncher>(); }

}  // namespace orch
