"""scikit-learn's PCA on the same rows springtail bench times (issue 3: fit within 3x of it).
Usage: /usr/bin/python3 pca_sklearn.py FILE N D P REPS -> one JSON line, best fit seconds.
FILE holds N x D float32, row-major. Fit only (no transform), as springtail's fit_seconds."""
import json, sys, time
import numpy as np
from sklearn.decomposition import PCA
f, n, d, p, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
X = np.fromfile(f, dtype=np.float32).reshape(n, d)
PCA(p, random_state=0).fit(X[:256])  # imports and first-call set-up outside the timing
best = float('inf')
for _ in range(reps):
    t = time.perf_counter(); PCA(p, random_state=0).fit(X); best = min(best, time.perf_counter() - t)
print(json.dumps({'peer': 'sklearn-pca', 'version': __import__('sklearn').__version__, 'seconds': best}))
