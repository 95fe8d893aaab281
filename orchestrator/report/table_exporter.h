// The text table exporter: a Summary as plain aligned columns, as `orchestrator run`
// prints it at the end. Other formats are other exporters of the same Summary.
#pragma once

#include <ostream>

#include "report/summary.h"

namespace orch {

// Missing values print as "-"; numbers are right-aligned, reals with their column's
// decimals (trailing zeros dropped); texts are made printable, one line each.
void write_table(std::ostream& out, const Summary& summary);

}  // namespace orch
