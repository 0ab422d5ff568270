"""Settings for the package tests, which also run outside the repository (against a wheel)."""


def pytest_configure(config):
    # Registered here, not only in pyproject.toml, because the copy of these tests that
    # runs against an installed wheel has no pyproject.toml beside it.
    config.addinivalue_line(
        "markers", "torch: compares with PyTorch; deselected where it has no wheel"
    )
