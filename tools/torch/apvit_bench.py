"""Timing stand-in for the official PyTorch APViT (same layers, shapes and FLOPs; random weights).
For speed comparisons only: the token pooling is simplified, so its outputs are not a reference.
Set-up (CPU torch): python3 -m venv .venv-torch && .venv-torch/bin/pip install "torch==2.13.0+cpu" numpy
usage: python tools/torch/apvit_bench.py [--batch 32] [--iters 3] [--train]
Prints img/s for eval forward (or train fwd+bwd+SGD step with --train), best of --iters after one warm-up,
the peak resident set of the process, and (a JSON line) the resident set after each phase of the last
iteration with its peak during the phase (Linux: VmHWM reset through /proc/self/clear_refs).
Run side by side with ours: npx tsx tools/benchmark.ts configs/apvit/RAF.ts --backend tensorflow --batch 32 --compare-torch"""
import argparse, json, re, time, torch, torch.nn as nn, torch.nn.functional as F

def status_mib(field):
    try:
        with open('/proc/self/status') as f: return int(re.search(rf'^{field}:\s+(\d+) kB', f.read(), re.M).group(1)) / 1024
    except (OSError, AttributeError):
        import resource; return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
    except OSError: pass

class Trace:
    def __init__(s): s.peak = status_mib('VmHWM'); s.phases = []; reset_peak()
    def start(s): s.phases = []
    def mark(s, phase):
        p = status_mib('VmHWM'); s.peak = max(s.peak, p)
        s.phases.append({'phase': phase, 'rssMiB': status_mib('VmRSS'), 'peakRssMiB': p}); reset_peak()

class BottleneckIR(nn.Module):
    def __init__(s, cin, depth, stride):
        super().__init__()
        s.shortcut_layer = nn.MaxPool2d(1, stride) if cin == depth else nn.Sequential(nn.Conv2d(cin, depth, 1, stride, bias=False), nn.BatchNorm2d(depth))
        s.res_layer = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, depth, 3, 1, 1, bias=False), nn.PReLU(depth),
                                    nn.Conv2d(depth, depth, 3, stride, 1, bias=False), nn.BatchNorm2d(depth))
    def forward(s, x): return s.shortcut_layer(x) + s.res_layer(x)

class IR50(nn.Module):
    def __init__(s):
        super().__init__()
        s.input_layer = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.PReLU(64))
        body = []
        for cin, depth, n in [(64, 64, 3), (64, 128, 4), (128, 256, 14)]:
            body.append(nn.Sequential(*[BottleneckIR(cin if u == 0 else depth, depth, 2 if u == 0 else 1) for u in range(n)]))
        s.body = nn.ModuleList(body)
    def forward(s, x):
        x = s.input_layer(x)
        for b in s.body: x = b(x)
        return x

class Block(nn.Module):
    def __init__(s, keep_rate, dim=768, heads=8):
        super().__init__()
        s.keep_rate, s.heads = keep_rate, heads
        s.norm1, s.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        s.qkv, s.proj = nn.Linear(dim, 3 * dim, bias=False), nn.Linear(dim, dim)
        s.fc1, s.fc2 = nn.Linear(dim, 3 * dim), nn.Linear(3 * dim, dim)
    def forward(s, x):
        B, N, C = x.shape
        qkv = s.qkv(s.norm1(x)).reshape(B, N, 3, s.heads, C // s.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        logits = (q @ k.transpose(-2, -1)) * (C // s.heads) ** -0.5
        a = logits.softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(B, N, C))
        if s.keep_rate < 1:
            keep = int((N - 1) * s.keep_rate)
            score = logits[:, :, 0, 1:].sum(1)
            idx = score.topk(keep, dim=1).indices + 1
            x = torch.cat([x[:, :1], torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, C))], 1)
        return x + s.fc2(F.gelu(s.fc1(s.norm2(x))))

class APViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.extractor = IR50()
        s.proj = nn.Conv2d(256, 768, 1)
        s.cls_token = nn.Parameter(torch.zeros(1, 1, 768)); s.pos = nn.Parameter(torch.randn(1, 196, 768) * .02); s.cls_pos = nn.Parameter(torch.zeros(1, 1, 768))
        s.blocks = nn.ModuleList([Block(1.0) for _ in range(4)] + [Block(0.9) for _ in range(4)])
        s.norm = nn.LayerNorm(768, eps=1e-6); s.fc = nn.Linear(768, 7)
    def forward(s, img):
        x = s.proj(s.extractor(img)).flatten(2).transpose(1, 2) + s.pos
        idx = x.abs().sum(-1).topk(160, dim=1).indices
        x = torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, 768))
        x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1) + s.cls_pos, x], 1)
        for b in s.blocks: x = b(x)
        return s.fc(s.norm(x)[:, 0])

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--batch', type=int, default=32); p.add_argument('--iters', type=int, default=3); p.add_argument('--train', action='store_true')
    a = p.parse_args(); torch.manual_seed(0)
    m = APViT(); x = torch.randn(a.batch, 3, 112, 112); y = torch.randint(0, 7, (a.batch,)); tr = Trace()
    if a.train:
        m.train(); opt = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=.9)
        def step():
            tr.start(); opt.zero_grad(); loss = F.cross_entropy(m(x), y); tr.mark('forward')
            loss.backward(); tr.mark('backward'); opt.step(); tr.mark('step')
    else:
        m.eval()
        def step():
            tr.start()
            with torch.no_grad(): m(x)
            tr.mark('forward')
    step(); best = 1e9
    for _ in range(a.iters):
        t = time.perf_counter(); step(); best = min(best, time.perf_counter() - t)
    print(f"torch {'train' if a.train else 'infer'} batch {a.batch}: {a.batch / best:.2f} img/s (threads {torch.get_num_threads()}), peak RSS {tr.peak:.0f} MiB")
    print('phases ' + json.dumps(tr.phases))
