// The supervisor against real child processes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "process/supervisor.h"
#include "test_support.h"

namespace {

orch::ProcessOutcome shell(const std::string& script, double timeout_s = 30,
                           std::map<std::string, std::string> env = {}) {
  return orch::run_process({{"/bin/sh", "-c", script}, std::move(env), timeout_s});
}

// Still running or sleeping a second after a SIGKILL (which takes effect
// asynchronously); a zombie waiting for init to reap it has already died.
bool process_alive(pid_t pid) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state) || state == "Z") return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("exit code, stdout and stderr are captured", "[supervisor]") {
  auto outcome = shell("echo out; echo err >&2; exit 7");
  CHECK(outcome.launch_error.empty());
  CHECK(outcome.exit_code == 7);
  CHECK(outcome.term_signal == 0);
  CHECK(outcome.stdout_tail == "out\n");
  CHECK(outcome.stderr_tail == "err\n");
  CHECK(outcome.wall_ms > 0);
}

TEST_CASE("only the tail of a large output is kept", "[supervisor]") {
  auto outcome = shell("head -c 300000 /dev/zero | tr '\\0' x; echo END");
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.stdout_tail.size() == orch::ProcessSpec{}.output_limit_bytes);
  CHECK(outcome.stdout_tail.substr(outcome.stdout_tail.size() - 4) == "END\n");
}

TEST_CASE("a helper's output is kept whole", "[supervisor]") {
  auto output = orch::capture_output({"/bin/sh", "-c", "seq 1 100000"});  // 588895 bytes
  CHECK(output.ok);
  CHECK(output.text.size() == 588895);
  CHECK(output.text.substr(0, 4) == "1\n2\n");
}

TEST_CASE("a signal that ends the child is reported", "[supervisor]") {
  auto outcome = shell("kill -SEGV $$");
  CHECK(outcome.term_signal == SIGSEGV);
  CHECK(outcome.exit_code == -1);
}

TEST_CASE("a timeout kills the child's whole process group", "[supervisor]") {
  test::TempDir dir;
  const std::string pid_file = dir.file("grandchild.pid");
  auto outcome = shell("sleep 60 & echo $! > " + pid_file + "; wait", 0.5);
  CHECK(outcome.timed_out);
  CHECK(outcome.term_signal == SIGKILL);
  CHECK(outcome.wall_ms < 5000);
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  in >> grandchild;
  REQUIRE(grandchild > 0);
  CHECK_FALSE(process_alive(grandchild));
}

TEST_CASE("rusage of the child is collected", "[supervisor]") {
  auto outcome = shell("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.usage.user_cpu_ms + outcome.usage.sys_cpu_ms > 10);
  CHECK(outcome.usage.max_rss_kib > 0);
  CHECK(outcome.usage.minor_faults > 0);
}

TEST_CASE("inherited thread variables are removed and the cell's set", "[supervisor]") {
  setenv("OMP_NUM_THREADS", "64", 1);
  setenv("ORCH_TEST_KEEP", "kept", 1);
  auto outcome = shell("echo \"omp=${OMP_NUM_THREADS-unset} mkl=$MKL_NUM_THREADS keep=$ORCH_TEST_KEEP\"", 30,
                       {{"MKL_NUM_THREADS", "2"}});
  unsetenv("OMP_NUM_THREADS");
  unsetenv("ORCH_TEST_KEEP");
  CHECK(outcome.stdout_tail == "omp=unset mkl=2 keep=kept\n");
}

TEST_CASE("a program that cannot be executed is a launch error", "[supervisor]") {
  auto outcome = orch::run_process({{"/nonexistent/program"}, {}, 5});
  CHECK_FALSE(outcome.launch_error.empty());
}

TEST_CASE("fault: a child dies with the process that supervises it, even by SIGKILL", "[supervisor][faults]") {
  int pids[2];
  REQUIRE(::pipe(pids) == 0);
  const pid_t supervisor = ::fork();
  REQUIRE(supervisor >= 0);
  if (supervisor == 0) {
    orch::ProcessSpec spec{{"/bin/sleep", "300"}, {}, 600};
    spec.on_spawn = [&](pid_t pid) { (void)!::write(pids[1], &pid, sizeof(pid)); };
    orch::run_process(spec);
    ::_exit(0);
  }
  pid_t child = 0;
  REQUIRE(::read(pids[0], &child, sizeof(child)) == sizeof(child));
  ::kill(supervisor, SIGKILL);
  ::waitpid(supervisor, nullptr, 0);
  CHECK_FALSE(process_alive(child));
}

TEST_CASE("fault: with orphans adopted, a descendant that left the process group dies with its run",
          "[supervisor][faults]") {
  orch::adopt_orphans();
  auto outcome = shell("setsid sleep 300 & echo $!");  // the shell exits at once; its grandchild would stay
  REQUIRE(outcome.exit_code == 0);
  CHECK_FALSE(process_alive(std::stoi(outcome.stdout_tail)));
  // And while the child still runs at its timeout.
  auto timed_out = shell("setsid sleep 300 & echo $!; sleep 300", 0.5);
  CHECK(timed_out.timed_out);
  CHECK_FALSE(process_alive(std::stoi(timed_out.stdout_tail)));
}

TEST_CASE("fault: a descendant that keeps forking away from its parent is stopped and killed all the same",
          "[supervisor][faults]") {
  orch::adopt_orphans();
  const std::string token = "fork-away-" + std::to_string(::getpid());
  // Each generation forks the next and exits at once: the chain's head keeps changing
  // pid, and every one is reparented to this process in turn.
  const std::string chain =
      "import os, sys, time\n"
      "while True:\n"
      "    if os.fork() > 0:\n"
      "        os._exit(0)\n"
      "    time.sleep(0.001)\n";
  auto outcome = orch::run_process(
      {{"/bin/sh", "-c", "setsid /usr/bin/python3 -c \"$0\" " + token + " & sleep 0.5", chain}, {}, 30});
  CHECK(outcome.exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int alive = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    const std::string text((std::istreambuf_iterator<char>(cmdline)), {});
    if (text.find(token) != std::string::npos) ++alive;
  }
  CHECK(alive == 0);
}
