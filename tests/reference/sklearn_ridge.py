"""scikit-learn's Ridge and GridSearchCV(Ridge) on data the tests wrote, for the ridge tests.

Usage: sklearn_ridge.py DIR (reads X.bin, y.bin, params.json and, for a grid search,
folds.bin; prints JSON). The folds are passed as `PredefinedSplit(test_fold=folds)`.
"""
import json
import sys

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, PredefinedSplit


def main(folder):
    params = json.load(open(f"{folder}/params.json"))
    n, K, T = params["n"], params["K"], params["T"]
    X = np.fromfile(f"{folder}/X.bin", dtype="<f8").reshape(n, K)
    y = np.fromfile(f"{folder}/y.bin", dtype="<f8").reshape(n, T)
    if T == 1:
        y = y[:, 0]
    out = {}
    if "alpha" in params:
        model = Ridge(alpha=params["alpha"], fit_intercept=params["intercept"]).fit(X, y)
        out["coef"] = np.atleast_2d(model.coef_).tolist()  # T×K
        out["intercept"] = np.atleast_1d(model.intercept_).tolist()
    if "lambdas" in params:
        folds = np.fromfile(f"{folder}/folds.bin", dtype="<i4")
        search = GridSearchCV(
            Ridge(fit_intercept=params["intercept"]),
            {"alpha": params["lambdas"]},
            cv=PredefinedSplit(test_fold=folds),
            scoring="r2",
        ).fit(X, y)
        r = search.cv_results_
        splits = search.n_splits_
        out["meanR2"] = r["mean_test_score"].tolist()
        out["foldR2"] = [r[f"split{i}_test_score"].tolist() for i in range(splits)]
        out["bestIndex"] = int(search.best_index_)
        out["bestCoef"] = np.atleast_2d(search.best_estimator_.coef_).tolist()
        out["bestIntercept"] = np.atleast_1d(search.best_estimator_.intercept_).tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
