"""The Python peer for inference in `npm run bench`: the chapter's network's forward pass in PyTorch.

Usage: python3 bench/pytorch_infer.py DATA_DIR --threads N
Prints one JSON line: {"threads", "batchMs" (median over 20 runs of the 10000 test images),
"imagesPerSecond", "singleP50Ms", "singleP99Ms", "torch"}. Weights are random: speed does not depend on them.
Every timed call gives what our MnistClassifier.predict gives, probabilities (softmax) and classes
(argmax of the logits), from float pixels in [0, 1] prepared before the clock starts, as ours are.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from pytorch_peer import neuron_layer, read_idx


def classify(model, x):
    logits = model(x)
    return torch.softmax(logits, 1), logits.argmax(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    # As in pytorch_peer.py: torch.set_num_threads does not reach OpenBLAS's own pool, which starts one
    # thread per core, so "1 thread" ran its matrix products on both cores. Restart with its size set.
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(args.threads):
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    x_test = torch.from_numpy(read_idx(f"{args.data}/t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255.0)
    model = torch.nn.Sequential(
        neuron_layer(784, 300), torch.nn.ReLU(), neuron_layer(300, 100), torch.nn.ReLU(), neuron_layer(100, 10),
    ).eval()

    with torch.inference_mode():
        for _ in range(3):
            classify(model, x_test)
        batch = []
        for _ in range(20):
            t = time.perf_counter()
            classify(model, x_test)
            batch.append((time.perf_counter() - t) * 1000)
        for i in range(500):
            classify(model, x_test[i:i + 1])
        single = []
        for i in range(2000):
            one = x_test[i % 1000:i % 1000 + 1]
            t = time.perf_counter()
            classify(model, one)
            single.append((time.perf_counter() - t) * 1000)
    batch.sort()
    single.sort()
    batch_ms = batch[len(batch) // 2]
    print(json.dumps({
        "threads": args.threads,
        "batchMs": round(batch_ms, 3),
        "imagesPerSecond": round(10000 / batch_ms * 1000),
        "singleP50Ms": round(single[len(single) // 2], 4),
        "singleP99Ms": round(single[int(len(single) * 0.99)], 4),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
