"""The corpus as package data: one YAML file per study under studies/, review.yaml, FORMAT.md.

Nothing here is code. It is a package only so that an installed wheel carries the data and
`slr` finds it through importlib.resources; `SLR_CORPUS=DIR` points at an edited copy instead.
"""
