"""The web app: the participants' signed-link pages (``participant/``), HR's
console (``console/``) and JSON API (``api/``) behind sign-in (``auth/``),
and the dev mail inbox."""

from mentorflow.web.app import create_app

__all__ = ["create_app"]
