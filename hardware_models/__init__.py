"""Hardware models: DACs (transfer, INL/DNL, SQNR), power/area costs, cryostat budgets.

This package imports nothing else of the project.
"""
