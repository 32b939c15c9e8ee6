"""Bulletins and exports."""
