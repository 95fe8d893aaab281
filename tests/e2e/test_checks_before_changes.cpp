// Hardening, second round, tried as an attacker would: a file the orchestrator refuses
// is left as it was, a read never writes, a DB whose tables are not the orchestrator's
// is refused before any query, every query has a time budget, and a label written
// into a DB by anyone is inert in every export format where that format is opened.
// Each case runs the real orchestrator binary.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"
#include "process/supervisor.h"
#include "store/schema_migrations.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

orch::ProcessOutcome orchestrator(const std::vector<std::string>& args, double timeout_s = 120) {
  orch::ProcessSpec spec{test::orchestrator_argv(args), {}, timeout_s};
  spec.output_limit_bytes = 4 << 20;
  return orch::run_process(spec);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A tiny two-cell matrix in `dir`, and a DB of `nights` experiments of it.
std::string tiny_matrix(const test::TempDir& dir) {
  return dir.write("m.yaml",
                   "name: attacked\nruns: 2\nwarmup_runs: 0\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                       "\n  input_shape: [1, 3, 32, 32]\n  iterations: 20\nmatrix:\n  cells:\n"
                       "    - {launcher: taskset, cpuset: \"0\"}\n    - {launcher: host}\n");
}

std::string measured_db(const test::TempDir& dir, int nights = 2) {
  const std::string db = dir.file("r.db");
  const std::string matrix = tiny_matrix(dir);
  for (int night = 0; night < nights; ++night) {
    const auto run = orchestrator({"run", matrix, "--db", db, "--lock", dir.file("lock")}, 300);
    INFO(run.stderr_tail);
    REQUIRE(run.exit_code == 0);
  }
  return db;
}

// What a read could change: the DB's bytes, its write-ahead log's, and whether a
// rollback journal was made. (Reading a WAL DB makes an empty -wal and an -shm beside
// it when they are missing: SQLite's way of reading one, not a change of it.)
std::string state_of(const std::string& db) {
  return slurp(db) + "|wal:" + (fs::exists(db + "-wal") ? slurp(db + "-wal") : "") +
         (fs::exists(db + "-journal") ? "|journal" : "");
}

// The reading commands, each on `db`.
std::vector<std::vector<std::string>> reads_of(const std::string& db, const std::string& matrix) {
  return {{"report", "--db", db},
          {"report", "--db", db, "--format", "json"},
          {"compare", "--db", db},
          {"plan", matrix, "--from-history", db}};
}

}  // namespace

TEST_CASE("security: a refused report, log or lock file keeps its bytes and its mode", "[security][files]") {
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  // report -o a file with a second hard link: refused, and neither name is emptied.
  const std::string first = dir.write("a.csv", "data\n");
  fs::create_hard_link(first, dir.path() / "b.csv");
  auto report = orchestrator({"report", "--db", db, "--format", "csv", "-o", dir.file("b.csv")});
  CHECK(report.exit_code == 1);
  CHECK_THAT(report.stderr_tail, Catch::Contains("has 2 links"));
  CHECK(slurp(first) == "data\n");
  CHECK(slurp(dir.file("b.csv")) == "data\n");
  // The log: a hard-linked one is refused whole; an existing one of this user keeps its
  // mode (only one the orchestrator makes gets 0640).
  auto log = orchestrator({"--log-file", dir.file("b.csv"), "validate", tiny_matrix(dir)});
  CHECK(log.exit_code == 1);
  CHECK(slurp(first) == "data\n");
  const std::string kept_log = dir.write("kept.log", "earlier night\n");
  ::chmod(kept_log.c_str(), 0644);
  REQUIRE(orchestrator({"--log-file", kept_log, "report", "--db", db}).exit_code == 0);
  CHECK(mode_of(kept_log) == 0644);
  CHECK(slurp(kept_log).rfind("earlier night\n", 0) == 0);
  // The lock: a run that waits for it and gives up (exit 4) changes nothing of it.
  const std::string lock = dir.write("held.lock", "keep");
  ::chmod(lock.c_str(), 0644);
  const int holder = ::open(lock.c_str(), O_RDONLY);
  REQUIRE(::flock(holder, LOCK_EX) == 0);
  auto waited = orchestrator({"run", tiny_matrix(dir), "--db", db, "--lock", lock, "--lock-wait", "0.3"});
  ::close(holder);
  CHECK(waited.exit_code == 4);
  CHECK(mode_of(lock) == 0644);
  CHECK(slurp(lock) == "keep");
  // One with a second link is refused at once, and kept too.
  fs::create_hard_link(lock, dir.path() / "lock-link");
  auto linked = orchestrator({"run", tiny_matrix(dir), "--db", db, "--lock", lock, "--lock-wait", "0.3"});
  CHECK(linked.exit_code == 1);
  CHECK_THAT(linked.stderr_tail, Catch::Contains("has 2 links"));
  CHECK((mode_of(lock) == 0644 && slurp(lock) == "keep"));
  fs::remove(dir.path() / "lock-link");
  // Held, it is the run's to keep private.
  REQUIRE(orchestrator({"run", tiny_matrix(dir), "--db", db, "--lock", lock}, 300).exit_code == 0);
  CHECK(mode_of(lock) == 0600);
}

TEST_CASE("security: a report file of another user is refused and left whole", "[security][files][root]") {
  if (::geteuid() != 0) test::skip("needs root to make a file of another user");
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  const std::string theirs = dir.write("theirs.md", "their notes\n");
  REQUIRE(::chown(theirs.c_str(), 65534, 65534) == 0);
  auto report = orchestrator({"report", "--db", db, "--format", "md", "-o", theirs});
  CHECK(report.exit_code == 1);
  CHECK_THAT(report.stderr_tail, Catch::Contains("belongs to user nobody"));
  CHECK(slurp(theirs) == "their notes\n");
}

TEST_CASE("security: report, compare and plan --from-history never create, migrate or change a DB",
          "[security][read-only]") {
  test::TempDir dir;
  const std::string db = measured_db(dir);
  const std::string matrix = tiny_matrix(dir);
  // A DB at this build's schema: read as it is.
  {
    const std::string before = state_of(db);
    for (const auto& args : reads_of(db, matrix)) {
      auto read = orchestrator(args);
      INFO(args[0] << ": " << read.stderr_tail);
      CHECK(read.exit_code == 0);
    }
    CHECK(state_of(db) == before);
  }
  // A mistyped path: not created.
  for (const auto& args : reads_of(dir.file("typo.db"), matrix)) {
    auto read = orchestrator(args);
    CHECK(read.exit_code == 1);
    CHECK_THAT(read.stderr_tail, Catch::Contains("no results DB at"));
  }
  CHECK_FALSE(fs::exists(dir.file("typo.db")));
  // Another program's SQLite file: refused, not migrated.
  const std::string foreign = dir.file("foreign.db");
  { SQLite::Database(foreign, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("CREATE TABLE mine (x)"); }
  const std::string foreign_before = state_of(foreign);
  for (const auto& args : reads_of(foreign, matrix)) {
    auto read = orchestrator(args);
    CHECK(read.exit_code == 1);
    CHECK_THAT(read.stderr_tail, Catch::Contains("is not an orchestrator results DB"));
  }
  CHECK(state_of(foreign) == foreign_before);
  // A DB of an older orchestrator: refused with the command that upgrades it, unchanged.
  const std::string old = dir.file("old.db");
  {
    SQLite::Database created(old, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (size_t version = 0; version < 20; ++version) created.exec(orch::schema_migrations()[version]);
    created.exec("PRAGMA user_version = 20");
  }
  const std::string old_before = state_of(old);
  for (const auto& args : reads_of(old, matrix)) {
    auto read = orchestrator(args);
    CHECK(read.exit_code == 1);
    CHECK_THAT(read.stderr_tail, Catch::Contains("written by an older orchestrator (schema version 20") &&
                                     Catch::Contains("orchestrator upgrade-db --db " + old));
  }
  CHECK(state_of(old) == old_before);
  auto upgraded = orchestrator({"upgrade-db", "--db", old});
  CHECK(upgraded.exit_code == 0);
  CHECK_THAT(upgraded.stdout_tail,
             Catch::Contains("schema version 20 upgraded to " + std::to_string(orch::schema_migrations().size())));
  CHECK(orchestrator({"report", "--db", old}).exit_code == 1);  // upgraded, but it holds no experiment
  CHECK_THAT(orchestrator({"upgrade-db", "--db", old}).stdout_tail, Catch::Contains("nothing to upgrade"));
}

TEST_CASE("a reader computes in memory the statistics a DB lacks, and stores nothing", "[read-only]") {
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  const std::string stored = orchestrator({"report", "--db", db, "--format", "csv"}).stdout_tail;
  // As an orchestrator of an older build left a cell it was measuring.
  { SQLite::Database(db, SQLite::OPEN_READWRITE).exec("DELETE FROM cell_statistics WHERE cell_id = 1"); }
  const std::string before = state_of(db);
  auto read = orchestrator({"report", "--db", db, "--format", "csv"});
  CHECK(read.exit_code == 0);
  CHECK(read.stdout_tail == stored);
  CHECK(state_of(db) == before);
}

TEST_CASE("security: a DB whose tables are views is refused before any query, by run before the lock",
          "[security][read-only]") {
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  const std::string matrix = tiny_matrix(dir);
  {
    SQLite::Database hostile(db, SQLite::OPEN_READWRITE);
    hostile.exec(
        "ALTER TABLE cells RENAME TO cells_kept; CREATE VIEW cells AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
        "SELECT i + 1 FROM n) SELECT c.* FROM cells_kept c, n");
  }
  for (const auto& args : reads_of(db, matrix)) {
    auto read = orchestrator(args, 30);
    INFO(args[0]);
    CHECK_FALSE(read.timed_out);
    CHECK(read.exit_code == 1);
    CHECK_THAT(read.stderr_tail, Catch::Contains("has no table 'cells' (a view or nothing in its place)"));
  }
  // run: refused at once, though the lock is held (it would otherwise wait, then exit 4).
  const int holder = ::open(dir.file("lock").c_str(), O_RDONLY);
  REQUIRE(::flock(holder, LOCK_EX) == 0);
  const auto started = std::chrono::steady_clock::now();
  auto run = orchestrator({"run", matrix, "--db", db, "--lock", dir.file("lock"), "--lock-wait", "60"}, 30);
  ::close(holder);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.stderr_tail, Catch::Contains("has no table 'cells'"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  // A table of other columns is refused the same way.
  {
    SQLite::Database hostile(db, SQLite::OPEN_READWRITE);
    hostile.exec("DROP VIEW cells; CREATE TABLE cells (id INTEGER PRIMARY KEY, label TEXT)");
  }
  auto other = orchestrator({"report", "--db", db});
  CHECK(other.exit_code == 1);
  CHECK_THAT(other.stderr_tail, Catch::Contains("its table 'cells' does not have the columns"));
}

TEST_CASE("every query of a results DB has a time budget, set by --query-timeout", "[read-only]") {
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  auto spent = orchestrator({"report", "--db", db, "--query-timeout", "0"});
  CHECK(spent.exit_code == 1);
  CHECK_THAT(spent.stderr_tail,
             Catch::Contains("ran past its budget of 0 s") && Catch::Contains("raise --query-timeout"));
  CHECK(orchestrator({"report", "--db", db, "--query-timeout", "30"}).exit_code == 0);
}

TEST_CASE("security: a hostile label read back from a DB is inert in every format of report and compare",
          "[security][exports]") {
  test::TempDir dir;
  const std::string db = measured_db(dir);
  // Labels as anyone who could write the DB could set them.
  const std::string html_label = "<!--<script>x</script><img src=x onerror=alert(1)>";
  const std::string link_label = "[x](javascript:alert(1))";
  const std::string formula_label = "=HYPERLINK(\"http://evil\",\"x\")\x1b[31m\a\r\xe2\x80\xae";
  {
    SQLite::Database writable(db, SQLite::OPEN_READWRITE);
    SQLite::Statement label(writable, "UPDATE cells SET label = ? WHERE cell_index = ?");
    for (const auto& [text, index] : {std::pair<std::string, int>{html_label, 0}, {formula_label, 1}}) {
      label.reset();
      label.bind(1, text);
      label.bind(2, index);
      label.exec();
    }
    writable.exec("UPDATE experiments SET name = '" + link_label + "'");
  }
  auto format = [&](const std::string& command, const std::string& name) {
    auto out = orchestrator({command, "--db", db, "--format", name});
    INFO(command << " --format " << name << ": " << out.stderr_tail);
    REQUIRE(out.exit_code == 0);
    return out.stdout_tail;
  };
  for (const auto& md : {format("report", "md"), format("compare", "md")}) {
    CHECK(md.find("<img") == std::string::npos);
    CHECK(md.find("<script") == std::string::npos);
    CHECK(md.find("<!--") == std::string::npos);
    CHECK(md.find(link_label) == std::string::npos);
    CHECK(md.find("\\[x\\](javascript:alert(1))") != std::string::npos);        // the brackets escaped: no link
    CHECK(md.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);  // shown, not run
    CHECK(md.find('\x1b') == std::string::npos);
  }
  // compare's md is a Markdown table, not the terminal's.
  CHECK_THAT(format("compare", "md"), Catch::Contains("| cell | metric |") && Catch::Contains("| --- |"));
  const std::string csv = format("report", "csv");
  CHECK(csv.find(",=HYPERLINK") == std::string::npos);
  CHECK(csv.find("'=HYPERLINK") != std::string::npos);
  for (const char control : {'\x1b', '\a'}) CHECK(csv.find(control) == std::string::npos);
  CHECK(csv.find("\xe2\x80\xae") == std::string::npos);  // no right-to-left override
  for (const char* line : {"\r\n0,", "\r\n1,"}) CHECK(csv.find(line) != std::string::npos);  // indexes stay numbers
  for (const auto& table : {format("report", "table"), format("compare", "table")}) {
    CHECK(table.find('\x1b') == std::string::npos);  // escaped for the terminal
    CHECK(table.find("\\x1b") != std::string::npos);
  }
  CHECK(nlohmann::json::parse(format("compare", "json"))["cells"][0]["cell"] == html_label);
  const std::string json = format("report", "json");
  CHECK(nlohmann::json::parse(json)["cells"][0]["cell"] == html_label);  // JSON keeps the text, escaped as JSON
  // HTML: the label cannot end or swallow the embedded JSON; the charts are still drawn.
  const std::string html = dir.file("r.html");
  REQUIRE(orchestrator({"report", "--db", db, "--format", "html", "-o", html}).exit_code == 0);
  const std::string page = slurp(html);
  CHECK(page.find("<!--<script>") == std::string::npos);
  CHECK(page.find("\\u003c!--\\u003cscript\\u003e") != std::string::npos);
  const std::string browser = e2e::require_chromium();
  const auto dom = e2e::headless(browser, html, dir.path().string(), {"--dump-dom"});
  INFO(dom.stderr_tail);
  REQUIRE(dom.exit_code == 0);
  CHECK(e2e::data_attribute(dom.stdout_tail, "ready") == "yes");
  CHECK(e2e::data_attribute(dom.stdout_tail, "distributions") == "2");
  CHECK(e2e::data_attribute(dom.stdout_tail, "trend") == "4");
}

TEST_CASE("security: text read back from a DB is capped at the lengths validation allows", "[security][exports]") {
  test::TempDir dir;
  const std::string db = measured_db(dir, 1);
  { SQLite::Database(db, SQLite::OPEN_READWRITE).exec("UPDATE cells SET label = printf('%.*c', 50000000, 'x')"); }
  auto html = orchestrator({"report", "--db", db, "--format", "html", "-o", dir.file("r.html")}, 120);
  CHECK(html.exit_code == 0);
  CHECK(fs::file_size(dir.file("r.html")) < (8u << 20));  // two labels of 128 KiB, a few times each, and Chart.js
  auto csv = orchestrator({"report", "--db", db, "--format", "csv"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.stdout_tail.find(std::string(128 * 1024, 'x') + "...") != std::string::npos);
}
