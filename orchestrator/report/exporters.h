// One exporter per format, all of the same Report: the end-of-run table and
// `orchestrator report` print through these.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "measure/comparison.h"
#include "report/summary.h"

namespace orch {

struct Report {
  std::string title;   // "experiment 'quickstart' (id 3), 2026-12-01T02:00:00Z on lab1"
  Columns experiment;  // the experiments row, for the machine-readable formats
  Summary cells;
  std::vector<SpeedComparison> speed;                       // relative speed within the experiment
  std::vector<std::pair<std::string, std::string>> legend;  // warning code, meaning
};

enum class Format { kTable, kMarkdown, kCsv, kJson };
std::optional<Format> parse_format(const std::string& name);  // table, md, csv, json
// Whether the format is for people (display columns) or programs (cell_summary's names).
bool for_people(Format format);

// Plain aligned text: missing values as "-", numbers right-aligned, reals with their
// column's decimals (trailing zeros dropped), texts printable on one line each.
void write_table(std::ostream& out, const Summary& summary);
// The title, the table, the relative speed lines and the legend, as `run` ends.
void write_text_report(std::ostream& out, const Report& report);
// GitHub-flavoured Markdown: a heading, the table (unpadded), speed lines and legend.
void write_markdown(std::ostream& out, const Report& report);
// RFC 4180: a header row of cell_summary names, then one row per cell; numbers bare.
void write_csv(std::ostream& out, const Report& report);
// {"experiment": {...}, "cells": [{...}], "relative_speed": [{...}], "legend": {...}}.
void write_json(std::ostream& out, const Report& report);

void write_report(std::ostream& out, const Report& report, Format format);

// Two experiments compared (measure/comparison.h).
struct ComparisonReport {
  std::string base_title;
  std::string new_title;
  std::vector<std::string> warnings;  // e.g. the matrices differ
  double threshold = 0.05;
  Comparison comparison;
};
// table and md: the titles, cells added/removed/changed, one row per cell and metric
// with the change, its interval and the verdict, and a count; csv and json: JSON.
void write_comparison(std::ostream& out, const ComparisonReport& report, Format format);

}  // namespace orch
