// The cell summary's display columns and the text table exporter.
#include <catch2/catch.hpp>
#include <sstream>

#include "report/summary.h"
#include "report/table_exporter.h"

namespace {

orch::Columns cell_row(int index, const std::string& label) {
  return {{"cell_index", int64_t{index}},
          {"cell", label},
          {"runs", int64_t{3}},
          {"runs_ok", int64_t{index == 0 ? 3 : 2}},
          {"intra_op_threads", std::string("2")},
          {"inter_op_threads", std::string("1")},
          {"effective_cpus", std::string("0-1")},
          {"effective_cpu_quota_percent", std::string("200.0")},
          {"effective_memory_limit_bytes", std::string("536870912")},
          {"latency_p50_ms", 1.23456},
          {"latency_p50_ci_low_ms", 1.2},
          {"latency_p50_ci_high_ms", 1.3},
          {"latency_p50_ci_confidence", 0.75},
          {"peak_memory_bytes", int64_t{3 * 1048576}},
          {"limit_mismatches", int64_t{index}},
          {"failures", index == 1 ? orch::Value(std::string("oom")) : orch::Value()},
          {"warnings", std::string("cv")}};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("summary: typed display columns from cell_summary rows", "[report]") {
  const orch::Summary summary = orch::cell_summary_report({cell_row(0, "t2"), cell_row(1, "t16")});
  auto column = [&](const std::string& header) {
    for (size_t c = 0; c < summary.columns.size(); ++c)
      if (summary.columns[c].header == header) return c;
    FAIL("no column " << header);
    return size_t{0};
  };
  REQUIRE(summary.rows.size() == 2);
  CHECK(summary.rows[0][column("#")] == orch::Value(int64_t{1}));
  CHECK(summary.rows[1][column("ok")] == orch::Value(std::string("2/3")));
  CHECK(summary.rows[0][column("threads")] == orch::Value(std::string("2/1")));
  CHECK(summary.rows[0][column("p50 ms")] == orch::Value(1.23456));  // a number, rounded only when written
  CHECK(summary.rows[0][column("p50 interval")] == orch::Value(std::string("1.2-1.3 (75%)")));
  CHECK(summary.rows[0][column("cgroup peak MiB")] == orch::Value(3.0));
  CHECK(summary.rows[0][column("mem limit MiB")] == orch::Value(512.0));
  CHECK(summary.rows[0][column("limits")] == orch::Value(std::string("ok")));
  CHECK(summary.rows[1][column("limits")] == orch::Value(std::string("MISMATCH")));
  CHECK(summary.rows[1][column("failures")] == orch::Value(std::string("oom")));
  // No cell ran on a GPU: no GPU column.
  for (const auto& c : summary.columns) CHECK(c.header != "gpu p50 ms");
}

TEST_CASE("table exporter: aligned columns, numbers right-aligned with their decimals, '-' for nothing", "[report]") {
  orch::Summary summary;
  summary.columns = {{"cell"}, {"p50 ms", 3}, {"MiB", 0}, {"note"}};
  summary.rows = {{std::string("a"), 1.23456, 3.0, orch::Value()},
                  {std::string("long\nlabel"), 12.5, 1024.4, std::string("x")}};
  std::ostringstream out;
  orch::write_table(out, summary);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "cell         p50 ms   MiB  note");
  CHECK(lines[1] == "-----------  ------  ----  ----");
  CHECK(lines[2] == "a             1.235     3  -");
  CHECK(lines[3] == "long\\nlabel    12.5  1024  x");  // a label's newline cannot start a line
}

TEST_CASE("summary: a column nobody has a value in can be dropped", "[report]") {
  orch::Summary summary;
  summary.columns = {{"a"}, {"b"}};
  summary.rows = {{int64_t{1}, orch::Value()}, {int64_t{2}, orch::Value()}};
  summary.drop_column_if_empty("b");
  summary.drop_column_if_empty("a");  // has values: stays
  REQUIRE(summary.columns.size() == 1);
  CHECK(summary.columns[0].header == "a");
  CHECK(summary.rows[1].size() == 1);
}
