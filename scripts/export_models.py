#!/usr/bin/python3
"""Export the TorchScript models the orchestrator runs: no download, random weights.

Usage: /usr/bin/python3 scripts/export_models.py OUTPUT_DIR

- mobilenet_v2.pt: torchvision MobileNetV2 (weights=None), the quickstart's default model.
- mobilenet_v3_large.pt: torchvision MobileNetV3-Large (weights=None), seed 004's GPU model.
- tiny_cnn.pt: a few-kilobyte CNN that keeps the test suite fast.

Must run with Debian's python3 (python3-torch, python3-torchvision); a python3
earlier on PATH may lack torch.
"""
import os
import sys

import torch
import torchvision


class TinyCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(8, 10)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def export(module, path):
    torch.manual_seed(0)
    scripted = torch.jit.script(module.eval())
    tmp = path + ".tmp"
    scripted.save(tmp)
    os.replace(tmp, path)  # never leave a half-written model behind
    print(f"exported {path} ({os.path.getsize(path)} bytes)")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export(torchvision.models.mobilenet_v2(weights=None), os.path.join(out, "mobilenet_v2.pt"))
    export(torchvision.models.mobilenet_v3_large(weights=None), os.path.join(out, "mobilenet_v3_large.pt"))
    export(TinyCnn(), os.path.join(out, "tiny_cnn.pt"))


if __name__ == "__main__":
    main()
