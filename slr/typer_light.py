"""Option values converted without pydantic, for the plain types this CLI declares.

typer (0.2x) coerces every parameter value, defaults included, through a pydantic TypeAdapter:
importing pydantic and building the adapters costs ~0.13 s on each command and on each tab
completion, more than the query itself. For bool, str, int (with min/max), Enum choices, Path and
lists of str, a value that is already valid is converted here exactly as typer's adapter would
(typer's own choice and path functions do the work); anything else, a bad value included, goes
to typer's own coercion, so every message and edge case stays typer's. On a typer without these
internals `install()` does nothing and typer coerces as usual.
"""
from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

_INT = re.compile(r"-?[0-9]+")


class _Declined(Exception):
    """Not a value the light path is sure about: typer decides."""


def _leaf(descriptor, coerce_choice, coerce_path):
    """A function (value, param, ctx) -> value for one annotation, or None when typer should do it."""
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if info.parser is not None or descriptor.is_file or getattr(info, "click_type", None) is not None:
        return None
    if annotation is bool:      # flags arrive as bools (typer skips those) or None (no flag: help, completion)
        def as_bool(value, param, ctx):
            if isinstance(value, bool):
                return value
            raise _Declined
        return as_bool
    if annotation is str:
        def as_str(value, param, ctx):
            if isinstance(value, str):
                return value
            raise _Declined
        return as_str
    if annotation is int and not info.clamp:
        low, high = info.min, info.max

        def as_int(value, param, ctx):
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, str) and _INT.fullmatch(value):
                number = int(value)
            else:
                raise _Declined
            if (low is not None and number < low) or (high is not None and number > high):
                raise _Declined
            return number
        return as_int
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices, case_sensitive = tuple(annotation), info.case_sensitive
        return lambda value, param, ctx: coerce_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
    if annotation is Path and descriptor.is_path and info.path_type is None:
        def as_path(value, param, ctx):
            if isinstance(value, str) and value:
                value = Path(value)
            elif not isinstance(value, Path):
                raise _Declined
            return coerce_path(value, info, path_type=Path, param=param, ctx=ctx)
        return as_path
    return None


def install() -> None:
    try:
        from dataclasses import dataclass
        from typing import Any, get_args

        from typer import _coercion, _param_types, core

        base = core._TyperParameter
        original = base.get_runtime_param
        build, runtime_param = _coercion.build_runtime_param, _coercion.RuntimeParam
        coerce_choice, coerce_path = _param_types.coerce_cli_choice, _param_types.coerce_cli_path
    except (ImportError, AttributeError):
        return
    if getattr(base, "_slr_light", False):
        return

    @dataclass(frozen=True)
    class Light(runtime_param):
        convert: Any
        descriptor: Any

        def _coerce_value(self, value, param, ctx):
            try:
                return self.convert(value, param, ctx)
            except Exception:  # noqa: BLE001  (typer's own coercion gives the answer, or the error)
                return build(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def light(descriptor):
        if descriptor.is_list:
            (item,) = get_args(descriptor.annotation) or (None,)
            if item is not str:
                return None

            def as_list(value, param, ctx):
                if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                    return list(value)
                raise _Declined
            return as_list
        if descriptor.is_tuple:
            return None
        return _leaf(descriptor, coerce_choice, coerce_path)

    def get_runtime_param(self):
        if getattr(self, "_runtime_param", None) is None:
            descriptor = self.type_descriptor
            convert = light(descriptor)
            if convert is not None:
                self._runtime_param = Light(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                                            convert=convert, descriptor=descriptor)
        return original(self)

    base.get_runtime_param = get_runtime_param
    base._slr_light = True
