// One exporter per format, all of the same Report: the end-of-run table and
// `orchestrator report` print through these.
#pragma once

#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "measure/comparison.h"
#include "report/summary.h"

namespace orch {

// What the HTML report draws of a cell, beyond the table.
struct CellCharts {
  std::string label;
  // The timed iterations of its measured ok runs, pooled: p1, q1, median, q3, p99 (ms).
  std::optional<std::array<double, 5>> latency_box;
  std::vector<std::pair<std::string, double>> phases;  // cold-start phase -> median ms
  struct Night {
    int64_t experiment_id = 0;
    std::string started_at;
    double p50 = 0, low = 0, high = 0;
  };
  std::vector<Night> trend;  // the same settings in the nights of this matrix name and host, oldest first
};

struct Report {
  std::string title;   // "experiment 'quickstart' (id 3), 2026-12-01T02:00:00Z on lab1"
  Columns experiment;  // the experiments row, for the machine-readable formats
  Summary cells;
  std::vector<SpeedComparison> speed;                        // relative speed within the experiment
  std::vector<std::pair<std::string, std::string>> legend;   // warning code, meaning
  std::vector<std::pair<std::string, std::string>> reasons;  // cell label, why it is slow or noisy (attribution.h)
  std::vector<CellCharts> charts;                            // for html
};

enum class Format { kTable, kMarkdown, kCsv, kJson, kHtml };
// The formats, declared once: each one's name on the command line, whether it is for
// people (display columns) or programs (cell_summary's names), and whether `compare`
// writes it as well as `report`.
struct FormatInfo {
  Format format;
  std::string name;
  bool people;
  bool compares;
};
const std::vector<FormatInfo>& formats();
// The names `report` takes (`comparisons`: those `compare` takes), in the table's order.
std::vector<std::string> format_names(bool comparisons = false);
// "table, md, csv, json or html": the names, for a hint.
std::string format_choices(bool comparisons = false);
std::optional<Format> parse_format(const std::string& name, bool comparisons = false);
bool for_people(Format format);

// Plain aligned text: missing values as "-", numbers right-aligned, reals with their
// column's decimals (trailing zeros dropped), texts printable on one line each.
void write_table(std::ostream& out, const Summary& summary);
// The title, the table, the relative speed lines and the legend, as `run` ends.
void write_text_report(std::ostream& out, const Report& report);
// GitHub-flavoured Markdown: a heading, the table (unpadded), speed lines and legend.
void write_markdown(std::ostream& out, const Report& report);
// `text` as Markdown shows it literally: printable, with what a renderer would read as
// HTML (<, >, &) or as a link, emphasis, code or a table's edge escaped.
std::string markdown_text(const std::string& text);
// A Markdown table of `summary`, every cell escaped.
void write_markdown_table(std::ostream& out, const Summary& summary);
// RFC 4180: a header row of cell_summary names, then one row per cell; numbers bare.
void write_csv(std::ostream& out, const Report& report);
// {"experiment": {...}, "cells": [{...}], "relative_speed": [{...}], "legend": {...}}.
void write_json(std::ostream& out, const Report& report);
// One self-contained HTML file: the table, the relative speed and the legend, and
// four charts drawn by Chart.js (Debian's libjs-chart.js, inlined: no network) --
// latency distributions, stacked cold-start phases, each cell's p50 across nights,
// and the relative speed. Throws UserError when Chart.js is not installed.
void write_html(std::ostream& out, const Report& report);

void write_report(std::ostream& out, const Report& report, Format format);

// Two experiments compared (measure/comparison.h).
struct ComparisonReport {
  std::string base_title;
  std::string new_title;
  std::vector<std::string> warnings;  // e.g. the matrices differ
  double threshold = 0.05;
  Comparison comparison;
  std::vector<std::pair<std::string, std::string>> reasons;  // the new experiment's cells: why slow or noisy
};
// table and md (Markdown, escaped): the titles, cells added/removed/changed, one row per
// cell and metric with the change, its interval and the verdict, and a count; csv and
// json: JSON.
void write_comparison(std::ostream& out, const ComparisonReport& report, Format format);

}  // namespace orch
