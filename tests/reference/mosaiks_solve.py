"""The MOSAIKS paper's ridge solve, re-implemented in NumPy/SciPy for the tests.

Follows `mosaiks/solve/solve_functions.py` and `interpret_results.py` of
github.com/Global-Policy-Lab/mosaiks-paper (Rolf et al. 2021), written anew from their
description:

- `ridge_regression`: centre on the training rows when there is an intercept, then per λ
  `scipy.linalg.solve(XᵀX + λI, Xᵀy, assume_a='pos')`; a λ whose solve raises a
  LinAlgWarning (reciprocal condition number below machine epsilon) is flagged;
  predictions clipped to the given bounds; test metrics R² (`sklearn.metrics.r2_score`)
  and MSE.
- `kfold_solve`: `KFold(5, shuffle=True, random_state=0)` over the rows given.
- `find_best_hp_idx`: λ flagged on any fold are dropped; the rest are averaged over the
  folds and the first maximum of the mean R² is chosen.
- the cross-validation R² the paper reports: `r2_score` of the out-of-fold predictions of
  every fold stacked together at the chosen λ (pooled), not the mean of the fold R².
- the protocol: `RandomState(0).choice(n, n, replace=False)`, the first n − int(0.2 n)
  rows train, the rest test; k-fold on the training rows; refit on them with the chosen λ
  and score on the test rows.

Usage: mosaiks_solve.py DIR (reads X.bin, y.bin and params.json; prints JSON).
"""
import json
import sys
import warnings

import numpy as np
from scipy import linalg
from scipy.linalg import LinAlgWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold


def ridge_regression(X_train, X_test, y_train, y_test, lambdas, intercept, clip_bounds):
    if intercept:
        x_offset = X_train.mean(axis=0)
        y_offset = y_train.mean(axis=0)
    else:
        x_offset = np.zeros(X_train.shape[1])
        y_offset = np.zeros(y_train.shape[1])
    Xc = X_train - x_offset
    yc = y_train - y_offset
    XtX = Xc.T @ Xc
    XtY = Xc.T @ yc
    out = []
    for lam in lambdas:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = linalg.solve(XtX + lam * np.eye(XtX.shape[0]), XtY, assume_a="pos")
        warned = any(issubclass(w.category, LinAlgWarning) for w in caught)
        pred = (X_test - x_offset) @ model + y_offset
        if clip_bounds is not None:
            for t, (lo, hi) in enumerate(clip_bounds):
                pred[:, t] = np.clip(pred[:, t], lo, hi)
        out.append(
            {
                "warning": warned,
                "pred": pred,
                "r2": [r2_score(y_test[:, t], pred[:, t]) for t in range(y_test.shape[1])],
                "mse": [float(np.mean((y_test[:, t] - pred[:, t]) ** 2)) for t in range(y_test.shape[1])],
            }
        )
    return out


def kfold_solve(X, y, lambdas, intercept, clip_bounds, num_folds=5):
    kf = KFold(n_splits=num_folds, shuffle=True, random_state=0)
    folds = []
    for train_idxs, val_idxs in kf.split(X):
        folds.append(
            {
                "test": val_idxs,
                "results": ridge_regression(X[train_idxs], X[val_idxs], y[train_idxs], y[val_idxs], lambdas, intercept, clip_bounds),
            }
        )
    return folds


def find_best_hp_idx(folds, t):
    warned = np.array([[r["warning"] for r in f["results"]] for f in folds])
    allowable = np.where(~warned.any(axis=0))[0]
    assert len(allowable) > 0, "all of your hp indices resulted in warnings so none is optimal"
    vals = np.array([[f["results"][l]["r2"][t] for l in allowable] for f in folds])
    means = vals.mean(axis=0)
    return int(allowable[np.where(means == means.max())[0][0]])


def main(folder):
    params = json.load(open(f"{folder}/params.json"))
    n, K, T = params["n"], params["K"], params["T"]
    X = np.fromfile(f"{folder}/X.bin", dtype="<f8").reshape(n, K)
    y = np.fromfile(f"{folder}/y.bin", dtype="<f8").reshape(n, T)
    lambdas = params["lambdas"]
    clip = params.get("clip")

    # split_idxs_train_test(n, frac_test=0.2, seed=0)
    order = np.random.RandomState(seed=0).choice(n, n, replace=False)
    train_size = n - int(0.2 * n)
    train, test = order[:train_size], order[train_size:]

    folds = kfold_solve(X[train], y[train], lambdas, params["intercept"], clip)
    L = len(lambdas)
    mean_r2 = [[float(np.mean([f["results"][l]["r2"][t] for f in folds])) for t in range(T)] for l in range(L)]
    truth = np.vstack([y[train][f["test"]] for f in folds])
    pooled = [
        [float(r2_score(truth[:, t], np.vstack([f["results"][l]["pred"] for f in folds])[:, t])) for t in range(T)]
        for l in range(L)
    ]
    best = [find_best_hp_idx(folds, t) for t in range(T)]
    test_r2 = []
    for t in range(T):
        refit = ridge_regression(X[train], X[test], y[train], y[test], [lambdas[best[t]]], params["intercept"], clip)
        test_r2.append(refit[0]["r2"][t])
    print(
        json.dumps(
            {
                "train": train.tolist(),
                "test": test.tolist(),
                "warning": [bool(any(f["results"][l]["warning"] for f in folds)) for l in range(L)],
                "foldR2": [[[f["results"][l]["r2"][t] for t in range(T)] for l in range(L)] for f in folds],
                "foldMse": [[[f["results"][l]["mse"][t] for t in range(T)] for l in range(L)] for f in folds],
                "meanR2": mean_r2,
                "pooledR2": pooled,
                "best": best,
                "testR2": test_r2,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
