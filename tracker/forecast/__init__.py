"""Forecasts of where each story is heading: interactions at a horizon and at twice the current
age, with an 80% interval. `features` turns early curves into numbers (Polars), `model` is the
learner and its intervals (numpy), `fit` reads the store's history, fits and writes forecasts."""
