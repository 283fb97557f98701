#!/usr/bin/python3
"""Dump the weights of an ONNX model's initializers, in graph order, for tools/build-tfjs-fashion.ts.

    /usr/bin/python3 tools/onnx_weights.py models/fashion-mnist/1.0.0/model.onnx tools/data/fashion-weights

Writes <out>.json (name, shape, op that uses it) and <out>.bin (float32, little-endian, concatenated).
Needs Debian's python3-onnx; never needed at run time or in CI.
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
entries, blobs, offset = [], [], 0
for node in model.graph.node:
    for name in node.input:
        if name in inits:
            a = inits[name].astype('<f4')
            entries.append({'name': name, 'op': node.op_type, 'shape': list(a.shape), 'offset': offset})
            blobs.append(a.tobytes())
            offset += a.nbytes
with open(sys.argv[2] + '.json', 'w') as f:
    json.dump({'nodes': [n.op_type for n in model.graph.node], 'tensors': entries}, f, indent=1)
with open(sys.argv[2] + '.bin', 'wb') as f:
    f.write(b''.join(blobs))
print(f'{len(entries)} tensors, {offset} bytes')
