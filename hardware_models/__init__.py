"""Hardware models: DACs (transfer, INL/DNL, SQNR), power/area costs, cryostat budgets.

This package imports nothing else of the project.
"""

from hardware_models.costs import (
    POWER_TERMS,
    ChannelArea,
    ChannelPower,
    channel_area,
    channel_area_m2,
    channel_power,
    channel_power_w,
    switch_counts,
    thermal_floor_power_w,
)
from hardware_models.cryostat import BudgetReport, StageLoad, budget
from hardware_models.dac import ARCHITECTURES, DAC, DACSpec
from hardware_models.linearity import dnl_lsb, dnl_max_lsb, inl_lsb, inl_max_lsb, is_monotonic
from hardware_models.mismatch import (
    YieldEstimate,
    inl_yield,
    pelgrom_unit_area_m2,
    required_unit_sigma,
)
from hardware_models.presets import (
    FridgePreset,
    StagePreset,
    TechnologyPreset,
    list_presets,
    load_fridge,
    load_technology,
)
from hardware_models.spectral import SineTestResult, enob, ideal_sqnr_db, sine_test, sqnr_db

__all__ = [
    "ARCHITECTURES",
    "POWER_TERMS",
    "DAC",
    "BudgetReport",
    "ChannelArea",
    "ChannelPower",
    "DACSpec",
    "FridgePreset",
    "SineTestResult",
    "StageLoad",
    "StagePreset",
    "TechnologyPreset",
    "YieldEstimate",
    "budget",
    "channel_area",
    "channel_area_m2",
    "channel_power",
    "channel_power_w",
    "dnl_lsb",
    "dnl_max_lsb",
    "enob",
    "ideal_sqnr_db",
    "inl_lsb",
    "inl_max_lsb",
    "inl_yield",
    "is_monotonic",
    "list_presets",
    "load_fridge",
    "load_technology",
    "pelgrom_unit_area_m2",
    "required_unit_sigma",
    "sine_test",
    "sqnr_db",
    "switch_counts",
    "thermal_floor_power_w",
]
