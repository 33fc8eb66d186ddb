"""The Python peer for inference in `npm run bench`: the chapter's network's forward pass in PyTorch.

Usage: python3 bench/pytorch_infer.py DATA_DIR --threads N
Prints one JSON line: {"threads", "batchMs" (median forward pass over the 10000 test images),
"imagesPerSecond", "singleP50Ms", "singleP99Ms", "torch"}. Weights are random: speed does not depend on them.
"""
import argparse
import json
import time

import numpy as np
import torch

from pytorch_peer import neuron_layer, read_idx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    x_test = torch.from_numpy(read_idx(f"{args.data}/t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255.0)
    model = torch.nn.Sequential(
        neuron_layer(784, 300), torch.nn.ReLU(), neuron_layer(300, 100), torch.nn.ReLU(), neuron_layer(100, 10),
    ).eval()

    with torch.inference_mode():
        for _ in range(3):
            model(x_test)
        batch = []
        for _ in range(20):
            t = time.perf_counter()
            model(x_test).argmax(1)
            batch.append((time.perf_counter() - t) * 1000)
        single = []
        for i in range(2000):
            one = x_test[i % 10000:i % 10000 + 1]
            t = time.perf_counter()
            torch.softmax(model(one), 1).argmax(1)
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
