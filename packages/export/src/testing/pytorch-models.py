# Test support: trains a small PyTorch digit classifier with a fixed seed on a slice of MNIST's IDX
# training files, exports it with torch.onnx.export the way PyTorch users do, and scores PyTorch's own
# predictions on the 10000 test images, so tests can hold our runtimes to PyTorch's accuracy.
# Called by pytorch-models.ts with one JSON argument, a list of models (one interpreter start for all:
# importing torch takes seconds); prints one JSON line per model, in order.
import gzip
import json
import os
import sys

import numpy as np
import torch
from torch import nn


def read_idx(data_dir, name):
    """The IDX file `name` (raw or .gz) as a numpy array of its declared shape."""
    path = os.path.join(data_dir, name)
    if not os.path.exists(path) and os.path.exists(path + '.gz'):
        path += '.gz'
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f'{path}: not an IDX file of unsigned bytes')
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


# The input shape of each layout, after the batch axis.
LAYOUTS = {'flat': (784,), 'nchw': (1, 28, 28), 'nhwc': (28, 28, 1), 'nhw': (28, 28)}


class ToNchw(nn.Module):
    """Brings a batch of the given layout to [N,1,28,28], the way a CNN's forward would start."""

    def __init__(self, layout):
        super().__init__()
        self.layout = layout

    def forward(self, x):
        if self.layout == 'flat':
            return x.reshape(-1, 1, 28, 28)
        if self.layout == 'nhwc':
            return x.permute(0, 3, 1, 2)
        if self.layout == 'nhw':
            return x.unsqueeze(1)
        return x


class ViewFlatten(nn.Module):
    """The tutorials' `x.view(x.size(0), -1)`: exported as Shape -> Gather -> Unsqueeze -> Concat feeding a Reshape."""

    def forward(self, x):
        return x.view(x.size(0), -1)


class Head(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, x):
        if self.head == 'softmax':
            return torch.softmax(x, dim=1)
        if self.head == 'log_softmax':
            return torch.log_softmax(x, dim=1)
        return x


def build_model(arch, layout, head, flatten='module'):
    if flatten not in ('module', 'view-size'):
        raise SystemExit(f'flatten must be module or view-size, got {flatten}')
    if arch == 'mlp':
        # A flat input needs no Flatten: the export is then a plain chain of Gemm and Relu. A view of
        # x.size(0) rows is written whatever the layout, as the tutorials' forward does.
        if flatten == 'view-size':
            start = [ViewFlatten()]
        else:
            start = [] if layout == 'flat' else [nn.Flatten()]
        body = start + [nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)]
    elif arch == 'cnn':
        body = [ToNchw(layout), nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 12 * 12, 10)]
    else:
        raise SystemExit(f'arch must be mlp or cnn, got {arch}')
    return nn.Sequential(*body), Head(head)


def pixels(images, normalization, layout):
    """bytes/255 in float32, then (x - mean) / std when asked, shaped for the layout."""
    x = torch.from_numpy(images.astype(np.float32)) / 255.0
    if normalization:
        x = (x - normalization['mean']) / normalization['std']
    return x.reshape((x.shape[0],) + LAYOUTS[layout])


def export_model(position, o):
    torch.manual_seed(o['seed'])
    torch.set_num_threads(1)
    layout, norm = o['layout'], o.get('normalization')
    train_images = read_idx(o['dataDir'], 'train-images-idx3-ubyte')[: o['trainImages']]
    train_labels = torch.from_numpy(read_idx(o['dataDir'], 'train-labels-idx1-ubyte')[: o['trainImages']].astype(np.int64))
    x_train = pixels(train_images, norm, layout)

    body, head = build_model(o['arch'], layout, o['head'], o.get('flatten') or 'module')
    optimizer = torch.optim.Adam(body.parameters(), lr=0.003)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(o['seed'])
    batch = 64
    body.train()
    for _ in range(o['steps']):
        index = torch.randint(0, x_train.shape[0], (batch,), generator=generator)
        optimizer.zero_grad()
        loss = loss_fn(body(x_train[index]), train_labels[index])
        loss.backward()
        optimizer.step()

    model = nn.Sequential(body, head).eval()
    test_images = read_idx(o['dataDir'], 't10k-images-idx3-ubyte')
    test_labels = read_idx(o['dataDir'], 't10k-labels-idx1-ubyte').astype(np.int64)
    with torch.no_grad():
        predictions = model(pixels(test_images, norm, layout)).argmax(dim=1).numpy()

    fixed = o.get('fixedBatch')
    example = torch.zeros((fixed or 1,) + LAYOUTS[layout])
    input_name, output_name = o.get('inputName') or 'input', o.get('outputName') or 'output'
    dynamic = None if fixed else {input_name: {0: 'batch'}, output_name: {0: 'batch'}}
    torch.onnx.export(model, example, o['outFile'], input_names=[input_name], output_names=[output_name],
                      dynamic_axes=dynamic, opset_version=o['opset'], do_constant_folding=True)
    if o.get('metadata'):
        import onnx
        exported = onnx.load(o['outFile'])
        for key, value in o['metadata'].items():
            exported.metadata_props.add(key=key, value=value)
        onnx.save(exported, o['outFile'])

    print(json.dumps({
        'model': position,
        'accuracy': float((predictions == test_labels).mean()),
        'correct': int((predictions == test_labels).sum()),
        'predictions': ''.join(str(int(p)) for p in predictions),
        'torch': torch.__version__,
    }), flush=True)


for i, request in enumerate(json.loads(sys.argv[1])):
    export_model(i, request)
