"""Static files as production serves them: collected, hashed, referenced by the pages."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_pages_render_with_collected_hashed_static_files(tmp_path: Path, client: Client) -> None:
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/yiwang/site." in page  # hashed name from the manifest
    assert (tmp_path / "staticfiles.json").exists()
