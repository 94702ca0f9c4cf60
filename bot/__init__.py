"""Norra Hisingen resident assistant: wiring, configuration and domain services."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
