#!/usr/bin/python3
"""Train the bundled Fashion-MNIST classifier and export it for edgefn.

Never needed at run time or in CI: it is how models/fashion-mnist/<version>/ was made, kept so
anyone can remake it. Needs Debian's python3-torch, python3-onnx, python3-pil and
dataset-fashion-mnist; run it with Debian's interpreter:

    /usr/bin/python3 tools/train_fashion_mnist.py --out models/fashion-mnist/1.0.0

Writes model.onnx, labels.txt, golden/ (100 test images as PNG, 10 per class, with index.json)
and manifest.json with the sha256 of every file and the test accuracy measured here in torch.
The accuracy that counts is the one measured through edgefn: `npm run eval:fashion`.

A baseline model only (a softmax regression: one linear layer on the normalised 28x28 pixels), into
a version folder that exists, without touching its CNN:

    /usr/bin/python3 tools/train_fashion_mnist.py --baseline-into models/fashion-mnist/1.0.0

writes <version>/baselines/linear/ (model.onnx, labels.txt, manifest.json: a manifest of its own,
with the same input preprocessing, so edgefn loads it on its own) and names it in the version's
manifest (golden.baselines, with its sha256), which the gate then scores beside the version. Once
the baseline's accuracy is measured through edgefn (`npm run eval:fashion -- --model
<version>/baselines/linear`), record it without retraining:

    /usr/bin/python3 tools/train_fashion_mnist.py --baseline-into models/fashion-mnist/1.0.0 --record-accuracy 0.8412
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

DATA = '/usr/share/datasets/fashion-mnist'
LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
          'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
# Mean and std of the training pixels scaled to [0, 1]; recorded in the manifest.
MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic, count = struct.unpack('>II', data[:8])
    if magic == 2051:
        rows, cols = struct.unpack('>II', data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


class Net(nn.Module):
    """A small CNN: three conv layers and two linear ones, about 240k parameters (under 1 MB)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.b1 = nn.BatchNorm2d(32)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.b2 = nn.BatchNorm2d(64)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.b3 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 64)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.b3(self.c3(x)))
        x = self.drop(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


class Linear(nn.Module):
    """Softmax regression: a deliberately weaker model (84 % on t10k), the bundled version's baseline
    (--baseline-into) and a worse version in tests."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


def to_tensor(images):
    return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1) - MEAN) / STD


def evaluate(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()


INPUT_SPEC = {
    'name': 'input',
    'shape': [-1, 1, 28, 28],
    'layout': 'NCHW',
    'dtype': 'float32',
    'color': 'gray',
    'resize': {'width': 28, 'height': 28, 'fit': 'contain', 'background': [0, 0, 0]},
    'normalize': {'scale': 1 / 255, 'mean': [MEAN], 'std': [STD]},
}


def train(net, tx, ty, vx, vy, epochs, flips=True):
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * (len(tx) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        t0 = time.time()
        perm = torch.randperm(len(tx))
        for i in range(0, len(tx) - 127, 128):
            idx = perm[i:i + 128]
            xb = tx[idx]
            # Horizontal flips are label-preserving for clothing and help the CNN generalise; a
            # linear model has one template per class, which a mirrored copy only blurs.
            if flips:
                flip = torch.rand(len(xb)) < 0.5
                xb[flip] = xb[flip].flip(-1)
            loss = F.cross_entropy(net(xb), ty[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f'epoch {epoch + 1}: loss {loss.item():.3f} test acc {evaluate(net, vx, vy):.4f} ({time.time() - t0:.0f}s)', flush=True)
    return evaluate(net, vx, vy)


def export_onnx(net, path):
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')


BASELINE_DIR = 'baselines/linear'


def write_baseline(version_dir, metrics):
    """The baseline's own manifest (its files hashed), then the version's golden.baselines naming it."""
    out = f'{version_dir}/{BASELINE_DIR}'
    with open(f'{version_dir}/manifest.json') as f:
        version = json.load(f)
    manifest = {
        'manifestVersion': 1,
        'name': f'{version["name"]}-linear',
        'version': version['version'],
        'task': 'image-classification',
        'format': 'onnx',
        'description': ('Baseline for ' + version['name'] + '@' + version['version']
                        + ': softmax regression (one linear layer on the normalised 28x28 pixels).'),
        'model': {'file': 'model.onnx', 'sha256': sha256(f'{out}/model.onnx')},
        'labels': {'file': 'labels.txt', 'sha256': sha256(f'{out}/labels.txt')},
        # The version's own preprocessing, so the baseline sees exactly what the version sees.
        'input': version['input'],
        'output': {'name': 'logits', 'kind': 'logits'},
        'metrics': metrics,
    }
    write_json(f'{out}/manifest.json', manifest)
    ref = {'file': f'{BASELINE_DIR}/manifest.json', 'sha256': sha256(f'{out}/manifest.json')}
    others = [b for b in version['golden'].get('baselines', []) if b['file'] != ref['file']]
    version['golden']['baselines'] = others + [ref]
    write_json(f'{version_dir}/manifest.json', version)
    print(f'wrote {out}: test accuracy {metrics["accuracy"]} ({metrics["measuredWith"]}); {version_dir}/manifest.json names it')


def record_baseline_accuracy(version_dir, accuracy):
    with open(f'{version_dir}/{BASELINE_DIR}/manifest.json') as f:
        metrics = json.load(f)['metrics']
    metrics['accuracy'] = accuracy
    metrics['measuredWith'] = f'edgefn (npm run eval:fashion -- --model {version_dir}/{BASELINE_DIR})'
    write_baseline(version_dir, metrics)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out')
    ap.add_argument('--baseline-into', metavar='VERSION_DIR',
                    help='train only the linear baseline into VERSION_DIR/baselines/linear and name it in its manifest')
    ap.add_argument('--record-accuracy', type=float, metavar='ACC',
                    help='with --baseline-into: record the accuracy measured through edgefn (no training)')
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--version', default='1.0.0')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--arch', choices=['cnn', 'linear'], default='cnn')
    ap.add_argument('--min-accuracy', type=float, default=0.85)
    args = ap.parse_args()
    if (args.out is None) == (args.baseline_into is None):
        ap.error('give --out (a whole version) or --baseline-into (a baseline for a version that exists)')
    if args.record_accuracy is not None:
        if not args.baseline_into:
            ap.error('--record-accuracy goes with --baseline-into')
        record_baseline_accuracy(args.baseline_into, args.record_accuracy)
        return

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)

    xtr, ytr = read_idx(f'{DATA}/train-images-idx3-ubyte.gz'), read_idx(f'{DATA}/train-labels-idx1-ubyte.gz')
    xte, yte = read_idx(f'{DATA}/t10k-images-idx3-ubyte.gz'), read_idx(f'{DATA}/t10k-labels-idx1-ubyte.gz')
    tx, ty = to_tensor(xtr), torch.from_numpy(ytr.astype(np.int64))
    vx, vy = to_tensor(xte), torch.from_numpy(yte.astype(np.int64))

    if args.baseline_into:
        net = Linear()
        acc = train(net, tx, ty, vx, vy, args.epochs, flips=False)
        os.makedirs(f'{args.baseline_into}/{BASELINE_DIR}', exist_ok=True)
        export_onnx(net, f'{args.baseline_into}/{BASELINE_DIR}/model.onnx')
        with open(f'{args.baseline_into}/{BASELINE_DIR}/labels.txt', 'w') as f:
            f.write('\n'.join(LABELS) + '\n')
        write_baseline(args.baseline_into, {
            'accuracy': round(acc, 4), 'dataset': 'fashion-mnist t10k (10,000 images)',
            'measuredWith': 'torch', 'torchAccuracy': round(acc, 4), 'epochs': args.epochs})
        return

    net = Net() if args.arch == 'cnn' else Linear()
    acc = train(net, tx, ty, vx, vy, args.epochs)
    os.makedirs(f'{args.out}/golden', exist_ok=True)
    export_onnx(net, f'{args.out}/model.onnx')

    with open(f'{args.out}/labels.txt', 'w') as f:
        f.write('\n'.join(LABELS) + '\n')

    # Golden set: the first 10 test images of each class, as PNG, with their labels.
    golden = []
    for cls in range(10):
        for i in np.flatnonzero(yte == cls)[:10]:
            name = f'{i:05d}.png'
            Image.fromarray(xte[i], mode='L').save(f'{args.out}/golden/{name}')
            golden.append({'file': name, 'label': LABELS[cls],
                           'sha256': sha256(f'{args.out}/golden/{name}')})
    with open(f'{args.out}/golden/index.json', 'w') as f:
        json.dump({'items': golden}, f, indent=1)
        f.write('\n')

    manifest = {
        'manifestVersion': 1,
        'name': 'fashion-mnist',
        'version': args.version,
        'task': 'image-classification',
        'format': 'onnx',
        'description': ('Small CNN (3 conv layers)' if args.arch == 'cnn' else 'Softmax regression (a weak baseline)')
                       + ' trained on Fashion-MNIST: 28x28 grayscale product photos, light object on a dark background.',
        'model': {'file': 'model.onnx', 'sha256': sha256(f'{args.out}/model.onnx')},
        'labels': {'file': 'labels.txt', 'sha256': sha256(f'{args.out}/labels.txt')},
        'input': INPUT_SPEC,
        'output': {'name': 'logits', 'kind': 'logits'},
        'golden': {'file': 'golden/index.json', 'sha256': sha256(f'{args.out}/golden/index.json'),
                   'minAccuracy': args.min_accuracy},
        'metrics': {'accuracy': round(acc, 4), 'dataset': 'fashion-mnist t10k (10,000 images)',
                    'measuredWith': 'torch', 'epochs': args.epochs},
    }
    write_json(f'{args.out}/manifest.json', manifest)
    print(f'wrote {args.out}: test accuracy {acc:.4f}, model {os.path.getsize(args.out + "/model.onnx")} bytes')


if __name__ == '__main__':
    main()
