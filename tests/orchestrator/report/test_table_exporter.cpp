// The cell summary's display columns and the text table exporter.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "report/exporters.h"
#include "report/summary.h"
#include "store/row_mapping.h"

namespace {

// A cell_summary row, mapped as the store maps the view's rows.
orch::CellSummaryRow cell_row(int index, const std::string& label) {
  return orch::cell_summary_row({{"cell_index", int64_t{index}},
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
                                 {"warnings", std::string("cv")}});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("summary: typed display columns from cell_summary rows", "[report]") {
  const orch::Summary summary = orch::reading_summary({cell_row(0, "t2"), cell_row(1, "t16")});
  auto column = [&](const std::string& header) {
    for (size_t c = 0; c < summary.columns.size(); ++c)
      if (summary.columns[c].header == header) return c;
    FAIL("no column " << header);
    return size_t{0};
  };
  REQUIRE(summary.rows.size() == 2);
  CHECK(summary.rows[0][column("cell")] == orch::Value(std::string("t2")));
  CHECK(summary.rows[1][column("ok")] == orch::Value(std::string("2/3")));
  CHECK(summary.rows[0][column("threads")] == orch::Value(std::string("2/1")));
  // Rounded as its interval (width 0.1) allows: two significant digits of the width.
  CHECK(summary.rows[0][column("p50 ms")] == orch::Value(1.23));
  CHECK(summary.rows[0][column("p50 interval")] == orch::Value(std::string("1.2-1.3 (75%)")));
  CHECK(summary.rows[0][column("warnings")] == orch::Value(std::string("cv")));
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

namespace {

orch::Report two_cell_report(bool people) {
  const std::vector<orch::CellSummaryRow> rows = {cell_row(0, "t2"), cell_row(1, "a, \"quoted\" | label")};
  orch::Report report;
  report.title = "experiment 'e' (id 1)";
  report.experiment = {{"id", int64_t{1}}, {"name", std::string("e")}};
  report.cells = people ? orch::reading_summary(rows) : orch::data_summary(rows, {});
  report.speed = orch::relative_speed({{"t2", {{1, 1, 1}, {1, 1, 1}}}, {"t16", {{2, 2}, {2, 2}}}});
  report.legend = orch::warning_legend(rows);
  return report;
}

}  // namespace

TEST_CASE("data summary: cell_summary's own names, numbers as numbers, all columns on request", "[report]") {
  const std::vector<orch::CellSummaryRow> rows = {cell_row(0, "t2")};
  const auto data = orch::data_summary(rows, {"cell", "intra_op_threads", "latency_p50_ms", "effective_cpus"});
  REQUIRE(data.columns.size() == 4);
  CHECK(data.columns[1].header == "intra_op_threads");
  CHECK(data.rows[0][1] == orch::Value(int64_t{2}));  // stored as the text "2"
  CHECK(data.rows[0][2] == orch::Value(1.23456));     // not rounded
  CHECK(data.rows[0][3] == orch::Value(std::string("0-1")));
  CHECK(orch::data_summary(rows, {"all"}).columns.size() == rows[0].columns.size());
  CHECK_THROWS_WITH(orch::data_summary(rows, {"nonsense"}), Catch::Contains("cell_summary has no column 'nonsense'"));
}

TEST_CASE("csv and json: machine-readable, numbers bare, the interval as two fields", "[report]") {
  std::ostringstream csv;
  orch::write_csv(csv, two_cell_report(false));
  const auto lines = lines_of(csv.str());
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[0], Catch::StartsWith("cell_index,cell,runs,runs_ok,"));
  CHECK_THAT(lines[0], Catch::Contains("latency_p50_ci_low_ms,latency_p50_ci_high_ms,latency_p50_ci_confidence"));
  CHECK_THAT(lines[1], Catch::StartsWith("0,t2,3,3,2,1,0-1,1.23456,1.2,1.3,0.75,"));
  CHECK_THAT(lines[2], Catch::Contains(",\"a, \"\"quoted\"\" | label\","));

  std::ostringstream json;
  orch::write_json(json, two_cell_report(false));
  const auto document = nlohmann::json::parse(json.str());
  REQUIRE(document.at("cells").size() == 2);
  CHECK(document["cells"][0]["latency_p50_ms"] == 1.23456);
  CHECK(document["cells"][0]["intra_op_threads"] == 2);
  CHECK(document["cells"][0]["latency_p50_ci_confidence"] == 0.75);
  CHECK(document["experiment"]["name"] == "e");
  REQUIRE(document["relative_speed"].size() == 1);
  CHECK(document["relative_speed"][0]["ratio"] == Approx(2.0));
  CHECK(document["relative_speed"][0]["baseline"] == "t2");
  CHECK(document["legend"]["cv"].get<std::string>().size() > 10);
}

TEST_CASE("markdown: a table of at most 120 columns, speed lines and a legend", "[report]") {
  std::ostringstream md;
  orch::write_markdown(md, two_cell_report(true));
  const auto lines = lines_of(md.str());
  size_t table_rows = 0;
  for (const auto& line : lines) {
    CHECK(line.size() <= 120);
    table_rows += line.rfind("| ", 0) == 0 && line.rfind("| ---", 0) != 0;
  }
  CHECK(table_rows == 3);                                            // header and two cells; the rule is "| --- |"
  CHECK_THAT(md.str(), Catch::Contains("a, \"quoted\" \\| label"));  // a '|' cannot end a cell
  CHECK_THAT(md.str(), Catch::Contains("- 't2' ran 2 ± 0 times faster than 't16'"));
  CHECK_THAT(md.str(), Catch::Contains("- `cv`: "));
}

TEST_CASE("speed lines: faster, slower and not distinguishable, with the interval's confidence", "[report]") {
  orch::SpeedComparison faster{"a", "b", {1.81, {1.75, 1.87, 0.95}}, 10};
  CHECK(orch::speed_line(faster) == "'a' ran 1.81 ± 0.06 times faster than 'b' (95% interval 1.75-1.87)");
  orch::SpeedComparison same{"a", "b", {1.02, {0.97, 1.08, 0.95}}, 3};
  CHECK(orch::speed_line(same) ==
        "'b' and 'a' are not distinguishable (ratio 1.02, 95% interval 0.97-1.08) [few runs: 3]");
  orch::SpeedComparison slower{"a", "b", {0.5, {0.4, 0.625, 0.95}}, 6};
  CHECK(orch::speed_line(slower) == "'a' ran 2 ± 0.45 times slower than 'b' (95% interval 1.6-2.5)");
}

TEST_CASE("data summary: a column has one type in every row", "[report]") {
  auto one = cell_row(0, "t2"), two = cell_row(1, "t16");
  for (auto& [name, value] : two.columns)
    if (name == "effective_cpus") value = std::string("0");  // one number here, "0-1" in the other row
  const auto data = orch::data_summary({one, two}, {"effective_cpus", "intra_op_threads"});
  CHECK(data.rows[0][0] == orch::Value(std::string("0-1")));
  CHECK(data.rows[1][0] == orch::Value(std::string("0")));  // a text, as the other row's
  CHECK(data.rows[0][1] == orch::Value(int64_t{2}));        // "2" in every row: numbers
  CHECK(data.rows[1][1] == orch::Value(int64_t{2}));
}

TEST_CASE("markdown: what could mark up is escaped, an underscore inside a word is left as it is", "[report]") {
  CHECK(orch::markdown_text("OMP_NUM_THREADS=1") == "OMP_NUM_THREADS=1");  // no emphasis possible inside a word
  CHECK(orch::markdown_text("_x_ and a _b_ c") == "\\_x\\_ and a \\_b\\_ c");
  CHECK(orch::markdown_text("x_") == "x\\_");
  CHECK(orch::markdown_text("[a](b) *c* `d` |e| <f>") == "\\[a\\](b) \\*c\\* \\`d\\` \\|e\\| &lt;f&gt;");
}
