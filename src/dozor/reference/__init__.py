"""Packaged reference data: code lists, countries, conversion tables, places (YAML/CSV)."""
