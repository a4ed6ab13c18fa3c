"""Account pages: registration and login."""
