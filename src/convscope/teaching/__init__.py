"""Explanation panels, layer facts and softmax precision for the teaching app (numbers from the payloads)."""
