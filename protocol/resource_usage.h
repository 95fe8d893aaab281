// rusage in named units: what wait4() reports for a child (the supervisor) and what
// getrusage(RUSAGE_SELF) reports inside the worker. Header-only, standard library
// and <sys/resource.h> only: the worker includes it too.
#pragma once

#include <sys/resource.h>

namespace protocol {

struct ResourceUsage {
  double user_cpu_ms = 0;
  double sys_cpu_ms = 0;
  long max_rss_kib = 0;
  long minor_faults = 0;
  long major_faults = 0;
  long voluntary_ctx_switches = 0;
  long involuntary_ctx_switches = 0;
  long fs_read_kib = -1;  // read from storage, page-ins included (ru_inblock: 512-byte units); -1: unknown
};

inline ResourceUsage to_resource_usage(const rusage& ru) {
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  return {ms(ru.ru_utime), ms(ru.ru_stime), ru.ru_maxrss, ru.ru_minflt,
          ru.ru_majflt,    ru.ru_nvcsw,     ru.ru_nivcsw, ru.ru_inblock / 2};
}

}  // namespace protocol
