// The results table printed at the end of `orchestrator run`: plain aligned text.
#pragma once

#include <ostream>

#include "report/table.h"

namespace orch {

// NULLs print as "-"; numeric columns are right-aligned.
void print_table(std::ostream& out, const Table& table);

}  // namespace orch
