"""Client reports: the figures of services/report.py drawn as one HTML page or Markdown.

Pure rendering (data in, text/files out): no database, no network. matplotlib
and Jinja2 are imported only inside the functions that draw.
"""
