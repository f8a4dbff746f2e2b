"""Calibration: fit a scenario's random inputs from a line's event log (docs/calibration.md).

Per station, from the log read by twin.analysis.eventdata:

- cycle times: each lot's processing time is the working time of its machine between the lot's
  start and finish (setup, repairs and off-shift pauses in between are not processing); a batch
  load counts once; with `per: cell` the lot time is turned back into the cell draw the twin sums
  (x = m + (d - n m) / sqrt(n), m = sum d / sum n: exact for the twin's model of a lot of n cells);
- time to failure on the base's clock (operating: working time only; calendar: all time not down)
  between the end of a repair and the next failure, right-censored at the log's end;
- time to repair: the length of each down period; setup: the setup time of each changeover
  (a setup paused by a shift end or a failure counts once, its pauses left out);
- yield: good / processed cells with an exact (Clopper-Pearson) binomial interval;
- off-shift share: off-shift machine time / machine time (reported, compared with the calendar).

Durations are fitted by maximum likelihood (scipy.stats) in each family the scenario schema offers
with a location of 0 (exponential, lognormal, gamma, Weibull); the family with the smallest AIC
wins, and a Kolmogorov-Smirnov test of the winner is reported. A 95 % interval for each mean comes
with it: t-based for the sample mean, chi-square (exact for exponential failures) for the MTTF.
"""

from __future__ import annotations

import math
import warnings as _warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np
from scipy import stats

from stations.states import DOWN, OFF_SHIFT, SETUP, STATE_NAMES, WORKING
from twin.analysis.eventdata import EventData, LogError
from twin.sim.eventlog import LOT_EVENTS
from pydantic import TypeAdapter

from twin.spec.scenario import Scenario, StationSpec

START, FINISH, SCRAP = LOT_EVENTS.index("start"), LOT_EVENTS.index("finish"), LOT_EVENTS.index("scrap")
MIN_DURATIONS = 30
"""Fewest observations for a cycle, repair or setup time fit; fewer keep the base's value."""
MIN_FAILURES = 10
"""Fewest observed failures for a time-to-failure fit."""
MIN_CELLS = 100
"""Fewest processed cells for a yield."""
MAX_FIT_SAMPLE = 200_000
"""Larger samples are thinned (every k-th value) for the maximum-likelihood fits; means use all."""
FAMILIES = {"exponential": stats.expon, "lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
PARAMETERS = {"exponential": 1, "lognormal": 2, "gamma": 2, "weibull": 2}


@dataclass
class DurationFit:
    """One fitted duration distribution."""

    station: str
    what: str  # cycle_time, ttf, ttr, setup
    n: int  # observations (failures for ttf)
    censored: int
    family: str
    spec: dict[str, Any]  # the distribution as the scenario writes it
    mean_s: float
    ci95_s: tuple[float, float]
    aic: dict[str, float]
    ks_statistic: float
    ks_p_value: float
    base_mean_s: Optional[float] = None

    def comment(self, log: str) -> str:
        cens = f", {self.censored} censored" if self.censored else ""
        return (f"fitted from {log}: n={self.n}{cens}, {self.family} by AIC, mean {self.mean_s:.4g} s "
                f"[{self.ci95_s[0]:.4g}, {self.ci95_s[1]:.4g}] 95% CI, KS D={self.ks_statistic:.3f} p={self.ks_p_value:.3g}")


@dataclass
class YieldFit:
    station: str
    processed_cells: int
    scrapped_cells: int
    yield_: float
    ci95: tuple[float, float]
    base_yield: float = 1.0

    def comment(self, log: str) -> str:
        return (f"fitted from {log}: {self.scrapped_cells} of {self.processed_cells} cells scrapped, "
                f"binomial 95% CI [{self.ci95[0]:.5f}, {self.ci95[1]:.5f}]")


@dataclass
class StationShares:
    station: str
    machine_hours: float
    states: dict[str, float]  # share of machine time in each state
    off_shift_share: float


@dataclass
class ProductCycle:
    station: str
    product: str
    n: int
    mean_s: float
    ci95_s: tuple[float, float]


@dataclass
class Calibration:
    """What a log gave: the fits, the shares, and what could not be fitted (kept from the base)."""

    log: str
    hours: float
    rows: int
    durations: list[DurationFit] = field(default_factory=list)
    yields: list[YieldFit] = field(default_factory=list)
    shares: list[StationShares] = field(default_factory=list)
    products: list[ProductCycle] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fit(self, station: str, what: str) -> Optional[DurationFit]:
        return next((f for f in self.durations if f.station == station and f.what == what), None)

    def yield_of(self, station: str) -> Optional[YieldFit]:
        return next((f for f in self.yields if f.station == station), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- fitting -------------------------------------------------------------------------------------
def _thin(values: np.ndarray) -> np.ndarray:
    if len(values) <= MAX_FIT_SAMPLE:
        return values
    return values[:: int(math.ceil(len(values) / MAX_FIT_SAMPLE))]


def _spec(family: str, params: tuple, per_cell: bool) -> tuple[dict[str, Any], float]:
    """The scenario's spelling of a fitted scipy distribution, and its mean in seconds."""
    if family == "exponential":
        mean = params[-1]
        spec: dict[str, Any] = {"dist": "exponential", "mean": _duration(mean)}
    elif family == "lognormal":
        s, scale = params[0], params[-1]
        mean = scale * math.exp(s * s / 2)
        spec = {"dist": "lognormal", "mean": _duration(mean), "cv": _number(math.sqrt(math.expm1(s * s)))}
    elif family == "gamma":
        a, scale = params[0], params[-1]
        mean = a * scale
        spec = {"dist": "gamma", "mean": _duration(mean), "cv": _number(1 / math.sqrt(a))}
    else:
        c, scale = params[0], params[-1]
        mean = scale * math.gamma(1 + 1 / c)
        spec = {"dist": "weibull", "shape": _number(c), "scale": _duration(scale)}
    if per_cell:
        spec["per"] = "cell"
    return spec, mean


def _duration(seconds: float) -> str:
    return f"{seconds:.6g} s" if seconds < 1e5 else f"{seconds / 3600:.6g} h"


def _number(value: float) -> float:
    return float(f"{value:.5g}")


def fit_durations(values: np.ndarray, censored: np.ndarray | None = None, per_cell: bool = False
                  ) -> tuple[str, tuple, dict[str, float], float, float]:
    """Maximum-likelihood fit in each family (location 0); the AIC-best family, its parameters,
    every family's AIC, and the KS statistic and p-value of the best against the observed values."""
    observed = _thin(np.asarray(values, dtype=float))
    right = _thin(np.asarray(censored if censored is not None else [], dtype=float))
    observed = np.maximum(observed, 1e-9)  # a zero duration (rounded timestamps) has no log-likelihood
    data: Any = stats.CensoredData(uncensored=observed, right=right) if len(right) else observed
    aic: dict[str, float] = {}
    params: dict[str, tuple] = {}
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        for name, dist in FAMILIES.items():
            try:
                fitted = dist.fit(observed, floc=0)
                if len(right):  # the censored fit (a slow generic optimisation) starts from the uncensored one
                    fitted = dist.fit(data, *fitted[:-2], floc=0, scale=fitted[-1])
            except (ValueError, RuntimeError, FloatingPointError):
                continue
            loglik = float(np.sum(dist.logpdf(observed, *fitted)))
            if len(right):
                loglik += float(np.sum(dist.logsf(right, *fitted)))
            if not math.isfinite(loglik):
                continue
            aic[name] = 2 * PARAMETERS[name] - 2 * loglik
            params[name] = tuple(float(p) for p in fitted)
    if not aic:
        raise ValueError("no family could be fitted")
    best = min(aic, key=aic.get)  # type: ignore[arg-type]
    test = stats.kstest(observed, FAMILIES[best].cdf, args=params[best])
    return best, params[best], aic, float(test.statistic), float(test.pvalue)


def _t_interval(values: np.ndarray, centre: float, floor_s: float = 0.0) -> tuple[float, float]:
    """centre +- the t-based half-width of the sample mean, at least `floor_s` (the timestamps' rounding)."""
    n = len(values)
    half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    half = max(half, floor_s)
    return centre - half, centre + half


def _duration_fit(station: str, what: str, values: np.ndarray, per_cell: bool = False,
                  base_mean_s: Optional[float] = None, resolution_s: float = 0.0) -> DurationFit:
    """Fit one sample of durations; a sample that varies by no more than the timestamps' rounding is
    a constant."""
    floor = 2 * resolution_s  # each duration is a difference of two rounded timestamps
    if float(values.max() - values.min()) <= 2 * floor:
        mean = float(values.mean())
        spec: dict[str, Any] = {"dist": "constant", "value": _duration(mean)}
        if per_cell:
            spec["per"] = "cell"
        return DurationFit(station, what, len(values), 0, "constant", spec, mean, (mean - floor, mean + floor),
                           {}, 0.0, 1.0, base_mean_s)
    family, params, aic, d, p = fit_durations(values, per_cell=per_cell)
    spec, mean = _spec(family, params, per_cell)
    return DurationFit(station, what, len(values), 0, family, spec, mean, _t_interval(values, mean, floor),
                       {k: round(v, 3) for k, v in aic.items()}, d, p, base_mean_s)


def _ttf_fit(station: str, observed: np.ndarray, censored: np.ndarray, base_mean_s: Optional[float]) -> DurationFit:
    family, params, aic, d, p = fit_durations(observed, censored)
    spec, mean = _spec(family, params, False)
    r, total = len(observed), float(observed.sum() + censored.sum())
    if family == "exponential":  # exact for a time-censored exponential sample
        ci = (2 * total / stats.chi2.ppf(0.975, 2 * r + 2), 2 * total / stats.chi2.ppf(0.025, 2 * r))
    else:  # the chi-square interval assumes a coefficient of variation of 1: use the sample's spread
        ci = _t_interval(observed, mean)
    return DurationFit(station, "ttf", r, len(censored), family, spec, mean, (float(ci[0]), float(ci[1])),
                       {k: round(v, 3) for k, v in aic.items()}, d, p, base_mean_s)


# -- from the log to observations -------------------------------------------------------------------
@dataclass
class _Timeline:
    """One machine's states: change times, states, and durations up to the log's end."""

    times: np.ndarray
    states: np.ndarray
    durations: np.ndarray
    working_before: np.ndarray  # working seconds before each change

    def working_at(self, t: np.ndarray) -> np.ndarray:
        """Cumulative working seconds at times `t`."""
        k = np.searchsorted(self.times, t, side="right") - 1
        inside = k >= 0
        k = np.maximum(k, 0)
        extra = np.where(self.states[k] == WORKING, t - self.times[k], 0.0)
        return np.where(inside, self.working_before[k] + extra, 0.0)


def timelines(data: EventData) -> dict[int, tuple[int, _Timeline]]:
    """Machine code -> (station code, its timeline)."""
    result: dict[int, tuple[int, _Timeline]] = {}
    order = np.argsort(data.state_machine, kind="stable")  # time order kept within a machine
    machines = data.state_machine[order]
    bounds = np.flatnonzero(np.diff(machines)) + 1
    for rows in np.split(order, bounds):
        if not len(rows):
            continue
        times = data.state_time_s[rows]
        states = data.state[rows].astype(np.int64)
        durations = np.diff(np.append(times, data.end_s))
        working = np.where(states == WORKING, durations, 0.0)
        before = np.concatenate(([0.0], np.cumsum(working)[:-1]))
        result[int(data.state_machine[rows[0]])] = (int(data.state_station[rows[0]]), _Timeline(times, states, durations, before))
    return result


def failure_times(line: _Timeline, calendar_clock: bool) -> tuple[list[float], list[float], float]:
    """Times to failure, times to repair, and the censored clock time at the log's end."""
    ttf: list[float] = []
    ttr: list[float] = []
    clock = 0.0
    down = 0.0
    was_down = False
    for state, duration in zip(line.states.tolist(), line.durations.tolist()):
        if state == DOWN:
            if not was_down:
                ttf.append(clock)
                clock = 0.0
            down += duration
            was_down = True
            continue
        if was_down:
            ttr.append(down)
            down = 0.0
            was_down = False
        if state == WORKING or calendar_clock:
            clock += duration
    return ttf, ttr, clock  # a repair still running at the end is dropped (its length is unknown)


def setup_times(line: _Timeline) -> list[float]:
    """Each changeover's setup time; pauses (off shift, down) inside a setup are left out."""
    setups: list[float] = []
    running = 0.0
    for state, duration in zip(line.states.tolist(), line.durations.tolist()):
        if state == SETUP:
            running += duration
        elif state in (OFF_SHIFT, DOWN):
            continue
        elif running > 0:
            setups.append(running)
            running = 0.0
    return setups


def lot_processing(data: EventData, lines: dict[int, tuple[int, _Timeline]]) -> dict[int, tuple[np.ndarray, ...]]:
    """Station code -> (processing seconds, cells, machine, start time, product) of each start-finish pair."""
    pick = np.flatnonzero((data.lot_event == START) | (data.lot_event == FINISH))
    order = pick[np.lexsort((pick, data.lot_id[pick], data.lot_station[pick]))]
    event = data.lot_event[order]
    same = (data.lot_station[order][:-1] == data.lot_station[order][1:]) & (data.lot_id[order][:-1] == data.lot_id[order][1:])
    pair = np.flatnonzero(same & (event[:-1] == START) & (event[1:] == FINISH))
    starts, finishes = order[pair], order[pair + 1]
    t0, t1 = data.lot_time_s[starts], data.lot_time_s[finishes]
    machine = np.where(data.lot_machine[starts] >= 0, data.lot_machine[starts], data.lot_machine[finishes])
    seconds = t1 - t0
    for code in np.unique(machine[machine >= 0]).tolist():
        if code in lines:
            sel = machine == code
            line = lines[code][1]
            seconds[sel] = line.working_at(t1[sel]) - line.working_at(t0[sel])
    stations = data.lot_station[starts]
    result = {}
    for code in np.unique(stations).tolist():
        sel = stations == code
        result[code] = (seconds[sel], data.lot_cells[finishes][sel], machine[sel], t0[sel], data.lot_product[starts][sel])
    return result


def check_overlaps(data: EventData, base: Scenario) -> None:
    """A machine of a machine station processes one lot at a time: a start while its last lot has not
    finished is an overlap, named by its row (LogError)."""
    kinds = np.array([s.kind == "machine" for s in base.stations], dtype=bool)
    if not len(data.lot_event):
        return
    pick = np.flatnonzero(kinds[data.lot_station] & (data.lot_machine >= 0)
                          & ((data.lot_event == START) | (data.lot_event == FINISH)))
    order = pick[np.argsort(data.lot_machine[pick], kind="stable")]
    machine, event = data.lot_machine[order], data.lot_event[order]
    twice = np.flatnonzero((machine[1:] == machine[:-1]) & (event[1:] == START) & (event[:-1] == START))
    if len(twice):
        first, second = order[twice[0]], order[twice[0] + 1]
        station = data.stations[int(data.lot_station[second])]
        raise LogError(f"{data.source}: row {int(data.lot_row[second])}: machine '{data.machine_names[int(machine[twice[0]])]}' "
                       f"of {station} starts a lot while the lot started at row {int(data.lot_row[first])} has not "
                       "finished (overlapping lots)")


def per_cell_draws(seconds: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Invert the twin's per-cell lot time d = n m + sqrt(n) (x - m) for the cell draws x."""
    n = np.maximum(cells.astype(float), 1.0)
    m = seconds.sum() / n.sum()
    return m + (seconds - n * m) / np.sqrt(n)


# -- the whole calibration --------------------------------------------------------------------------
def calibrate(data: EventData, base: Scenario, log_name: Optional[str] = None) -> Calibration:
    """Fit every station of `base` that the log has enough data for."""
    log_name = log_name or data.source
    check_overlaps(data, base)
    result = Calibration(log=log_name, hours=data.end_s / 3600, rows=data.rows)
    lines = timelines(data)
    processing = lot_processing(data, lines)
    by_station: dict[int, list[_Timeline]] = {}
    for station_code, line in lines.values():
        by_station.setdefault(station_code, []).append(line)
    for code, spec in enumerate(base.stations):
        _fit_station(result, data, code, spec, by_station.get(code, []), processing.get(code))
    return result


def _fit_station(result: Calibration, data: EventData, code: int, spec: StationSpec, machines: list[_Timeline],
                 processing: Optional[tuple[np.ndarray, ...]]) -> None:
    name = spec.name
    warn = result.warnings.append
    # cycle time
    if processing is not None and len(processing[0]):
        seconds, cells, machine, t0, product = processing
        if spec.kind == "batch":  # one draw per load: the lots of a load share machine and start
            _, first = np.unique(np.stack([machine, t0]), axis=1, return_index=True)
            seconds, cells, product = seconds[first], cells[first], product[first]
        per_cell = spec.cycle_time.per == "cell"
        draws = per_cell_draws(seconds, cells) if per_cell else seconds
        for p in np.unique(product).tolist():
            sample = seconds[product == p] / (np.maximum(cells[product == p], 1) if per_cell else 1)
            if len(sample) >= 2:
                mean = float(sample.mean())
                result.products.append(ProductCycle(name, data.products[p], len(sample), mean,
                                                    _t_interval(sample, mean, 2 * data.resolution_s)))
        if len(draws) >= MIN_DURATIONS and np.all(draws > 0):
            result.durations.append(_duration_fit(name, "cycle_time", draws, per_cell, spec.cycle_time.mean_s,
                                                 data.resolution_s))
        elif len(draws) >= MIN_DURATIONS:
            warn(f"{name}: cycle time: {int(np.sum(draws <= 0))} lots with no processing time; kept the base's")
        else:
            warn(f"{name}: cycle time: {len(draws)} processed lots (fewer than {MIN_DURATIONS}); kept the base's")
    else:
        warn(f"{name}: cycle time: no lot with both a start and a finish in the log; kept the base's")
    # failures and repairs
    failures = getattr(spec, "failures", None)  # a dwell store has no failures or setups
    setup_spec = getattr(spec, "setup", None)
    if spec.kind != "dwell":
        calendar_clock = failures is not None and failures.clock == "calendar"
        ttf: list[float] = []
        ttr: list[float] = []
        censored: list[float] = []
        for line in machines:
            f, r, c = failure_times(line, calendar_clock)
            ttf += f
            ttr += r
            if c > 0:
                censored.append(c)
        base_ttf = failures.ttf.mean_s if failures else None
        base_ttr = failures.ttr.mean_s if failures else None
        if not machines:
            warn(f"{name}: no machine states in the log; kept the base's failures and setup")
        elif len(ttf) >= MIN_FAILURES and len(ttr) >= MIN_DURATIONS:
            result.durations.append(_ttf_fit(name, np.asarray(ttf), np.asarray(censored), base_ttf))
            result.durations.append(_duration_fit(name, "ttr", np.asarray(ttr), base_mean_s=base_ttr,
                                                 resolution_s=data.resolution_s))
        elif ttf or failures is not None:
            warn(f"{name}: failures: {len(ttf)} failures and {len(ttr)} repairs in the log (a fit needs "
                 f"{MIN_FAILURES} failures and {MIN_DURATIONS} repairs); kept the base's")
        setups = [s for line in machines for s in setup_times(line)]
        base_setup = setup_spec.time.mean_s if setup_spec is not None and setup_spec.time is not None else None
        if len(setups) >= MIN_DURATIONS:
            if setup_spec is not None and setup_spec.from_to:
                warn(f"{name}: setup: the base's from/to table is kept (the log's setups are fitted as one default time)")
            result.durations.append(_duration_fit(name, "setup", np.asarray(setups), base_mean_s=base_setup,
                                                 resolution_s=data.resolution_s))
        elif setups or setup_spec is not None:
            warn(f"{name}: setup: " + (f"{len(setups)} changeovers (fewer than {MIN_DURATIONS})" if setups
                                       else "no changeover in the log") + "; kept the base's")
        total = sum(float(line.durations.sum()) for line in machines)
        if total > 0:
            shares = {s: sum(float(line.durations[line.states == i].sum()) for line in machines) / total
                      for i, s in enumerate(STATE_NAMES)}
            result.shares.append(StationShares(name, total / 3600, shares, shares["off_shift"]))
    # yield
    at = data.lot_station == code
    processed = int(data.lot_cells[at & (data.lot_event == FINISH)].sum())
    scrapped = int(data.lot_cells[at & (data.lot_event == SCRAP)].sum())
    if processed >= MIN_CELLS:
        ci = stats.binomtest(scrapped, processed).proportion_ci(0.95, method="exact")
        result.yields.append(YieldFit(name, processed, scrapped, 1 - scrapped / processed,
                                      (1 - ci.high, 1 - ci.low), spec.yield_))
    elif processed or spec.yield_ < 1:
        warn(f"{name}: yield: {processed} processed cells (fewer than {MIN_CELLS}); kept the base's")


# -- the calibrated scenario file --------------------------------------------------------------------
def scenario_text(base_data: dict[str, Any], result: Calibration, base_name: str, log_label: str) -> str:
    """The base scenario's data with the fitted values in place, each with its comment, as YAML.

    Keys the calibration does not touch are written as the base has them (templates kept);
    a fitted key replaces the base's (or its template's) whole value."""
    import yaml

    def flow(value: Any) -> str:
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip()

    header = [
        f"# Calibrated by `twin calibrate` from the event log {log_label} ({result.rows:,} rows, "
        f"{result.hours:,.1f} h) over the base scenario {base_name}.",
        "# Each fitted value says how many observations it rests on, its fit statistic and the log; every",
        "# other value is the base's. docs/calibration.md explains the method.",
    ]
    if result.warnings:
        header.append("# Kept from the base (too little data in the log):")
        header += [f"#   - {w}" for w in result.warnings]
    top = {k: v for k, v in base_data.items() if k != "stations"}
    lines = header + [yaml.safe_dump(top, sort_keys=False, width=110, allow_unicode=True).rstrip(), "stations:"]
    for raw in base_data["stations"]:
        name = raw["name"]
        spec = TypeAdapter(StationSpec).validate_python(raw)
        fitted: list[str] = []
        drop: set[str] = set()
        cycle = result.fit(name, "cycle_time")
        if cycle is not None:
            drop.add("cycle_time")
            fitted.append(f"  cycle_time: {flow(cycle.spec)}   # {cycle.comment(log_label)}")
        ttf, ttr = result.fit(name, "ttf"), result.fit(name, "ttr")
        if ttf is not None and ttr is not None:
            drop.add("failures")
            base_failures = getattr(spec, "failures", None)
            clock = base_failures.clock if base_failures else "operating"
            fitted.append("  failures:" + ("" if base_failures else "   # the base had none; the log has failures"))
            fitted.append(f"    ttf: {flow(ttf.spec)}   # {ttf.comment(log_label)} ({clock} clock)")
            fitted.append(f"    ttr: {flow(ttr.spec)}   # {ttr.comment(log_label)}")
            fitted.append(f"    clock: {clock}")
            if base_failures and base_failures.repair_crew:
                fitted.append(f"    repair_crew: {base_failures.repair_crew}")
        setup = result.fit(name, "setup")
        if setup is not None:
            drop.add("setup")
            base_setup = getattr(spec, "setup", None)
            from_to = base_setup.from_to if base_setup is not None else {}
            fitted.append("  setup:")
            fitted.append(f"    time: {flow(setup.spec)}   # {setup.comment(log_label)}")
            if from_to and base_setup is not None:
                fitted.append(f"    from_to: {flow(base_setup.model_dump(mode='json')['from_to'])}   # the base's")
        fit_yield = result.yield_of(name)
        if fit_yield is not None:
            drop.add("yield")
            fitted.append(f"  yield: {fit_yield.yield_:.6g}   # {fit_yield.comment(log_label)}")
        share = next((s for s in result.shares if s.station == name), None)
        kept = {k: v for k, v in raw.items() if k not in drop}
        block = yaml.safe_dump([kept], sort_keys=False, width=110, allow_unicode=True).rstrip().splitlines()
        lines += ["  " + line for line in block]
        if share is not None and share.off_shift_share > 0:
            fitted.append(f"  # off shift {share.off_shift_share:.1%} of machine time in the log")
        lines += ["  " + line for line in fitted]
    return "\n".join(lines) + "\n"

