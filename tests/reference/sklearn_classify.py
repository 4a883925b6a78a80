"""scikit-learn's classifiers and classification metrics on data the tests wrote, for the classifier tests.

Usage: sklearn_classify.py DIR. Reads params.json (n, K, labels, and which parts to compute),
X.bin (n×K little-endian float64) and, for cross-validation, folds.bin (int32, as
`PredefinedSplit(test_fold=folds)`); prints JSON.
"""
import json
import sys
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit, cross_val_predict, cross_val_score

warnings.simplefilter("ignore")  # zero_division and convergence warnings: the values are what is compared


def main(folder):
    p = json.load(open(f"{folder}/params.json"))
    out = {}
    if "unique" in p:
        out["unique"] = np.unique(p["unique"]).tolist()
    if "metrics" in p:
        m = p["metrics"]
        truth, pred, classes = np.array(m["truth"]), np.array(m["predicted"]), m["classes"]
        scores = np.array(m["scores"])
        out["accuracy"] = accuracy_score(truth, pred)
        out["macroF1"] = f1_score(truth, pred, average="macro")
        out["confusion"] = confusion_matrix(truth, pred, labels=list(range(classes))).tolist()
        if classes == 2:
            out["rocAuc"] = roc_auc_score(truth, scores[:, -1])
        else:
            out["rocAuc"] = roc_auc_score(truth, scores, multi_class="ovr", average="macro")
    if "rosenbrock" in p:
        d = p["rosenbrock"]

        def f(x):
            v = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
            g = np.zeros_like(x)
            g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
            g[1:] += 200 * (x[1:] - x[:-1] ** 2)
            return v, g

        r = minimize(f, np.array(d["x0"]), jac=True, method="L-BFGS-B", options={"maxiter": d["maxIter"], "gtol": d["gtol"]})
        out["rosenbrock"] = {"x": r.x.tolist(), "fun": r.fun, "nit": int(r.nit), "nfev": int(r.nfev), "status": int(r.status)}
    if "K" not in p:
        print(json.dumps(out))
        return
    n, K = p["n"], p["K"]
    X = np.fromfile(f"{folder}/X.bin", dtype="<f8").reshape(n, K)
    y = np.array(p["labels"])
    if "ridge" in p:
        model = RidgeClassifier(alpha=p["ridge"]["alpha"], fit_intercept=p["ridge"]["intercept"]).fit(X, y)
        out["ridge"] = {
            "classes": model.classes_.tolist(),
            "coef": np.atleast_2d(model.coef_).tolist(),
            "intercept": np.atleast_1d(model.intercept_).tolist(),
            "decision": np.asarray(model.decision_function(X)).tolist(),
            "predict": model.predict(X).tolist(),
        }
    if "logistic" in p:
        q = p["logistic"]
        model = LogisticRegression(C=q["C"], fit_intercept=q["intercept"], max_iter=q.get("maxIter", 100)).fit(X, y)
        out["logistic"] = {
            "classes": model.classes_.tolist(),
            "coef": model.coef_.tolist(),
            "intercept": model.intercept_.tolist(),
            "proba": model.predict_proba(X).tolist(),
            "predict": model.predict(X).tolist(),
            "nIter": int(model.n_iter_[0]),
        }
    if "ridgeCv" in p:
        folds = np.fromfile(f"{folder}/folds.bin", dtype="<i4")
        cv = PredefinedSplit(test_fold=folds)
        search = GridSearchCV(RidgeClassifier(), {"alpha": p["ridgeCv"]["lambdas"]}, cv=cv, scoring="accuracy").fit(X, y)
        r = search.cv_results_
        best = search.best_estimator_
        out["ridgeCv"] = {
            "foldAccuracy": [r[f"split{i}_test_score"].tolist() for i in range(search.n_splits_)],
            "meanAccuracy": r["mean_test_score"].tolist(),
            "bestIndex": int(search.best_index_),
            "coef": np.atleast_2d(best.coef_).tolist(),
            "intercept": np.atleast_1d(best.intercept_).tolist(),
            "decision": np.asarray(cross_val_predict(RidgeClassifier(alpha=best.alpha), X, y, cv=cv, method="decision_function")).tolist(),
        }
    if "logisticCv" in p:
        folds = np.fromfile(f"{folder}/folds.bin", dtype="<i4")
        cv = PredefinedSplit(test_fold=folds)
        model = LogisticRegression(C=p["logisticCv"]["C"])
        out["logisticCv"] = {
            "foldAccuracy": cross_val_score(model, X, y, cv=cv, scoring="accuracy").tolist(),
            "proba": cross_val_predict(model, X, y, cv=cv, method="predict_proba").tolist(),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
