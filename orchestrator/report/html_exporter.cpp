// The HTML exporter (see exporters.h): one file, no network. The charts are drawn by
// Chart.js 3.9 from Debian's libjs-chart.js, inlined; the data is inlined as JSON.
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/text.h"
#include "report/exporters.h"

namespace orch {
namespace {

constexpr const char* kChartJs = "/usr/share/javascript/chart.js/chart.min.js";
constexpr size_t kMaxChartJsBytes = 4 << 20;

std::string html_escaped(const std::string& text) {
  std::string escaped;
  for (char c : printable(text)) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

// JSON inside <script>: no "</script", "<!--" or "<script" may end the element early
// or swallow the page, whatever a label holds. '<', '>' and '&' appear only inside
// JSON strings, where their \u escapes mean the same.
std::string script_json(const nlohmann::json& document) {
  std::string text;
  for (const char c : document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
    text += c == '<' ? "\\u003c" : c == '>' ? "\\u003e" : c == '&' ? "\\u0026" : std::string(1, c);
  return text;
}

nlohmann::json chart_data(const Report& report) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& cell : report.charts) {
    nlohmann::json entry = {{"label", cell.label}, {"box", nullptr}, {"phases", nlohmann::json::object()}};
    if (cell.latency_box) entry["box"] = *cell.latency_box;
    for (const auto& [phase, ms] : cell.phases) entry["phases"][phase] = ms;
    entry["trend"] = nlohmann::json::array();
    for (const auto& night : cell.trend)
      entry["trend"].push_back(
          {{"night", "#" + std::to_string(night.experiment_id) + " " + night.started_at.substr(0, 16)},
           {"p50", night.p50},
           {"low", night.low},
           {"high", night.high}});
    cells.push_back(std::move(entry));
  }
  nlohmann::json speed = nlohmann::json::array();
  for (const auto& comparison : report.speed)
    speed.push_back({{"label", comparison.other + " / " + comparison.baseline},
                     {"ratio", comparison.ratio.ratio},
                     {"low", comparison.ratio.interval.low},
                     {"high", comparison.ratio.interval.high}});
  return {{"cells", cells}, {"speed", speed}};
}

void write_table_html(std::ostream& out, const Summary& summary) {
  out << "<table>\n<tr>";
  for (const auto& column : summary.columns) out << "<th>" << html_escaped(column.header) << "</th>";
  out << "</tr>\n";
  for (const auto& row : summary.rows) {
    out << "<tr>";
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string text = shown_text(row[c], summary.columns[c].decimals);
      out << "<td>" << html_escaped(text) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

// Draws the four charts from the inlined data; counts what Chart.js drew of each
// (its elements, once rendered) into #marks, for a test to read from the DOM.
constexpr const char* kChartsScript = R"js(
const data = JSON.parse(document.getElementById('report-data').textContent);
Chart.defaults.animation = false;
Chart.defaults.font.size = 13;
const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const marks = document.getElementById('marks');
function drawn(chart, index) {
  return chart.getDatasetMeta(index).data.filter(element => element && !element.skip).length;
}
function axis(text) { return { display: true, text: text }; }

// 1. Latency distribution per cell: p1-p99 whisker, interquartile box, median tick.
const boxed = data.cells.filter(cell => cell.box);
const distributions = new Chart(document.getElementById('distributions'), {
  type: 'bar',
  data: {
    labels: boxed.map(cell => cell.label),
    datasets: [
      { label: 'p1 to p99', data: boxed.map(cell => [cell.box[0], cell.box[4]]), backgroundColor: '#444',
        barThickness: 2, grouped: false },
      { label: 'q1 to q3 (the middle half)', data: boxed.map(cell => [cell.box[1], cell.box[3]]),
        backgroundColor: 'rgba(31, 119, 180, 0.55)', barThickness: 16, grouped: false },
      { label: 'median', type: 'scatter', data: boxed.map(cell => ({ x: cell.box[2], y: cell.label })),
        pointStyle: 'line', rotation: 90, radius: 9, borderWidth: 3, borderColor: '#000' },
    ],
  },
  options: { indexAxis: 'y', responsive: false,
    scales: { x: { title: axis('latency of one timed iteration (ms), every iteration of the measured ok runs') },
              y: { type: 'category', title: axis('cell') } } },
});
marks.dataset.distributions = drawn(distributions, 1);

// 2. Cold start per cell: the median of each phase, stacked from the spawn.
const phaseNames = ['process_start', 'library_load', 'runtime_init', 'model_load', 'first_inference'];
const phased = data.cells.filter(cell => phaseNames.some(name => cell.phases[name] !== undefined));
const phases = new Chart(document.getElementById('phases'), {
  type: 'bar',
  data: {
    labels: phased.map(cell => cell.label),
    datasets: phaseNames.map((name, index) => ({
      label: name.replace('_', ' '), data: phased.map(cell => cell.phases[name] ?? 0),
      backgroundColor: palette[index % palette.length] })),
  },
  options: { indexAxis: 'y', responsive: false,
    scales: { x: { stacked: true, title: axis('median time from the spawn (ms); the bar ends at the first inference') },
              y: { stacked: true, title: axis('cell') } } },
});
marks.dataset.phases = drawn(phases, 0);

// 3. Each cell's p50 across the nights of this matrix, with its interval.
const nights = [...new Set(data.cells.flatMap(cell => cell.trend.map(point => point.night)))].sort();
const trendSets = [];
data.cells.forEach((cell, index) => {
  const color = palette[index % palette.length];
  trendSets.push({ label: cell.label, type: 'line', data: cell.trend.map(point => ({ x: point.night, y: point.p50 })),
                   borderColor: color, backgroundColor: color, pointRadius: 4 });
  trendSets.push({ label: cell.label + ' (interval)', type: 'bar', grouped: false, barThickness: 3,
                   data: cell.trend.map(point => ({ x: point.night, y: [point.low, point.high] })),
                   backgroundColor: color });
});
const trend = new Chart(document.getElementById('trend'), {
  type: 'line',
  data: { labels: nights, datasets: trendSets },
  options: { responsive: false, plugins: { legend: { labels: { filter: item => !item.text.endsWith('(interval)') } } },
    scales: { x: { title: axis('night (experiment id, start time UTC)') },
              y: { title: axis('p50 latency (ms), with the interval of the median run p50') } } },
});
let points = 0;
trendSets.forEach((set, index) => { if (set.type === 'line') points += drawn(trend, index); });
marks.dataset.trend = points;

// 4. Relative speed: each cell's p50 over the baseline's, with the two-level interval.
const speed = new Chart(document.getElementById('speed'), {
  type: 'bar',
  data: {
    labels: data.speed.map(row => row.label),
    datasets: [
      { label: '95% interval (runs and iterations resampled)', data: data.speed.map(row => [row.low, row.high]),
        backgroundColor: 'rgba(214, 39, 40, 0.5)', barThickness: 12, grouped: false },
      { label: 'ratio', type: 'scatter', data: data.speed.map(row => ({ x: row.ratio, y: row.label })),
        pointStyle: 'line', rotation: 90, radius: 9, borderWidth: 3, borderColor: '#000' },
    ],
  },
  options: { indexAxis: 'y', responsive: false,
    scales: { x: { title: axis('p50 of the cell / p50 of the baseline (1: as fast; 2: twice as slow)') },
              y: { type: 'category', title: axis('cell / baseline') } } },
});
marks.dataset.speed = drawn(speed, 0);
marks.dataset.ready = 'yes';
)js";

}  // namespace

void write_html(std::ostream& out, const Report& report) {
  const std::string chart_js = read_trusted_file(kChartJs, kMaxChartJsBytes, "Chart.js (libjs-chart.js)");
  const size_t cells = report.charts.size();
  const int height = 120 + 34 * static_cast<int>(std::max<size_t>(cells, 1));
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << html_escaped(report.title)
      << "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
         "h2{margin-top:1.6em}</style>\n</head><body>\n<h1>"
      << html_escaped(report.title) << "</h1>\n";
  write_table_html(out, report.cells);
  if (!report.speed.empty()) {
    out << "<h2>Relative speed</h2>\n<ul>\n";
    for (const auto& comparison : report.speed) out << "<li>" << html_escaped(speed_line(comparison)) << "</li>\n";
    out << "</ul>\n";
  }
  if (!report.reasons.empty()) {
    out << "<h2>Why (from the stored counters)</h2>\n<ul>\n";
    for (const auto& [cell, why] : report.reasons)
      out << "<li>" << html_escaped(cell) << ": " << html_escaped(why) << "</li>\n";
    out << "</ul>\n";
  }
  if (!report.legend.empty()) {
    out << "<h2>Warnings</h2>\n<ul>\n";
    for (const auto& [code, meaning] : report.legend)
      out << "<li><code>" << html_escaped(code) << "</code>: " << html_escaped(meaning) << "</li>\n";
    out << "</ul>\n";
  }
  const std::string size = "width=\"1200\" height=\"" + std::to_string(height) + "\"";
  out << "<h2>Latency distributions</h2>\n<canvas id=\"distributions\" " << size << "></canvas>\n"
      << "<h2>Cold start, phase by phase</h2>\n<canvas id=\"phases\" " << size << "></canvas>\n"
      << "<h2>p50 across nights</h2>\n<canvas id=\"trend\" width=\"1200\" height=\"480\"></canvas>\n"
      << "<h2>Relative speed</h2>\n<canvas id=\"speed\" " << size << "></canvas>\n"
      << "<div id=\"marks\" hidden></div>\n"
      << "<script type=\"application/json\" id=\"report-data\">" << script_json(chart_data(report)) << "</script>\n"
      << "<script>" << chart_js << "</script>\n<script>" << kChartsScript << "</script>\n</body></html>\n";
}

}  // namespace orch
