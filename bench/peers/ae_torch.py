"""PyTorch's one-hidden-layer autoencoder, exactly as ../shared/peers/baselines.py trains it
(relu code, sigmoid output, per-sample SSE averaged over minibatches of 64, Adam lr 1e-3), on the
rows springtail bench times. Usage: /usr/bin/python3 ae_torch.py FILE N D P EPOCHS THREADS ->
one JSON line with the best seconds per epoch."""
import json, sys, time
import numpy as np, torch
f, n, d, p, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
torch.manual_seed(0); torch.set_num_threads(threads)
xt = torch.from_numpy(np.fromfile(f, dtype=np.float32).reshape(n, d))
enc = torch.nn.Linear(d, p); dec = torch.nn.Linear(p, d)
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), 1e-3)
best = float('inf')
for ep in range(epochs):
    t = time.perf_counter(); perm = torch.randperm(n)
    for i in range(0, n, 64):
        b = xt[perm[i:i + 64]]; z = torch.relu(enc(b)); r = torch.sigmoid(dec(z))
        loss = ((r - b) ** 2).sum(1).mean(); opt.zero_grad(); loss.backward(); opt.step()
    best = min(best, time.perf_counter() - t)
print(json.dumps({'peer': 'torch-ae', 'version': torch.__version__, 'seconds': best}))
