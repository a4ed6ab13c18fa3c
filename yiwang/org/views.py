"""Views of the org app: thin, they call actions and queries."""
