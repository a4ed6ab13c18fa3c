"""The hotline fixtures (centre, departments, staff, citizen, fake router) shared with the hotline tests."""

from tests.hotline.conftest import hotline, router  # noqa: F401 - pytest fixtures
