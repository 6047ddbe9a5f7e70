"""Problems found while reading X12: each names the file, the segment number and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

# What a problem cost: the whole file, one transaction set, one claim, or only one value (dropped).
REJECTED_SCOPES = ("file", "set", "claim", "value", "none")


@dataclass(frozen=True)
class Issue:
    """One problem in one input file.

    Attributes:
        file: The file as named by the user.
        segment: 1-based number of the segment in the file (counted from its first segment), 0 if unknown.
        problem: What is wrong, in words, quoting the offending value.
        rejected: What was left out because of it: "file", "set", "claim", "value" or "none" (a warning).
        claim_id: The claim (CLP01 / CLM01) concerned, when there is one.
    """

    file: str
    segment: int
    problem: str
    rejected: str = "set"
    claim_id: str | None = None

    @property
    def is_error(self) -> bool:
        """True when something was left out of the results (anything but a warning)."""
        return self.rejected != "none"

    def __str__(self) -> str:
        where = f"{self.file}: segment {self.segment}" if self.segment else self.file
        claim = f" (claim {self.claim_id})" if self.claim_id else ""
        return f"{where}{claim}: {self.problem}"


class X12Error(ValueError):
    """An X12 input cannot be read (or a part of it); the message names file, segment number and problem."""

    def __init__(self, file: str, segment: int, problem: str, rejected: str = "file", claim_id: str | None = None):
        self.issue = Issue(file, segment, problem, rejected, claim_id)
        super().__init__(str(self.issue))

    @property
    def file(self) -> str:
        """The file concerned."""
        return self.issue.file

    @property
    def segment(self) -> int:
        """The 1-based segment number in the file."""
        return self.issue.segment

    @property
    def problem(self) -> str:
        """What is wrong."""
        return self.issue.problem
