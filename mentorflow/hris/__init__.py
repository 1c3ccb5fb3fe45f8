"""Keeping the directory true to the HR system (HRIS): sources, diff, apply."""
