"""The catalogue of lithium-ion cell production steps: named templates over the generic behaviours.

A template is the process physics of one step (its behaviour, cycle time, yield, breakdowns,
changeover, whether it follows the shift calendar), each default with the source of its number in
shared/reference/battery-process.md ([Sx] tags, DERIVED arithmetic, or "assumption"). A scenario
names a template and overrides what it knows (`{name: formation, template: formation, machines: 70}`);
twin.spec.scenario.StationSpec merges the defaults under the scenario's keys. Plain data: nothing here
reads files or knows SimPy, and nothing here imports twin (twin.spec.scenario imports this module).

What a template leaves to the scenario is what depends on the line or on the lot size chosen for it:
machines, buffers, dwell capacities, batch sizes counted in trays (formation racks), assembly inputs
and cells per roll pair, and how many daughter rolls or trays a lot is split into.

Flow units: electrode steps (mixing ... vacuum_drying, notching) move *rolls* (material lots; their
cycle times are per roll), an assembly step (winding, stacking) turns a cathode and an anode roll
into cells, and every later step moves trays of cells (cycle times `per: cell`).

Cell scrap and material losses are kept apart (issue 12). BatPaC's process yields [S16] are mostly
*material* yields: slurry left in the mixer (mixing 99 %), coated web cut out (coating 95 %), foil edge
trim (slitting 92 %), separator (98 %) and electrolyte (filling 94 %). None of them scraps a cell or a
whole roll. The electrode ones are fixed area conversions in the scenario: lanes that fit the web
after edge trim (`split`), and cells per roll pair from the usable roll length (`cells_out`). They
show in kpis.material_yield (electrode area in good cells / area coated), not in the cell yield.
Separator and electrolyte are not in the flow (they would be a cost, not an output). The cell yields
below are what rejects cells: formation 98 % x EOL 97 % = BatPaC's 95 % cell yield (211 M cells built
for 200 M good [S16]), and about 99 % per assembly step (d.1). Calendering keeps a whole-roll scrap (a web
break, assumption): the one discrete roll loss.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

Area = Literal["electrode", "assembly", "finishing"]


@dataclass(frozen=True)
class Template:
    """One process step: StationSpec keys (YAML form, units written out) and where each comes from."""

    name: str
    area: Area
    summary: str
    defaults: Mapping[str, Any]
    sources: Mapping[str, str]
    optional: bool = False  # pouch-only steps
    notes: str = ""
    leaves: tuple[str, ...] = field(default=())  # keys a scenario must (or usually does) give


def _lognormal(mean: str, cv: float, per: str = "lot") -> dict[str, Any]:
    spec: dict[str, Any] = {"dist": "lognormal", "mean": mean, "cv": cv}
    if per != "lot":
        spec["per"] = per
    return spec


def _breakdowns(mtbf: str, mttr: str) -> dict[str, Any]:
    """Exponential time to failure (operating clock) and time to repair: the (d) convention."""
    return {"ttf": {"dist": "exponential", "mean": mtbf}, "ttr": {"dist": "exponential", "mean": mttr}}


BREAKDOWN_SHAPE = "exponential TTF/TTR is the (d) convention (assumption)"
BATCH_CV = "lognormal cv 0.1 for manual/batch durations, (d) convention (assumption)"
CELL_CV = "cv 0.1 per cell: assumption"

_TEMPLATES: tuple[Template, ...] = (
    # -- electrode: per roll ---------------------------------------------------------------------
    Template(
        "mixing", "electrode",
        "Slurry mixing (planetary/dissolver mixer under vacuum); one batch makes the slurry of one mother roll.",
        {
            "cycle_time": _lognormal("3 h", 0.1),
            "failures": _breakdowns("40 h", "1 h"),
            "setup": {"time": "2 h"},
        },
        {
            "cycle_time": "3 h per batch: (d.1) default within the a.1 range 2-4 h (assumption); " + BATCH_CV,
            "yield": "none (1.0): active-material mixing 99 % [S16] is slurry left in the mixer and lines, a "
                     "material loss before coating, not a batch scrapped",
            "failures": "MTBF 40 h / MTTR 1 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "2 h clean per chemistry (d.1, assumption)",
        },
        notes="One batch = one mother roll: a 300 L batch (d.1, assumption) is about one 2,000 m roll of slurry "
              "(assumption).",
    ),
    Template(
        "coating_drying", "electrode",
        "Slot-die coater with multi-zone convection dryer (NMP recovery for the cathode); one mother roll per job.",
        {
            "cycle_time": _lognormal("100 min", 0.05),
            "failures": _breakdowns("8 h", "45 min"),
            "setup": {"time": "3 h"},
        },
        {
            "cycle_time": "2,000 m roll (d.1, assumption) at 20 m/min (d.1, assumption; a.1 range 20-40 m/min) "
                          "= 100 min; cv 0.05 for a continuous web (assumption)",
            "yield": "none (1.0): slurry coating 95 % base -> 99 % optimised [S16] is coated web cut out (start-up, "
                     "splices, defects), a fixed area loss: the winder's cells_out counts 95 % of the roll length",
            "failures": "MTBF 8 h / MTTR 0.75 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "3 h slot-die clean (d.1; 'takes hours' [S40](LA))",
        },
        notes="Web 0.8 m (d.1); one coater per electrode at UKBIC, each line ~80 m [S9]. A scenario gives "
              "coated_m2_per_lot = web width x roll length (0.8 m x 2,000 m = 1,600 m2) for kpis.material_yield.",
    ),
    Template(
        "calendering", "electrode",
        "Two-roll calender press; one mother roll per job.",
        {
            "cycle_time": _lognormal("50 min", 0.05),
            "yield": 0.99,
            "failures": _breakdowns("24 h", "1 h"),
            "setup": {"time": "1 h"},
        },
        {
            "cycle_time": "2,000 m at 40 m/min (d.1, assumption; a.1: >= coater speed) = 50 min; cv 0.05 (assumption)",
            "yield": "99 % steady (d.1, assumption)",
            "failures": "MTBF 24 h / MTTR 1 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "1 h (d.1, assumption)",
        },
    ),
    Template(
        "slitting", "electrode",
        "Rotary-knife or laser slitter: cuts a mother roll into daughter rolls (one per lane, `split`).",
        {
            "cycle_time": _lognormal("33.3 min", 0.05),
            "failures": _breakdowns("24 h", "30 min"),
            "setup": {"time": "30 min"},
            "split": 11,
        },
        {
            "cycle_time": "2,000 m at 60 m/min (d.1, assumption; a.1 range 60-100 m/min) = 33.3 min; cv 0.05 (assumption)",
            "yield": "none (1.0): foil slitting 92 % base (edge trim) -> 99 % optimised [S16] is a fixed width loss, "
                     "fewer lanes (split), not a random scrap of whole rolls",
            "failures": "MTBF 24 h / MTTR 0.5 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "0.5 h (d.1, assumption)",
            "split": "11 lanes of 65 mm: the 92 % of a 0.8 m web (d.1) that edge trim leaves [S16] is 736 mm, which "
                     "holds 11 lanes of the 65 mm 21700 electrode (LG M50 teardown, Chen et al. 2020, J. Electrochem. "
                     "Soc. 167:080534: electrode height 65 mm); 715 mm of 800 mm used",
        },
    ),
    Template(
        "vacuum_drying", "electrode",
        "Vacuum oven drying a load of daughter rolls before the dry room; runs unattended round the clock.",
        {
            "kind": "batch",
            "cycle_time": "16 h",
            "batch": {"min": 8, "max": 8},
            "failures": _breakdowns("500 h", "4 h"),
            "shifts": False,
        },
        {
            "cycle_time": "16 h recipe (d.1; a.1 range 12-24 h, assumption), deterministic like a recipe",
            "batch": "8 rolls per load (d.1; a.1 range 6-12, assumption)",
            "failures": "MTBF 500 h / MTTR 4 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "shifts": "an oven cycle runs through the night (assumption)",
        },
    ),
    Template(
        "notching", "electrode",
        "Pouch only: laser or punch notching of a daughter roll into electrode sheets, paced to the stackers.",
        {
            "cycle_time": _lognormal("50 min", 0.05),
            "yield": 0.99,
            "failures": _breakdowns("24 h", "30 min"),
        },
        {
            "cycle_time": "a 2,000 m daughter roll at 40 m/min = 50 min (assumption; a.2 says only 'paced to stacker')",
            "yield": "99 % (assumption; BatPaC costs notching per electrode [S16] without a yield)",
            "failures": "as the calender, MTBF 24 h / MTTR 0.5 h (assumption); " + BREAKDOWN_SHAPE,
        },
        optional=True,
    ),
    # -- assembly: per cell ----------------------------------------------------------------------
    Template(
        "winding", "assembly",
        "Cylindrical winder (cathode/separator/anode/separator) with hi-pot test: turns one cathode and one "
        "anode daughter roll into `cells_out` jelly rolls.",
        {
            "kind": "assembly",
            "cycle_time": _lognormal("3.75 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("4 h", "15 min"),
            "setup": {"time": "4 h"},
        },
        {
            "cycle_time": "16 ppm = 3.75 s/cell, DERIVED d.1 from 0.1 GWh [S2], 18 Wh [S38]; line class [S33](LA); " + CELL_CV,
            "yield": "99 %: BatPaC's electrode-stacking yield [S16], taken as jelly rolls rejected at the hi-pot test "
                     "(assumption). d.1's 98 % is the separator's material yield [S16], not cells: not in the flow",
            "failures": "MTBF 4 h / MTTR 0.25 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "4 h format change (d.1, assumption)",
        },
        leaves=("inputs", "cells_out", "split"),
    ),
    Template(
        "stacking", "assembly",
        "Pouch only: Z-fold or single-sheet stacker turning notched cathode and anode rolls into cell stacks.",
        {
            "kind": "assembly",
            "cycle_time": _lognormal("30 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("4 h", "15 min"),
        },
        {
            "cycle_time": "60 sheets x 0.5 s/sheet = 30 s per cell per stacker, DERIVED a.2 from [S34](LA); sheet count "
                          "assumption; " + CELL_CV,
            "yield": "electrode stacking 99 % [S16]",
            "failures": "as the winder (assumption); " + BREAKDOWN_SHAPE,
        },
        optional=True,
        leaves=("inputs", "cells_out", "split", "machines"),
    ),
    Template(
        "can_welding", "assembly",
        "Can insertion, bottom and tab welding, grooving.",
        {
            "cycle_time": _lognormal("3.333 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("6 h", "15 min"),
            "setup": {"time": "4 h"},
        },
        {
            "cycle_time": "18 ppm = 3.333 s/cell (d.1, assumption: paced to the line with headroom over the winder); " + CELL_CV,
            "yield": "99 % steady, 97 % ramp-up (d.1, assumption)",
            "failures": "MTBF 6 h / MTTR 0.25 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "4 h (d.1, assumption)",
        },
    ),
    Template(
        "filling", "assembly",
        "Electrolyte vacuum dosing.",
        {
            "cycle_time": _lognormal("3.333 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("8 h", "30 min"),
            "setup": {"time": "2 h"},
        },
        {
            "cycle_time": "18 ppm = 3.333 s/cell (d.1, assumption); " + CELL_CV,
            "yield": "99 %: cells rejected at filling (dosing weight, leaks), assumption as d.1's other assembly "
                     "steps; no published figure. The 94 % base -> 99 % optimised of [S16] is the electrolyte's "
                     "material yield (electrolyte dosed per electrolyte in good cells): it costs electrolyte, not cells",
            "failures": "MTBF 8 h / MTTR 0.5 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "2 h (d.1, assumption)",
        },
        notes="Filling and electrode making are the key quality drivers in data from a real line [S30].",
    ),
    Template(
        "crimping", "assembly",
        "Crimp and seal (or laser cap weld), clean, sleeve.",
        {
            "cycle_time": _lognormal("3.333 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("8 h", "15 min"),
            "setup": {"time": "4 h"},
        },
        {
            "cycle_time": "18 ppm = 3.333 s/cell (d.1, assumption); " + CELL_CV,
            "yield": "99 % (d.1, assumption)",
            "failures": "MTBF 8 h / MTTR 0.25 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "setup": "4 h (d.1, assumption)",
        },
    ),
    # -- finishing -------------------------------------------------------------------------------
    Template(
        "wetting", "finishing",
        "Pre-aging / wetting rest on storage racks so the electrolyte soaks the jelly roll.",
        {"kind": "dwell", "cycle_time": "24 h"},
        {"cycle_time": "24 h (d.1, assumption; a.1 range 12-48 h; cf. 10-14 d wetting + formation [S15])"},
        leaves=("capacity",),
    ),
    Template(
        "formation", "finishing",
        "Formation racks (cyclers with spring-pin contacts): a rack is a batch of trays, one channel per cell, "
        "charged by a fixed recipe.",
        {
            "kind": "batch",
            "cycle_time": "21 h",
            "yield": 0.98,
            "shifts": False,
        },
        {
            "cycle_time": "20 h recipe + 1 h load/unload (d.1; recipe <= 24 h [S13]); deterministic recipe (d)",
            "yield": "98 %: assumption, the formation share of the combined formation+aging+EOL 95 % [S16] "
                     "(cells failing the post-formation capacity/OCV check)",
            "shifts": "racks run round the clock; formation/aging/test is among the most automated areas [S11]",
        },
        notes="Rack size: 256 channels (d.1, assumption; a.1 range 256-1,200). Channels DERIVED by Little's law: "
              "starts/day x recipe h / 24 / utilisation 0.85-0.90 (d.1, e.3).",
        leaves=("machines", "batch"),
    ),
    Template(
        "degassing", "finishing",
        "Pouch only: degassing and final seal after formation (gas pocket cut under vacuum).",
        {
            "cycle_time": _lognormal("90 s", 0.1, per="cell"),
            "yield": 0.99,
            "failures": _breakdowns("8 h", "30 min"),
        },
        {
            "cycle_time": "1.5 min per cell (a.2 range 1-2 min, assumption); " + CELL_CV,
            "yield": "99 % (assumption: a.2 names it an extra scrap point without a figure)",
            "failures": "as filling (assumption); " + BREAKDOWN_SHAPE,
        },
        optional=True,
        leaves=("machines",),
    ),
    Template(
        "aging", "finishing",
        "Aging towers: high temperature then room temperature, OCV measured repeatedly.",
        {"kind": "dwell", "cycle_time": "14 d"},
        {"cycle_time": "3 d HT (45 C) + 11 d NT (22 C) = 14 d (d.1; up to 3 weeks [S13])"},
        notes="Rejects found by the aging OCV drift are scrapped at eol_test (self-discharge limit [S13]).",
        leaves=("capacity",),
    ),
    Template(
        "eol_test", "finishing",
        "End-of-line tester: OCV, ACIR/DCIR, self-discharge check; one test head per machine.",
        {
            "cycle_time": _lognormal("6 s", 0.05, per="cell"),
            "yield": 0.97,
            "failures": _breakdowns("24 h", "30 min"),
            "shifts": False,
        },
        {
            "cycle_time": "6 s per cell per head (d.1; a.1 range 2-10 s, assumption); cv 0.05 (assumption)",
            "yield": "97 %: assumption, the aging/EOL share of the combined 95 % [S16] (0.98 x 0.97 = 0.95); "
                     "self-discharge limit < 5 mV/week [S13]",
            "failures": "MTBF 24 h / MTTR 0.5 h (d.1, assumption); " + BREAKDOWN_SHAPE,
            "shifts": "automated test runs round the clock [S11]",
        },
        leaves=("machines",),
    ),
    Template(
        "grading", "finishing",
        "Sorter: bins cells by capacity and internal resistance and packs them at shipping SOC.",
        {
            "cycle_time": _lognormal("1.5 s", 0.05, per="cell"),
            "failures": _breakdowns("24 h", "30 min"),
            "shifts": False,
        },
        {
            "cycle_time": "1.5 s per cell = 40 ppm per sorter (assumption; binning by capacity/IR [S13])",
            "failures": "as the EOL tester (assumption); " + BREAKDOWN_SHAPE,
            "shifts": "automated sorter, round the clock [S11]",
        },
        notes="Binning is described, not simulated: the engine has no multi-output routing, so every good cell "
              "leaves as one product; bin shares would be a post-processing of the good output.",
    ),
)

CATALOG: dict[str, Template] = {t.name: t for t in _TEMPLATES}
"""Every template by name."""


class UnknownTemplate(ValueError):
    """A scenario names a template the catalogue does not have."""


def names() -> list[str]:
    return list(CATALOG)


def template(name: str) -> Template:
    """The template called `name`; UnknownTemplate names the closest one."""
    try:
        return CATALOG[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), names(), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names())}"
        raise UnknownTemplate(f"unknown template {name!r} ({hint})") from None


def defaults(name: str) -> dict[str, Any]:
    """A fresh (deep) copy of the template's StationSpec defaults, safe to merge into."""
    return copy.deepcopy(dict(template(name).defaults))


def merge(spec: Mapping[str, Any]) -> dict[str, Any]:
    """`spec` (a station mapping naming a template) over its template's defaults.

    The scenario's keys win whole: a nested mapping such as cycle_time or failures replaces the
    template's, it is not merged key by key (a lognormal's cv must not leak into a constant), and
    a key set to null removes the default (`failures: null`: a station that does not break down).
    `yield` and its field name `yield_` are the same key."""
    base = defaults(spec["template"])
    given = set(spec)
    if given & {"yield", "yield_"}:
        given |= {"yield", "yield_"}
    merged = {key: value for key, value in base.items() if key not in given}
    merged.update(spec)
    return merged
