"""Check that a code change leaves the scoring API's answers byte for byte the same: the whole app's responses
(status, headers but the per-request ones, body) to one-claim requests over a world's claims, variants of them
(an unseen patient, an authorization of another claim, a payer unknown to the model, other modifiers and pointers
with the lines reversed), requests of three claims, refused ones, what-ifs, and the OpenAPI document.

Run by hand:  .venv/bin/python bench/compare_api_responses.py --model DIR --data DIR --baseline-src OTHER_TREE/src
                  [--claims 500]
Each tree answers in its own process (the package imported from `src` beside this script or from the baseline's);
the script says how many answers differ and shows the first difference.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from asgi_call import asgi_request

HERE = Path(__file__).resolve().parent
PER_REQUEST_HEADERS = {b"x-request-id", b"date", b"server-timing", b"x-process-time"}


def variants(payload: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Copies of the first `n` claims (new ids) that reach the branches a world's own claims rarely do."""
    out = []
    for k, claim in enumerate(payload[:n]):
        v = copy.deepcopy(claim)
        v["claim_id"] += "-v"
        if k % 4 == 0:
            v.update(patient_id=f"PNEW{k}", member_id=None, rendering_provider_npi=None)
        if k % 4 == 1:
            v.update(eligibility_check_date=None, prior_auth_number="AUTH00000001", eligibility_checked=False)
        if k % 4 == 2:
            v["payer_id"] = "NOPE"
        if k % 4 == 3:
            v["lines"] = v["lines"][::-1]
            for i, line in enumerate(v["lines"]):
                line["modifiers"] = [["25"], ["59", "GP"], [], ["XU"]][(k + i) % 4]
                line["diagnosis_pointers"] = [None, [2, 1], [1], [4]][(k + i) % 4]
        out.append(v)
    return out


def requests(data: Path, n_claims: int) -> list[tuple[str, str, bytes]]:
    """(method, path, body) of every request compared."""
    import pandas as pd

    from denial_ml.service.validation import claims_payload

    claims = pd.read_parquet(data / "claims.parquet").sort_values(["submission_date", "claim_id"])
    half = n_claims // 2
    picked = pd.concat([claims.tail(n_claims - half), claims.sample(half, random_state=7)]).drop_duplicates("claim_id")
    lines = pd.read_parquet(data / "claim_lines.parquet", filters=[("claim_id", "in", list(picked["claim_id"]))])
    payload = claims_payload(picked, lines)
    bodies = [{"claims": [c]} for c in payload + variants(payload, 60)]
    bodies += [{"claims": payload[i : i + 3]} for i in range(0, 60, 3)]
    bodies += [{"claims": [payload[0], {"claim_id": "bad"}]}, {"claims": [{"claim_id": 1}]}]
    bodies += [{"claims": [payload[1], payload[1]]}]
    edits = {"prior_auth_number": "AUTH00000001", "line_modifiers": [{"line_number": 1, "modifiers": ["25"]}]}
    out = [("POST", "/v1/claims/score", json.dumps(b).encode()) for b in bodies]
    out += [("POST", "/v1/claims/what-if", json.dumps({"claim": c, "edits": edits}).encode()) for c in payload[:10]]
    return [*out, ("GET", "/openapi.json", b"")]


def answers(model: Path, data: Path, n_claims: int) -> list[list[Any]]:
    """This process's app's answers to `requests`: [status, headers, body] each."""
    from denial_ml.config import get_settings
    from denial_ml.server.app import create_app
    from denial_ml.service.testing import http_scope, make_services
    from denial_ml.store import WorklistStore

    with tempfile.TemporaryDirectory(prefix="compare-api-") as folder:
        store = WorklistStore(
            f"sqlite:///{Path(folder) / 'worklist.db'}", key_cache_seconds=get_settings().key_cache_seconds
        )
        store.migrate()
        token = store.create_key("compare", "biller").token
        app = create_app(services=make_services(store, model))
        loop = asyncio.new_event_loop()

        async def call(method: str, path: str, body: bytes) -> list[Any]:
            headers = [(b"x-api-key", token.encode()), (b"content-type", b"application/json")]
            scope = http_scope(app, method, path, [*headers, (b"content-length", str(len(body)).encode())])
            sent = await asgi_request(app, scope, body)
            kept = sorted([k.decode(), v.decode()] for k, v in sent[0]["headers"] if k not in PER_REQUEST_HEADERS)
            return [sent[0]["status"], kept, b"".join(m.get("body", b"") for m in sent[1:]).decode()]

        found = [loop.run_until_complete(call(*r)) for r in requests(data, n_claims)]
        store.close()
    return found


def run_tree(src: Path, args: argparse.Namespace, out: Path) -> None:
    """`answers` in a new process importing `denial_ml` from `src`, written to `out` (one JSON line each)."""
    command = [sys.executable, __file__, "--model", str(args.model), "--data", str(args.data), "--child", str(out)]
    command += ["--claims", str(args.claims)]
    env = {**os.environ, "PYTHONPATH": str(src), "DENIAL_ML_MAX_QUEUE_SECONDS": "3600"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"answering with {src} failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="Bundle folder.")
    parser.add_argument("--data", type=Path, required=True, help="World folder whose claims are sent.")
    parser.add_argument("--baseline-src", type=Path, help="The reference tree's src folder (required).")
    parser.add_argument("--claims", type=int, default=500, help="Claims sent one per request (and their variants).")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        found = answers(args.model, args.data, args.claims)
        args.child.write_text("".join(json.dumps(a) + "\n" for a in found))
        return
    if args.baseline_src is None:
        parser.error("--baseline-src is required")
    with tempfile.TemporaryDirectory(prefix="compare-api-") as folder:
        files = {name: Path(folder) / f"{name}.jsonl" for name in ("baseline", "this")}
        run_tree(args.baseline_src, args, files["baseline"])
        run_tree(HERE.parent / "src", args, files["this"])
        base, this = (files[name].read_text().splitlines() for name in ("baseline", "this"))
    differing = [i for i, (a, b) in enumerate(zip(base, this, strict=True)) if a != b]
    explained = sum('"factors":[{' in json.loads(a)[2] for a in this)
    print(f"{len(this)} answers ({explained} with factors), {len(differing)} differ")
    if differing:
        print(f"first difference, answer {differing[0]}:\n  baseline {base[differing[0]][:600]}\n  this     ", end="")
        print(this[differing[0]][:600])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
