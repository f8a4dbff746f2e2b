"""Power draw and cost defaults per process step: the energy and money side of the catalogue, in its own table.

A station naming a catalogue template and giving no `power:` draws its step's defaults below (per
machine, or per place of a dwell store, in each state); formation also gets a default `recovery`.
The table is apart from twin.spec.catalog so that the process physics and the energy figures can be
revised independently. Each number says where it comes from: shared/reference/battery-process.md
d.4 ([S22] [S23] [S16]) gives the plant total (20-40 kWh per kWh of cells), the split (drying and dry
rooms about half, formation about 9.5 kWh/kWh gross) and the recoverable discharge share (50-80 %);
the split among a step's states is an engineering assumption (an idle machine keeps its heaters,
vacuum and controls on; a machine that is down or off shift keeps only its controls).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional


def _draw(working: float, idle: float, down: float, off_shift: float) -> dict[str, str]:
    """kW per state: setup, starved, blocked and waiting_batch draw the idle load."""
    kw = lambda v: f"{v:g} kW"  # noqa: E731
    return {"working": kw(working), "setup": kw(idle), "starved": kw(idle), "blocked": kw(idle),
            "waiting_batch": kw(idle), "down": kw(down), "off_shift": kw(off_shift)}


IDLE_SHARE = "idle/down/off-shift split: assumption (heaters and vacuum stay on when idle, controls only when down)"

POWER: dict[str, tuple[dict[str, str], str]] = {
    "mixing": (_draw(40, 5, 2, 1), "planetary mixer + vacuum, 40 kW working: assumption scaled so that electrode "
               "machines are ~15 % of the d.4 total; " + IDLE_SHARE),
    "coating_drying": (_draw(300, 30, 10, 5), "coater + ~80 m convection dryer with solvent (NMP) recovery: drying is "
                       "the largest electrode load, d.4 [S23] (drying + dry rooms ~50 %); 300 kW working: assumption "
                       "fitted to d.4's share; dryer zones throttled to 30 kW without a web; " + IDLE_SHARE),
    "calendering": (_draw(60, 5, 2, 1), "heated calender rolls and drives, 60 kW: assumption; " + IDLE_SHARE),
    "slitting": (_draw(15, 3, 1, 0.5), "slitter drives, 15 kW: assumption; " + IDLE_SHARE),
    "vacuum_drying": (_draw(25, 5, 2, 2), "vacuum oven, 25 kW heating + pumps while drying: assumption fitted to d.4's "
                      "drying share [S23]; held warm and under vacuum between loads; " + IDLE_SHARE),
    "notching": (_draw(20, 4, 1, 0.5), "laser notching, 20 kW: assumption; " + IDLE_SHARE),
    "winding": (_draw(10, 3, 1, 0.5), "winder drives and vision, 10 kW: assumption; " + IDLE_SHARE),
    "stacking": (_draw(15, 4, 1, 0.5), "stacker, 15 kW: assumption; " + IDLE_SHARE),
    "can_welding": (_draw(10, 3, 1, 0.5), "laser welding, 10 kW: assumption; " + IDLE_SHARE),
    "filling": (_draw(10, 3, 1, 0.5), "electrolyte filling under vacuum, 10 kW: assumption; " + IDLE_SHARE),
    "crimping": (_draw(8, 2, 1, 0.5), "crimper/sealer, 8 kW: assumption; " + IDLE_SHARE),
    "wetting": (_draw(0.02, 0.0, 0.0, 0.0), "20 W per tray place occupied (racks at controlled temperature; the room "
                "itself is a facility load): assumption"),
    "formation": (_draw(2.1, 0.3, 0.1, 0.1), "per 256-channel rack: 9.5 kWh/kWh gross (d.4) x 18 Wh x 256 cells / 21 h "
                  "= 2.1 kW, DERIVED; a rack with more channels or another recipe "
                  "gives its own `power:`; idle 0.3 kW (cyclers' standby): assumption"),
    "degassing": (_draw(10, 3, 1, 0.5), "degassing press under vacuum, 10 kW: assumption; " + IDLE_SHARE),
    "aging": (_draw(0.005, 0.0, 0.0, 0.0), "5 W per tray place occupied (HT aging chambers 3 of 14 days, averaged): "
              "assumption"),
    "eol_test": (_draw(3, 1, 0.5, 0.5), "OCV/IR test head and handling, 3 kW: assumption; " + IDLE_SHARE),
    "grading": (_draw(5, 2, 0.5, 0.5), "sorter, 5 kW: assumption; " + IDLE_SHARE),
}
"""Template name -> (power per state, its source)."""

RECOVERY: dict[str, tuple[float, str]] = {
    "formation": (0.6, "regenerative cyclers return 50-80 % of the discharge energy (d.4, ASSUMPTION in the "
                  "reference); 0.6 taken"),
}
"""Template name -> (share of discharge energy recovered, its source)."""


COST_SOURCE = ("capital per machine: order-of-magnitude equipment prices scaled from BatPaC's process capital "
               "[S16] (formation ~1/3 of process capital, e.1): assumption; life 10 yr straight line: assumption; "
               "operators per machine and shift: assumption")

COST: dict[str, tuple[float, float, float]] = {
    # template: (capital per machine or place, GBP; operators per machine per shift; material added per cell, GBP)
    "mixing": (1.0e6, 1.0, 0.0),
    "coating_drying": (8.0e6, 2.0, 0.0),
    "calendering": (2.0e6, 1.0, 0.0),
    "slitting": (0.5e6, 0.5, 0.0),
    "vacuum_drying": (0.3e6, 0.25, 0.0),
    "notching": (0.8e6, 0.5, 0.0),
    "winding": (1.5e6, 1.0, 0.0),
    "stacking": (1.5e6, 1.0, 0.0),
    "can_welding": (0.8e6, 0.5, 0.08),   # the can and cap: 0.08 GBP per 21700 cell, assumption
    "filling": (1.2e6, 0.5, 0.10),       # electrolyte ~5 g per 21700 cell at ~20 GBP/kg, assumption
    "crimping": (0.6e6, 0.5, 0.0),
    "wetting": (100.0, 0.0, 0.0),        # per tray place of rack
    "formation": (0.1e6, 0.02, 0.0),     # per rack
    "degassing": (0.8e6, 0.5, 0.0),
    "aging": (200.0, 0.0, 0.0),          # per tray place of tower
    "eol_test": (0.3e6, 0.5, 0.0),
    "grading": (0.4e6, 0.5, 0.0),
}
"""Template name -> (capital per machine (per place of a dwell store), operators per machine and shift,
material per cell); see COST_SOURCE."""


def defaults(template: str) -> Mapping[str, Any]:
    """The energy keys a station of `template` gets when it does not give them (a fresh dict). Its cost
    is not among them: that depends on the station's machines (places), so `cost_default` gives it
    once they are known, and a what-if that changes them gets the cost of its own size."""
    found: dict[str, Any] = {}
    if template in POWER:
        found["power"] = dict(POWER[template][0])
    if template in RECOVERY:
        found["recovery"] = RECOVERY[template][0]
    return found


def cost_default(template: str, units: int) -> Optional[dict[str, Any]]:
    """The `cost:` of a station of `template` with `units` machines (places), or None if the
    catalogue has no cost for the step."""
    if template not in COST:
        return None
    capex, operators, material = COST[template]
    return {"capex": f"{capex * units:g} GBP", "life": "10 yr",
            "labour_per_shift": operators * units, "material_per_cell": f"{material:g} GBP"}
