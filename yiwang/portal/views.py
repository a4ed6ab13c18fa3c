"""Citizen portal pages (公众门户)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The portal home page (首页)."""
    return render(request, "portal/home.html")
