"""A model card per bundle (`model_card.md` and a standalone `model_card.html`): what the model is for, what it
was trained on, how well it does against its baselines (with intervals), by group, where it falls short, and
the quality gate's verdict.

Built from the bundle's own metrics and metadata; the slices by payer type, claim type, specialty, patient age
band and sex come from `card_slices`, computed by the training run on the test period.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from denial_ml.modeling.evaluate import slice_metrics

CARD_MD = "model_card.md"
CARD_HTML = "model_card.html"
AGE_BANDS = ((0, 18, "0-17"), (18, 45, "18-44"), (45, 65, "45-64"), (65, 200, "65 and over"))
SMALL_GROUP = 50  # a group's ROC-AUC on fewer test claims is too noisy to read (marked in the card)
INTENDED_USE = (
    "Ranks a practice's claims by the probability that the payer denies them on first submission, so that a "
    "biller reviews the riskiest claims before they are sent, and names the likely denial category. It is a "
    "work-queue aid: it decides nothing about a patient's care or coverage, and a low risk is no guarantee of "
    "payment."
)
LIMITATIONS = (
    "Learnt from this practice's (or world's) own history: payers, codes and rules it has not seen are scored "
    "from their families and the payer's overall rates only.",
    "Outcomes are the first decision of each claim under the project's denial rule; appeals and later "
    "corrections are not what it predicts.",
    "Fields an export lacked were filled with defaults (see README 'Onboarding'): features built on them "
    "(eligibility checks, patient age, submission lag) carry no information for such data.",
    f"Groups with fewer than {SMALL_GROUP} test claims are listed but their ROC-AUC is not meaningful.",
    "The test period is the latest 18 % of claims; payer behaviour changes after it (watch `denial-ml drift`).",
)


def age_bands(age_years: pd.Series) -> pd.Series:
    """Patient age in years -> band label ("unknown" when the birth date is missing)."""
    out = pd.Series("unknown", index=age_years.index, dtype=object)
    for low, high, label in AGE_BANDS:
        out[(age_years >= low) & (age_years < high)] = label
    return out


def card_slices(
    claims: pd.DataFrame, tables: dict[str, pd.DataFrame], y: np.ndarray, risk: np.ndarray
) -> dict[str, dict]:
    """Test-period metrics by payer type, claim type, specialty, patient age band and sex.

    Args:
        claims: The test period's claims (rows aligned with `y` and `risk`). tables: The world's tables.
    """
    payer_type = claims["payer_id"].map(tables["payers"].set_index("payer_id")["payer_type"])
    providers = tables["providers"].set_index("provider_npi")["specialty"]
    npi = claims["rendering_provider_npi"].where(
        claims["rendering_provider_npi"].notna(), claims["billing_provider_npi"]
    )
    patients = tables["patients"].set_index("patient_id")
    birth = pd.to_datetime(claims["patient_id"].map(patients["birth_date"]))
    age = (pd.to_datetime(claims["service_date_from"]) - birth).dt.days / 365.25
    groups = {
        "payer type": payer_type,
        "claim type": claims["claim_type"],
        "specialty": npi.map(providers),
        "patient age band": age_bands(age),
        "sex": claims["patient_id"].map(patients["sex"]),
    }
    return {
        name: slice_metrics(y, risk, values.fillna("unknown").astype(str).to_numpy()) for name, values in groups.items()
    }


def _metric_rows(metrics: dict) -> list[list[str]]:
    test = metrics["test"]
    intervals = test.get("intervals", {})
    rows = []
    for name, key, m in [("LightGBM (calibrated)", "lightgbm", test)] + [
        (k, k, v) for k, v in test.get("baselines", {}).items()
    ]:
        ci = intervals.get(key, {})
        shown = [
            f"{m[k]:.3f}" + (f" [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" if k in ci else "") for k in ("roc_auc", "pr_auc")
        ]
        label = f"{name} (the truth: the ceiling)" if key == "truth" else name
        rows.append([label, *shown, f"{m['brier']:.4f}", f"{m['ece']:.4f}"])
    return rows


def _slice_rows(entries: dict) -> list[list[str]]:
    rows = []
    for group, e in sorted(entries.items(), key=lambda kv: -kv[1]["n"]):
        auc = e.get("roc_auc")
        shown = "-" if auc is None else f"{auc:.3f}" + (" (few claims)" if e["n"] < SMALL_GROUP else "")
        rows.append([group, str(e["n"]), f"{e['denial_rate']:.3f}", f"{e['mean_risk']:.3f}", shown])
    return rows


def card_sections(metrics: dict, metadata: dict) -> list[tuple[str, list]]:
    """The card as (heading, blocks); a block is a paragraph (str), a table (list of rows, header first) or a
    bullet list (tuple of str)."""
    gate = metrics.get("gate") or metadata.get("gate") or {}
    verdict = "FIT FOR USE" if gate.get("for_use", True) else "NOT FOR USE"
    periods = metadata.get("periods", {})
    n_rows = metrics.get("n_rows", {})
    data = [
        f"Claims submitted {min(p[0] for p in periods.values())} to {max(p[1] for p in periods.values())}; "
        f"{metadata.get('n_claims', '?')} decided claims, {gate.get('n_denials', '?')} of them denied."
        if periods
        else "Data period not recorded.",
        [["period", "first submission", "last submission", "claims"]]
        + [[p, *periods[p], str(n_rows.get(p, ""))] for p in periods],
    ]
    test = metrics["test"]
    truth = (
        f" The truth's ROC-AUC (synthetic data only) is {test['truth_roc_auc']:.3f}." if "truth_roc_auc" in test else ""
    )
    sections: list[tuple[str, list]] = [
        ("Verdict", [f"**{verdict}**: {gate.get('reason', 'no quality gate recorded')}."]),
        ("Intended use", [INTENDED_USE]),
        ("Data", data),
        (
            "Metrics on the test period",
            [
                "95 % bootstrap intervals in brackets; the baselines are what the model must beat." + truth,
                [["model", "ROC-AUC", "PR-AUC", "Brier", "ECE"], *_metric_rows(metrics)],
            ],
        ),
        (
            "Calibration",
            [
                "Predicted denial probability against the observed rate, test period:",
                "![calibration](plots/calibration.png)",
            ],
        ),
    ]
    for name, entries in (metrics.get("slices") or {}).items():
        header = [name, "claims", "denial rate", "mean risk", "ROC-AUC"]
        sections.append((f"Performance by {name}", [[header, *_slice_rows(entries)]]))
    sections.append(("Limitations", [LIMITATIONS]))
    return sections


def render_markdown(title: str, sections: list[tuple[str, list]]) -> str:
    """The card as Markdown."""
    out = [f"# {title}", ""]
    for heading, blocks in sections:
        out += [f"## {heading}", ""]
        for block in blocks:
            if isinstance(block, str):
                out += [block, ""]
            elif isinstance(block, tuple):
                out += [f"- {item}" for item in block] + [""]
            else:
                out += ["| " + " | ".join(block[0]) + " |", "|" + "---|" * len(block[0])]
                out += ["| " + " | ".join(row) + " |" for row in block[1:]] + [""]
    return "\n".join(out)


def render_html_body(title: str, sections: list[tuple[str, list]], folder: Path) -> str:
    """The card as an HTML fragment (the web model page embeds it); the plot is inlined as a data URI."""
    out = [f'<article class="model-card"><h1>{html.escape(title)}</h1>']
    for heading, blocks in sections:
        out.append(f"<h2>{html.escape(heading)}</h2>")
        for block in blocks:
            if isinstance(block, str) and block.startswith("!["):
                out.append(_image(folder / "plots" / "calibration.png"))
            elif isinstance(block, str):
                text = html.escape(block)
                out.append("<p>" + text.replace("**", "<strong>", 1).replace("**", "</strong>", 1) + "</p>")
            elif isinstance(block, tuple):
                out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block) + "</ul>")
            else:
                head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in block[0])
                body = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block[1:]
                )
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "".join(out) + "</article>"


def _image(path: Path) -> str:
    if not path.exists():
        return "<p>(no calibration plot in this bundle)</p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="calibration plot" width="440" src="data:image/png;base64,{data}">'


def write_model_card(folder: Path, metrics: dict, metadata: dict) -> list[Path]:
    """Write `model_card.md` and `model_card.html` into a bundle folder (before its checksums are written)."""
    title = f"Model card: {metadata.get('name', 'denial-risk')}"
    sections = card_sections(metrics, metadata)
    (folder / CARD_MD).write_text(render_markdown(title, sections), encoding="utf-8")
    body = render_html_body(title, sections, folder)
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head>"
        f"<body>{body}</body></html>"
    )
    (folder / CARD_HTML).write_text(page, encoding="utf-8")
    return [folder / CARD_MD, folder / CARD_HTML]


def read_card_body(folder: Path) -> str | None:
    """The HTML fragment of a bundle's model card (for the web model page), None when the bundle has none."""
    path = folder / CARD_HTML
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    start, end = text.find("<body>"), text.rfind("</body>")
    return text[start + len("<body>") : end] if start >= 0 and end > start else None
