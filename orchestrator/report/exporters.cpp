// Choosing an exporter (see exporters.h).
#include "report/exporters.h"

#include "common/text.h"

namespace orch {

const std::vector<FormatInfo>& formats() {
  static const std::vector<FormatInfo> table = {{Format::kTable, "table", true, true},
                                                {Format::kMarkdown, "md", true, true},
                                                {Format::kCsv, "csv", false, false},
                                                {Format::kJson, "json", false, true},
                                                {Format::kHtml, "html", true, false}};
  return table;
}

std::vector<std::string> format_names(bool comparisons) {
  std::vector<std::string> names;
  for (const auto& info : formats())
    if (!comparisons || info.compares) names.push_back(info.name);
  return names;
}

std::string format_choices(bool comparisons) {
  std::vector<std::string> names = format_names(comparisons);
  const std::string last = names.back();
  names.pop_back();
  return join(names, ", ") + " or " + last;
}

std::optional<Format> parse_format(const std::string& name, bool comparisons) {
  for (const auto& info : formats())
    if (info.name == name && (!comparisons || info.compares)) return info.format;
  return std::nullopt;
}

bool for_people(Format format) {
  for (const auto& info : formats())
    if (info.format == format) return info.people;
  return false;
}

void write_report(std::ostream& out, const Report& report, Format format) {
  switch (format) {
    case Format::kTable:
      return write_text_report(out, report);
    case Format::kMarkdown:
      return write_markdown(out, report);
    case Format::kCsv:
      return write_csv(out, report);
    case Format::kJson:
      return write_json(out, report);
    case Format::kHtml:
      return write_html(out, report);
  }
}

}  // namespace orch
