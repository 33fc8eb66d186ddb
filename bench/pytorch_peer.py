"""The Python peer for `npm run bench`: the chapter's program in PyTorch, same data, initializer,
batch semantics and optimizer as `mnist train`, and the same job: read the data, train, score the last
batch and the validation set after every epoch (as the chapter prints them), save the model, score the
test set.

Usage: python3 bench/pytorch_peer.py DATA_DIR --threads N [--epochs 30] [--batch-size 50]
Prints one JSON line: {"threads", "epochs", "seconds" (the whole job, the span `mnist train` reports:
from reading the data to the saved model and the test score), "trainingSeconds" (the optimizer steps
alone), "secondsPerEpoch", "stepsPerSecond", "validationAccuracy", "testAccuracy", "peakRssMb", "torch"}.
"""
import argparse
import json
import os
import resource
import struct
import sys
import tempfile
import time

import numpy as np
import torch


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndims = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def neuron_layer(n_inputs, n_neurons):
    layer = torch.nn.Linear(n_inputs, n_neurons)
    stddev = 2 / np.sqrt(n_inputs)
    torch.nn.init.trunc_normal_(layer.weight, std=stddev, a=-2 * stddev, b=2 * stddev)
    torch.nn.init.zeros_(layer.bias)
    return layer


def shuffle_batch(n, batch_size, rng):
    rnd_idx = rng.permutation(n)
    return np.array_split(rnd_idx, n // batch_size)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (default: --threads)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    # torch.set_num_threads does not reach OpenBLAS's own pool (libopenblas0-pthread starts one thread per
    # core, so "1 thread" ran on both cores). Its size is read when the library loads: restart with it set.
    blas_threads = str(args.blas_threads or args.threads)
    if os.environ.get("OPENBLAS_NUM_THREADS") != blas_threads:
        os.environ["OPENBLAS_NUM_THREADS"] = blas_threads
        os.execv(sys.executable, [sys.executable, *sys.argv])
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    job_start = time.perf_counter()
    x_train = read_idx(f"{args.data}/train-images-idx3-ubyte").reshape(-1, 784)
    y_train = read_idx(f"{args.data}/train-labels-idx1-ubyte").astype(np.int64)
    x_test = read_idx(f"{args.data}/t10k-images-idx3-ubyte").reshape(-1, 784)
    y_test = read_idx(f"{args.data}/t10k-labels-idx1-ubyte").astype(np.int64)
    # Scaled once up front, as the original program did: the peer gets its fastest input path.
    to_float = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0)
    x_valid, x_train = to_float(x_train[:5000]), to_float(x_train[5000:])
    y_valid, y_train = torch.from_numpy(y_train[:5000]), torch.from_numpy(y_train[5000:])
    x_test, y_test = to_float(x_test), torch.from_numpy(y_test)

    model = torch.nn.Sequential(
        neuron_layer(784, 300), torch.nn.ReLU(),
        neuron_layer(300, 100), torch.nn.ReLU(),
        neuron_layer(100, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()

    def accuracy(x, y):
        with torch.no_grad():
            return (model(x).argmax(1) == y).float().mean().item()

    steps = 0
    training_seconds = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        for idx in shuffle_batch(len(x_train), args.batch_size, rng):
            idx = torch.from_numpy(idx)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            steps += 1
        training_seconds += time.perf_counter() - start
        acc_batch = accuracy(x_train[idx], y_train[idx])
        acc_valid = accuracy(x_valid, y_valid)
        print(epoch, "Batch accuracy:", acc_batch, "Val accuracy:", acc_valid, f"({time.perf_counter() - start:.3f} s)", file=sys.stderr)

    with tempfile.TemporaryDirectory() as out:
        torch.save(model.state_dict(), os.path.join(out, "my_model_final.pt"))
        acc_test = accuracy(x_test, y_test)
        seconds = time.perf_counter() - job_start
    print(json.dumps({
        "threads": args.threads,
        "epochs": args.epochs,
        "seconds": round(seconds, 3),
        "trainingSeconds": round(training_seconds, 3),
        "secondsPerEpoch": round(seconds / args.epochs, 4),
        "stepsPerSecond": round(steps / training_seconds, 1),
        "validationAccuracy": acc_valid,
        "testAccuracy": acc_test,
        "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    sys.exit(main())
