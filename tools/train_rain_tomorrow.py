#!/usr/bin/python3
"""Train the bundled sensor model (rain tomorrow) and a regression test fixture.

Never needed at run time or in CI: it is how models/rain-tomorrow/<version>/ and
test/fixtures/models/temp-max-tomorrow/<version>/ were made. Real observations: NOAA's daily
weather for Seattle, 2012-2015 (public domain), as shipped by Debian's python3-vega-datasets
(seattle-weather.csv, 1,461 days: precipitation mm, temp_max C, temp_min C, wind m/s). These are a
weather station's readings, one a day. Needs python3-torch, python3-onnx, python3-vega-datasets:

    /usr/bin/python3 tools/train_rain_tomorrow.py

The model reads a window of the last 7 daily readings, each feature summarised exactly as edgefn
summarises a window (mean, population std, min, max, last, least-squares slope), and says whether
tomorrow brings measurable rain (precipitation > 0). The regression fixture predicts tomorrow's
temp_max from the same columns. Training: 2012-2014; test: 2015 (never seen in training).
"""
import hashlib
import json
import os
import random

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = '/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv'
FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind']
WINDOW = 7
SUMMARIES = ['mean', 'std', 'min', 'max', 'last', 'slope']
LABELS = ['dry', 'rain']


def read():
    dates, rows = [], []
    with open(DATA) as f:
        next(f)
        for line in f:
            d, p, tmax, tmin, w, _ = line.strip().split(',')
            dates.append(d)
            rows.append([float(p), float(tmax), float(tmin), float(w)])
    return dates, np.array(rows, dtype=np.float64)


def summarise(w):
    """Feature-major, as edgefn's summarise(): [f0.mean, f0.std, ..., f1.mean, ...]."""
    n = len(w)
    x = np.arange(n) - (n - 1) / 2
    out = []
    for f in range(w.shape[1]):
        v = w[:, f]
        m = v.mean()
        out += [m, v.std(), v.min(), v.max(), v[-1], float((x * (v - m)).sum() / (x * x).sum())]
    return out


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(net, columns, out_name, path):
    net.eval()
    torch.onnx.export(net, torch.zeros(1, columns), path, input_names=['features'], output_names=[out_name],
                      dynamic_axes={'features': {0: 'batch'}, out_name: {0: 'batch'}}, opset_version=13)


def mlp(columns, out):
    return nn.Sequential(nn.Linear(columns, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, out))


def main():
    random.seed(0)
    torch.manual_seed(0)
    dates, data = read()
    X, rain, tmax, ends, windows = [], [], [], [], []
    for end in range(WINDOW, len(data)):
        w = data[end - WINDOW:end]
        X.append(summarise(w))
        rain.append(1 if data[end, 0] > 0 else 0)
        tmax.append(data[end, 1])
        ends.append(dates[end - 1])
        windows.append(w)
    X = np.array(X)
    rain = np.array(rain)
    tmax = np.array(tmax)
    test = np.array([e.startswith('2015') for e in ends])
    train = ~test
    mean, std = X[train].mean(0), X[train].std(0)
    Xs = ((X - mean) / std).astype(np.float32)
    columns = X.shape[1]
    xt = torch.tensor(Xs[train])

    net = mlp(columns, 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-3)
    yt = torch.tensor(rain[train])
    for _ in range(400):
        net.train()
        opt.zero_grad()
        nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        pred = net(torch.tensor(Xs[test])).argmax(1).numpy()
    acc = float((pred == rain[test]).mean())
    majority = float((rain[test] == np.bincount(rain[train]).argmax()).mean())
    persistence = float(((X[test][:, 4] > 0).astype(int) == rain[test]).mean())  # "as today" (precipitation.last)
    print(f'rain tomorrow: 2015 accuracy {acc:.4f} on {test.sum()} days; majority class {majority:.4f}; "same as today" {persistence:.4f}')

    out = os.path.join(ROOT, 'models/rain-tomorrow/1.0.0')
    os.makedirs(os.path.join(out, 'golden'), exist_ok=True)
    export(net, columns, 'logits', os.path.join(out, 'model.onnx'))
    # Golden set: 30 windows of 2015 per class, the readings inline as the station sends them.
    idx = np.where(test)[0]
    items = []
    for k in range(2):
        chosen = [i for i in idx if rain[i] == k]
        random.shuffle(chosen)
        for i in sorted(chosen[:30]):
            items.append({'input': [dict(zip(FEATURES, map(float, r))) for r in windows[i]], 'label': LABELS[k], 'lastDay': ends[i]})
    with open(os.path.join(out, 'golden/index.json'), 'w') as f:
        json.dump({'items': items}, f)
    manifest = {
        'manifestVersion': 1, 'name': 'rain-tomorrow', 'version': '1.0.0', 'task': 'tabular-classification', 'format': 'onnx',
        'description': f'Will tomorrow bring measurable rain? From a weather station\'s last {WINDOW} daily readings. MLP trained on NOAA daily observations, Seattle 2012-2014; tested on 2015.',
        'model': {'file': 'model.onnx', 'sha256': sha(os.path.join(out, 'model.onnx'))},
        'labels': LABELS,
        'input': {
            'name': 'features', 'shape': [-1, columns], 'dtype': 'float32', 'features': FEATURES,
            'window': {'size': WINDOW, 'hop': 1, 'summaries': SUMMARIES},
            'normalize': {'mean': [round(float(v), 6) for v in mean], 'std': [round(float(v), 6) for v in std]},
        },
        'output': {'name': 'logits', 'kind': 'logits'},
        'golden': {'file': 'golden/index.json', 'sha256': sha(os.path.join(out, 'golden/index.json')), 'minAccuracy': 0.6},
        'metrics': {
            'accuracy': round(acc, 4), 'majorityBaseline': round(majority, 4), 'sameAsTodayBaseline': round(persistence, 4),
            'dataset': 'NOAA daily observations, Seattle (python3-vega-datasets seattle-weather.csv); train 2012-2014, test 2015 (365 days)',
            'measuredWith': 'torch (tools/train_rain_tomorrow.py); npm run eval:rain through edgefn',
        },
    }
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)

    # Regression fixture: tomorrow's temp_max. Trained on a standardised target, then the
    # de-standardisation folded into the last layer so the model outputs degrees C.
    reg = mlp(columns, 1)
    ym, ys = tmax[train].mean(), tmax[train].std()
    yr = torch.tensor((tmax[train] - ym) / ys, dtype=torch.float32).unsqueeze(1)
    opt = torch.optim.Adam(reg.parameters(), lr=1e-3, weight_decay=1e-3)
    for _ in range(600):
        reg.train()
        opt.zero_grad()
        nn.functional.mse_loss(reg(xt), yr).backward()
        opt.step()
    with torch.no_grad():
        last = reg[-1]
        last.weight.mul_(ys)
        last.bias.mul_(ys).add_(ym)
    reg.eval()
    with torch.no_grad():
        p = reg(torch.tensor(Xs[test])).squeeze(1).numpy()
    mae = float(np.abs(p - tmax[test]).mean())
    same = float(np.abs(X[test][:, 6 + 4] - tmax[test]).mean())
    print(f'temp_max tomorrow: 2015 MAE {mae:.3f} C ("same as today" {same:.3f} C)')
    rout = os.path.join(ROOT, 'test/fixtures/models/temp-max-tomorrow/1.0.0')
    os.makedirs(rout, exist_ok=True)
    export(reg, columns, 'temp_max', os.path.join(rout, 'model.onnx'))
    rman = {k: v for k, v in manifest.items() if k != 'golden'}
    rman.update({'name': 'temp-max-tomorrow', 'task': 'regression', 'labels': ['temp_max'],
                 'description': 'Tomorrow\'s maximum temperature (C) from the last 7 daily readings (test fixture).',
                 'model': {'file': 'model.onnx', 'sha256': sha(os.path.join(rout, 'model.onnx'))},
                 'output': {'name': 'temp_max', 'kind': 'values'},
                 'metrics': {'mae': round(mae, 3), 'sameAsTodayMae': round(same, 3)}})
    with open(os.path.join(rout, 'manifest.json'), 'w') as f:
        json.dump(rman, f, indent=2)

    # The 2015 readings as the station would send them: the examples and the eval script play them.
    with open(os.path.join(ROOT, 'examples/data/seattle-weather-2015.csv'), 'w') as f:
        f.write('date,' + ','.join(FEATURES) + '\n')
        for d, r in zip(dates, data):
            if d.startswith('2015') or d >= '2014/12/25':
                f.write(d + ',' + ','.join(f'{v:g}' for v in r) + '\n')


if __name__ == '__main__':
    main()
