"""The anchor: torchgeo's RCF forward in PyTorch over the same raster, as a user
would run it: GDAL reads each 256x256 tile, scales it by 1e-4, and torchgeo's
exact forward (conv twice, relu, global mean; tests/reference/ref_rcf.py) makes
the features; one CSV row per tile. Batch 1, torchgeo's datamodule default.

usage: torch_rcf.py RASTER FEATURES OUT.csv [VARIANT=torchgeo|1conv]
"""
import os
import sys

import numpy as np
import torch
from osgeo import gdal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'reference'))
import ref_rcf  # noqa: E402

gdal.UseExceptions()
torch.set_num_threads(int(os.environ.get('TORCH_THREADS', '2')))
path, features, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
variant = sys.argv[4] if len(sys.argv) > 4 else 'torchgeo'
forward = ref_rcf.torchgeo_forward if variant == 'torchgeo' else ref_rcf.single_conv_forward
ds = gdal.Open(path)
c, cell = ds.RasterCount, 256
weights = torch.randn(features // 2, c, 3, 3, generator=torch.Generator().manual_seed(0))
biases = torch.zeros(features // 2) - 1
with open(out, 'w') as f, torch.no_grad():
    for row in range(ds.RasterYSize // cell):
        for col in range(ds.RasterXSize // cell):
            tile = ds.ReadAsArray(col * cell, row * cell, cell, cell).astype(np.float32) * np.float32(1e-4)
            feats = forward(torch.from_numpy(tile)[None], weights, biases).reshape(-1).numpy()
            f.write(f'{row},{col},' + ','.join('%.9g' % v for v in feats) + '\n')
