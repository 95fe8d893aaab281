// Log set-up: the escaping formatter and a rotating file sink that opens its files
// through safe_files (see logging.h).
#include "cli/logging.h"

#include <fcntl.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/text.h"

namespace orch {
namespace {

constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v";

// The pattern formatter, given the message with its control characters escaped.
class PrintableFormatter final : public spdlog::formatter {
 public:
  PrintableFormatter() : inner_(std::make_unique<spdlog::pattern_formatter>(kPattern)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string escaped = printable(std::string(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->format(copy, dest);
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<PrintableFormatter>(); }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

class RotatingFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RotatingFileSink(const std::string& path) : file_(open_path(path, "the log file")) { reopen(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    if (size_ > 0 && size_ + line.size() > kLogFileBytes) rotate();
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_.get(), line.data() + written, line.size() - written);
      if (n <= 0) return;  // a full disk must not stop the measuring; stderr still has it
      written += static_cast<size_t>(n);
    }
    size_ += line.size();
  }

  void flush_() override {}  // every line is written through at once

 private:
  void reopen() {
    fd_ = open_own_file(file_, O_WRONLY | O_APPEND, 0640, true, "the log file");
    size_ = static_cast<size_t>(::lseek(fd_.get(), 0, SEEK_END));
  }

  // PATH.2 -> PATH.3, PATH.1 -> PATH.2, PATH -> PATH.1, by name within the folder
  // already open: renaming replaces a planted link, it never follows one.
  void rotate() {
    const int folder = file_.folder.get();
    for (int i = kLogFilesKept - 1; i >= 0; --i) {
      const std::string from = i == 0 ? file_.name : file_.name + "." + std::to_string(i);
      ::renameat(folder, from.c_str(), folder, (file_.name + "." + std::to_string(i + 1)).c_str());
    }
    try {
      reopen();
    } catch (const UserError&) {
      size_ = 0;  // keep writing to the rotated file rather than lose the log
    }
  }

  PathInFolder file_;
  Fd fd_;
  size_t size_ = 0;
};

}  // namespace

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("orchestrator");
  logger->set_formatter(std::make_unique<PrintableFormatter>());
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  auto sink = std::make_shared<RotatingFileSink>(path);
  sink->set_formatter(std::make_unique<PrintableFormatter>());
  spdlog::default_logger()->sinks().push_back(sink);
}

}  // namespace orch
