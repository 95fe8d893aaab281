// What a worker loads, from ldd or from the worker itself (see cold_start_files.h).
#include "run/cold_start_files.h"

#include <elf.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/text.h"
#include "process/supervisor.h"
#include "protocol/worker_flags.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

// The most files one program's cold start is taken to depend on (the Python worker
// lists about 1900).
constexpr size_t kMaxColdStartFiles = 20000;

// How long a worker may take to list its files (it loads LibTorch or imports torch).
constexpr double kListTimeoutS = 60;

// This process's dynamic loader (its ELF's PT_INTERP), which lists a binary's
// libraries as ldd does (`ld.so --list`, what the ldd script runs) without the
// script's shell around it: a third of the time. "" when it cannot be read.
const std::string& dynamic_loader() {
  static const std::string loader = [] {
    std::ifstream exe("/proc/self/exe", std::ios::binary);
    Elf64_Ehdr header{};
    if (!exe.read(reinterpret_cast<char*>(&header), sizeof header) || header.e_ident[EI_CLASS] != ELFCLASS64)
      return std::string();
    for (int i = 0; i < header.e_phnum; ++i) {
      Elf64_Phdr program{};
      exe.seekg(static_cast<std::streamoff>(header.e_phoff + i * sizeof program));
      if (!exe.read(reinterpret_cast<char*>(&program), sizeof program)) break;
      if (program.p_type != PT_INTERP || program.p_filesz == 0 || program.p_filesz > 4096) continue;
      std::string path(program.p_filesz, '\0');
      exe.seekg(static_cast<std::streamoff>(program.p_offset));
      if (!exe.read(path.data(), static_cast<std::streamsize>(path.size()))) break;
      path.resize(path.find('\0'));
      return path;
    }
    return std::string();
  }();
  return loader;
}

// The resolved paths of ldd's "name => /path (address)" and "/path (address)" lines.
std::vector<std::string> ldd(const std::string& binary, const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  std::vector<std::string> paths;
  const std::vector<std::string> list = dynamic_loader().empty()
                                            ? std::vector<std::string>{"/usr/bin/ldd", binary}
                                            : std::vector<std::string>{dynamic_loader(), "--list", binary};
  std::istringstream lines(capture_output(list, run_as).text);
  std::string line, first, arrow, path;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    first = arrow = path = "";
    words >> first >> arrow >> path;
    if (arrow == "=>" && !path.empty() && path[0] == '/')
      paths.push_back(path);
    else if (!first.empty() && first[0] == '/')
      paths.push_back(first);
  }
  return paths;
}

// `paths` (the program first) as canonical regular files, without repeats.
ColdStartFiles collect(const std::string& model_path, const std::vector<std::string>& paths, std::string source) {
  ColdStartFiles files{model_path, {}, "", std::move(source)};
  std::set<std::string> seen;
  for (const auto& path : paths) {
    if (files.libraries.size() >= kMaxColdStartFiles) break;  // a worker names them: no endless list
    std::error_code ec;
    const std::string real = fs::canonical(path, ec).string();
    if (ec || !fs::is_regular_file(real, ec) || !seen.insert(real).second) continue;
    files.libraries.push_back(real);
    if (fs::path(real).filename().string().rfind("libtorch_cpu.so", 0) == 0) files.libtorch = real;
  }
  return files;
}

// Why an answer to --list-cold-files is not one; "" when it is.
std::string no_answer(const ProcessOutcome& outcome, const ProcessSpec& spec) {
  if (!outcome.launch_error.empty()) return "it could not be started: " + outcome.launch_error;
  if (outcome.interrupted_by != 0) return "the orchestrator was interrupted while asking it";
  if (outcome.timed_out)
    return "it did not answer --list-cold-files within " + std::to_string(int(kListTimeoutS)) + " s";
  if (outcome.exit_code != 0)
    return "it does not answer --list-cold-files (exit code " + std::to_string(outcome.exit_code) + ")";
  if (outcome.stdout_tail.size() >= spec.output_limit_bytes) return "its --list-cold-files answer is too long";
  return "";
}

}  // namespace

ColdStartFiles linked_files(const WorkerProgram& program, const std::string& model_path) {
  std::vector<std::string> paths;
  const std::string plugin = (fs::path(program.path).parent_path() / protocol::kPluginFileName).string();
  std::vector<std::string> roots = {program.path};
  if (fs::exists(plugin)) roots.push_back(plugin);
  for (const auto& root : roots) {
    paths.push_back(root);
    for (auto& path : ldd(root, program.run_as)) paths.push_back(std::move(path));
  }
  return collect(model_path, paths, "ldd");
}

ColdStartFiles listed_files(const WorkerProgram& program, const std::string& model_path,
                            const std::function<void(pid_t)>& on_spawn) {
  ProcessSpec spec{{program.path, protocol::flag::kListColdFiles}, program.env, kListTimeoutS, {}, program.run_as};
  spec.output_limit_bytes = kHelperOutputBytes;
  spec.on_spawn = on_spawn;
  const ProcessOutcome outcome = run_process(spec);
  std::string why_not = no_answer(outcome, spec);
  if (why_not.empty()) {
    std::vector<std::string> paths = {program.path};
    std::istringstream lines(outcome.stdout_tail);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line[0] == '/') paths.push_back(line);
    ColdStartFiles files = collect(model_path, paths, "its --list-cold-files");
    if (files.libraries.size() > 1) return files;
    why_not = "its --list-cold-files named no existing file";
  }
  ColdStartFiles files = linked_files(program, model_path);
  files.source = "ldd, because " + why_not;
  return files;
}

ColdStartFiles ColdStartCatalog::files(const WorkerProgram& program, const std::string& model_path, bool evicting) {
  auto with_model = [&model_path](ColdStartFiles files) {
    files.model = model_path;
    return files;
  };
  if (!evicting) {
    auto found = linked_.find(program.path);
    if (found == linked_.end()) found = linked_.emplace(program.path, linked_files(program, "")).first;
    return with_model(found->second);
  }
  auto found = listed_.find(program);
  if (found == listed_.end()) {
    ColdStartFiles files = listed_files(program, "", on_spawn_);
    observer_.on(event::ColdStartFilesListed{files.libraries.size(), program.path, files.source});
    found = listed_.emplace(program, std::move(files)).first;
  }
  return with_model(found->second);
}

}  // namespace orch
