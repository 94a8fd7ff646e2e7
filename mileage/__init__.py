"""Mileage: what AI assistance delivers, per token and per dollar."""
