"""umap-learn's fit (n_neighbors 15, min_dist 0.1, 2 components, as springtail's defaults) on the
rows springtail bench times. numba compiles on the first fit, so a small fit runs first.
Usage: /usr/bin/python3 umap_learn.py FILE N D -> one JSON line with the fit seconds."""
import json, sys, time
import numpy as np, umap
f, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.fromfile(f, dtype=np.float32).reshape(n, d)
umap.UMAP(n_components=2, random_state=None).fit(X[:500])
t = time.perf_counter(); umap.UMAP(n_components=2, random_state=None).fit(X); t = time.perf_counter() - t
print(json.dumps({'peer': 'umap-learn', 'version': umap.__version__, 'seconds': t}))
