"""The machine a run happened on: device choice, package versions, hardware, peak memory."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import threading

PACKAGES = ("torch", "transformers", "peft", "accelerate", "tokenizers", "sacrebleu", "scikit-learn",
            "bitsandbytes", "slr-peft-code")


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def use_cuda(device: str = "auto") -> bool:
    """Whether a run uses the GPU: "auto" when torch sees one, "cpu" never, "cuda" always (or fails)."""
    from replication.errors import ReplicationError

    if device not in ("auto", "cpu", "cuda"):
        raise ReplicationError(f"unknown device '{device}'; choose auto, cpu or cuda")
    if device == "cuda" and not cuda_available():
        raise ReplicationError("--device cuda, but torch sees no CUDA GPU")
    return device != "cpu" and cuda_available()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def usable_cores() -> int | None:
    """The cores this process may run on (its affinity where the platform tells), else the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def hardware() -> dict:
    import psutil
    import torch

    info = {"platform": platform.platform(), "processor": platform.machine(),
            "cpu_count": usable_cores(),
            "torch_threads": torch.get_num_threads(), "memory_bytes": psutil.virtual_memory().total}
    if torch.cuda.is_available():
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["bf16"] = torch.cuda.is_bf16_supported()
    return info


class CpuThreads:
    """torch's intra-op thread count set to `count` for the block and restored after (None: unchanged)."""

    def __init__(self, count: int | None):
        self.count, self._before = count, None

    def __enter__(self):
        if self.count is not None:
            import torch

            self._before = torch.get_num_threads()
            torch.set_num_threads(self.count)
        return self

    def __exit__(self, *exc):
        if self._before is not None:
            import torch

            torch.set_num_threads(self._before)
        return False


class PeakMemory:
    """Peak GPU memory allocated (CUDA) or peak resident set size sampled during the block.

    The process's lifetime peak (ru_maxrss) would carry one run's peak into the next run in
    the same process, so RSS is sampled by a thread instead."""

    def __init__(self, cuda: bool, interval: float = 0.05):
        self.cuda, self.interval, self.peak = cuda, interval, 0
        self.kind = "cuda_allocated" if cuda else "rss"
        self._stop = threading.Event()

    def _sample(self):
        import psutil

        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        if self.cuda:
            import torch

            torch.cuda.reset_peak_memory_stats()
        else:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def read(self) -> int:
        if self.cuda:
            import torch

            return int(torch.cuda.max_memory_allocated())
        return self.peak

    def __exit__(self, *exc):
        if not self.cuda:
            self._stop.set()
            self._thread.join()
        self.peak = self.read()
        return False
