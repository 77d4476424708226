"""The reports wing: the monthly summary's figures, disclosure control, PDF and CSV.

Arrows point one way: reports read casework and program data through the models and a few
casework services (check-ins, outcomes, training); nothing outside ui/, the CLI, verify
and the self-test imports from here.
"""
