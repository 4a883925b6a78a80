"""The PyTorch anchor on a GPU, for the WebGPU kernel to be measured against (issue: GPU featurization).

Times, on the first CUDA device, torchgeo's RCF forward (the convolution twice, ReLU,
global mean; as in tests/reference/ref_rcf.py) and a single conv2d, on 256x256 tiles,
k=3, for K=512/4096 and 4/13 bands, batch 1 and 32, with cuDNN's TF32 off (exact
float32) and on (PyTorch's default on Ampere and later). Prints JSON.

usage: python3 bench/gpu/torch_anchor.py > torch_gpu.json
"""
import json
import time

import torch
import torch.nn.functional as F


def forward_torchgeo(x, w, b):
    pos = F.relu(F.conv2d(x, w, bias=b))
    neg = F.relu(-F.conv2d(x, w, bias=b))
    return torch.cat((pos.mean((2, 3)), neg.mean((2, 3))), dim=1)


def conv_only(x, w, b):
    return F.conv2d(x, w, bias=b)


def rate(fn, x, w, b, min_seconds=1.0):
    for _ in range(3):
        fn(x, w, b)
    torch.cuda.synchronize()
    iters, start = 0, time.perf_counter()
    while True:
        fn(x, w, b)
        iters += 1
        if iters % 5 == 0:
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                return iters / elapsed


def main():
    dev = torch.device('cuda')
    out = {'torch': torch.__version__, 'cuda': torch.version.cuda, 'cudnn': torch.backends.cudnn.version(),
           'device': torch.cuda.get_device_name(0), 'results': []}
    torch.backends.cudnn.benchmark = True
    for tf32 in (False, True):
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        for c, k in ((4, 512), (13, 512), (4, 4096), (13, 4096)):
            f2 = k // 2
            g = torch.Generator(device='cpu').manual_seed(0)
            w = torch.randn(f2, c, 3, 3, generator=g).to(dev)
            b = torch.full((f2,), -1.0, device=dev)
            for batch in (1, 32):
                x = torch.rand(batch, c, 256, 256, generator=g).to(dev)
                for name, fn in (('torchgeo', forward_torchgeo), ('conv2d', conv_only)):
                    per_s = rate(fn, x, w, b)
                    mps = per_s * batch * 256 * 256 / 1e6
                    useful_flop = 2 * c * 9 * f2 * 254 * 254 * batch  # one convolution
                    out['results'].append({'tf32': tf32, 'C': c, 'K': k, 'batch': batch, 'variant': name,
                                           'MP_per_s': round(mps, 2), 'useful_TFLOP_per_s': round(per_s * useful_flop / 1e12, 2)})
                del x
            del w, b
            torch.cuda.empty_cache()
    print(json.dumps(out, indent=1))


main()
