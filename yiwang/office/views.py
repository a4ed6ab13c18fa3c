"""Views of the office app: thin, they call actions and queries."""
