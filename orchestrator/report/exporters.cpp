// Choosing an exporter (see exporters.h).
#include "report/exporters.h"

namespace orch {

std::optional<Format> parse_format(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "md") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  if (name == "html") return Format::kHtml;
  return std::nullopt;
}

bool for_people(Format format) {
  return format == Format::kTable || format == Format::kMarkdown || format == Format::kHtml;
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
