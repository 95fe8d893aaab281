#!/usr/bin/python3
"""Keeps schemas/ honest: every shipped matrix validates against matrix.schema.json,
broken ones with an unknown key or a wrong type do not, and real reports of both
workers (C++ and Python) validate against worker-result.schema.json.

Usage: check_schemas.py SOURCE_DIR BIN_DIR MODELS_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

source, bin_dir, models = sys.argv[1:4]


def schema(name):
    with open(os.path.join(source, "schemas", name)) as f:
        return json.load(f)


matrix_schema = schema("matrix.schema.json")
jsonschema.Draft202012Validator.check_schema(matrix_schema)
configs = sorted(glob.glob(os.path.join(source, "configs", "*.yaml")))
assert configs, "no configs found"
for path in configs:
    with open(path) as f:
        jsonschema.validate(yaml.safe_load(f), matrix_schema)
    print(f"valid: {os.path.relpath(path, source)}")

# Every setting can be an axis: a whole axis of each, and each inside a grouped axis,
# for every setting the schema defines.
sweep = {"name": "sweep", "worker": {"model": "m.pt"},
         "matrix": {"model": ["a.pt", "b.pt"], "input_shape": [[1, 3, 8, 8], [8, 3, 8, 8]],
                    "iterations": [5], "warmup_iterations": [0], "device": ["cpu"],
                    "pair": [{"model": "c.pt", "input_shape": [2, 3, 8, 8], "torch_threads": {"intra_op": 1}}]}}
jsonschema.validate(sweep, matrix_schema)
axes = matrix_schema["properties"]["matrix"]
assert set(axes["properties"]) == set(matrix_schema["$defs"]), "an axis without its $defs entry, or the reverse"
assert set(axes["additionalProperties"]["items"]["properties"]) - {"label"} == set(matrix_schema["$defs"])
print("valid: a sweep over every worker setting")

for name in ("unknown_key.yaml", "wrong_type.yaml", "empty_matrix.yaml", "unknown_launcher.yaml"):
    with open(os.path.join(source, "tests", "data", "bad", name)) as f:
        document = yaml.safe_load(f.read().replace("@MODEL@", "m.pt"))
    try:
        jsonschema.validate(document, matrix_schema)
    except jsonschema.ValidationError:
        print(f"rejected as expected: {name}")
    else:
        sys.exit(f"matrix.schema.json accepts the broken {name}")

report_schema = schema("worker-result.schema.json")
jsonschema.Draft202012Validator.check_schema(report_schema)
workers = (os.path.join(bin_dir, "bench_worker"), os.path.join(source, "worker", "python", "bench_worker.py"))
with tempfile.TemporaryDirectory() as tmp:
    for worker, model in [(w, m) for w in workers for m in ("tiny_cnn.pt", "missing.pt")]:  # success, failure
        result = os.path.join(tmp, "report.json")
        subprocess.run([worker, "--model", os.path.join(models, model),
                        "--input-shape", "1,3,16,16", "--iterations", "3", "--spawn-ns", "1",
                        "--result", result], check=False, capture_output=True)
        with open(result) as f:
            report = json.load(f)
        jsonschema.validate(report, report_schema)
        print(f"valid worker report ({report['status']}) from {os.path.basename(worker)} for {model}")
        if report["status"] == "ok":
            # As a worker on a GPU reports it (no GPU here): CUDA event times next to the host's.
            jsonschema.validate(dict(report, device_samples_ms=[0.5] * len(report["samples_ms"])), report_schema)
            try:
                jsonschema.validate(dict(report, device_samples_ms=[-1.0]), report_schema)
            except jsonschema.ValidationError:
                pass
            else:
                sys.exit("worker-result.schema.json accepts a negative device_samples_ms")
