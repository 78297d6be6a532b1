"""The kinds of report (``ocdata/data/reports.yaml``): one declaration per notebook, read by the
planning, the index and the command line."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ocdata.errors import InputError, ParameterError
from ocdata.paths import PACKAGE_DATA, notebooks_dir

REGISTRY = PACKAGE_DATA / "reports.yaml"
SUBJECTS = {"country": ("country", "edition"), "countries": ("countries", "edition"), "edition": ("edition",),
            "metric": ("edition", "metric"), "example": ("country",)}
"""What a report is about, and the parameters that gives its notebook."""
COMMON_PARAMETERS = ("workbook", "tables")
LAYOUTS = ("scores", "countries", "list")
FIELDS = {"file": {"iso3", "edition", "codes"}, "title": {"country", "iso3", "edition", "group", "n"}}
METRIC_FIELD = "metric"
"""A field only the kinds about one metric of an edition have (``robustness_{edition}_{metric}``)."""
_KEYS = {"notebook", "subject", "file", "title", "index", "show_code", "in_all"}
_OPTIONAL = {"student": False}
"""Keys a kind may leave out, with their defaults."""


@dataclass(frozen=True)
class ReportKind:
    """One kind of report, as declared in ``reports.yaml``."""

    name: str
    notebook: str
    subject: str
    file: str
    title: str
    section: str
    layout: str
    label: str
    show_code: bool
    in_all: bool
    student: bool = False
    """A lesson rendered as its student version: solutions taken out before it runs."""

    @property
    def parameters(self) -> tuple[str, ...]:
        """The notebook's parameters (none for a lesson: it runs as a student runs it)."""
        return () if self.student else SUBJECTS[self.subject] + COMMON_PARAMETERS

    def notebook_path(self) -> Path:
        """The notebook's ``.ipynb`` (in :func:`ocdata.paths.notebooks_dir`)."""
        path = notebooks_dir() / f"{self.notebook}.ipynb"
        if not path.is_file():
            raise InputError(f"expected the notebook of report kind {self.name!r}, found no such file", file=path)
        return path


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _kind(name: str, entry: object) -> ReportKind:
    def bad(what: str) -> InputError:
        return InputError(f"report kind {name!r}: expected {what}", file=REGISTRY)

    if not isinstance(entry, dict) or not _KEYS <= set(entry) <= _KEYS | set(_OPTIONAL):
        raise bad(f"the keys {sorted(_KEYS)} (optional: {sorted(_OPTIONAL)}), "
                  f"found {sorted(entry) if isinstance(entry, dict) else entry!r}")
    entry = {**_OPTIONAL, **entry}
    index = entry["index"]
    if not isinstance(index, dict) or set(index) != {"section", "layout", "label"}:
        raise bad(f"index with section, layout and label, found {index!r}")
    if entry["subject"] not in SUBJECTS:
        raise bad(f"a subject of {sorted(SUBJECTS)}, found {entry['subject']!r}")
    if index["layout"] not in LAYOUTS:
        raise bad(f"a layout of {list(LAYOUTS)}, found {index['layout']!r}")
    extra = {METRIC_FIELD} if entry["subject"] == "metric" else set()
    for key, allowed in (("file", FIELDS["file"] | extra), ("title", FIELDS["title"] | extra)):
        if not isinstance(entry[key], str) or not _fields(entry[key]) <= allowed:
            raise bad(f"{key} with fields from {sorted(allowed)}, found {entry[key]!r}")
    if not _fields(index["label"]) <= FIELDS["title"] | extra:
        raise bad(f"an index label with fields from {sorted(FIELDS['title'] | extra)}, found {index['label']!r}")
    if not all(isinstance(entry[k], bool) for k in ("show_code", "in_all", "student")):
        raise bad("show_code, in_all and student to be true or false")
    return ReportKind(name=name, notebook=str(entry["notebook"]), subject=entry["subject"], file=entry["file"],
                      title=entry["title"], section=str(index["section"]), layout=index["layout"],
                      label=str(index["label"]), show_code=entry["show_code"], in_all=entry["in_all"],
                      student=entry["student"])


@cache
def report_kinds() -> dict[str, ReportKind]:
    """Every kind of report by name, in the registry's order (the index's order of sections)."""
    try:
        entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"expected the registry of reports, found {type(exc).__name__}", file=REGISTRY) from exc
    if not isinstance(entries, dict) or not entries:
        raise InputError("expected a mapping of report kinds", file=REGISTRY)
    return {str(name): _kind(str(name), entry) for name, entry in entries.items()}


def report_kind(name: str) -> ReportKind:
    """The kind called ``name``; ParameterError naming the kinds there are."""
    kinds = report_kinds()
    if name not in kinds:
        raise ParameterError(f"expected a kind of report ({', '.join(kinds)}), found {name!r}")
    return kinds[name]


def kinds_of(subject: str) -> list[ReportKind]:
    """The kinds about one ``subject`` (``country``, ``countries``, ``edition``, ``metric``, ``example``)."""
    return [kind for kind in report_kinds().values() if kind.subject == subject]
