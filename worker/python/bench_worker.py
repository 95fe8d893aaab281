#!/usr/bin/python3
"""bench_worker.py: the seeds' Python benchmark as an orchestrator worker.

Speaks the same protocol as the C++ bench_worker (schemas/worker-result.schema.json),
so one matrix can compare them (cell setting `program`). `import torch` is its
library_load phase. Runs with Debian's python3-torch (/usr/bin/python3).
"""
import time

MAIN_NS = time.monotonic_ns()  # CLOCK_MONOTONIC, the clock the orchestrator's --spawn-ns uses

import argparse  # noqa: E402 (the clock above must come first)
import json
import math
import os
import resource
import sys

THREAD_ENV_PREFIXES = ("OMP_", "GOMP_", "KMP_", "MKL_", "OPENBLAS_", "GOTO_", "BLIS_", "TORCH_", "VECLIB_")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--input-shape", default="1,3,224,224")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--warmup-iterations", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--min-iterations", type=int, default=0)
    parser.add_argument("--iterations-target-percent", type=float, default=0.0)
    parser.add_argument("--intra-op-threads", type=int, default=0)
    parser.add_argument("--inter-op-threads", type=int, default=0)
    parser.add_argument("--spawn-ns", type=int, default=0)
    parser.add_argument("--result")
    parser.add_argument("--probe-device")
    parser.add_argument("--list-cold-files", action="store_true")
    return parser.parse_args()


def order_statistic_coverage(n, k):
    """1 - 2 P(Binomial(n, 1/2) <= k - 1): the confidence of [x_(k), x_(n+1-k)] for the median."""
    if k == 0 or 2 * k > n + 1:
        return 0.0
    below = sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2))
                for i in range(k))
    return max(0.0, 1 - 2 * min(below, 1.0))


def median_precision(samples):
    """protocol/order_statistics.h's median_precision: the larger distance of the
    median's 95% interval's ends from it, as a share of it; None below 95%."""
    n = len(samples)
    if order_statistic_coverage(n, 1) < 0.95:
        return None
    values = sorted(samples)
    k = 1
    while 2 * (k + 1) <= n + 1 and order_statistic_coverage(n, k + 1) >= 0.95:
        k += 1
    center = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    if center <= 0:
        return None
    return max(center - values[k - 1], values[n - k] - center) / center


class IterationRule:
    """protocol/worker_flags.h's IterationRule: up to --iterations; with
    --min-iterations, until the p50 is within the target, checked at min_iterations
    and then every 5% more."""

    def __init__(self, args):
        self.args = args
        self.next_check = args.min_iterations

    def done(self, samples):
        if len(samples) >= self.args.iterations:
            return True
        if self.args.min_iterations <= 0 or len(samples) < self.next_check:
            return False
        self.next_check = max(self.next_check + 1, self.next_check + self.next_check // 20)
        precision = median_precision(samples)
        return precision is not None and precision * 100 <= self.args.iterations_target_percent


class Phases:
    """Times named phases on the monotonic clock, as offsets from the origin."""

    def __init__(self, doc, origin_ns):
        self.doc, self.origin_ns = doc, origin_ns

    def run(self, name, fn):
        self.doc["failed_phase"] = name
        start = time.monotonic_ns()
        value = fn()
        self.doc["phases"].append({"name": name, "start_ms": (start - self.origin_ns) / 1e6,
                                   "duration_ms": (time.monotonic_ns() - start) / 1e6})
        del self.doc["failed_phase"]
        return value


def mapped_files():
    """File-backed mappings in /proc/self/maps, resolved."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "/" in line and not line.rstrip().endswith("(deleted)"):
                found.add(os.path.realpath(line[line.index("/"):].rstrip("\n")))
    return sorted(found)


def blas_libraries():
    return [path for path in mapped_files()
            if any(key in os.path.basename(path) for key in ("blas", "mkl_", "blis"))]


def cold_files():
    """The files whose caching decides this worker's cold start (for cache: evict):
    everything mapped once torch is imported, and every module's source and bytecode."""
    import torch  # noqa: F401 (imported for what it loads)
    files = set(mapped_files()) | {os.path.realpath(sys.executable), os.path.realpath(__file__)}
    for module in list(sys.modules.values()):
        for attribute in ("__file__", "__cached__"):
            path = getattr(module, attribute, None)
            if isinstance(path, str) and os.path.isfile(path):
                files.add(os.path.realpath(path))
    return sorted(files)


def own_limits():
    """The tightest CPU quota and memory limit above this process (cgroup v1 or v2)."""
    mounts, paths = {}, {}
    with open("/proc/self/mounts") as f:
        for line in f:
            _, point, kind, options = line.split()[:4]
            if kind == "cgroup2":
                mounts[""] = point
            elif kind == "cgroup":
                for option in options.split(","):
                    mounts[option] = point
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path

    def folder(controller):
        nested = mounts[controller] + ("" if paths[controller] == "/" else paths[controller])
        return nested if os.path.isdir(nested) else mounts[controller]

    def tightest(controller, read):
        best, here = None, folder(controller)
        while True:
            try:
                value = read(here)
            except (OSError, ValueError):
                value = None
            if value is not None and (best is None or value < best):
                best = value
            if len(here) <= len(mounts[controller]):
                return best
            here = os.path.dirname(here)

    def text(path):
        with open(path) as f:
            return f.read().strip()

    result = {"version": 0, "path": "", "cpus": ""}
    if "memory" in mounts and "memory" in paths:
        result.update(version=1, path=paths["memory"])
        limit = tightest("memory", lambda d: int(text(d + "/memory.limit_in_bytes")))
        if limit is not None and limit < 1 << 60:
            result["memory_limit_bytes"] = limit
        if "cpu" in mounts and "cpu" in paths:
            def quota(d):
                q, p = int(text(d + "/cpu.cfs_quota_us")), int(text(d + "/cpu.cfs_period_us"))
                return 100.0 * q / p if q > 0 else None
            value = tightest("cpu", quota)
            if value is not None:
                result["cpu_quota_percent"] = value
        if "cpuset" in mounts and "cpuset" in paths:
            try:
                result["cpus"] = text(folder("cpuset") + "/cpuset.effective_cpus")
            except OSError:
                pass
    elif "" in mounts and "" in paths:
        result.update(version=2, path=paths[""])
        def memory(d):
            v = text(d + "/memory.max")
            return None if v == "max" else int(v)
        def quota(d):
            q, p = text(d + "/cpu.max").split()
            return None if q == "max" else 100.0 * int(q) / int(p)
        for key, read in (("memory_limit_bytes", memory), ("cpu_quota_percent", quota)):
            value = tightest("", read)
            if value is not None:
                result[key] = value
    return result


def usage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"user_cpu_ms": ru.ru_utime * 1e3, "sys_cpu_ms": ru.ru_stime * 1e3, "max_rss_kib": ru.ru_maxrss,
            "minor_faults": ru.ru_minflt, "major_faults": ru.ru_majflt,
            "voluntary_ctx_switches": ru.ru_nvcsw, "involuntary_ctx_switches": ru.ru_nivcsw,
            "fs_read_kib": ru.ru_inblock // 2}


def driver_version():
    """The NVIDIA driver's CUDA version, "12.4", as the C++ worker reports it."""
    import ctypes
    try:
        version = ctypes.c_int()
        if ctypes.CDLL("libcuda.so.1").cuDriverGetVersion(ctypes.byref(version)) == 0:
            return f"{version.value // 1000}.{version.value % 1000 // 10}"
    except OSError as error:
        return f"unknown ({error})"
    return "unknown"


def device_problem(torch, device):
    """Why this PyTorch cannot run on `device`; None when it can."""
    if device == "cpu":
        return None
    requested = f"device '{device}' requested but "
    if not torch.cuda.is_available():
        return requested + f"cuda not available in this PyTorch build ({torch.__version__})"
    index, count = torch.device(device).index, torch.cuda.device_count()
    if index is not None and index >= count:
        return requested + f"this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
    return None


def benchmark(args, doc, phases):
    shape = [int(d) for d in args.input_shape.split(",")]
    torch = phases.run("library_load", lambda: __import__("torch"))

    def init():
        problem = device_problem(torch, args.device)
        if problem:
            raise RuntimeError(problem)
        if args.inter_op_threads > 0:
            torch.set_num_interop_threads(args.inter_op_threads)
        if args.intra_op_threads > 0:
            torch.set_num_threads(args.intra_op_threads)
        torch.manual_seed(0)
        return torch.randn(shape, device=args.device)

    x = phases.run("runtime_init", init)
    model = phases.run("model_load", lambda: torch.jit.load(args.model, map_location=args.device).eval())
    cuda = args.device.startswith("cuda")

    # On a GPU: CUDA events around the forward pass time it on the device (seed 004,
    # method 3); the synchronize makes the host clock wait for the device (method 2).
    events = (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) if cuda else None
    stream = torch.cuda.current_stream(torch.device(args.device)) if cuda else None

    def infer():
        with torch.inference_mode():
            if not cuda:
                model(x)
                return None
            events[0].record(stream)
            model(x)
            events[1].record(stream)
            torch.cuda.synchronize(args.device)
            return events[0].elapsed_time(events[1])

    phases.run("first_inference", infer)
    phases.run("warmup", lambda: [infer() for _ in range(args.warmup_iterations)])

    def timed():
        rule = IterationRule(args)
        while not rule.done(doc["samples_ms"]):
            start = time.monotonic_ns()
            device_ms = infer()
            doc["samples_ms"].append((time.monotonic_ns() - start) / 1e6)
            if device_ms is not None:
                doc.setdefault("device_samples_ms", []).append(device_ms)

    phases.run("timed_loop", timed)
    doc["runtime"].update(
        torch_version=torch.__version__, mkldnn=torch.backends.mkldnn.is_available(),
        mkl=torch.backends.mkl.is_available(), openmp=torch.backends.openmp.is_available(),
        intra_op_threads=torch.get_num_threads(), inter_op_threads=torch.get_num_interop_threads(),
        parallel_info=torch.__config__.parallel_info())
    if cuda:
        doc["runtime"]["device_name"] = f"{torch.cuda.get_device_name(args.device)}, driver {driver_version()}"


def main():
    args = parse_args()
    if args.list_cold_files:
        print("\n".join(cold_files()))
        return 0
    if args.probe_device:
        import torch
        problem = device_problem(torch, args.probe_device)
        print(problem or "ok")
        return 1 if problem else 0
    if not args.model:
        print("bench_worker.py: --model is required", file=sys.stderr)
        return 2
    origin = args.spawn_ns or MAIN_NS
    doc = {"protocol_version": 1, "clock_origin": "spawn" if args.spawn_ns else "worker_main", "phases": [],
           "samples_ms": [], "runtime": {},
           "input": {"model": args.model, "shape": [int(d) for d in args.input_shape.split(",")],
                     "batch_size": int(args.input_shape.split(",")[0]), "device": args.device}}
    if args.spawn_ns:
        doc["phases"].append({"name": "process_start", "start_ms": 0.0, "duration_ms": (MAIN_NS - args.spawn_ns) / 1e6})
    try:
        benchmark(args, doc, Phases(doc, origin))
        doc["status"] = "ok"
    except Exception as error:  # a failed run is a result: report it
        doc["status"], doc["error"] = "error", str(error)
    doc["runtime"].update(
        allowed_cpus=sorted(os.sched_getaffinity(0)), online_cpus=os.cpu_count(),
        thread_env={k: v for k, v in os.environ.items() if k.startswith(THREAD_ENV_PREFIXES)},
        blas_libraries=blas_libraries(), threads_observed=len(os.listdir("/proc/self/task")),
        pid=os.getpid(), uid=os.getuid(), cgroup=own_limits(), rusage=usage())
    text = json.dumps(doc)
    if args.result:
        with open(args.result + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(args.result + ".tmp", args.result)  # all or nothing
    else:
        print(text)
    if doc["status"] != "ok":
        print(f"bench_worker.py: {doc.get('failed_phase', '')}: {doc['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
