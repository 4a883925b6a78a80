"""scikit-learn's anchor for bench/ridge-bench.mjs: GridSearchCV(Ridge) over the same folds and λ.

Usage: ridge_sklearn.py DIR (X.bin n×K float64, y.bin, folds.bin int32, params.json).
Prints JSON: the fit's seconds (loading excluded), the chosen λ and the mean fold R².
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, PredefinedSplit

folder = sys.argv[1]
params = json.load(open(f"{folder}/params.json"))
X = np.fromfile(f"{folder}/X.bin", dtype="<f8").reshape(params["n"], params["K"])
y = np.fromfile(f"{folder}/y.bin", dtype="<f8")
folds = np.fromfile(f"{folder}/folds.bin", dtype="<i4")
start = time.perf_counter()
search = GridSearchCV(Ridge(), {"alpha": params["lambdas"]}, cv=PredefinedSplit(folds), scoring="r2").fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "lambda": search.best_params_["alpha"], "meanR2": search.best_score_}))
