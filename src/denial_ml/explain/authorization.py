"""A claim's prior-authorization state, decided once and rendered by the factor sentences and by the checks.

The decision (the order matters: a claim missing its number is not also "expired"):

1. `missing`: a code on the claim needs prior authorization and the claim carries no number;
2. `not_on_file`: the claim carries a number no authorization on file has;
3. `on_file`: the number's authorization is on file; it may still be expired on the service date, not cover some
   of the codes that need it, or grant fewer units than billed;
4. `not_needed`: no number and no code that needs one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from denial_ml.explain.context import ClaimView

Status = Literal["missing", "not_on_file", "on_file", "not_needed"]
Verdict = Literal["missing", "not_on_file", "expired", "wrong_code", "units_exceeded", "covered", "not_needed"]


@dataclass(frozen=True)
class AuthorizationState:
    """What is true of one claim's prior authorization.

    Attributes:
        status: See the module docstring.
        number: The claim's authorization number (None when it has none).
        required: Codes on the claim the payer requires authorization for, in line order.
        start: First day the authorization on file is valid (a day number; NaN without one).
        end: Its last valid day.
        covered: The codes it covers, space-padded (" 97153 97155 "; "" without one).
        units_granted: The units it grants.
        expired: It is not valid on the service date.
        uncovered_codes: Required codes it does not cover.
        uncovered_lines: Positions of the lines billing such a code.
        units_exceeded: The claim bills more units of its codes than it grants.
        units_used: Those units (0 unless exceeded).
    """

    status: Status
    number: str | None
    required: tuple[str, ...]
    start: float = float("nan")
    end: float = float("nan")
    covered: str = ""
    units_granted: float = 0.0
    expired: bool = False
    uncovered_codes: tuple[str, ...] = ()
    uncovered_lines: tuple[int, ...] = ()
    units_exceeded: bool = False
    units_used: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """The one problem a sentence names: the status, or for an authorization on file its first problem."""
        if self.status != "on_file":
            return self.status
        if self.expired:
            return "expired"
        if self.uncovered_codes:
            return "wrong_code"
        return "units_exceeded" if self.units_exceeded else "covered"


def authorization_state(view: ClaimView) -> AuthorizationState:
    """Decide the claim's authorization state (once per view: sentences and checks share it).

    Args:
        view: The claim, its feature values and the fitted builder's authorizations on file.

    Returns:
        The state; expiry and units come from the model's own features (`auth_expired`, `auth_units_exceeded`).
    """
    if "authorization" not in view.cache:
        view.cache["authorization"] = _decide(view)
    state: AuthorizationState = view.cache["authorization"]
    return state


def _decide(view: ClaimView) -> AuthorizationState:
    number = view.claim.get("prior_auth_number")
    required = tuple(view.auth_required_codes())
    record = view.auth_record()
    if required and not number:
        return AuthorizationState("missing", number, required)
    if number and record is None:
        return AuthorizationState("not_on_file", number, required)
    if record is None:  # most claims: one shared state (a frozen dataclass costs microseconds to build)
        return _not_needed(number, required)
    start, end, covered, units = record
    exceeded = bool(view.features["auth_units_exceeded"])
    return AuthorizationState(
        "on_file",
        number,
        required,
        start=start,
        end=end,
        covered=covered,
        units_granted=units,
        expired=bool(view.features["auth_expired"]),
        uncovered_codes=tuple(c for c in required if f" {c} " not in covered),
        uncovered_lines=tuple(
            i for i, line in enumerate(view.lines) if line["procedure_code"] in required and _pad(line) not in covered
        ),
        units_exceeded=exceeded,
        units_used=sum(line["units"] for line in view.lines if _pad(line) in covered) if exceeded else 0.0,
    )


@lru_cache(maxsize=64)
def _not_needed(number: str | None, required: tuple[str, ...]) -> AuthorizationState:
    return AuthorizationState("not_needed", number, required)


def _pad(line: dict) -> str:
    # Codes are matched space-padded so that 9715 never matches inside 97155.
    return f" {line['procedure_code']} "
