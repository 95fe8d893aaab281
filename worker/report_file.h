// The worker's report goes to the file the orchestrator names, never to stdout,
// where libraries print.
#pragma once

#include <string>

namespace worker {

// Writes atomically (a temporary file, then a rename): a reader sees all of it or nothing.
void write_report_file(const std::string& path, const std::string& text);

}  // namespace worker
