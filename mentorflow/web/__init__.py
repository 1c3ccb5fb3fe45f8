"""The web app: signed-link pages for participants and the dev mail inbox."""

from mentorflow.web.app import create_app

__all__ = ["create_app"]
