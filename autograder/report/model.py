"""The report's content, computed once and then written as HTML and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .attempts import PartAttempts
from .concepts import BankInfo
from .load import Batch, Recorded
from .lookhere import Lead
from .misconceptions import MisconceptionStat
from .similarity import Similarity
from .stats import CheckStat, ConceptStat, Distribution, Incident, IncidentGroup


@dataclass
class Report:
    out: Path
    generated: str                        # ISO time
    graded: list[Recorded]
    bank: BankInfo
    distributions: list[Distribution]     # the total first, then the parts
    checks: list[CheckStat]               # most failed first
    concepts: list[ConceptStat]           # most failed first
    incidents: list[Incident]
    similarity: Similarity | None
    similarity_note: str                  # why there is no similarity, or where code came from
    sources: dict[str, str | None]        # submission -> where its code was read (None: not)
    attempts: list[PartAttempts] = field(default_factory=list)   # per part, tried or skipped
    incident_groups: list[IncidentGroup] = field(default_factory=list)  # incidents by cause
    batch: Batch | None = None            # OUT/batch.json: the grading run's wall time
    leads: list[Lead] = field(default_factory=list)   # "look here first", most pressing first
    misconceptions: list[MisconceptionStat] = field(default_factory=list)  # most students first
    plots: dict[str, str] = field(default_factory=dict)   # name -> data: URI
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def parts(self) -> list[str]:
        return [d.part for d in self.distributions[1:]]
