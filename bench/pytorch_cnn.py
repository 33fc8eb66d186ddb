"""The PyTorch peer of `mnist train --model cnn` for `npm run bench`: the same convnet (conv 16 5x5 valid,
ReLU, max pool 2, conv 32 5x5 valid, ReLU, max pool 2, flatten channel-major, dense 128 ReLU, dense 10),
He initialization (a normal truncated at 2 standard deviations whose spread after the cut is
sqrt(2/fan_in), as tf.variance_scaling_initializer), zero biases, Adam 0.001, batch 50, 12 epochs, the
first 5000 training images held out; and the same job as bench/pytorch_peer.py: read the data, train,
score the validation set after every epoch, save the model, score the test set.

With --augment, every epoch trains on a fresh distortion of each training image: torchvision's
RandomAffine(degrees, translate, scale) and ElasticTransform(alpha, sigma), with `mnist train`'s
parameters (given by bench/run.mjs from core's DEFAULT_AUGMENT). ElasticTransform's alpha is in
normalized grid units (its displacement in pixels is alpha/2 times the smoothed noise) where ours is in
pixels, so it gets twice ours, the same displacement.
  --augment-impl batched (the default, the peer's fastest): torchvision's draws (RandomAffine.get_params'
    uniform angle, rounded shift and scale; ElasticTransform.get_params' uniform noise through
    torchvision's Gaussian kernel, 8 sigma + 1 taps, reflect padding, applied as two 1-D passes), drawn
    for blocks of 2000 images at once, and one bilinear grid_sample of the affine grid plus the
    displacement per image, rounded to bytes, as ours does. (Near the frame's edge the displacement is
    larger than ours: torchvision pads the noise by reflection, ours by zeros, as scipy's mode='constant'.)
    Checked here: its affine part gives torchvision's affine() to the byte, its blur gaussian_blur's within
    4e-7; on 1000 training digits (shift 2, rotation 12, scale 0.9-1.1, alpha 34, sigma 4) it changed
    pixels by 33.1 on average (of 255), ours by 30.9: torchvision's rounded shifts spread a little wider.
  --augment-impl transforms: the transforms themselves, image by image (Compose, as a Dataset would
    apply them): two resamplings per image and about 6 ms each here, 5 to 6 minutes per epoch.

Usage: python3 bench/pytorch_cnn.py DATA_DIR --threads N [--epochs 12] [--batch-size 50] [--augment
  --max-shift PX --max-rotation DEG --scale LOW HIGH --elastic-alpha PX --elastic-sigma PX]
Prints one JSON line: {"model", "threads", "epochs", "augment", "seconds" (the whole job, as
pytorch_peer.py), "trainingSeconds" (the optimizer steps alone), "augmentSeconds" (drawing the epochs'
images), "secondsPerEpoch", "stepsPerSecond", "validationAccuracy", "testAccuracy", "peakRssMb", "torch"}.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
import torch

from pytorch_peer import read_idx, shuffle_batch

# Standard deviation of a standard normal truncated at +-2 (trainer/src/initializers.ts has the same).
TRUNCATED_NORMAL_STD_FACTOR = 0.8796256610342398


def he_init(layer, fan_in):
    stddev = np.sqrt(2 / fan_in) / TRUNCATED_NORMAL_STD_FACTOR
    torch.nn.init.trunc_normal_(layer.weight, std=stddev, a=-2 * stddev, b=2 * stddev)
    torch.nn.init.zeros_(layer.bias)
    return layer


def convnet():
    return torch.nn.Sequential(
        he_init(torch.nn.Conv2d(1, 16, 5), 1 * 5 * 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        he_init(torch.nn.Conv2d(16, 32, 5), 16 * 5 * 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),  # NCHW flattened: channel-major, as the ONNX graph's
        he_init(torch.nn.Linear(32 * 4 * 4, 128), 32 * 4 * 4), torch.nn.ReLU(),
        he_init(torch.nn.Linear(128, 10), 128),
    )


def gaussian_blur_separable(x, k, sigma):
    """torchvision's gaussian_blur (k taps, reflect padding) as two 1-D passes, each a matrix product with
    the pass's [size, size] matrix (padding folded in): the same kernel, the outer product of its 1-D
    one, in 2 size multiplies per pixel instead of k * k (conv2d took 0.8 ms per image here, this 0.02)."""
    import torchvision.transforms.functional_tensor as FT

    kernel = FT._get_gaussian_kernel1d(k, sigma).to(torch.float64)

    def pass_matrix(size):
        m = torch.zeros(size, size, dtype=torch.float64)
        for i in range(size):
            for t in range(-(k // 2), k // 2 + 1):
                j = abs(i + t)  # reflect: -1 reads 1, size reads size - 2
                j = 2 * (size - 1) - j if j > size - 1 else j
                m[i, j] += kernel[t + k // 2]
        return m.to(x.dtype)

    # As plain 2-D products ([N rows, size] by [size, size]): a broadcast batched matmul was 10x slower.
    h, w = x.shape[-2:]
    rows = (x.reshape(-1, w) @ pass_matrix(w).T).reshape(x.shape)
    columns = rows.transpose(-1, -2).reshape(-1, h) @ pass_matrix(h).T
    return columns.reshape(*x.shape[:-2], w, h).transpose(-1, -2)


def augment_batched(images, args, block=2000):
    """images: uint8 [N, 1, H, W]. One epoch's distorted copy, drawn as torchvision's transforms draw,
    in blocks of `block` images (the whole set at once took 10 GB)."""
    return torch.cat([augment_block(images[i:i + block], args) for i in range(0, len(images), block)])


def augment_block(images, args):
    n, _, h, w = images.shape
    # RandomAffine.get_params, for N images at once: uniform angle, shift rounded to whole pixels, uniform scale.
    angle = torch.empty(n).uniform_(-args.max_rotation, args.max_rotation) * (np.pi / 180)
    tx = torch.round(torch.empty(n).uniform_(-args.max_shift, args.max_shift))
    ty = torch.round(torch.empty(n).uniform_(-args.max_shift, args.max_shift))
    scale = torch.empty(n).uniform_(args.scale[0], args.scale[1])
    # The inverse map, output to source, in grid_sample's normalized coordinates (the frame's centre at 0):
    # torchvision's affine() of these parameters, bilinear, to the byte.
    a, b = torch.cos(angle) / scale, torch.sin(angle) / scale
    sx, sy = 2 * tx / w, 2 * ty / h
    theta = torch.stack([
        torch.stack([a, b, -(a * sx + b * sy)], 1),
        torch.stack([-b, a, -(-b * sx + a * sy)], 1),
    ], 1)
    grid = torch.nn.functional.affine_grid(theta, [n, 1, h, w], align_corners=False)
    if args.elastic_alpha > 0:
        # ElasticTransform.get_params: uniform (-1, 1) noise per pixel and axis, blurred (8 sigma + 1 taps), times alpha / size.
        sigma = args.elastic_sigma
        k = int(8 * sigma + 1)
        k += 1 - k % 2
        d = gaussian_blur_separable(torch.rand([n, 2, h, w]) * 2 - 1, k, sigma)
        alpha = 2 * args.elastic_alpha  # ElasticTransform's units: see the module's docstring
        grid = grid + torch.stack([d[:, 0] * alpha / w, d[:, 1] * alpha / h], -1)
    out = torch.nn.functional.grid_sample(images.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.round_().clamp_(0, 255).to(torch.uint8)


def augment_transforms(images, args):
    from torchvision import transforms as T

    h, w = images.shape[-2:]
    transform = T.Compose([
        T.RandomAffine(args.max_rotation, translate=(args.max_shift / w, args.max_shift / h), scale=tuple(args.scale),
                       interpolation=T.InterpolationMode.BILINEAR),
        *([T.ElasticTransform(alpha=2.0 * args.elastic_alpha, sigma=float(args.elastic_sigma))] if args.elastic_alpha > 0 else []),
    ])
    return torch.stack([transform(image) for image in images])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (default: --threads)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--augment-impl", choices=["batched", "transforms"], default="batched")
    parser.add_argument("--max-shift", type=float, default=2)
    parser.add_argument("--max-rotation", type=float, default=12)
    parser.add_argument("--scale", type=float, nargs=2, default=[0.9, 1.1])
    parser.add_argument("--elastic-alpha", type=float, default=34)
    parser.add_argument("--elastic-sigma", type=float, default=4)
    args = parser.parse_args()

    # As pytorch_peer.py: OpenBLAS sizes its pool when it loads, so restart with it set.
    # And OpenMP's threads (the convolutions') sleep at a barrier instead of spinning: with a neighbour on
    # the cores, spinning ran 2 threads at 5-6 steps/s, passive at 18-34 (1 thread: 19-23).
    blas_threads = str(args.blas_threads or args.threads)
    if os.environ.get("OPENBLAS_NUM_THREADS") != blas_threads or "OMP_WAIT_POLICY" not in os.environ:
        os.environ["OPENBLAS_NUM_THREADS"] = blas_threads
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.execv(sys.executable, [sys.executable, *sys.argv])
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    if args.augment:
        import torchvision  # noqa: F401  (imported before the clock, as torch is)
        augment = augment_batched if args.augment_impl == "batched" else augment_transforms

    job_start = time.perf_counter()
    images = lambda name: read_idx(f"{args.data}/{name}").reshape(-1, 1, 28, 28)
    x_train = images("train-images-idx3-ubyte")
    y_train = read_idx(f"{args.data}/train-labels-idx1-ubyte").astype(np.int64)
    x_test = images("t10k-images-idx3-ubyte")
    y_test = read_idx(f"{args.data}/t10k-labels-idx1-ubyte").astype(np.int64)
    to_float = lambda a: a.float().div_(255.0)
    train_bytes = torch.from_numpy(x_train[5000:].copy())
    # Augmented, every epoch makes its own floats: the plain ones would only hold 172 MB.
    x_valid, x_train = to_float(torch.from_numpy(x_train[:5000].copy())), None if args.augment else to_float(train_bytes)
    y_valid, y_train = torch.from_numpy(y_train[:5000]), torch.from_numpy(y_train[5000:])
    x_test, y_test = to_float(torch.from_numpy(x_test.copy())), torch.from_numpy(y_test)

    model = convnet()
    # torch's Adam adds epsilon to sqrt(v_hat), TF1's to sqrt(v) (epsilon-hat): at 1e-8 no step differs visibly.
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()

    def accuracy(x, y):
        # In blocks of 1000 images, so the first layer's activations stay at 37 MB.
        model.eval()
        with torch.no_grad():
            right = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
        model.train()
        return right / len(x)

    steps = 0
    training_seconds = 0.0
    augment_seconds = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        if args.augment:
            x_epoch = None  # the last epoch's floats go before this one's are made
            x_epoch = to_float(augment(train_bytes, args))
            augment_seconds += time.perf_counter() - start
        else:
            x_epoch = x_train
        steps_start = time.perf_counter()
        for idx in shuffle_batch(len(x_epoch), args.batch_size, rng):
            idx = torch.from_numpy(idx)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_epoch[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            steps += 1
        training_seconds += time.perf_counter() - steps_start
        acc_valid = accuracy(x_valid, y_valid)
        print(epoch, "Val accuracy:", acc_valid, f"({time.perf_counter() - start:.3f} s)", file=sys.stderr)

    with tempfile.TemporaryDirectory() as out:
        torch.save(model.state_dict(), os.path.join(out, "my_model_final.pt"))
        acc_test = accuracy(x_test, y_test)
        seconds = time.perf_counter() - job_start
    print(json.dumps({
        "model": "cnn",
        "threads": args.threads,
        "epochs": args.epochs,
        "augment": args.augment_impl if args.augment else None,
        "seconds": round(seconds, 3),
        "trainingSeconds": round(training_seconds, 3),
        "augmentSeconds": round(augment_seconds, 3),
        "secondsPerEpoch": round(seconds / args.epochs, 4),
        "stepsPerSecond": round(steps / training_seconds, 1),
        "validationAccuracy": acc_valid,
        "testAccuracy": acc_test,
        "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch": torch.__version__,
        "ompWaitPolicy": os.environ["OMP_WAIT_POLICY"],
    }))


if __name__ == "__main__":
    sys.exit(main())
