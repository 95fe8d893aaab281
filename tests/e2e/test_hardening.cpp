// The security and fault suite of the hardening work: a bad worker, a bad file or a
// second orchestrator must not hurt the host, the DB or the numbers. Each case runs
// the real orchestrator binary; the misbehaving worker is a script that does what an
// attacker's worker would (the real bench_worker does the measuring where it must).
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "e2e/e2e_support.h"
#include "process/supervisor.h"
#include "run/cache_policy.h"
#include "run/run_lock.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::Orchestrator;
using e2e::query;

constexpr uid_t kNobody = 65534;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A word no other test run uses, to find this test's processes by.
std::string unique_token() {
  std::random_device random;
  return std::to_string(600 + random() % 100000) + "." + std::to_string(random() % 1000000);
}

// A worker that does what $HOSTILE says, then (unless it said to end) is the real one:
//   fifo, zero, secret   leave a FIFO, a link to /dev/zero, a link to $SECRET at the report path
//   extra-samples        the real worker, told to time 50 iterations whatever the matrix says
//   loop-lies            the real worker's report, its samples made to add up to 100 ms in a
//                        timed loop of 0.2 ms
//   long-error           a 50 MB line on stderr, exit 1
//   escape               a child and a child in a session of its own (setsid), then the real worker
//   hang                 the same children, then sleep
//   touch                a file named touched in $HOSTILE_DIR, then the real worker
//   slow                 the real worker, after sleeping $SLOW_S seconds
//   tty                  notes whether it could open a terminal (/dev/tty), then the real worker
//   leak                 notes whether it holds a descriptor of a file named secret, and $SECRET_TOKEN
//   swap-listed          replaces $LIST_EXTRA with a FIFO, then the real worker
//   squat                tries to make the folders of the runs after its own, then the real worker
// It answers --probe-device and --list-cold-files itself, noting the uid it ran as in
// the folder notes beside it (asked-as-uid), which the test makes when it looks. Its
// list names $LIST_EXTRA too when set; with $LIST_HANG it starts a child and hangs.
// Children sleep for `token` seconds so that the test can find them however they were
// started; their pids go to $HOSTILE_DIR.
std::string hostile_worker(const test::TempDir& dir, const std::string& token) {
  const std::string path = dir.write("hostile_worker.py", R"py(#!/usr/bin/python3
import os, subprocess, sys, time
args = sys.argv[1:]
mode = os.environ.get("HOSTILE", "")
folder = os.environ.get("HOSTILE_DIR", "/nonexistent")
def note(name, text):
    with open(os.path.join(folder, name), "a") as f:
        f.write(str(text) + "\n")
if "--probe-device" in args or "--list-cold-files" in args:
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes", "asked-as-uid"), "a") as f:
        f.write(str(os.getuid()) + "\n")
    if os.environ.get("LIST_HANG"):
        subprocess.Popen(["sleep", ")py" + token + R"py("])
        note("listing", "yes")
        time.sleep(600)
    print("ok" if "--probe-device" in args else "/usr/bin/python3")
    if os.environ.get("LIST_EXTRA") and "--list-cold-files" in args:
        print(os.environ["LIST_EXTRA"])
    sys.exit(0)
result = args[args.index("--result") + 1]
if mode == "fifo":
    os.mkfifo(result); sys.exit(0)
if mode == "zero":
    os.symlink("/dev/zero", result); sys.exit(0)
if mode == "secret":
    os.symlink(os.environ["SECRET"], result); sys.exit(0)
if mode == "long-error":
    sys.stderr.write("x" * (50 << 20) + "\n"); sys.exit(1)
if mode == "touch":
    note("touched", "yes")
if mode in ("escape", "hang"):
    note("worker.pid", os.getpid())
    note("child.pid", subprocess.Popen(["sleep", ")py" + token +
                                                              R"py("]).pid)
    note("loner.pid", subprocess.Popen(["sleep", ")py" + token +
                                                              R"py("], start_new_session=True).pid)
    if mode == "hang":
        time.sleep(600)
if mode == "tty":
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
        note("tty", "opened")
    except OSError:
        note("tty", "none")
if mode == "leak":
    def target(fd):
        try:
            return os.readlink("/proc/self/fd/" + fd)
        except OSError:
            return ""
    opened = [target(fd) for fd in os.listdir("/proc/self/fd")]
    note("leak", "secret: " + ("open" if any(t.endswith("/secret") for t in opened) else "closed"))
    note("leak", "token: " + os.environ.get("SECRET_TOKEN", "unset"))
if mode == "swap-listed":
    os.remove(os.environ["LIST_EXTRA"])
    os.mkfifo(os.environ["LIST_EXTRA"])
if mode == "squat":
    run_folder = os.path.dirname(result)
    for later in ("-r1", "-r2", "-r3"):
        try:
            os.mkdir(run_folder[: run_folder.rindex("-r")] + later)
            note("squat", "made " + later)
        except OSError:
            note("squat", "refused " + later)
if mode == "slow":
    time.sleep(float(os.environ["SLOW_S"]))
if mode == "extra-samples":
    args[args.index("--iterations") + 1] = "50"
if mode == "loop-lies":
    import json
    subprocess.run([")py" + test::bin("bench_worker") + R"py("] + args)
    with open(result) as f:
        report = json.load(f)
    for phase in report["phases"]:
        if phase["name"] == "timed_loop":
            phase["duration_ms"] = 0.2
    report["samples_ms"] = [100.0 / len(report["samples_ms"])] * len(report["samples_ms"])
    with open(result, "w") as f:
        json.dump(report, f)
    sys.exit(0)
os.execv(")py" + test::bin("bench_worker") + R"py(", [")py" + test::bin("bench_worker") +
                                                              R"py("] + args)
)py");
  chmod(path.c_str(), 0755);
  fs::permissions(dir.path(), fs::perms(0755), fs::perm_options::add);  // for workers of another user
  return path;
}

// A matrix of `cells` (YAML list items under one axis) run by the hostile worker.
std::string hostile_matrix(const test::TempDir& dir, const std::string& token, const std::string& cells,
                           const std::string& top = "", const std::string& worker = "") {
  const std::string timeout = top.find("timeout_s:") == std::string::npos ? "timeout_s: 20\n" : "";
  const std::string runs = top.find("runs:") == std::string::npos ? "runs: 1\n" : "";
  return dir.write("m.yaml", "name: hostile\n" + runs + "warmup_runs: 0\n" + timeout + top +
                                 "worker:\n  program: " + hostile_worker(dir, token) +
                                 "\n  model: " + test::model("tiny_cnn.pt") + "\n  input_shape: [1, 3, 32, 32]\n" +
                                 "  warmup_iterations: 1\n  iterations: 5\n" + worker + "matrix:\n  cells:\n" + cells);
}

// A folder anyone may write in, for what a worker of another user notes down.
std::string open_folder(const test::TempDir& dir, const std::string& name) {
  const fs::path folder = dir.path() / name;
  fs::create_directories(folder);
  chmod(folder.c_str(), 0777);
  return folder.string();
}

std::string cell(const std::string& label, const std::string& mode, const std::string& folder,
                 const std::string& settings = "") {
  return "    - {label: " + label + ", env: {HOSTILE: " + mode + ", HOSTILE_DIR: " + folder + "}" + settings + "}\n";
}

orch::ProcessOutcome orchestrator(const std::vector<std::string>& args, double timeout_s = 300) {
  return orch::run_process({test::orchestrator_argv(args), {}, timeout_s});
}

// The same, as the unprivileged user nobody.
orch::ProcessOutcome orchestrator_as_nobody(const std::vector<std::string>& args, double timeout_s = 300) {
  auto argv = test::orchestrator_argv(args);
  argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return orch::run_process({argv, {}, timeout_s});
}

void require_root(const std::string& why) {
  if (geteuid() != 0) test::skip("needs root " + why);
}

// No process of the hostile worker of `dir` is alive: not the worker (its script's
// path is in its command line), not its children (`token` is in theirs). Found by
// command line because a worker in a PID namespace does not know its own pid here.
void require_nothing_left(const test::TempDir& dir, const std::string& token) {
  const auto give_up = std::chrono::steady_clock::now() + 2s;  // a SIGKILL takes effect asynchronously
  while (std::chrono::steady_clock::now() < give_up &&
         !(e2e::processes_with(token).empty() && e2e::processes_with(dir.file("hostile_worker.py")).empty()))
    std::this_thread::sleep_for(20ms);
  CHECK(e2e::processes_with(token).empty());
  CHECK(e2e::processes_with(dir.file("hostile_worker.py")).empty());
}

// Whether process `pid` has `path` open.
bool holds_open(pid_t pid, const std::string& path) {
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
    if (fs::read_symlink(fd.path(), ec) == path) return true;
  return false;
}

}  // namespace

TEST_CASE("fault: the README's crontab line and systemd unit run as they are written", "[faults][readme]") {
  // Both run in $HOME-like folder with the paths of the README swapped for this test's.
  test::TempDir dir;
  const std::string readme = slurp(std::string(ORCH_TEST_SOURCE_DIR) + "/README.md");
  std::smatch cron, exec_start, working_dir;
  REQUIRE(std::regex_search(readme, cron, std::regex("\n30 2 \\* \\* \\*  ([^\n]+)\n")));
  REQUIRE(std::regex_search(readme, exec_start, std::regex("\nExecStart=([^\n]+)\n")));
  REQUIRE(std::regex_search(readme, working_dir, std::regex("\nWorkingDirectory=([^\n]+)\n")));
  auto localised = [&](std::string text) {
    for (size_t at; (at = text.find("/home/me/bench")) != std::string::npos;) text.replace(at, 14, dir.path());
    return text;
  };
  fs::create_directories(dir.path() / "build");
  fs::create_directories(dir.path() / "configs");
  fs::create_directory_symlink(fs::path(test::bin("orchestrator")).parent_path(), dir.path() / "build" / "bin");
  dir.write("configs/nightly.yaml",
            "name: nightly\nruns: 1\nwarmup_runs: 0\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                "\n  input_shape: [1, 3, 32, 32]\n  iterations: 5\nmatrix:\n  launcher: [host]\n");

  SECTION("the crontab line, through sh as cron runs it") {
    auto outcome = orch::run_process({{"/bin/sh", "-c", localised(cron[1])}, {}, 3600 + 300});
    INFO(outcome.stderr_tail);
    CHECK(outcome.exit_code == 0);
  }
  SECTION("the unit's ExecStart, split into words as systemd does, in its WorkingDirectory") {
    std::istringstream words(localised(exec_start[1]));
    std::vector<std::string> argv{std::istream_iterator<std::string>(words), {}};
    const std::string folder = localised(working_dir[1]);
    std::vector<std::string> in_folder = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", folder};
    in_folder.insert(in_folder.end(), argv.begin(), argv.end());
    auto outcome = orch::run_process({in_folder, {}, 3600 + 300});
    INFO(outcome.stderr_tail);
    CHECK((outcome.exit_code == 0 || outcome.exit_code == 3));  // SuccessExitStatus=3
    CHECK(readme.find("SuccessExitStatus=3") != std::string::npos);
  }
  CHECK(e2e::query(dir.file("results.db"), "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == "1");
  CHECK_THAT(slurp(dir.file("nightly.log")),
             Catch::Contains("cell 1/1 [launcher=host] run 1/1: ok") || Catch::Contains("cell 1/1 [host] run 1/1: ok"));
}

TEST_CASE("fault: global options are accepted on either side of the subcommand", "[faults]") {
  test::TempDir dir;
  const std::string token = unique_token();
  const auto m = hostile_matrix(dir, token, cell("quick", "none", dir.path()));
  for (const auto& args :
       {std::vector<std::string>{"--log-level", "debug", "validate", m},
        std::vector<std::string>{"validate", m, "--log-level", "debug", "--log-file", dir.file("v.log")}}) {
    auto outcome = orchestrator(args);
    INFO(outcome.stderr_tail);
    CHECK(outcome.exit_code == 0);
  }
  CHECK(fs::exists(dir.file("v.log")));
}

TEST_CASE("fault: a grandchild that leaves its process group (setsid) dies with its run", "[faults]") {
  const std::string launcher = GENERATE(std::string("host"), std::string("taskset"));
  const bool as_root = GENERATE(true, false);
  if (geteuid() != 0) test::skip("needs root (for cgroups, and to become nobody for the run without them)");
  INFO(launcher << (as_root ? " as root (a cgroup tracks the run)" : " as nobody (no cgroups: the subreaper)"));
  test::TempDir dir;
  if (!as_root) REQUIRE(::chown(dir.path().c_str(), kNobody, kNobody) == 0);  // its DB's folder, its own
  const std::string token = unique_token();
  const std::string where = launcher == "taskset" ? ", launcher: taskset, cpuset: \"0\"" : "";
  const auto m = hostile_matrix(dir, token,
                                cell("exits", "escape", open_folder(dir, "exits"), where) +
                                    cell("hangs", "hang", open_folder(dir, "hangs"), where),
                                "timeout_s: 3\n");
  const std::vector<std::string> args = {"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")};
  auto outcome = as_root ? orchestrator(args) : orchestrator_as_nobody(args);
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 3);  // the hung cell timed out
  CHECK(query(dir.file("r.db"), "SELECT GROUP_CONCAT(status) FROM run_phases ORDER BY cell_index") == "ok,timeout");
  require_nothing_left(dir, token);
}

TEST_CASE("fault: after a SIGKILL of the orchestrator no process of its run is alive once the next run has started",
          "[faults][root]") {
  const std::string launcher =
      GENERATE(std::string("host"), std::string("taskset"), std::string("cgroup"), std::string("unshare"));
  const bool as_nobody = GENERATE(false, true);
  e2e::require_root_cgroups();
  INFO("launcher " << launcher << (as_nobody ? ", worker.user nobody" : ""));
  test::TempDir dir;
  const std::string token = unique_token();
  const std::string settings = ", launcher: " + launcher + (launcher == "host" ? "" : ", cpuset: \"0\"");
  const auto m = hostile_matrix(dir, token, cell("hangs", "hang", open_folder(dir, "hangs"), settings), "",
                                as_nobody ? "  user: nobody\n" : "");
  const std::string db = dir.file("r.db");
  pid_t killed_pid = 0;
  {
    Orchestrator killed({"run", m, "--db", db, "--lock", dir.file("lock")});
    killed_pid = killed.pid();
    REQUIRE(e2e::await_file(dir.path() / "hangs" / "loner.pid"));
    killed.signal(SIGKILL);
    CHECK(killed.wait() == 128 + SIGKILL);
  }
  // The worker itself dies with the orchestrator (its parent-death signal survives the
  // user switch), before any next run.
  for (int i = 0; i < 100 && !e2e::processes_with(dir.file("hostile_worker.py")).empty(); ++i)
    std::this_thread::sleep_for(20ms);
  CHECK(e2e::processes_with(dir.file("hostile_worker.py")).empty());
  // The next night: another matrix, and nothing of the dead run's may run beside it.
  test::TempDir next_dir;
  const auto next = hostile_matrix(next_dir, unique_token(), cell("quick", "none", next_dir.path()));
  CHECK(e2e::run({"run", next, "--db", db, "--lock", dir.file("lock")}) == 0);
  require_nothing_left(dir, token);
  CHECK(query(db, "SELECT status FROM run_phases WHERE cell = 'hangs'") == "aborted");
  CHECK(e2e::leftover_cgroups(killed_pid).empty());  // its own: the next run removed them
}

TEST_CASE("fault: a question to a worker (--list-cold-files) leaves nothing running after a SIGKILL either",
          "[faults]") {
  test::TempDir dir;
  const std::string token = unique_token();
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(
      dir, token, "    - {label: asked, cache: evict, env: {LIST_HANG: \"1\", HOSTILE_DIR: " + notes + "}}\n");
  {
    Orchestrator killed({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")});
    REQUIRE(e2e::await_file(fs::path(notes) / "listing"));
    killed.signal(SIGKILL);
    killed.wait();
  }
  test::TempDir next_dir;
  CHECK(e2e::run({"run", hostile_matrix(next_dir, unique_token(), cell("quick", "none", next_dir.path())), "--db",
                  dir.file("r.db"), "--lock", dir.file("lock")}) == 0);
  require_nothing_left(dir, token);
}

TEST_CASE("fault: SIGHUP stops the orchestrator as SIGTERM does", "[faults]") {
  test::TempDir dir;
  const std::string token = unique_token();
  const auto m =
      hostile_matrix(dir, token, cell("hangs", "hang", open_folder(dir, "hangs")) + cell("never", "none", dir.path()));
  const std::string db = dir.file("r.db");
  Orchestrator orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")});
  REQUIRE(e2e::await_file(dir.path() / "hangs" / "loner.pid"));
  orchestrator.signal(SIGHUP);
  CHECK(orchestrator.wait() == 130);
  CHECK(query(db, "SELECT status || ': ' || reason FROM run_phases WHERE cell = 'hangs'") ==
        "aborted: orchestrator received SIGHUP");
  CHECK(query(db, "SELECT COUNT(*) FROM run_phases WHERE cell = 'never'") == "0");
  CHECK(query(db, "SELECT status FROM experiments") == "interrupted");
  require_nothing_left(dir, token);
}

TEST_CASE("security: whatever a worker leaves at its report path, the orchestrator reads only a regular file",
          "[security][root]") {
  require_root("to run the workers as nobody while the orchestrator keeps root");
  test::TempDir dir;
  const std::string secret = "TOPSECRET-" + unique_token();
  const std::string secret_file = dir.write("secret", secret + "\n");
  chmod(secret_file.c_str(), 0600);
  const std::string token = unique_token();
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(dir, token,
                                cell("fifo", "fifo", notes) + cell("zero", "zero", notes) +
                                    "    - {label: secret, env: {HOSTILE: secret, SECRET: " + secret_file + "}}\n" +
                                    cell("samples", "extra-samples", notes) + cell("error", "long-error", notes) +
                                    cell("fine", "none", notes),
                                "", "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")}, 120);
  INFO(outcome.stderr_tail.substr(0, 4000));
  CHECK(outcome.exit_code == 3);
  CHECK_FALSE(outcome.timed_out);                 // a FIFO did not block it
  CHECK(outcome.usage.max_rss_kib < 400 * 1024);  // /dev/zero did not fill its memory
  auto outcome_of = [&](const std::string& label) {
    return query(dir.file("r.db"), "SELECT status || ': ' || reason FROM run_phases WHERE cell = '" + label + "'");
  };
  CHECK(outcome_of("fifo") == "bad_result: the report was not read: it is a FIFO, not a regular file");
  CHECK(outcome_of("zero") == "bad_result: the report was not read: it is a symbolic link, which is not followed");
  CHECK(outcome_of("secret") == "bad_result: the report was not read: it is a symbolic link, which is not followed");
  CHECK(outcome_of("samples") == "bad_result: bad report: reported 50 samples for iterations: 5");
  CHECK(query(dir.file("r.db"), "SELECT status FROM run_phases WHERE cell = 'fine'") == "ok");
  // A 50 MB line of stderr: a short reason, a short log line, the tail kept.
  CHECK(query(dir.file("r.db"),
              "SELECT r.status || ' ' || (LENGTH(r.reason) <= 520) || ' ' || LENGTH(r.stderr_tail) "
              "FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'error'") == "failed 1 65536");
  std::istringstream log(outcome.stderr_tail);
  for (std::string line; std::getline(log, line);) CHECK(line.size() < 2000);
  // The root-only file's text is nowhere the worker's user could read it.
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE instr(COALESCE(reason, '') || COALESCE(stderr_tail, '') || "
                      "COALESCE(stdout_tail, ''), '" +
                      secret + "') > 0")
            .getInt() == 0);
  CHECK(outcome.stderr_tail.find(secret) == std::string::npos);
}

TEST_CASE(
    "security: no symbolic link that another user planted is followed for the lock, the log, the DB or "
    "the scratch folder",
    "[security][root]") {
  require_root("to plant links as another user");
  // validate and plan open only the log of these.
  std::string command, target_of;
  std::tie(command, target_of) = GENERATE(table<std::string, std::string>(
      {{"run", "lock"}, {"run", "log"}, {"run", "db"}, {"run", "scratch"}, {"validate", "log"}, {"plan", "log"}}));
  INFO(command << " with a planted link for the " << target_of);
  test::TempDir dir;
  // A root-only file somewhere else, which the link points at.
  test::TempDir elsewhere;
  const std::string precious = elsewhere.write("precious", "precious\n");
  chmod(precious.c_str(), 0600);
  // The planted link, in a folder that user nobody may write (like /tmp), owned by nobody.
  const std::string shared = open_folder(dir, "shared");
  const std::string link = shared + "/planted";
  fs::create_symlink(target_of == "scratch" ? elsewhere.path().string() : precious, link);
  REQUIRE(::lchown(link.c_str(), kNobody, kNobody) == 0);

  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "touch", shared));
  std::vector<std::string> args = {command, m};
  if (command == "run") {
    args.insert(args.end(), {"--db", target_of == "db" ? link : dir.file("r.db")});
    args.insert(args.end(), {"--lock", target_of == "lock" ? link : dir.file("lock")});
  }
  if (target_of == "log") args.insert(args.end(), {"--log-file", link});
  auto argv = test::orchestrator_argv(args);
  std::map<std::string, std::string> env;
  if (target_of == "scratch") env["TMPDIR"] = link;
  auto outcome = orch::run_process({argv, env, 120});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail,
             Catch::Contains("refusing to follow the symbolic link " + link + ", which belongs to user nobody"));
  CHECK(slurp(precious) == "precious\n");
  struct stat st {};
  REQUIRE(::stat(precious.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::distance(fs::directory_iterator(elsewhere.path()), {}) == 1);  // nothing made there
  CHECK_FALSE(fs::exists(shared + "/touched"));                             // nothing launched
}

TEST_CASE("security: the lock is root's own: in /run, mode 0600, and a lock file of another user is refused",
          "[security][root]") {
  require_root("to be root");
  CHECK(orch::default_lock_path() == "/run/orchestrator.lock");
  test::TempDir dir;
  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "none", dir.path()));
  const std::string lock = dir.file("lock");
  REQUIRE(e2e::run({"run", m, "--db", dir.file("r.db"), "--lock", lock}) == 0);
  struct stat st {};
  REQUIRE(::stat(lock.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // the worker's user cannot open it, so cannot hold it
  // A lock file someone else made could be held by them to stop every night: refused.
  chmod(dir.path().c_str(), 0755);
  REQUIRE(::chown(lock.c_str(), kNobody, kNobody) == 0);
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", lock});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail, Catch::Contains("cannot use the lock file " + lock + ": it belongs to user nobody"));
}

TEST_CASE("security: another orchestrator measuring on this machine is waited for, whatever its lock",
          "[.][machine-wide][security]") {
  test::TempDir dir;
  const auto long_matrix =
      hostile_matrix(dir, unique_token(), "    - {label: slow, env: {HOSTILE: slow, SLOW_S: 3}}\n", "runs: 3\n");
  test::TempDir quick_dir;
  const auto quick = hostile_matrix(quick_dir, unique_token(), cell("quick", "none", quick_dir.path()));
  // A measures under its own lock, without --share-machine.
  Orchestrator a({"run", long_matrix, "--db", dir.file("a.db"), "--lock", dir.file("a.lock")}, false);
  REQUIRE(e2e::await(dir.file("a.db"), "SELECT COUNT(*) FROM runs", "1", 120));
  // B, under another lock, will not wait: refused at once, naming A.
  auto b = orch::run_process(
      {test::orchestrator_argv(
           {"run", quick, "--db", dir.file("b.db"), "--lock", dir.file("b.lock"), "--lock-wait", "0"}, false),
       {},
       60});
  CHECK(b.exit_code == 4);
  CHECK_THAT(b.stderr_tail, Catch::Contains("another orchestrator is measuring on this machine: pid"));
  CHECK_FALSE(fs::exists(dir.file("b.db")));
  // C goes ahead beside A: each run that overlapped A says so.
  auto c = orch::run_process(
      {test::orchestrator_argv({"run", quick, "--db", dir.file("c.db"), "--lock", dir.file("c.lock")}), {}, 120});
  INFO(c.stderr_tail);
  CHECK(c.exit_code == 0);
  CHECK(query(dir.file("c.db"),
              "SELECT warnings LIKE '%concurrent%' AND concurrent_orchestrators LIKE 'pid %' "
              "FROM run_phases") == "1");
  // D waits, and measures only once A has finished.
  auto d = orch::run_process(
      {test::orchestrator_argv(
           {"run", quick, "--db", dir.file("d.db"), "--lock", dir.file("d.lock"), "--lock-wait", "300"}, false),
       {},
       400});
  CHECK(a.wait() == 0);
  CHECK(d.exit_code == 0);
  CHECK(query(dir.file("a.db"), "SELECT finished_at FROM experiments") <
        query(dir.file("d.db"), "SELECT MIN(started_at) FROM runs"));
  // A's runs that C overlapped say so too.
  CHECK(query(dir.file("a.db"), "SELECT COUNT(*) > 0 FROM run_phases WHERE warnings LIKE '%concurrent%'") == "1");
}

TEST_CASE("fault: a live orchestrator's runs on a shared DB are not taken for a dead one's", "[faults]") {
  test::TempDir dir;
  const auto long_matrix =
      hostile_matrix(dir, unique_token(), "    - {label: slow, env: {HOSTILE: slow, SLOW_S: 2}}\n", "runs: 4\n");
  const std::string db = dir.file("shared.db");
  Orchestrator a({"run", long_matrix, "--db", db, "--lock", dir.file("a.lock")});
  REQUIRE(e2e::await(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'", "1", 120));
  // B: the same matrix, another lock, --resume: it must neither mark A's run dead nor take its experiment.
  CHECK(e2e::run({"run", long_matrix, "--db", db, "--lock", dir.file("b.lock"), "--resume"}) == 0);
  CHECK(a.wait() == 0);
  CHECK(query(db, "SELECT GROUP_CONCAT(status) FROM experiments") == "finished,finished");
  CHECK(query(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == "8");
  CHECK(query(db, "SELECT COUNT(*) FROM runs WHERE status <> 'ok'") == "0");
}

TEST_CASE("security: matrices that would exhaust the machine are refused before anything is expanded", "[security]") {
  test::TempDir dir;
  const std::string head = "name: big\nworker:\n  model: " + test::model("tiny_cnn.pt") + "\nmatrix:\n";
  auto axes = [&](int count) {
    std::string text = head;
    for (int i = 0; i < count; ++i) text += "  axis" + std::to_string(i) + ": [{label: a}, {label: b}]\n";
    return text;
  };
  SECTION("30 axes of 2 values: 2^30 cells") {
    auto outcome = orchestrator({"validate", dir.write("m.yaml", axes(30))}, 60);
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail,
               Catch::Contains("m.yaml:5:3: matrix: its axes (2 x 2 x") &&
                   Catch::Contains("expand to far more than 10000 cells, more than --max-cells 10000"));
    CHECK(outcome.usage.max_rss_kib < 100 * 1024);
  }
  SECTION("20 axes: 1048576 cells, and --max-cells says how many") {
    auto outcome = orchestrator({"validate", dir.write("m.yaml", axes(20))}, 60);
    CHECK_THAT(outcome.stderr_tail, Catch::Contains("expand to 1048576 cells, more than --max-cells 10000"));
    CHECK(orchestrator({"validate", dir.write("m.yaml", axes(3)), "--max-cells", "4"}).exit_code == 1);
    CHECK(orchestrator({"validate", dir.write("m.yaml", axes(3)), "--max-cells", "8"}).exit_code == 0);
  }
  SECTION("a device, a file too large, a binary file") {
    auto device = orchestrator({"validate", "/dev/zero"}, 60);
    CHECK(device.exit_code == 1);
    CHECK_THAT(device.stderr_tail, Catch::Contains("/dev/zero: cannot read the matrix file: it is a device or socket, "
                                                   "not a regular file"));
    auto large = orchestrator({"validate", dir.write("large.yaml", axes(1) + "# " + std::string(2 << 20, 'x') + "\n")});
    CHECK_THAT(large.stderr_tail,
               Catch::Contains("large.yaml: cannot read the matrix file: it is larger than the 1048576 "
                               "bytes allowed"));
    std::string binary = axes(1) + std::string(
                                       "\x7f"
                                       "ELF\x02\x01\x01\0\0\0\xfe\xed",
                                       12);
    auto elf = orchestrator({"validate", dir.write("binary.yaml", binary)});
    CHECK(elf.exit_code == 1);
    CHECK_THAT(elf.stderr_tail, Catch::Contains("binary.yaml:6: not a text file: it holds a NUL byte"));
    CHECK(elf.stderr_tail.find('\x7f') == std::string::npos);  // no raw byte echoed
  }
  SECTION("a value repeated through YAML aliases beyond what one process may be given") {
    std::string text = head + "  env:\n    - {V0: &v " + std::string(100 * 1024, 'v');
    for (int i = 1; i < 30; ++i) text += ", V" + std::to_string(i) + ": *v";  // 30 x 100 KB from 100 KB of YAML
    text += "}\n";
    auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail,
               Catch::Contains("m.yaml:6:") && Catch::Contains("more than one process may be given"));
    CHECK_FALSE(fs::exists(dir.file("r.db")));
    auto single = orchestrator(
        {"validate", dir.write("one.yaml", head + "  env:\n    - {A: " + std::string(200 * 1024, 'v') + "}\n")});
    CHECK_THAT(single.stderr_tail,
               Catch::Contains("one.yaml:6:") &&
                   Catch::Contains("env.A: 204800 bytes, more than the 131072 the kernel passes in one variable"));
  }
}

TEST_CASE("security: names, labels and values with control characters cannot forge log lines or table rows",
          "[security]") {
  test::TempDir dir;
  const std::string head = "name: ctl\nruns: 1\nwarmup_runs: 0\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                           "\n  input_shape: [1, 3, 32, 32]\n  iterations: 5\nmatrix:\n";
  auto labelled = orchestrator({"validate", dir.write("l.yaml", head + "  cells: [{label: \"a\\nfake row\"}]\n")});
  CHECK(labelled.exit_code == 1);
  CHECK_THAT(labelled.stderr_tail,
             Catch::Contains("l.yaml:9:") && Catch::Contains("label: contains a control character"));
  // A value may hold them; its generated label, the log and the table show them escaped.
  auto outcome =
      orchestrator({"run", dir.write("v.yaml", head + "  env: [{X: \"red\\e[31m\\r2026-12-01 info forged\\nrow\"}]\n"),
                    "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  for (const std::string& text : {outcome.stdout_tail, outcome.stderr_tail}) {
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
    CHECK(text.find("\nrow") == std::string::npos);
  }
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("X=red\\x1b[31m\\r2026-12-01 info forged\\nrow"));
}

TEST_CASE("security: a damaged or foreign results DB stops the orchestrator before it launches anything",
          "[security]") {
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "touch", notes));
  const std::string db = dir.file("r.db");
  SECTION("a negative schema version") {
    SQLite::Database(db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("PRAGMA user_version = -1");
    auto outcome = orchestrator({"run", m, "--db", db});
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail, Catch::Contains("has schema version -1, which no orchestrator writes"));
  }
  SECTION("orchestrator tables at version 0") {
    SQLite::Database(db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("CREATE TABLE experiments (id INTEGER)");
    auto outcome = orchestrator({"run", m, "--db", db});
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail, Catch::Contains("has orchestrator tables but schema version 0"));
  }
  SECTION("damaged pages") {
    REQUIRE(orchestrator({"run", m, "--db", db}).exit_code == 0);
    fs::remove(fs::path(notes) / "touched");
    REQUIRE(fs::file_size(db) > 8 * 4096);
    {
      std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(3 * 4096);
      const std::string garbage(3 * 4096, '\x5a');
      file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    auto outcome = orchestrator({"run", m, "--db", db});
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail, Catch::Contains(" is damaged (") && Catch::Contains("nothing was launched"));
  }
  CHECK_FALSE(fs::exists(fs::path(notes) / "touched"));
}

TEST_CASE("security: a matrix's LD_PRELOAD reaches the worker only, never a launcher running as root",
          "[security][root]") {
  e2e::require_root_cgroups();
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const std::string log = notes + "/preloaded";
  const auto m =
      hostile_matrix(dir, unique_token(),
                     "    - {label: ns, launcher: unshare, env: {LD_PRELOAD: " + test::bin("libpreload_probe.so") +
                         ", PRELOAD_PROBE_LOG: " + log + "}}\n",
                     "", "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  const std::string loaded = slurp(log);
  INFO(loaded);
  CHECK_THAT(loaded, Catch::Contains("65534 bench_worker"));
  CHECK_THAT(loaded, !Catch::StartsWith("0 ") && !Catch::Contains("\n0 "));  // no root process loaded it
}

TEST_CASE("security: a worker of worker.user reads its own cgroup limits, and is asked its questions as that user",
          "[security][root]") {
  e2e::require_root_cgroups();
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(dir, unique_token(),
                                cell("limited", "none", notes, ", launcher: cgroup, cpu_quota: 50%, memory: 1G") +
                                    cell("evicted", "none", notes, ", cache: evict"),
                                "", "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  CHECK(query(dir.file("r.db"),
              "SELECT COALESCE(limits_mismatch, 'none') || ' ' || effective_quota_percent || ' ' || "
              "effective_memory_limit_bytes FROM run_phases WHERE cell = 'limited'") == "none 50.0 1073741824");
  CHECK(slurp(notes + "/asked-as-uid") == "65534\n");  // --list-cold-files, before the evict run
  // --probe-device, from validate, for a device other than the CPU.
  fs::remove(notes + "/asked-as-uid");
  std::string text = slurp(m);
  text.replace(text.find("  user: nobody\n"), 15, "  user: nobody\n  device: cuda\n");
  text.replace(text.find(", cache: evict"), 14, "");
  auto validated = orchestrator({"validate", dir.write("gpu.yaml", text)});
  INFO(validated.stderr_tail);
  CHECK(slurp(notes + "/asked-as-uid") == "65534\n");
}

TEST_CASE("security: validate refuses a TMPDIR that worker.user cannot enter", "[security][root]") {
  require_root("to run workers as nobody");
  test::TempDir dir;
  const std::string closed = (dir.path() / "closed").string();
  fs::create_directory(closed);
  chmod(closed.c_str(), 0700);
  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "none", dir.path()), "", "  user: nobody\n");
  auto outcome = orch::run_process({test::orchestrator_argv({"validate", m}), {{"TMPDIR", closed}}, 60});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail,
             Catch::Contains("worker.user 'nobody' cannot enter the scratch folder's parent " + closed + " ($TMPDIR)"));
}

TEST_CASE("fault: nonsense waits are refused, and a stop signal while waiting for the lock exits 130", "[faults]") {
  test::TempDir dir;
  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "touch", open_folder(dir, "notes")));
  for (const char* wait : {"nan", "-5", "1e99", "inf"}) {
    auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock-wait", wait});
    INFO(wait << ": " << outcome.stderr_tail);
    CHECK(outcome.exit_code == 2);
  }
  const std::string lock = dir.file("lock");
  orch::Fd held(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::flock(held.get(), LOCK_EX) == 0);
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    Orchestrator waiting({"run", m, "--db", dir.file("r.db"), "--lock", lock, "--lock-wait", "300"});
    for (int i = 0; i < 300 && !holds_open(waiting.pid(), lock); ++i) std::this_thread::sleep_for(20ms);
    REQUIRE(holds_open(waiting.pid(), lock));  // it is waiting for the lock now
    waiting.signal(signal_number);
    CHECK(waiting.wait() == 130);
  }
  CHECK_FALSE(fs::exists(dir.file("r.db")));
  CHECK_FALSE(fs::exists(dir.path() / "notes" / "touched"));
}

TEST_CASE("security: a worker of another user gets no terminal, no descriptor and no variable of root's",
          "[security][root]") {
  require_root("to run workers as nobody");
  const std::string launcher = GENERATE(std::string("host"), std::string("unshare"));
  INFO("launcher " << launcher);
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const std::string secret = dir.write("secret", "root-only\n");
  chmod(secret.c_str(), 0600);
  const auto m = hostile_matrix(
      dir, unique_token(),
      cell("tty", "tty", notes, ", launcher: " + launcher) + cell("leak", "leak", notes, ", launcher: " + launcher), "",
      "  user: nobody\n");
  // Root's shell: a terminal (script gives it one), a secret on descriptor 7, a token in the environment.
  const std::string command = "exec 7<" + secret + "; SECRET_TOKEN=s3cr3t exec " + test::bin("orchestrator") + " run " +
                              m + " --db " + dir.file("r.db") + " --lock " + dir.file("lock") + " --share-machine";
  auto outcome = orch::run_process({{"/usr/bin/script", "-qec", command, "/dev/null"}, {}, 120});
  INFO(outcome.stdout_tail);
  CHECK(outcome.exit_code == 0);
  CHECK(slurp(notes + "/tty") == "none\n");
  CHECK(slurp(notes + "/leak") == "secret: closed\ntoken: unset\n");
}

TEST_CASE("security: a cold-start file swapped for a FIFO or a device does not block or reach the orchestrator",
          "[security][root]") {
  require_root("to run the workers as nobody while the orchestrator keeps root");
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const std::string listed = notes + "/libfake.so";
  std::ofstream(listed) << "not really a library\n";
  chmod(listed.c_str(), 0666);
  const auto m =
      hostile_matrix(dir, unique_token(),
                     "    - {label: swapped, cache: evict, env: {HOSTILE: swap-listed, LIST_EXTRA: " + listed +
                         ", HOSTILE_DIR: " + notes + "}}\n",
                     "runs: 2\n", "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")}, 120);
  INFO(outcome.stderr_tail);
  CHECK_FALSE(outcome.timed_out);
  CHECK(outcome.exit_code == 0);
  CHECK(query(dir.file("r.db"), "SELECT COUNT(*) FROM run_phases WHERE status = 'ok'") == "2");
}

TEST_CASE("security: a DB, a log or a TMPDIR that another user controls is refused", "[security][root]") {
  require_root("to make files of another user");
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(dir, unique_token(), cell("quick", "touch", notes));
  auto refused = [&](const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                     const std::string& message) {
    auto outcome = orch::run_process({test::orchestrator_argv(args), env, 120});
    INFO(outcome.stderr_tail);
    CHECK(outcome.exit_code == 1);
    CHECK_THAT(outcome.stderr_tail, Catch::Contains(message));
  };
  SECTION("a DB of another user's, or one with a trigger") {
    const std::string db = dir.file("r.db");
    REQUIRE(orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")}).exit_code == 0);
    fs::remove(fs::path(notes) / "touched");
    REQUIRE(::chown(db.c_str(), kNobody, kNobody) == 0);
    refused({"run", m, "--db", db, "--lock", dir.file("lock")}, {},
            "cannot use results DB " + db + ": it belongs to user nobody");
    REQUIRE(::chown(db.c_str(), 0, 0) == 0);
    SQLite::Database(db, SQLite::OPEN_READWRITE)
        .exec("CREATE TRIGGER t AFTER INSERT ON samples BEGIN UPDATE samples SET latency_ms = 999; END");
    refused({"run", m, "--db", db, "--lock", dir.file("lock")}, {}, "it has 1 trigger(s), which no orchestrator makes");
  }
  SECTION("a log file of another user's") {
    const std::string log = notes + "/night.log";
    std::ofstream(log) << "";
    REQUIRE(::chown(log.c_str(), kNobody, kNobody) == 0);
    refused({"validate", m, "--log-file", log}, {}, "cannot use the log file " + log + ": it belongs to user nobody");
  }
  SECTION("a DB in a folder others may write (they could plant its -wal and -shm files)") {
    const std::string shared = (dir.path() / "shared").string();
    fs::create_directory(shared);
    chmod(shared.c_str(), 01777);  // sticky, as /tmp: no help for files SQLite makes itself
    refused({"run", m, "--db", shared + "/r.db", "--lock", dir.file("lock")}, {},
            "its folder " + shared + "/ may be written by other users, who could plant its -wal and -shm files");
    CHECK_FALSE(fs::exists(shared + "/r.db"));
  }
  SECTION("a TMPDIR others may write without the sticky bit, or of another user") {
    refused({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")}, {{"TMPDIR", notes}},
            "($TMPDIR) is unsafe: other users may write in it and it has no sticky bit");
    const std::string theirs = (dir.path() / "theirs").string();
    fs::create_directory(theirs);
    REQUIRE(::chown(theirs.c_str(), kNobody, kNobody) == 0);
    refused({"run", m, "--db", dir.file("r2.db"), "--lock", dir.file("lock")}, {{"TMPDIR", theirs}},
            "($TMPDIR) is unsafe: it belongs to user nobody");
  }
  CHECK_FALSE(fs::exists(fs::path(notes) / "touched"));
}

TEST_CASE("security: a worker evicts only what its user could open, never a file of root's", "[security][root]") {
  require_root("to run the workers as nobody while the orchestrator keeps root");
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  test::TempDir private_dir;  // root's, 0700: nobody cannot reach into it
  const std::string root_only = private_dir.write("cached", std::string(4 << 20, 'x'));
  (void)slurp(root_only);  // in the page cache now
  const auto before = orch::resident_percent(root_only);
  REQUIRE(before);
  REQUIRE(*before > 99);
  const auto m = hostile_matrix(
      dir, unique_token(),
      "    - {label: evict, cache: evict, env: {LIST_EXTRA: " + root_only + ", HOSTILE_DIR: " + notes + "}}\n", "",
      "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  CHECK(*orch::resident_percent(root_only) > 99);  // still cached: root did not evict it for the worker
}

TEST_CASE("security: one cell's worker cannot take the folder of a later run", "[security][root]") {
  require_root("to run the workers as nobody while the orchestrator keeps root");
  test::TempDir dir;
  const std::string notes = open_folder(dir, "notes");
  const auto m = hostile_matrix(dir, unique_token(), cell("squatter", "squat", notes) + cell("next", "none", notes),
                                "runs: 3\n", "  user: nobody\n");
  auto outcome = orchestrator({"run", m, "--db", dir.file("r.db"), "--lock", dir.file("lock")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  CHECK(query(dir.file("r.db"), "SELECT COUNT(*) FROM run_phases WHERE status = 'ok'") == "6");
  CHECK_THAT(slurp(notes + "/squat"), !Catch::Contains("made"));
}

TEST_CASE("fault: a reader that goes away (| head) does not end the night midway", "[faults]") {
  test::TempDir dir;
  const auto m =
      hostile_matrix(dir, unique_token(), cell("a", "none", dir.path()) + cell("b", "none", dir.path()), "runs: 2\n");
  const std::string command = test::bin("orchestrator") + " run " + m + " --db " + dir.file("r.db") + " --lock " +
                              dir.file("lock") + " --share-machine 2>&1 | head -c 1 >/dev/null";
  auto outcome = orch::run_process({{"/bin/sh", "-c", command}, {}, 120});
  CHECK(outcome.exit_code == 0);
  CHECK(query(dir.file("r.db"), "SELECT status FROM experiments") == "finished");
  CHECK(query(dir.file("r.db"), "SELECT COUNT(*) FROM run_phases WHERE status = 'ok'") == "4");
}

TEST_CASE("fault: runs are counted in 64 bits, and more than a million are refused", "[faults]") {
  test::TempDir dir;
  std::string text = "name: many\nruns: 100000\nwarmup_runs: 100000\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                     "\nmatrix:\n  a: [";
  for (int i = 0; i < 110; ++i) text += std::string(i ? ", " : "") + "{label: a" + std::to_string(i) + "}";
  text += "]\n  b: [";
  for (int i = 0; i < 100; ++i) text += std::string(i ? ", " : "") + "{label: b" + std::to_string(i) + "}";
  text += "]\n";
  auto outcome = orchestrator({"validate", dir.write("m.yaml", text), "--max-cells", "20000"});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code != 0);
  CHECK_THAT(outcome.stderr_tail, Catch::Contains("m.yaml:2:7") && Catch::Contains("asks for 2200000000 runs"));
}

TEST_CASE("security: a report whose samples add up to more than its timed loop is a bad_result", "[security]") {
  test::TempDir dir;
  const std::string token = unique_token();
  const std::string notes = open_folder(dir, "notes");
  const std::string matrix = hostile_matrix(dir, token, cell("lies", "loop-lies", notes));
  const std::string db = dir.file("r.db");
  const auto outcome = orchestrator({"run", matrix, "--db", db, "--lock", dir.file("lock")});
  CHECK(outcome.exit_code == 3);
  CHECK(query(db, "SELECT status FROM runs") == "bad_result");
  CHECK_THAT(query(db, "SELECT reason FROM runs"),
             Catch::Contains("5 samples add up to 100.000 ms, more than its timed_loop phase of 0.200 ms") &&
                 Catch::Contains("tolerance: 1% + 1 ms"));
}
