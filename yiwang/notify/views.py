"""Views of the notify app: thin, they call actions and queries."""
