"""Email: the stakeholder summary built from a finished run's folder."""
