"""The demo catalog: a thousand believable items, made from word lists.

Each category has a SKU prefix, a GS1 company prefix (as if bought from one
supplier), a cost range and name templates whose placeholders take every
combination of their values.  ``demo_items`` samples from those combinations
with a seeded ``random.Random``, so the same seed gives the same catalog.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

__all__ = ["DemoItem", "demo_items", "gtin_check_digit", "ean13", "case_gtin"]

# (pattern, values of each placeholder, unit)
Template = tuple[str, dict[str, list[str]], str]


def _n(*values: object) -> list[str]:
    return [str(v) for v in values]


_FINISH = ["zinc plated", "stainless A2", "hot-dip galvanised"]
_COLOURS = ["black", "white", "red", "blue", "green", "yellow", "grey"]

# SKU prefix: (GS1 company prefix, cost range, lot-tracked with expiry, templates)
CATEGORIES: dict[str, tuple[str, tuple[float, float], bool, list[Template]]] = {
    "FST": ("5901234", (2.5, 45.0), False, [
        ("Hex bolt M{d}×{l}, {f}, box of 50",
         {"d": _n(5, 6, 8, 10, 12), "l": _n(20, 25, 30, 40, 50, 60, 80), "f": _FINISH}, "box"),
        ("Socket cap screw M{d}×{l}, {f}, box of 100",
         {"d": _n(3, 4, 5, 6, 8), "l": _n(10, 12, 16, 20, 25, 30),
          "f": ["black oxide", "stainless A2"]}, "box"),
        ("Hex nut M{d}, {f}, box of 100",
         {"d": _n(3, 4, 5, 6, 8, 10, 12, 16), "f": _FINISH}, "box"),
        ("Flat washer M{d}, {f}, box of 200", {"d": _n(4, 5, 6, 8, 10, 12), "f": _FINISH}, "box"),
        ("Wood screw {d}×{l} mm, {h}, box of 200",
         {"d": _n("3.5", 4, "4.5", 5), "l": _n(25, 30, 40, 50, 60),
          "h": ["countersunk", "pan head"]}, "box"),
        ("Threaded rod M{d}×1000 mm, {f}", {"d": _n(6, 8, 10, 12, 16), "f": _FINISH}, "ea"),
        ("Wall plug {d}×{l} mm, {t}, box of 100",
         {"d": _n(5, 6, 8, 10), "l": _n(25, 30, 40, 50), "t": ["nylon", "universal"]}, "box"),
        ("Blind rivet {d}×{l} mm, {m}, box of 500",
         {"d": _n("3.2", 4, "4.8"), "l": _n(6, 8, 10, 12, 16), "m": ["aluminium", "steel"]}, "box"),
        ("Self-tapping screw {d}×{l} mm, {h}, box of 200",
         {"d": _n("2.9", "3.5", "3.9", "4.2", "4.8"), "l": _n("9.5", 13, 16, 19, 25),
          "h": ["pan head", "countersunk"]}, "box"),
        ("Coach screw M{d}×{l}, zinc plated, box of 50",
         {"d": _n(6, 8, 10), "l": _n(40, 50, 60, 80, 100, 120)}, "box"),
        ("Nylon insert lock nut M{d}, {f}, box of 100",
         {"d": _n(4, 5, 6, 8, 10, 12), "f": _FINISH}, "box"),
        ("Spring washer M{d}, {f}, box of 200", {"d": _n(4, 5, 6, 8, 10, 12), "f": _FINISH},
         "box"),
        ("Eye bolt M{d}, {f}", {"d": _n(6, 8, 10, 12, 16), "f": ["zinc plated", "stainless A4"]},
         "ea"),
        ("Hex set screw M{d}×{l}, {f}, box of 50",
         {"d": _n(6, 8, 10, 12), "l": _n(16, 20, 25, 30, 35, 40), "f": _FINISH}, "box"),
    ]),
    "PPE": ("4006381", (1.8, 95.0), False, [
        ("Nitrile gloves {s}, {c}, box of 100", {"s": _n("S", "M", "L", "XL"),
                                                 "c": ["blue", "black"]}, "box"),
        ("Work gloves size {s}, {m}", {"s": _n(7, 8, 9, 10, 11),
                                       "m": ["leather", "PU-coated", "cut-resistant level C"]},
         "pair"),
        ("Safety glasses, {l} lens", {"l": ["clear", "smoke", "amber", "anti-fog clear"]}, "ea"),
        ("Hi-vis vest {s}, {c}", {"s": _n("S", "M", "L", "XL", "XXL"),
                                  "c": ["yellow", "orange"]}, "ea"),
        ("Dust mask FFP{n}, {v}, box of 20", {"n": _n(1, 2, 3),
                                              "v": ["valved", "without valve"]}, "box"),
        ("Safety boots S3, size {n}", {"n": _n(*range(38, 48))}, "pair"),
        ("Ear plugs, {t}, box of 200", {"t": ["foam", "reusable corded"]}, "box"),
        ("Disposable coverall {s}, {t}", {"s": _n("S", "M", "L", "XL", "XXL"),
                                          "t": ["type 5/6", "type 4"]}, "ea"),
        ("Knee pads, {t}", {"t": ["foam", "gel", "hard shell"]}, "pair"),
        ("Safety helmet, {c}", {"c": ["white", "yellow", "blue", "red", "green", "orange"]}, "ea"),
        ("Thermal gloves size {s}", {"s": _n(7, 8, 9, 10, 11)}, "pair"),
    ]),
    "PKG": ("8712345", (0.9, 60.0), False, [
        ("Packing tape {w} mm × 66 m, {c}", {"w": _n(38, 48, 50, 75),
                                             "c": ["clear", "brown", "white"]}, "roll"),
        ("Stretch film {w} mm × {l} m, {g} µm",
         {"w": _n(450, 500), "l": _n(250, 300), "g": _n(17, 20, 23)}, "roll"),
        ("Cardboard box {d} mm, {w} wall, pack of 25",
         {"d": ["200×150×100", "300×200×150", "400×300×200", "400×300×300", "500×400×300",
                "600×400×400", "305×215×100", "250×250×250"],
          "w": ["single", "double"]}, "pack"),
        ("Shipping label {d} mm, roll of {n}", {"d": ["100×150", "100×50", "50×25", "70×36"],
                                                 "n": _n(500, 1000)}, "roll"),
        ("Bubble wrap {w} cm × 50 m", {"w": _n(30, 50, 75, 100, 150)}, "roll"),
        ("Mailer bag {d} mm, {c}, pack of 100",
         {"d": ["165×240", "240×320", "320×440", "440×500"], "c": ["grey", "white"]}, "pack"),
        ("Pallet strapping {w} mm × {l} m, {m}", {"w": _n(12, 16), "l": _n(1000, 2000),
                                                  "m": ["PP", "PET"]}, "roll"),
        ("Corner edge protector {d} mm × {l} mm, pack of 100",
         {"d": ["35×35", "50×50"], "l": _n(800, 1000, 1200)}, "pack"),
        ("Kraft paper {w} mm × {l} m, {g} g/m²", {"w": _n(500, 750, 1000), "l": _n(100, 250),
                                                  "g": _n(70, 90)}, "roll"),
        ("Tissue paper 500×750 mm, {c}, pack of 480", {"c": ["white", "black", "red", "blue"]},
         "pack"),
    ]),
    "ELC": ("5012345", (0.8, 65.0), False, [
        ("Cable tie {l}×{w} mm, {c}, pack of 100",
         {"l": _n(100, 150, 200, 300, 370), "w": _n("2.5", "3.6", "4.8"),
          "c": ["black", "natural"]}, "pack"),
        ("{t} alkaline batteries, pack of {n}", {"t": ["AA", "AAA", "C", "D", "9V"],
                                                 "n": _n(4, 12, 24)}, "pack"),
        ("LED bulb {b} {w} W, {k} K", {"b": ["E27", "E14", "GU10"], "w": _n("4.9", 7, "9.5"),
                                        "k": _n(2700, 4000)}, "ea"),
        ("Extension lead {l} m, {s} sockets", {"l": _n("1.5", 3, 5, 10), "s": _n(3, 4, 6)}, "ea"),
        ("Insulating tape 19 mm × 20 m, {c}", {"c": _COLOURS}, "roll"),
        ("Lever connector {n}-way, pack of 50", {"n": _n(2, 3, 5)}, "pack"),
        ("Cable gland M{d}, {m}, pack of 10", {"d": _n(16, 20, 25, 32),
                                               "m": ["nylon", "brass"]}, "pack"),
        ("Heat shrink tube {d} mm × 1 m, {c}", {"d": _n("3.2", "4.8", "6.4", "9.5", "12.7"),
                                                "c": ["black", "red", "clear"]}, "ea"),
        ("Fuse {a} A, {t}, pack of 10", {"a": _n(1, 2, "3.15", 5, 10, 13),
                                         "t": ["20 mm glass", "BS 1362"]}, "pack"),
        ("LED work light {w} W, {t}", {"w": _n(10, 20, 30, 50), "t": ["rechargeable", "mains"]},
         "ea"),
    ]),
    "TLS": ("5060123", (2.0, 140.0), False, [
        ("Drill bit HSS {d} mm", {"d": [f"{x / 2:g}" for x in range(2, 27)]}, "ea"),
        ("Masonry drill bit {d}×{l} mm", {"d": _n(5, 6, 8, 10, 12), "l": _n(110, 160)}, "ea"),
        ("Screwdriver {t}", {"t": ["PH0", "PH1", "PH2", "PH3", "PZ1", "PZ2", "PZ3",
                                   "slotted 3 mm", "slotted 4 mm", "slotted 5.5 mm"]}, "ea"),
        ("Hole saw {d} mm, bi-metal", {"d": _n(19, 22, 25, 32, 38, 44, 51, 57, 64, 68, 76)}, "ea"),
        ("Cutting disc {d}×{t} mm, {m}", {"d": _n(115, 125, 230), "t": _n("1.0", "1.6"),
                                          "m": ["steel", "stainless"]}, "ea"),
        ("Sanding disc {d} mm, P{g}, pack of 50", {"d": _n(125, 150),
                                                   "g": _n(40, 60, 80, 120, 180, 240)}, "pack"),
        ("Tape measure {n} m", {"n": _n(3, 5, 8, 10)}, "ea"),
        ("Adjustable wrench {l} mm", {"l": _n(150, 200, 250, 300)}, "ea"),
        ("Spirit level {l} cm", {"l": _n(40, 60, 80, 120)}, "ea"),
        ("Socket {d} mm, 1/2\" drive", {"d": _n(*range(10, 25))}, "ea"),
        ("Combination spanner {d} mm", {"d": _n(*range(6, 25))}, "ea"),
        ("Hacksaw blade 300 mm, {t} TPI, pack of 10", {"t": _n(18, 24, 32)}, "pack"),
        ("Jigsaw blade, {t}, pack of 5", {"t": ["wood fine", "wood coarse", "metal",
                                               "laminate"]}, "pack"),
        ("Pliers, {t}, {l} mm", {"t": ["combination", "long nose", "side cutter"],
                                  "l": _n(160, 200)}, "ea"),
        ("Torx bit T{n}, pack of 10", {"n": _n(10, 15, 20, 25, 27, 30, 40)}, "pack"),
        ("Wood chisel {d} mm", {"d": _n(6, 10, 12, 16, 20, 25)}, "ea"),
    ]),
    "FAC": ("5411234", (1.2, 38.0), False, [
        ("Marker pen, {t}, {c}", {"t": ["permanent", "whiteboard"],
                                  "c": ["black", "blue", "red", "green"]}, "ea"),
        ("Bin bags {l} l, roll of {n}", {"l": _n(30, 60, 120), "n": _n(20, 50)}, "roll"),
        ("Paper towel, {p}-ply, pack of {n}", {"p": _n(1, 2), "n": _n(6, 12)}, "pack"),
        ("Floor marking tape 50 mm × 33 m, {c}", {"c": [*_COLOURS, "yellow/black"]}, "roll"),
        ("Sticky notes {d} mm, {c}, pack of 12", {"d": ["76×76", "38×51"],
                                                  "c": ["yellow", "neon assorted"]}, "pack"),
        ("Label tape {w} mm, {c}", {"w": _n(9, 12, 18, 24),
                                    "c": ["black on white", "black on yellow"]}, "ea"),
        ("Microfibre cloth, {c}, pack of 10", {"c": ["blue", "red", "green", "yellow"]}, "pack"),
    ]),
    "CHM": ("4001234", (2.9, 55.0), True, [
        ("Silicone sealant {m} ml, {c}", {"m": _n(280, 310),
                                          "c": ["clear", "white", "grey", "black", "brown"]},
         "tube"),
        ("Epoxy adhesive {t}, {m} ml", {"t": ["5-minute", "2-hour", "metal-filled"],
                                        "m": _n(25, 50)}, "ea"),
        ("Hand sanitiser gel {m} ml", {"m": _n(100, 500, 1000, 5000)}, "bottle"),
        ("Lubricant spray, {t}, 400 ml", {"t": ["multi-purpose", "PTFE", "silicone",
                                               "white lithium grease", "penetrating"]}, "can"),
        ("Threadlocker {t}, {m} ml", {"t": ["medium strength blue", "high strength red",
                                            "low strength purple"], "m": _n(10, 50)}, "bottle"),
        ("Degreaser, {t}, {l} l", {"t": ["citrus", "solvent-based", "water-based"],
                                   "l": _n(1, 5)}, "bottle"),
        ("Spray paint RAL {r}, 400 ml", {"r": _n(9005, 9010, 3000, 5010, 6018, 1023, 7035)},
         "can"),
        ("Wood glue D{n}, {m} ml", {"n": _n(2, 3, 4), "m": _n(250, 750)}, "bottle"),
        ("Cleaning wipes, tub of {n}", {"n": _n(50, 100, 150)}, "tub"),
        ("Expanding foam {m} ml, {t}", {"m": _n(500, 750), "t": ["gun grade", "hand-held"]},
         "can"),
        ("Cutting oil {m} ml", {"m": _n(400, 1000, 5000)}, "bottle"),
        ("Eye wash solution {m} ml", {"m": _n(250, 500, 1000)}, "bottle"),
        ("Burn gel sachet 3.5 g, box of {n}", {"n": _n(10, 25)}, "box"),
        ("Contact cleaner spray, {t}, 400 ml", {"t": ["electronics", "brake parts"]}, "can"),
        ("Two-part filler {m} g, {t}", {"m": _n(250, 750), "t": ["fine", "fibreglass"]}, "tin"),
        ("Plasters, {t}, box of 100", {"t": ["fabric", "waterproof", "blue detectable"]},
         "box"),
        ("Grease cartridge 400 g, {t}", {"t": ["EP2 lithium", "food grade", "marine"]}, "ea"),
        ("Hydraulic oil ISO VG {n}, {l} l", {"n": _n(32, 46, 68), "l": _n(5, 20)}, "can"),
        ("Engine oil {v}, {l} l", {"v": ["5W-30", "10W-40", "15W-40"], "l": _n(1, 5)}, "bottle"),
        ("Gear oil {v}, 1 l", {"v": ["80W-90", "75W-90", "85W-140"]}, "bottle"),
        ("Floor cleaner, {t}, 5 l", {"t": ["neutral", "alkaline", "disinfectant"]}, "can"),
        ("Hand soap, {t}, {m} ml", {"t": ["foam", "liquid"], "m": _n(500, 1000)}, "bottle"),
        ("Rust converter {m} ml", {"m": _n(250, 1000)}, "bottle"),
        ("Marking spray, {c}, 500 ml", {"c": ["red", "yellow", "blue", "green", "white",
                                              "orange"]}, "can"),
    ]),
}  # fmt: skip


@dataclass(frozen=True)
class DemoItem:
    sku: str
    name: str
    unit: str
    lot_tracked: bool
    item_class: str
    unit_cost: float
    reorder_point: int
    reorder_qty: int
    barcodes: list[tuple[str, int]]


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ean13(company_prefix: str, reference: int) -> str:
    body = f"{company_prefix}{reference:0{12 - len(company_prefix)}d}"
    return body + gtin_check_digit(body)


def case_gtin(ean: str, indicator: int) -> str:
    """The GTIN-14 of a case of the item with EAN-13 ``ean`` (indicator digit 1–8)."""
    body = f"{indicator}{ean[:12]}"
    return body + gtin_check_digit(body)


def _names(templates: list[Template]) -> list[tuple[str, str, int]]:
    """(name, unit, template number) for every combination of every template."""
    found = []
    for number, (pattern, values, unit) in enumerate(templates):
        keys = list(values)
        for combo in itertools.product(*(values[k] for k in keys)):
            found.append((pattern.format(**dict(zip(keys, combo, strict=True))), unit, number))
    return found


def _case_packs(rng: random.Random, ean: str) -> list[tuple[str, int]]:
    roll = rng.random()
    if roll < 0.06:
        inner, outer = rng.choice([(6, 24), (12, 24)])
        return [(case_gtin(ean, 1), inner), (case_gtin(ean, 2), outer)]
    if roll < 0.25:
        return [(case_gtin(ean, 1), rng.choice([6, 12, 24]))]
    return []


def demo_items(rng: random.Random, count: int = 1000, lot_share: float = 0.1) -> list[DemoItem]:
    """``count`` items, about ``lot_share`` of them lot-tracked with expiry."""
    lot_count = round(count * lot_share)
    pools = {prefix: _names(spec[3]) for prefix, spec in CATEGORIES.items()}
    lot_pool = [(p, i) for p, spec in CATEGORIES.items() if spec[2] for i in range(len(pools[p]))]
    plain_pool = [
        (p, i) for p, spec in CATEGORIES.items() if not spec[2] for i in range(len(pools[p]))
    ]
    if len(lot_pool) < lot_count or len(plain_pool) < count - lot_count:
        raise ValueError(f"the demo word lists make too few names for {count} items")
    chosen = set(rng.sample(lot_pool, lot_count)) | set(rng.sample(plain_pool, count - lot_count))
    items: list[DemoItem] = []
    reference = 0
    for prefix, (company, (low, high), lot_tracked, templates) in CATEGORIES.items():
        # similar things cost about the same: a base price per template, +-30 %
        base = [low * (high / low) ** rng.random() for _ in templates]
        number = 1000
        for index, (name, unit, template) in enumerate(pools[prefix]):
            if (prefix, index) not in chosen:
                continue
            number += 1
            reference += 1
            ean = ean13(company, reference)
            item_class = rng.choices("ABC", weights=(2, 3, 5))[0]
            cost = round(base[template] * rng.uniform(0.7, 1.3), 2)
            point = {"A": 60, "B": 25, "C": 8}[item_class] + rng.randrange(0, 20)
            items.append(
                DemoItem(
                    sku=f"{prefix}-{number}",
                    name=name,
                    unit=unit,
                    lot_tracked=lot_tracked,
                    item_class=item_class,
                    unit_cost=cost,
                    reorder_point=point,
                    reorder_qty=point * rng.choice([3, 4, 5]),
                    barcodes=[(ean, 1), *_case_packs(rng, ean)],
                )
            )
    return items
