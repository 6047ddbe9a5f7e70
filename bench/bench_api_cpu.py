"""Benchmark: server CPU of one-claim scoring requests, in process (issue #20's target: <= 1.5 ms a request).

Run by hand:  .venv/bin/python bench/bench_api_cpu.py --model DIR --data DIR [--baseline-src OTHER_TREE/src]
                  [--requests 300] [--repeats 7] [--rounds 2] [--claims 1]

CPU time (`time.process_time`, so other sessions' load changes it less than wall time) per one-claim request over
the world's most recent claims, the median of `--repeats` runs of `--requests` requests, at four levels:
  full       the whole app called as ASGI (middleware, API-key check, validation, scoring, JSON), without uvicorn
  scoring    `score_claims` and the JSON of its answer (what the route does)
  framework  the whole app with the scoring answered from a cache (middleware, key check, routing, JSON)
  lightgbm   the floor of the models: SHAP contributions of the denial model and the category model's predict
With `--baseline-src`, each round measures the baseline tree and then this one, each in its own process (the
package is imported from `src` beside this script or from the baseline's), and the ratio of the medians is printed.
`--claims N` sends requests of N claims each (the figures stay per request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asgi_call import asgi_request

HERE = Path(__file__).resolve().parent
LEVELS = ("full", "scoring", "framework", "lightgbm")


def median_ms(fn: Callable[[int], Any], requests: int, repeats: int) -> float:
    """Median over `repeats` runs of CPU ms per call of `fn(i)` for i in range(requests), after a warm-up."""
    for i in range(30):
        fn(i)
    runs = []
    for _ in range(repeats):
        start = time.process_time()
        for i in range(requests):
            fn(i)
        runs.append((time.process_time() - start) / requests * 1000)
    return statistics.median(runs)


def asgi_caller(app: Any, token: str, bodies: list[bytes]) -> Callable[[int], None]:
    """A function sending request `i` (its body of claims) to the ASGI app and checking the answer is 200."""
    from denial_ml.service.testing import http_scope

    loop = asyncio.new_event_loop()

    async def call(body: bytes) -> None:
        headers = [(b"x-api-key", token.encode()), (b"content-type", b"application/json")]
        scope = http_scope(app, "POST", "/v1/claims/score", [*headers, (b"content-length", str(len(body)).encode())])
        sent = await asgi_request(app, scope, body)
        if sent[0]["status"] != 200:
            raise SystemExit(f"request failed: {sent}")

    return lambda i: loop.run_until_complete(call(bodies[i % len(bodies)]))


def measure(model_dir: Path, data: Path, requests: int, repeats: int, per_request: int = 1) -> dict[str, float]:
    """CPU ms per request of `per_request` claims at each of `LEVELS` (this process's `denial_ml`)."""
    import pandas as pd

    import denial_ml.api.routes.claims as claims_route
    from denial_ml.config import get_settings
    from denial_ml.server.app import create_app
    from denial_ml.service.schemas import ScoreRequest
    from denial_ml.service.scoring import score_claims
    from denial_ml.service.testing import make_services
    from denial_ml.service.validation import check_claims, claim_records, claims_payload, line_records
    from denial_ml.store import WorklistStore

    claims = pd.read_parquet(data / "claims.parquet").sort_values(["submission_date", "claim_id"]).tail(500)
    lines = pd.read_parquet(data / "claim_lines.parquet", filters=[("claim_id", "in", list(claims["claim_id"]))])
    payload = claims_payload(claims, lines)
    groups = [payload[i : i + per_request] for i in range(0, len(payload) - per_request + 1, per_request)]
    bodies = [json.dumps({"claims": group}).encode() for group in groups]
    with tempfile.TemporaryDirectory(prefix="bench-api-cpu-") as folder:
        # The service's own store settings (the API-key cache where the tree has one: it runs on older trees too).
        cache = getattr(get_settings(), "key_cache_seconds", None)
        options = {} if cache is None else {"key_cache_seconds": cache}
        store = WorklistStore(f"sqlite:///{Path(folder) / 'worklist.db'}", **options)
        store.migrate()
        token = store.create_key("bench", "biller").token
        services = make_services(store, model_dir)
        served = services.models.served
        assert served is not None
        requests_in = [ScoreRequest.model_validate_json(b).claims for b in bodies]
        out = {}
        app_call = asgi_caller(create_app(services=services), token, bodies)
        out["full"] = median_ms(app_call, requests, repeats)
        out["scoring"] = median_ms(
            lambda i: score_claims(served, requests_in[i % len(bodies)]).model_dump_json(), requests, repeats
        )
        answers = [score_claims(served, r) for r in requests_in]
        original = claims_route.score_claims
        by_id = {raw[0]["claim_id"]: answer for raw, answer in zip(requests_in, answers, strict=True)}
        claims_route.score_claims = lambda model, raw: by_id[raw[0]["claim_id"]]
        try:
            out["framework"] = median_ms(app_call, requests, repeats)
        finally:
            claims_route.score_claims = original
        scorer = served.scorer
        rows = []
        for raw in requests_in[:100]:
            valid = check_claims(raw, served.payers).valid
            rows.append(scorer.builder.transform_records(claim_records(valid), line_records(valid)))

        def models(i: int) -> None:
            X = rows[i % len(rows)]
            scorer.denial_model.predict(X, pred_contrib=True, num_threads=1)
            scorer.category_model.predict(X, num_threads=1)

        out["lightgbm"] = median_ms(models, requests, repeats)
        store.close()
    return out


def run_tree(src: Path, args: argparse.Namespace) -> dict[str, float]:
    """`measure` in a new process importing `denial_ml` from `src`."""
    command = [sys.executable, __file__, "--model", str(args.model), "--data", str(args.data), "--child"]
    command += ["--requests", str(args.requests), "--repeats", str(args.repeats), "--claims", str(args.claims)]
    # The loop runs only while a request is answered, so the time between the levels would read as loop lag and
    # the load-shedding middleware (still called and still deciding) would refuse the next request.
    env = {**os.environ, "PYTHONPATH": str(src), "DENIAL_ML_MAX_QUEUE_SECONDS": "3600"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="Bundle folder.")
    parser.add_argument("--data", type=Path, required=True, help="World folder whose latest claims are sent.")
    parser.add_argument("--baseline-src", type=Path, help="Another tree's src folder to measure beside this one.")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="Baseline-then-this rounds (with --baseline-src).")
    parser.add_argument("--claims", type=int, default=1, help="Claims per request.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.model, args.data, args.requests, args.repeats, args.claims)))
        return
    trees = {"this": HERE.parent / "src"}
    if args.baseline_src:
        trees = {"baseline": args.baseline_src, **trees}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for _ in range(args.rounds if args.baseline_src else 1):
        for name, src in trees.items():
            found = run_tree(src, args)
            results[name].append(found)
            print(f"{name:8s} " + "  ".join(f"{level} {found[level]:.3f}" for level in LEVELS) + " ms CPU/request")
    medians = {name: {lv: statistics.median(r[lv] for r in runs) for lv in LEVELS} for name, runs in results.items()}
    for level in LEVELS:
        line = "  ".join(f"{name} {m[level]:.3f} ms" for name, m in medians.items())
        if "baseline" in medians:
            line += f"  ratio {medians['this'][level] / medians['baseline'][level]:.2f}"
        print(f"median {level:9s} {line}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
