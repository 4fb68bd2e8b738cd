"""The report: narrative, charts, template views, HTML, PDF and the output folder."""
