from __future__ import annotations

import detainer_desk
from detainer_desk import law, request


def test_all_is_sorted_and_importable() -> None:
    for module in (detainer_desk, law, request):
        names = list(module.__all__)
        assert names == sorted(names, key=str.lower) or names == sorted(names)
        for name in names:
            assert getattr(module, name) is not None
