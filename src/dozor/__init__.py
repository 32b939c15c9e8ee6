"""Dozor: regional information system for cross-border cooperation against drug trafficking."""

__version__ = "0.1.0"
